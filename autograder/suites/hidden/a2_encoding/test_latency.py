"""Hidden tests for latency_encode against spikegen.latency on random, well-conditioned inputs."""


import pytest
import torch

from autograder.suites.hidden.a2_encoding import oracle


#: (shape, num_steps, tau, threshold) of the log code without normalization. Each
#: num_steps leaves room for the latest time, τ ln((θ + ε) / ε).
LOG_CASES = [
    ((4, 25), 13, 1.0, 0.01),
    ((3, 2, 10), 28, 2.0, 0.05),
    ((50,), 50, 4.0, 0.02),
]

#: (shape, num_steps, tau, threshold) of the linear code without normalization.
#: The latest step is round(τ (1 - θ)). In the last two cases round(τ) differs from
#: it, so a code that does not cap inputs below the threshold fails them.
LINEAR_CASES = [
    ((4, 25), 11, 10.0, 0.01),
    ((3, 2, 10), 28, 30.0, 0.1),
    ((50,), 6, 7.5, 0.3),
]

#: (shape, num_steps, tau, threshold) of the normalized codes. The linear code
#: ignores tau when it normalizes.
NORMALIZE_CASES = [
    ((4, 25), 10, 1.0, 0.01),
    ((3, 2, 10), 25, 3.0, 0.1),
    ((50,), 100, 0.5, 0.3),
]


def _check_cases(student, cases, dtype, seed, linear, normalize, clip=False):
    """Call latency_encode on one random input per case and compare with spikegen.latency."""
    for index, (shape, num_steps, tau, threshold) in enumerate(cases):
        case_seed = seed + 100 * index
        data = oracle.sample_latency_data(
            seed=case_seed,
            shape=shape,
            dtype=dtype,
            num_steps=num_steps,
            tau=tau,
            threshold=threshold,
            linear=linear,
            normalize=normalize,
            near_threshold=not linear,
        )
        options = dict(tau=tau, threshold=threshold, linear=linear, normalize=normalize, clip=clip)
        context = (
            f"random data of shape {shape} (seed {case_seed}, input 0 is 0.0), num_steps={num_steps}, "
            + ", ".join(f"{key}={value}" for key, value in options.items())
            + f", dtype {dtype}"
        )

        spikes = student.latency_encode(data, num_steps, **options)
        oracle.check_latency(spikes, data, num_steps, context, **options)


@pytest.mark.points(1)
def test_log_code_matches_snntorch(student):
    """The logarithmic code fires at the step spikegen.latency gives, for several tau and thresholds."""
    _check_cases(student, LOG_CASES, torch.float32, seed=5100, linear=False, normalize=False)


@pytest.mark.points(1)
def test_linear_code_matches_snntorch(student):
    """The linear code fires at the step spikegen.latency gives, for several tau and thresholds."""
    _check_cases(student, LINEAR_CASES, torch.float32, seed=5200, linear=True, normalize=False)


@pytest.mark.points(1)
def test_log_normalize_matches_snntorch(student):
    """The normalized logarithmic code agrees with spikegen.latency(normalize=True)."""
    _check_cases(student, NORMALIZE_CASES, torch.float32, seed=5300, linear=False, normalize=True)


@pytest.mark.points(1)
def test_linear_normalize_matches_snntorch(student):
    """The normalized linear code agrees with spikegen.latency(normalize=True, linear=True)."""
    _check_cases(student, NORMALIZE_CASES, torch.float32, seed=5400, linear=True, normalize=True)


@pytest.mark.points(1)
def test_clip_matches_snntorch(student):
    """With clip=True, inputs below the threshold stay silent as in spikegen.latency(clip=True)."""
    _check_cases(student, LOG_CASES, torch.float32, seed=5500, linear=False, normalize=False, clip=True)
    _check_cases(student, LINEAR_CASES, torch.float32, seed=5600, linear=True, normalize=False, clip=True)
    _check_cases(student, NORMALIZE_CASES, torch.float32, seed=5700, linear=False, normalize=True, clip=True)
    _check_cases(student, NORMALIZE_CASES, torch.float32, seed=5800, linear=True, normalize=True, clip=True)


@pytest.mark.points(1)
def test_float64_matches_snntorch(student):
    """Every code agrees with spikegen.latency on float64 input and returns float64 spikes."""
    _check_cases(student, LOG_CASES, torch.float64, seed=5900, linear=False, normalize=False)
    _check_cases(student, LINEAR_CASES, torch.float64, seed=6000, linear=True, normalize=False)
    _check_cases(student, NORMALIZE_CASES, torch.float64, seed=6100, linear=False, normalize=True)
    _check_cases(student, NORMALIZE_CASES, torch.float64, seed=6200, linear=True, normalize=True, clip=True)
