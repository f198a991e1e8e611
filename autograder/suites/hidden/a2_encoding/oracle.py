"""Expected results for the hidden a2_encoding tests, computed with snnTorch 1.0.0.

The tests load this module by path (see `_load_oracle` in each test file) because the
suites have no packages. Everything here runs in the grader process and never imports
the student's code.
"""

import math

import torch
from snntorch import spikegen
from torch import Tensor

from autograder.checks import assert_equal, assert_tensor

DTYPES = (torch.float32, torch.float64)

#: The ε that spikegen.latency adds to the threshold by default.
EPSILON = 1e-7

#: Minimum distance between a random case's spike time and a rounding boundary
#: k + 0.5. A correct submission that orders its floating point operations
#: differently from snnTorch moves a time by a few ulp, far less than this.
ROUNDING_MARGIN = 1e-3

#: Minimum distance between a random input and the threshold, so that no random
#: input sits where float32 and float64 disagree about x < θ.
THRESHOLD_MARGIN = 1e-4

#: Rounds of redrawing ill-conditioned elements before a case gives up.
MAX_ROUNDS = 200


def latency_oracle(data: Tensor, num_steps: int, **options) -> Tensor:
    """Return spikegen.latency's spike trains for `data`, in the dtype of `data`.

    `options` are latency_encode's keyword arguments (tau, threshold, linear,
    normalize, clip). snnTorch 1.0.0 returns float32 for every input dtype, so the
    result is converted to the dtype that latency_encode must return.
    """
    spikes = spikegen.latency(data, num_steps=num_steps, **options)
    return spikes.to(data.dtype)


def latency_steps(data: Tensor, num_steps: int, **options) -> Tensor:
    """Return the step at which each element of `data` fires, or `num_steps` where it does not."""
    fired = latency_oracle(data, num_steps, **options) != 0
    steps = torch.arange(num_steps).reshape(num_steps, *([1] * data.dim()))
    return torch.where(fired, steps, num_steps).amin(dim=0)


def _spike_time_variants(data: Tensor, num_steps: int, tau: float, threshold: float, linear: bool, normalize: bool) -> list[Tensor]:
    """Return the spike times under the precision choices a correct submission might make.

    The variants are snnTorch's own computation in the dtype of `data`, the same in
    float64, and θ + ε moved by one ulp of the dtype up or down. Summing θ and ε in
    the dtype instead of in Python floats can move it that far.
    """
    spacing = float(torch.nextafter(torch.tensor(threshold, dtype=data.dtype), torch.tensor(1.0, dtype=data.dtype))) - threshold
    variants = []
    for values, epsilon in [
        (data, EPSILON),
        (data, EPSILON + spacing),
        (data, EPSILON - spacing),
        (data.double(), EPSILON),
    ]:
        times, _ = spikegen.latency_code(
            values,
            num_steps=num_steps,
            threshold=threshold,
            tau=tau,
            normalize=normalize,
            linear=linear,
            epsilon=epsilon,
        )
        variants.append(times.double())
    return variants


def ill_conditioned(data: Tensor, num_steps: int, tau: float, threshold: float, linear: bool, normalize: bool) -> Tensor:
    """Return a boolean mask of the elements whose step depends on floating point details.

    An element is ill-conditioned when the precision variants of its spike time,
    widened by ROUNDING_MARGIN, straddle a rounding boundary k + 0.5, or when it lies
    within THRESHOLD_MARGIN of the threshold.
    """
    variants = torch.stack(_spike_time_variants(data, num_steps, tau, threshold, linear, normalize))
    low = variants.amin(dim=0) - ROUNDING_MARGIN
    high = variants.amax(dim=0) + ROUNDING_MARGIN
    straddles = torch.floor(low + 0.5) != torch.floor(high + 0.5)
    near_threshold = (data.double() - threshold).abs() < THRESHOLD_MARGIN
    return straddles | near_threshold


def _draw_near_threshold(shape: tuple[int, ...], dtype: torch.dtype, threshold: float, generator: torch.Generator) -> Tensor:
    """Draw inputs x = θ + (1 - θ) 10^(-4u) with u uniform in [0, 1], and 10% uniform in [0, θ).

    Uniform inputs make the log code fire almost only at steps 0 and 1, because
    t = τ ln(x / (x - θ)) is small unless x is close to θ. Spreading x - θ over four
    decades spreads t over about τ ln(θ / 10^-4) steps.
    """
    above = threshold + (1 - threshold) * torch.pow(10.0, -4 * torch.rand(shape, generator=generator, dtype=torch.float64))
    below = threshold * torch.rand(shape, generator=generator, dtype=torch.float64)
    use_below = torch.rand(shape, generator=generator) < 0.1
    return torch.where(use_below, below, above).to(dtype)


def sample_latency_data(
    seed: int,
    shape: tuple[int, ...],
    dtype: torch.dtype,
    num_steps: int,
    tau: float = 1.0,
    threshold: float = 0.01,
    linear: bool = False,
    normalize: bool = False,
    near_threshold: bool = False,
) -> Tensor:
    """Draw inputs in [0, 1] whose spike steps do not depend on rounding details.

    The inputs are uniform in [0, 1], or with `near_threshold` drawn by
    `_draw_near_threshold`, which spreads the log code's times over many steps.
    Elements that `ill_conditioned` flags are redrawn from the same distribution
    until none is left. The first element is 0, so that the log code's latest time,
    and with it the normalization, never changes while elements are redrawn.

    Raises:
        RuntimeError: If the case does not settle within MAX_ROUNDS, or if a spike
            falls after the last step, or if input 0 is ill-conditioned. Each
            means the case parameters need changing, not the submission.
    """
    generator = torch.Generator().manual_seed(seed)

    def draw() -> Tensor:
        if near_threshold:
            return _draw_near_threshold(shape, dtype, threshold, generator)
        return torch.rand(shape, generator=generator, dtype=dtype)

    data = draw()
    data.view(-1)[0] = 0.0
    for _ in range(MAX_ROUNDS):
        bad = ill_conditioned(data, num_steps, tau, threshold, linear, normalize)
        if bool(bad.view(-1)[0]):
            raise RuntimeError(f"the step of input 0 depends on rounding details for tau={tau}, threshold={threshold}")
        if not bool(bad.any()):
            break
        data = torch.where(bad, draw(), data)
    else:
        raise RuntimeError(f"latency case with seed {seed} and shape {shape} did not settle in {MAX_ROUNDS} rounds")

    times, _ = spikegen.latency_code(data, num_steps=num_steps, threshold=threshold, tau=tau, normalize=normalize, linear=linear)
    last = int(torch.round(times.max()))
    if last > num_steps - 1:
        raise RuntimeError(f"latency case with seed {seed} fires at step {last}, after the last of num_steps={num_steps}")
    return data


def sample_delta_data(seed: int, shape: tuple[int, ...], dtype: torch.dtype, threshold: float) -> Tensor:
    """Draw a random walk along dim 0 whose changes all stay away from ±threshold.

    The steps are normal with standard deviation 2θ, so on-spikes, off-spikes and
    silent steps all occur. Each draw that puts a change, or the first value
    (compared with 0 or with itself), within 1e-4 of ±θ moves to the next seed.
    """
    for attempt in range(MAX_ROUNDS):
        generator = torch.Generator().manual_seed(seed + attempt)
        data = torch.cumsum(torch.randn(shape, generator=generator, dtype=dtype) * 2 * threshold, dim=0)
        changes = torch.cat((data[:1], data[1:] - data[:-1]))
        if bool(((changes.abs() - threshold).abs() > 1e-4).all()):
            return data
    raise RuntimeError(f"no delta case in seeds {seed}..{seed + MAX_ROUNDS - 1} keeps its changes away from the threshold")


def delta_oracle(data: Tensor, threshold: float, padding: bool, off_spike: bool) -> Tensor:
    """Return spikegen.delta's output, which already has the dtype of `data`."""
    return spikegen.delta(data, threshold=threshold, padding=padding, off_spike=off_spike)


def hoeffding_bound(samples: int, deviation: float) -> float:
    """Return Hoeffding's bound on P(|mean - p| >= deviation) for `samples` Bernoulli draws."""
    return 2 * math.exp(-2 * samples * deviation**2)


def spike_steps(spikes: Tensor) -> Tensor:
    """Return the first step with a nonzero value of each element of `spikes`, or T where there is none."""
    num_steps = spikes.shape[0]
    steps = torch.arange(num_steps).reshape(num_steps, *([1] * (spikes.dim() - 1)))
    return torch.where(spikes != 0, steps, num_steps).amin(dim=0)


def check_latency(actual: object, data: Tensor, num_steps: int, context: str, **options) -> None:
    """Check latency_encode's output against spikegen.latency, step by step, then exactly.

    Comparing the decoded steps first makes the message name a spike step
    ("expected 12, got 11") instead of a 0 or 1 somewhere in the train.
    """
    expected = latency_oracle(data, num_steps, **options)
    spikes = assert_tensor(actual, what="spikes", shape=expected.shape, dtype=expected.dtype, context=context)
    assert_equal(spike_steps(spikes), spike_steps(expected), what="step of the first spike", context=context)
    assert_equal(spikes, expected, what="spikes", context=context)
