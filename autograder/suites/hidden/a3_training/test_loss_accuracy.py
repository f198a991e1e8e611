"""Hidden tests for membrane_ce_loss and spike_count_accuracy on random tensors."""

import pytest
import torch

from autograder.checks import assert_close, assert_tensor
from autograder.suites.hidden.a3_training import oracle

#: (num_steps, batch, num_classes) of the loss cases.
LOSS_SHAPES = ((10, 8, 10), (3, 5, 4), (1, 2, 3))


def _loss_cases(dtype, seed):
    """Yield (mem_rec, targets, context) for every shape in LOSS_SHAPES."""
    generator = torch.Generator().manual_seed(seed)
    for shape in LOSS_SHAPES:
        mem_rec = torch.randn(shape, generator=generator, dtype=dtype) * 2.0
        targets = torch.randint(0, shape[2], shape[1:2], generator=generator)
        yield mem_rec, targets, f"random mem_rec of shape {shape} and dtype {dtype}, random targets"


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", oracle.DTYPES, ids=str)
def test_loss_matches_formula(student, dtype):
    """membrane_ce_loss returns the cross-entropy of the membranes summed over time steps, in their dtype."""
    for mem_rec, targets, context in _loss_cases(dtype, seed=5100):
        loss = student.membrane_ce_loss(mem_rec, targets)

        loss = assert_tensor(loss, what="membrane_ce_loss(mem_rec, targets)", shape=(), dtype=dtype, context=context)
        assert_close(loss, oracle.membrane_loss(mem_rec, targets), what="membrane_ce_loss(mem_rec, targets)", context=context)


@pytest.mark.points(1)
def test_loss_gradient_matches_formula(student):
    """The gradient of membrane_ce_loss with respect to every membrane equals that of the formula."""
    for mem_rec, targets, context in _loss_cases(torch.float64, seed=5200):
        result = student.run_harness(
            oracle.harness("loss_and_gradient"), mem_rec, targets, function="membrane_ce_loss"
        ).value

        assert result["grad"] is not None, (
            f"no gradient reached mem_rec: membrane_ce_loss should return a scalar tensor computed from mem_rec "
            f"({context})"
        )
        expected_input = mem_rec.clone().requires_grad_(True)
        oracle.membrane_loss(expected_input, targets).backward()
        assert_close(result["grad"], expected_input.grad, what="the gradient of the loss with respect to mem_rec", context=context)


def _untied_spikes(generator, num_steps, batch, num_classes):
    """Return spikes [num_steps, batch, num_classes] whose counts differ between the classes of each sample."""
    spk_rec = torch.zeros(num_steps, batch, num_classes)
    for sample in range(batch):
        counts = torch.randperm(num_steps + 1, generator=generator)[:num_classes]
        for label, count in enumerate(counts.tolist()):
            steps = torch.randperm(num_steps, generator=generator)[:count]
            spk_rec[steps, sample, label] = 1.0
    return spk_rec


@pytest.mark.points(1)
def test_accuracy_matches_formula(student):
    """spike_count_accuracy returns the fraction of samples whose largest spike count is the target, as a float."""
    generator = torch.Generator().manual_seed(5300)
    for dtype, (num_steps, batch, num_classes) in [(torch.float32, (12, 40, 10)), (torch.float64, (6, 9, 3))]:
        spk_rec = _untied_spikes(generator, num_steps, batch, num_classes).to(dtype)
        predictions = spk_rec.sum(dim=0).argmax(dim=1)
        random_labels = torch.randint(0, num_classes, (batch,), generator=generator)
        targets = torch.where(torch.rand(batch, generator=generator) < 0.5, predictions, random_labels)
        context = f"random spikes of shape {(num_steps, batch, num_classes)} and dtype {dtype} without ties"

        accuracy = student.spike_count_accuracy(spk_rec, targets)

        assert isinstance(accuracy, float), (
            f"spike_count_accuracy should return a Python float, got {type(accuracy).__name__} ({context})"
        )
        # Compared at float32 tolerance: a mean taken in float32 is as right as one in float64.
        expected = oracle.spike_count_accuracy(spk_rec, targets)
        assert_close(
            torch.tensor(accuracy, dtype=torch.float32),
            torch.tensor(expected, dtype=torch.float32),
            what="spike_count_accuracy(spk_rec, targets)",
            context=context,
        )


@pytest.mark.points(1)
def test_accuracy_ties_go_to_lowest_index(student):
    """When several classes share the largest spike count, the prediction is the lowest class index."""
    counts = torch.tensor([[2, 2, 0, 1], [0, 3, 3, 1], [1, 1, 1, 1], [0, 0, 0, 0], [0, 2, 1, 2]])
    spk_rec = (torch.arange(3).reshape(3, 1, 1) < counts.unsqueeze(0)).float()
    context = "spike counts per sample [[2, 2, 0, 1], [0, 3, 3, 1], [1, 1, 1, 1], [0, 0, 0, 0], [0, 2, 1, 2]]"

    # The lowest tied index of each sample is the target: 0, 1, 0, 0, 1.
    accuracy = student.spike_count_accuracy(spk_rec, torch.tensor([0, 1, 0, 0, 1]))
    assert accuracy == 1.0, f"spike_count_accuracy should be 1.0 when every target is the lowest tied class, got {accuracy} ({context})"

    # The highest tied index of each sample is the target: every prediction is wrong.
    accuracy = student.spike_count_accuracy(spk_rec, torch.tensor([1, 2, 3, 3, 3]))
    assert accuracy == 0.0, f"spike_count_accuracy should be 0.0 when every target is the highest tied class, got {accuracy} ({context})"
