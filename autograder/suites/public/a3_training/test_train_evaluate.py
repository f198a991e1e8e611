"""Public tests for train_epoch and evaluate on small stand-in networks."""

import pytest
import torch

from autograder.checks import assert_close
from autograder.harnesses.training import ProbeNetwork, parameter_state, probe_loss

HARNESS = "autograder.harnesses.training"
PROBE_KWARGS = {"num_inputs": 10, "num_outputs": 3, "num_steps": 5}


@pytest.mark.points(2)
def test_train_epoch_one_sgd_step(student):
    """On a one-batch loader, train_epoch takes one SGD step: weight -= lr * gradient of the loss."""
    torch.manual_seed(7100)
    net = ProbeNetwork(**PROBE_KWARGS)
    weights = parameter_state(net)
    images = torch.rand(6, 10) * 2.0
    targets = torch.tensor([0, 1, 2, 0, 1, 2])
    context = (
        "the grader's stand-in network, one batch of 6 samples, SGD(lr=0.5), "
        "loss_fn=mean squared error of mem_rec and one-hot targets"
    )

    result = student.run_harness(
        f"{HARNESS}:train_epoch_on_batches", PROBE_KWARGS, weights, images, targets, 6, "sgd", 0.5, function="train_epoch"
    ).value

    # The expected weights are one SGD step from the same start on the same network and loss.
    _, mem_rec = net(images)
    probe_loss(mem_rec, targets).backward()
    for name, parameter in net.named_parameters():
        expected = (parameter - 0.5 * parameter.grad).detach()
        assert_close(result["weights"][name], expected, what=f"{name} after train_epoch", context=context)


def _replay_spikes(predictions, num_steps=4, num_classes=3):
    """Return spikes [N, num_steps, num_classes] in which class predictions[i] fires at every step."""
    spikes = torch.zeros(len(predictions), num_steps, num_classes)
    for sample, label in enumerate(predictions):
        spikes[sample, :, label] = 1.0
    return spikes


@pytest.mark.points(1)
def test_evaluate_returns_accuracy(student):
    """evaluate returns the fraction of samples whose most active output neuron is the target."""
    # A stand-in network outputs these spikes: predictions 0, 1, 2, 2 for targets 0, 1, 1, 2.
    spikes = _replay_spikes([0, 1, 2, 2])
    targets = torch.tensor([0, 1, 1, 2])
    context = "4 samples in batches of 2 with predictions [0, 1, 2, 2] and targets [0, 1, 1, 2]"

    result = student.run_harness(f"{HARNESS}:evaluate_replay", spikes, targets, 2, function="evaluate").value

    accuracy = result["accuracy"]
    assert isinstance(accuracy, float), f"evaluate should return a Python float, got {type(accuracy).__name__} ({context})"
    assert_close(torch.tensor(accuracy), torch.tensor(0.75), what="evaluate(net, loader)", context=context)


@pytest.mark.points(1)
def test_evaluate_sets_eval_mode(student):
    """evaluate leaves the network in evaluation mode (net.eval())."""
    spikes = _replay_spikes([0, 1, 2])

    result = student.run_harness(f"{HARNESS}:evaluate_replay", spikes, torch.tensor([0, 1, 2]), 3, function="evaluate").value

    assert result["training"] is False, (
        "the network is still in training mode after evaluate(net, loader); call net.eval() before running it "
        "(a network that starts in training mode, 3 samples in one batch)"
    )
