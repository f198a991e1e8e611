"""Hidden tests for evaluate on a stand-in network whose output spikes are known."""

import pytest
import torch

from autograder.checks import assert_close
from autograder.suites.hidden.a3_training import oracle


def _spikes_for_predictions(predictions, num_steps, num_classes):
    """Return spikes [N, num_steps, num_classes] in which class predictions[i] fires most, without ties."""
    spikes = torch.zeros(len(predictions), num_steps, num_classes)
    for sample, label in enumerate(predictions):
        spikes[sample, :, label] = 1.0
        spikes[sample, : num_steps // 2, (label + 1) % num_classes] = 1.0
    return spikes


def _evaluate(student, spikes, targets, batch_size):
    return student.run_harness(
        oracle.harness("evaluate_replay"), spikes, targets, batch_size, function="evaluate"
    ).value


@pytest.mark.points(1)
def test_evaluate_counts_every_sample(student):
    """evaluate divides the correct predictions by the number of samples, whatever the batch sizes."""
    # Batches of 8, 8 and 7 samples: all correct, none correct, all correct.
    targets = torch.arange(23) % 4
    predictions = targets.clone()
    predictions[8:16] = (targets[8:16] + 1) % 4
    spikes = _spikes_for_predictions(predictions.tolist(), num_steps=6, num_classes=4)
    context = "23 samples in batches of 8, 8 and 7; 15 predictions are correct"

    result = _evaluate(student, spikes, targets, batch_size=8)

    accuracy = result["accuracy"]
    assert isinstance(accuracy, float), f"evaluate should return a Python float, got {type(accuracy).__name__} ({context})"
    # Compared at float32 tolerance: a mean taken in float32 is as right as one in float64.
    assert_close(
        torch.tensor(accuracy, dtype=torch.float32),
        torch.tensor(15 / 23, dtype=torch.float32),
        what="evaluate(net, loader)",
        context=context,
    )


@pytest.mark.points(1)
def test_evaluate_builds_no_graph(student):
    """evaluate runs the network with gradients disabled (torch.no_grad), so no graph is built."""
    targets = torch.arange(10) % 3
    spikes = _spikes_for_predictions(targets.tolist(), num_steps=4, num_classes=3)

    result = _evaluate(student, spikes, targets, batch_size=5)

    grad_enabled = result["grad_enabled"]
    assert grad_enabled, "evaluate never called the network (10 samples in batches of 5)"
    assert not any(grad_enabled), (
        f"gradients were enabled in {sum(grad_enabled)} of {len(grad_enabled)} forward calls; "
        "run the network inside torch.no_grad() (10 samples in batches of 5)"
    )
