"""Public tests for membrane_ce_loss and spike_count_accuracy on hand-checkable values."""

import math

import pytest
import torch

from autograder.checks import assert_close, assert_tensor


@pytest.mark.points(1)
def test_membrane_loss_values(student):
    """membrane_ce_loss adds the cross-entropy of every time step."""
    # Equal membranes: every step costs log(num_classes), so 3 steps of 4 classes give 3 log 4.
    context = "mem_rec of zeros, shape (3, 2, 4), targets=[0, 3]"
    loss = student.membrane_ce_loss(torch.zeros(3, 2, 4), torch.tensor([0, 3]))
    loss = assert_tensor(loss, what="membrane_ce_loss(mem_rec, targets)", shape=(), dtype=torch.float32, context=context)
    assert_close(loss, torch.tensor(3 * math.log(4)), what="membrane_ce_loss(mem_rec, targets)", context=context)

    # Step 0 gives the target probability 3/4, step 1 gives it 1/2: loss log(4/3) + log(2).
    mem_rec = torch.tensor([[[math.log(3.0), 0.0]], [[0.0, 0.0]]])
    context = "mem_rec=[[[log 3, 0]], [[0, 0]]], targets=[0]"
    loss = student.membrane_ce_loss(mem_rec, torch.tensor([0]))
    assert_close(loss, torch.tensor(math.log(4 / 3) + math.log(2)), what="membrane_ce_loss(mem_rec, targets)", context=context)


@pytest.mark.points(1)
def test_spike_count_accuracy_values(student):
    """spike_count_accuracy compares the most active class with the target, and ties go to the lower index."""
    # Spike counts over 2 steps: sample 0 [2, 0], sample 1 [1, 1] (a tie: class 0), sample 2 [0, 2].
    spk_rec = torch.tensor([[[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]])
    context = "spike counts [[2, 0], [1, 1], [0, 2]], targets=[0, 0, 0]"

    accuracy = student.spike_count_accuracy(spk_rec, torch.tensor([0, 0, 0]))

    assert isinstance(accuracy, float), f"spike_count_accuracy should return a Python float, got {type(accuracy).__name__} ({context})"
    assert_close(torch.tensor(accuracy), torch.tensor(2 / 3), what="spike_count_accuracy(spk_rec, targets)", context=context)
