"""Public tests for leaky_step on small tensors with hand-checkable values."""

import pytest
import torch

from autograder.checks import assert_close, assert_equal, assert_tensor


@pytest.mark.points(1)
def test_leaky_step_output_shapes(student):
    """leaky_step returns (spk, mem), two tensors with the shape and dtype of mem."""
    for dtype in (torch.float32, torch.float64):
        context = f"input and mem of shape (2, 3) and dtype {dtype}, beta=0.9"
        result = student.leaky_step(torch.full((2, 3), 0.5, dtype=dtype), torch.zeros(2, 3, dtype=dtype), 0.9)
        assert isinstance(result, tuple) and len(result) == 2, (
            f"leaky_step should return a tuple (spk, mem), got {type(result).__name__} ({context})"
        )

        spk, mem = result
        assert_tensor(spk, what="spk", shape=(2, 3), dtype=dtype, context=context)
        assert_tensor(mem, what="mem", shape=(2, 3), dtype=dtype, context=context)


@pytest.mark.points(1)
def test_leaky_step_fires_above_threshold(student):
    """leaky_step spikes where the updated membrane is above the threshold."""
    context = "input=[0.5, 1.5, 0.9], mem=0, beta=0.5, threshold=1.0"
    spk, mem = student.leaky_step(torch.tensor([0.5, 1.5, 0.9]), torch.zeros(3), 0.5, threshold=1.0)

    assert_equal(spk, torch.tensor([0.0, 1.0, 0.0]), what="spk", context=context)
    assert_close(mem, torch.tensor([0.5, 1.5, 0.9]), what="mem", context=context)


@pytest.mark.points(1)
def test_subtract_reset_values(student):
    """Reset by subtraction removes the threshold where the previous membrane was above it."""
    context = "input=[0.25, 0.25, 0.0], mem=[1.5, 0.5, 2.5], beta=0.5, threshold=1.0, reset_mechanism='subtract'"
    _, mem = student.leaky_step(
        torch.tensor([0.25, 0.25, 0.0]),
        torch.tensor([1.5, 0.5, 2.5]),
        0.5,
        threshold=1.0,
        reset_mechanism="subtract",
    )

    # 0.5 * 1.5 + 0.25 - 1 = 0, 0.5 * 0.5 + 0.25 = 0.5, 0.5 * 2.5 + 0 - 1 = 0.25.
    assert_close(mem, torch.tensor([0.0, 0.5, 0.25]), what="mem", context=context)


@pytest.mark.points(1)
def test_zero_reset_values(student):
    """Reset to zero clears the decayed membrane but keeps this step's input."""
    context = "input=[0.25, 0.25, 0.75], mem=[1.5, 0.5, 2.0], beta=0.5, threshold=1.0, reset_mechanism='zero'"
    _, mem = student.leaky_step(
        torch.tensor([0.25, 0.25, 0.75]),
        torch.tensor([1.5, 0.5, 2.0]),
        0.5,
        threshold=1.0,
        reset_mechanism="zero",
    )

    # Neurons 0 and 2 were above the threshold: U = 0 + input. Neuron 1: 0.5 * 0.5 + 0.25.
    assert_close(mem, torch.tensor([0.25, 0.5, 0.75]), what="mem", context=context)


@pytest.mark.points(1)
def test_none_reset_values(student):
    """Without reset the membrane only decays and integrates, even above the threshold."""
    context = "input=[0.5, 0.25], mem=[1.5, 0.5], beta=0.5, threshold=1.0, reset_mechanism='none'"
    _, mem = student.leaky_step(
        torch.tensor([0.5, 0.25]),
        torch.tensor([1.5, 0.5]),
        0.5,
        threshold=1.0,
        reset_mechanism="none",
    )

    assert_close(mem, torch.tensor([1.25, 0.5]), what="mem", context=context)


@pytest.mark.points(1)
def test_membrane_at_threshold_does_not_spike(student):
    """A membrane exactly at the threshold does not spike, because the comparison is strict."""
    context = "input=[1.0, 0.75], mem=[0.0, 0.5], beta=0.5, threshold=1.0, so the new membrane is exactly 1.0"
    spk, _ = student.leaky_step(torch.tensor([1.0, 0.75]), torch.tensor([0.0, 0.5]), 0.5, threshold=1.0)

    assert_equal(spk, torch.tensor([0.0, 0.0]), what="spk", context=context)
