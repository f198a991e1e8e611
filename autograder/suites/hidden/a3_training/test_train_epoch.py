"""Hidden tests for train_epoch: one pass of the student's loop against the reference loop.

The network is the grader's non-spiking `ProbeNetwork` and the loss, `probe_loss`, is
passed as `loss_fn`, so only the loop itself is graded.
"""

import pytest
import torch

from autograder.checks import assert_close
from autograder.suites.hidden.a3_training import oracle


def _train(student, case, batch_size, optimizer, lr):
    return student.run_harness(
        oracle.harness("train_epoch_on_batches"),
        case["probe_kwargs"],
        case["weights"],
        case["images"],
        case["targets"],
        batch_size,
        optimizer,
        lr,
        function="train_epoch",
    ).value


def _check_weights(result, expected, context):
    for name, expected_weight in expected.items():
        assert_close(result["weights"][name], expected_weight, what=f"{name} after train_epoch", context=context)


@pytest.mark.points(2)
def test_one_adam_step_matches_reference(student):
    """One batch with Adam gives the weights of one reference step: loss, backward, optimizer.step."""
    case = oracle.train_case(seed=6100, batches=1)
    context = "the grader's stand-in network, a loader with one batch of 8 samples, Adam(lr=0.01), loss_fn=mean squared error of mem_rec and one-hot targets"

    result = _train(student, case, 8, "adam", 0.01)
    expected, _ = oracle.reference_train_epoch(
        case["probe_kwargs"], case["weights"], case["images"], case["targets"], 8, "adam", 0.01
    )

    _check_weights(result, expected, context)


@pytest.mark.points(2)
def test_two_batches_clear_gradients(student):
    """Over two batches, each step uses only its own batch's gradient (zero_grad before backward)."""
    case = oracle.train_case(seed=6200, batches=2)
    context = "the grader's stand-in network, a loader with two batches of 8 samples, SGD(lr=0.1), loss_fn=mean squared error of mem_rec and one-hot targets"

    result = _train(student, case, 8, "sgd", 0.1)
    expected, _ = oracle.reference_train_epoch(
        case["probe_kwargs"], case["weights"], case["images"], case["targets"], 8, "sgd", 0.1
    )

    _check_weights(result, expected, context)


@pytest.mark.points(1)
def test_returns_mean_batch_loss(student):
    """train_epoch returns the mean of the batch losses as a Python float.

    The learning rate is zero, so the batch losses do not depend on the update.
    """
    case = oracle.train_case(seed=6300, batches=3)
    context = "the grader's stand-in network, a loader with three batches of 8 samples, SGD(lr=0.0), loss_fn=mean squared error of mem_rec and one-hot targets"

    result = _train(student, case, 8, "sgd", 0.0)
    _, expected = oracle.reference_train_epoch(
        case["probe_kwargs"], case["weights"], case["images"], case["targets"], 8, "sgd", 0.0
    )

    loss = result["loss"]
    assert isinstance(loss, float), f"train_epoch should return a Python float, got {type(loss).__name__} ({context})"
    # The batch losses are float32, so their mean is compared at float32 tolerance.
    assert_close(
        torch.tensor(loss, dtype=torch.float32),
        torch.tensor(expected, dtype=torch.float32),
        what="the loss train_epoch returned",
        context=context,
    )
