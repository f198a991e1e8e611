"""Public tests for first_spike_time on a small spike record."""

import pytest
import torch

from autograder.checks import assert_equal


@pytest.mark.points(1)
def test_first_spike_time_values(student):
    """first_spike_time returns each element's first step with a spike, or num_steps if it never fires."""
    spk = torch.tensor(
        [
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [1.0, 0.0, 0.0, 0.0],
            [1.0, 0.0, 1.0, 0.0],
        ]
    )
    context = "spk of shape (4, 4): element 0 fires at steps 2 and 3, 1 at 0 and 1, 2 at 3, 3 never"

    steps = student.first_spike_time(spk)
    assert_equal(steps, torch.tensor([2, 0, 3, 4]), what="first spike step", context=context)
