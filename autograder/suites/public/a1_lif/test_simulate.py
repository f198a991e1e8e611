"""Public tests for simulate_leaky and firing_rate on hand-checkable values."""

import pytest
import torch

from autograder.checks import assert_close, assert_equal, assert_tensor


@pytest.mark.points(1)
def test_simulate_record_shapes(student):
    """simulate_leaky returns spike and membrane records with the shape of the inputs."""
    context = "inputs of shape (6, 2, 3), beta=0.9"
    spk_rec, mem_rec = student.simulate_leaky(torch.full((6, 2, 3), 0.3), 0.9)

    assert_tensor(spk_rec, what="spk_rec", shape=(6, 2, 3), dtype=torch.float32, context=context)
    assert_tensor(mem_rec, what="mem_rec", shape=(6, 2, 3), dtype=torch.float32, context=context)


@pytest.mark.points(2)
def test_simulate_constant_input(student):
    """simulate_leaky with a constant input of 0.75 fires once and then resets by subtraction."""
    context = "inputs=0.75 for 4 steps, beta=0.5, threshold=1.0, reset_mechanism='subtract'"
    spk_rec, mem_rec = student.simulate_leaky(torch.full((4, 1), 0.75), 0.5, threshold=1.0)

    # U: 0.75, 0.5 * 0.75 + 0.75 = 1.125 (spike), 0.5 * 1.125 + 0.75 - 1 = 0.3125, 0.90625.
    assert_equal(spk_rec, torch.tensor([[0.0], [1.0], [0.0], [0.0]]), what="spk_rec", context=context, time_axis=0)
    assert_close(mem_rec, torch.tensor([[0.75], [1.125], [0.3125], [0.90625]]), what="mem_rec", context=context, time_axis=0)


@pytest.mark.points(1)
def test_firing_rate_values(student):
    """firing_rate returns each neuron's spike count divided by the number of steps."""
    spk_rec = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
    rate = student.firing_rate(spk_rec)

    assert_close(rate, torch.tensor([0.75, 0.25]), what="firing_rate", context="spk_rec=[[1, 0], [1, 1], [0, 0], [1, 0]]")
