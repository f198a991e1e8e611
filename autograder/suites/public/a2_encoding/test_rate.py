"""Public tests for rate_encode: the shape, the dtype and the outcomes that are certain."""

import pytest
import torch

from autograder.checks import assert_equal, assert_tensor, raises_in_student_code


@pytest.mark.points(1)
def test_rate_shape_and_dtype(student):
    """rate_encode returns [num_steps, *data.shape] in the dtype of data."""
    for dtype in (torch.float32, torch.float64):
        data = torch.full((2, 3), 0.5, dtype=dtype)
        context = f"data=0.5 of shape (2, 3), num_steps=10, dtype {dtype}"

        spikes = student.rate_encode(data, 10)
        assert_tensor(spikes, what="spikes", shape=(10, 2, 3), dtype=dtype, context=context)


@pytest.mark.points(1)
def test_rate_certain_outcomes(student):
    """A probability of 0 never fires and a probability of 1 fires at every step."""
    context = "data=[0.0, 1.0, 0.0, 1.0], num_steps=20"
    spikes = student.rate_encode(torch.tensor([0.0, 1.0, 0.0, 1.0]), 20)

    expected = torch.tensor([0.0, 1.0, 0.0, 1.0]).expand(20, 4)
    assert_equal(spikes, expected, what="spikes", context=context, time_axis=0)


@pytest.mark.points(1)
def test_rate_rejects_zero_steps(student):
    """num_steps=0 raises ValueError."""
    with raises_in_student_code("ValueError", call="rate_encode(torch.tensor([0.5]), num_steps=0)"):
        student.rate_encode(torch.tensor([0.5]), 0)
