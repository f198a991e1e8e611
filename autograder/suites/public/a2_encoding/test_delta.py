"""Public tests for delta_encode on short series with hand-checkable changes."""

import pytest
import torch

from autograder.checks import assert_equal

#: Every value is a multiple of 1/4, so every change is exact. Compared with 0 before
#: the first step, the changes are 0.5, 0.25, -0.5, 0.0, -0.25.
SERIES = [0.5, 0.75, 0.25, 0.25, 0.0]


@pytest.mark.points(1)
def test_delta_on_spikes(student):
    """delta_encode spikes where the value rose by at least the threshold since the previous step."""
    context = f"data={SERIES}, threshold=0.25"
    spikes = student.delta_encode(torch.tensor(SERIES), threshold=0.25)

    assert_equal(spikes, torch.tensor([1.0, 1.0, 0.0, 0.0, 0.0]), what="spikes", context=context, time_axis=0)


@pytest.mark.points(1)
def test_delta_off_spikes(student):
    """With off_spike=True a drop of at least the threshold gives -1."""
    context = f"data={SERIES}, threshold=0.25, off_spike=True"
    spikes = student.delta_encode(torch.tensor(SERIES), threshold=0.25, off_spike=True)

    assert_equal(spikes, torch.tensor([1.0, 1.0, -1.0, 0.0, -1.0]), what="spikes", context=context, time_axis=0)


@pytest.mark.points(1)
def test_delta_padding(student):
    """With padding=True step 0 is compared with itself, so it never spikes."""
    for dtype in (torch.float32, torch.float64):
        context = f"data={SERIES}, threshold=0.25, padding=True, dtype {dtype}"
        spikes = student.delta_encode(torch.tensor(SERIES, dtype=dtype), threshold=0.25, padding=True)

        assert_equal(spikes, torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0], dtype=dtype), what="spikes", context=context, time_axis=0)
