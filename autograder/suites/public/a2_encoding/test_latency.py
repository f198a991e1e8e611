"""Public tests for latency_encode on small inputs with hand-checkable spike steps."""

import pytest
import torch

from autograder.checks import assert_equal, assert_tensor, raises_in_student_code


def _one_spike_each(steps, num_steps, dtype=torch.float32):
    """Return spike trains of shape [num_steps, len(steps)] with element i firing at steps[i]."""
    spikes = torch.zeros(num_steps, len(steps), dtype=dtype)
    for element, step in enumerate(steps):
        if step is not None:
            spikes[step, element] = 1.0
    return spikes


@pytest.mark.points(1)
def test_latency_shape_and_dtype(student):
    """latency_encode returns [num_steps, *data.shape] in the dtype of data."""
    for dtype in (torch.float32, torch.float64):
        data = torch.tensor([[0.2, 0.5, 1.0], [0.9, 0.4, 0.3]], dtype=dtype)
        context = f"data of shape (2, 3) in [0.2, 1.0], num_steps=20, dtype {dtype}"

        spikes = student.latency_encode(data, 20)
        assert_tensor(spikes, what="spikes", shape=(20, 2, 3), dtype=dtype, context=context)


@pytest.mark.points(1)
def test_log_code_values(student):
    """The log code fires at round(tau ln(x / (x - threshold)))."""
    context = "data=[1.0, 0.5, 0.3], num_steps=8, tau=4.0, threshold=0.25"
    spikes = student.latency_encode(torch.tensor([1.0, 0.5, 0.3]), 8, tau=4.0, threshold=0.25)

    # 4 ln(4/3) = 1.15, 4 ln(2) = 2.77, 4 ln(6) = 7.17.
    assert_equal(spikes, _one_spike_each([1, 3, 7], 8), what="spikes", context=context, time_axis=0)


@pytest.mark.points(1)
def test_linear_code_values(student):
    """The linear code fires at round(tau (1 - x)), and inputs below the threshold at round(tau (1 - threshold))."""
    context = "data=[1.0, 0.7, 0.42, 0.0], num_steps=8, tau=8.0, threshold=0.25, linear=True"
    spikes = student.latency_encode(torch.tensor([1.0, 0.7, 0.42, 0.0]), 8, tau=8.0, threshold=0.25, linear=True)

    # 8 * 0 = 0, 8 * 0.3 = 2.4, 8 * 0.58 = 4.64, and min(8 * 1, 8 * 0.75) = 6 for x = 0.
    assert_equal(spikes, _one_spike_each([0, 2, 5, 6], 8), what="spikes", context=context, time_axis=0)


@pytest.mark.points(1)
def test_normalize_values(student):
    """normalize=True stretches the times so that the latest one falls at step num_steps - 1."""
    context = "data=[1.0, 0.7, 0.42, 0.0], num_steps=8, linear=True, normalize=True"
    spikes = student.latency_encode(torch.tensor([1.0, 0.7, 0.42, 0.0]), 8, linear=True, normalize=True)

    # tau becomes num_steps - 1 = 7: 7 * 0.3 = 2.1, 7 * 0.58 = 4.06, 7 * 0.99 = 6.93.
    assert_equal(spikes, _one_spike_each([0, 2, 4, 7], 8), what="spikes", context=context, time_axis=0)

    context = "data=[1.0, 0.5, 0.3], num_steps=11, threshold=0.25, normalize=True"
    spikes = student.latency_encode(torch.tensor([1.0, 0.5, 0.3]), 11, threshold=0.25, normalize=True)

    # ln(4/3), ln(2) and ln(6), scaled by 10 / ln(6): 1.61, 3.87 and 10.
    assert_equal(spikes, _one_spike_each([2, 4, 10], 11), what="spikes", context=context, time_axis=0)


@pytest.mark.points(1)
def test_rounding_half_to_even(student):
    """A time exactly halfway between two steps goes to the even step, as torch.round does."""
    context = "data=[0.875, 0.625, 0.375, 0.125], num_steps=5, tau=4.0, linear=True"
    spikes = student.latency_encode(torch.tensor([0.875, 0.625, 0.375, 0.125]), 5, tau=4.0, linear=True)

    # The times are exactly 0.5, 1.5, 2.5 and 3.5.
    assert_equal(spikes, _one_spike_each([0, 2, 2, 4], 5), what="spikes", context=context, time_axis=0)


@pytest.mark.points(1)
def test_saturated_time_depends_on_dtype(student):
    """Inputs at or below the threshold fire at a step that depends on the dtype, because the math runs in data.dtype."""
    values = [0.0, 0.25, 1.0]
    # x' - threshold is 3 units in the last place of 0.25 in float32 (8.94e-8 instead
    # of 1e-7), so 0.98 ln(x' / (x' - 0.25)) is 14.55 in float32 and 14.44 in float64.
    for dtype, saturated_step in [(torch.float32, 15), (torch.float64, 14)]:
        context = f"data={values}, num_steps=16, tau=0.98, threshold=0.25, dtype {dtype}"

        spikes = student.latency_encode(torch.tensor(values, dtype=dtype), 16, tau=0.98, threshold=0.25)
        expected = _one_spike_each([saturated_step, saturated_step, 0], 16, dtype=dtype)
        assert_equal(spikes, expected, what="spikes", context=context, time_axis=0)


@pytest.mark.points(1)
def test_clip_silences_inputs_below_threshold(student):
    """With clip=True inputs below the threshold do not fire, and an input at the threshold does."""
    values = [0.0, 0.1, 0.25, 0.5, 1.0]
    context = f"data={values}, num_steps=8, tau=8.0, threshold=0.25, linear=True, clip=True"
    spikes = student.latency_encode(torch.tensor(values), 8, tau=8.0, threshold=0.25, linear=True, clip=True)

    # 0.0 and 0.1 are clipped. 0.25 fires at 8 * 0.75 = 6, 0.5 at 4 and 1.0 at 0.
    assert_equal(spikes, _one_spike_each([None, None, 6, 4, 0], 8), what="spikes", context=context, time_axis=0)


@pytest.mark.points(1)
def test_latency_rejects_late_spikes(student):
    """A spike time after the last step raises ValueError, and the message suggests normalize=True."""
    call = "latency_encode(torch.tensor([0.0, 1.0]), num_steps=5)"
    with raises_in_student_code("ValueError", call=call) as raised:
        student.latency_encode(torch.tensor([0.0, 1.0]), 5)

    # x = 0 fires at ln((0.01 + 1e-7) / 1e-7) = 11.5, after step 4.
    assert "normalize" in raised.message, (
        f"the ValueError message of {call} should suggest normalize=True as a fix. Got: {raised.message}"
    )
