"""Public tests for FastSigmoid and fast_sigmoid on hand-checkable values."""

import pytest
import torch

from autograder.checks import assert_close, assert_equal, assert_tensor

HARNESS = "autograder.harnesses.training"


def _run_surrogate(student, x, slope, grad_output):
    return student.run_harness(
        f"{HARNESS}:surrogate_forward_backward", x, slope, grad_output, function="FastSigmoid"
    ).value


@pytest.mark.points(1)
def test_forward_is_strict_heaviside(student):
    """FastSigmoid.apply spikes where x > 0 and nowhere else, not even at x = 0."""
    x = torch.tensor([-1.0, -0.1, 0.0, 0.1, 2.0])
    context = "x=[-1.0, -0.1, 0.0, 0.1, 2.0], slope=25.0"

    result = _run_surrogate(student, x, 25.0, torch.ones(5))

    assert_equal(result["output"], torch.tensor([0.0, 0.0, 0.0, 1.0, 1.0]), what="FastSigmoid.apply(x, 25.0)", context=context)


@pytest.mark.points(1)
def test_backward_values(student):
    """The gradient is grad_output / (slope |x| + 1) ** 2."""
    x = torch.tensor([-0.1, 0.0, 0.2, 0.04])
    grad_output = torch.tensor([1.0, 1.0, 1.0, 2.0])
    context = "x=[-0.1, 0.0, 0.2, 0.04], slope=25.0, grad_output=[1, 1, 1, 2]"

    result = _run_surrogate(student, x, 25.0, grad_output)

    assert result["grad"] is not None, f"no gradient reached x through FastSigmoid.apply(x, 25.0) ({context})"
    # 1 / 3.5 ** 2, 1 / 1 ** 2, 1 / 6 ** 2 and 2 / 2 ** 2.
    expected = torch.tensor([1 / 12.25, 1.0, 1 / 36, 0.5])
    assert_close(result["grad"], expected, what="the gradient of FastSigmoid.apply(x, 25.0)", context=context)


@pytest.mark.points(1)
def test_keeps_float64(student):
    """For float64 x, FastSigmoid returns float64 spikes and a float64 gradient."""
    x = torch.tensor([-0.5, 0.5], dtype=torch.float64)
    context = "x=[-0.5, 0.5] in float64, slope=2.0"

    result = _run_surrogate(student, x, 2.0, torch.ones(2, dtype=torch.float64))

    assert_equal(result["output"], torch.tensor([0.0, 1.0], dtype=torch.float64), what="FastSigmoid.apply(x, 2.0)", context=context)
    assert result["grad"] is not None, f"no gradient reached x through FastSigmoid.apply(x, 2.0) ({context})"
    assert_close(
        result["grad"],
        torch.tensor([0.25, 0.25], dtype=torch.float64),
        what="the gradient of FastSigmoid.apply(x, 2.0)",
        context=context,
    )


@pytest.mark.points(1)
def test_spike_function_inside_leaky(student):
    """fast_sigmoid(slope) works as the spike_grad of snn.Leaky, in both directions."""
    # One step from a membrane at rest: mem = input, spk = H(mem - 1), and the gradient
    # of sum(spk) is 1 / (10 |mem - 1| + 1) ** 2 = 1 / 36 for both neurons.
    inputs = torch.tensor([[1.5, 0.5]])
    context = "snn.Leaky(beta=0.9, spike_grad=fast_sigmoid(10.0)), one step, input=[1.5, 0.5], loss sum(spk)"

    result = student.run_harness(
        f"{HARNESS}:leaky_with_spike_function", inputs, 0.9, 10.0, torch.ones(1, 2), function="fast_sigmoid"
    ).value

    spk_rec = assert_tensor(result["spk_rec"], what="spk", shape=(1, 2), context=context)
    assert_equal(spk_rec, torch.tensor([[1.0, 0.0]]), what="spk", context=context, check_dtype=False)
    assert result["grad"] is not None, f"no gradient reached the input through the spikes ({context})"
    assert_close(result["grad"], torch.full((1, 2), 1 / 36), what="the gradient reaching the input", context=context)
