"""Hidden tests for first_spike_time on random trains, silent elements and latency codes."""


import pytest
import torch

from autograder.checks import assert_equal, assert_tensor
from autograder.suites.hidden.a2_encoding import oracle


def _first_steps_by_loop(spk):
    """Return the first nonzero step of every element of `spk`, found one element at a time."""
    num_steps = spk.shape[0]
    flat = spk.reshape(num_steps, -1)
    steps = []
    for column in range(flat.shape[1]):
        nonzero = [t for t in range(num_steps) if flat[t, column] != 0]
        steps.append(nonzero[0] if nonzero else num_steps)
    return torch.tensor(steps, dtype=torch.long).reshape(spk.shape[1:])


def _random_trains(seed, shape, p, dtype=torch.float32):
    """Draw spike trains with probability p per step, and a spike at the last step so every element fires."""
    generator = torch.Generator().manual_seed(seed)
    spk = (torch.rand(shape, generator=generator) < p).to(dtype)
    spk[-1] = 1
    return spk


@pytest.mark.points(1)
def test_first_spike_time_random_trains(student):
    """first_spike_time returns the first step with a spike of every element of random trains."""
    for seed, shape, p in [(8100, (20, 3, 7), 0.1), (8200, (50, 40), 0.05), (8300, (6, 10), 0.5)]:
        spk = _random_trains(seed, shape, p)
        context = f"random trains of shape {shape} with p={p} (seed {seed}), every element fires at least at the last step"

        steps = student.first_spike_time(spk)
        assert_equal(steps, _first_steps_by_loop(spk), what="first spike step", context=context)


@pytest.mark.points(1)
def test_first_spike_time_silent_elements(student):
    """Elements that never fire get num_steps, while the others get their first step."""
    spk = torch.zeros(6, 4)
    spk[2, 0] = 1.0
    spk[5, 2] = 1.0
    context = "spk of shape (6, 4) with spikes only at [2, 0] and [5, 2]"

    steps = student.first_spike_time(spk)
    assert_equal(steps, torch.tensor([2, 6, 5, 6]), what="first spike step", context=context)

    steps = student.first_spike_time(torch.zeros(9, 2, 3))
    assert_equal(steps, torch.full((2, 3), 9), what="first spike step", context="spk=zeros of shape (9, 2, 3)")


@pytest.mark.points(1)
def test_first_spike_time_decodes_latency(student):
    """Decoding spikegen.latency's spike trains returns the encoded steps."""
    for linear, normalize, tau in [(False, False, 2.0), (True, False, 25.0), (False, True, 1.0), (True, True, 1.0)]:
        options = dict(tau=tau, threshold=0.05, linear=linear, normalize=normalize)
        data = oracle.sample_latency_data(seed=8400, shape=(5, 12), dtype=torch.float32, num_steps=30, near_threshold=not linear, **options)
        spk = oracle.latency_oracle(data, 30, **options)
        context = f"spikegen.latency(random data of shape (5, 12), num_steps=30, {', '.join(f'{k}={v}' for k, v in options.items())})"

        steps = student.first_spike_time(spk)
        assert_equal(steps, oracle.latency_steps(data, 30, **options), what="first spike step", context=context)


@pytest.mark.points(1)
def test_first_spike_time_any_nonzero_counts(student):
    """Any nonzero value counts as a spike, in any dtype: -1 off-spikes, float64, integers and booleans."""
    values = [[0.0, 0.0, 0.0], [0.0, -1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, -1.0]]
    expected = torch.tensor([2, 1, 3])
    for dtype in (torch.float32, torch.float64, torch.int64):
        context = f"spk={values} as {dtype}"
        steps = student.first_spike_time(torch.tensor(values).to(dtype))
        assert_equal(steps, expected, what="first spike step", context=context)

    booleans = torch.tensor(values) != 0
    steps = student.first_spike_time(booleans)
    assert_equal(steps, expected, what="first spike step", context=f"spk={values} != 0, dtype torch.bool")


@pytest.mark.points(1)
def test_first_spike_time_shapes_and_dtype(student):
    """first_spike_time returns a torch.long tensor of shape spk.shape[1:], 0-dim for a single train."""
    for shape in [(7,), (7, 3), (7, 2, 3, 4)]:
        spk = _random_trains(8500, shape, 0.3)
        context = f"random trains of shape {shape}"

        steps = student.first_spike_time(spk)
        assert_tensor(steps, what="first spike step", shape=shape[1:], dtype=torch.long, context=context)
