"""Public tests for SpikingMLP: shapes, layer names, fresh state per call, gradients."""

import pytest
import torch

from autograder.checks import assert_close, assert_equal, assert_tensor

HARNESS = "autograder.harnesses.training"
SMALL = {"num_inputs": 20, "num_hidden": 7, "num_outputs": 3, "num_steps": 6}


def _forward(student, kwargs, inputs):
    """Build SpikingMLP(**kwargs) with its own random weights and call it on each of `inputs`."""
    return student.run_harness(f"{HARNESS}:mlp_forward", kwargs, None, inputs, function="SpikingMLP").value["outputs"]


def _records(output, shape, context):
    assert isinstance(output, tuple) and len(output) == 2, (
        f"SpikingMLP.forward should return a tuple (spk_rec, mem_rec), got {type(output).__name__} ({context})"
    )
    spk_rec, mem_rec = output
    assert_tensor(spk_rec, what="spk_rec", shape=shape, dtype=torch.float32, context=context)
    assert_tensor(mem_rec, what="mem_rec", shape=shape, dtype=torch.float32, context=context)
    return spk_rec, mem_rec


@pytest.mark.points(1)
def test_output_shapes(student):
    """SpikingMLP returns spk_rec and mem_rec of shape [num_steps, batch, num_outputs]."""
    (output,) = _forward(student, {}, [torch.rand(3, 1, 28, 28)])
    _records(output, (10, 3, 10), "SpikingMLP() on images of shape (3, 1, 28, 28)")

    (output,) = _forward(student, SMALL, [torch.rand(5, 20)])
    _records(output, (6, 5, 3), "SpikingMLP(num_inputs=20, num_hidden=7, num_outputs=3, num_steps=6) on input of shape (5, 20)")


@pytest.mark.points(1)
def test_submodule_names(student):
    """SpikingMLP has the submodules fc1 and fc2 (nn.Linear) and lif1 and lif2 (snn.Leaky)."""
    structure = student.run_harness(f"{HARNESS}:mlp_structure", SMALL, function="SpikingMLP").value

    children = structure["children"]
    for name in ("fc1", "fc2"):
        assert name in structure["linear"], (
            f"SpikingMLP should have an nn.Linear named {name}, found {children.get(name, 'no submodule of that name')}; "
            f"its submodules are {sorted(children)}"
        )
    for name in ("lif1", "lif2"):
        assert name in structure["leaky"], (
            f"SpikingMLP should have an snn.Leaky named {name}, found {children.get(name, 'no submodule of that name')}; "
            f"its submodules are {sorted(children)}"
        )
    assert structure["linear"]["fc1"] == [20, 7], (
        f"SpikingMLP(num_inputs=20, num_hidden=7, num_outputs=3).fc1 should be nn.Linear(20, 7), "
        f"found [in_features, out_features] = {structure['linear']['fc1']}"
    )
    assert structure["linear"]["fc2"] == [7, 3], (
        f"SpikingMLP(num_inputs=20, num_hidden=7, num_outputs=3).fc2 should be nn.Linear(7, 3), "
        f"found [in_features, out_features] = {structure['linear']['fc2']}"
    )


@pytest.mark.points(1)
def test_repeated_calls_match(student):
    """Two calls on the same input give the same outputs: the membranes start at zero on every call."""
    x = torch.rand(4, 20, generator=torch.Generator().manual_seed(1)) * 3.0
    context = "SpikingMLP(num_inputs=20, num_hidden=7, num_outputs=3, num_steps=6) called twice on the same input (4, 20)"

    first, second = _forward(student, SMALL, [x, x])
    first_spk, first_mem = _records(first, (6, 4, 3), context)
    second_spk, second_mem = _records(second, (6, 4, 3), context)

    assert_equal(second_spk, first_spk, what="spk_rec of the second call", context=context)
    assert_close(second_mem, first_mem, what="mem_rec of the second call", context=context)


@pytest.mark.points(1)
def test_gradients_reach_fc1(student):
    """With the default spike function, the loss sends a nonzero gradient back to fc1 through the hidden spikes."""
    x = torch.rand(4, 20, generator=torch.Generator().manual_seed(2))
    mem_weights = torch.ones(6, 4, 3)
    context = "SpikingMLP(num_inputs=20, num_hidden=7, num_outputs=3, num_steps=6), loss sum(mem_rec)"

    result = student.run_harness(
        f"{HARNESS}:mlp_gradients", SMALL, None, x, mem_weights, False, function="SpikingMLP"
    ).value

    grad = result["grads"]["fc1.weight"]
    assert grad is not None, (
        f"no gradient reached fc1.weight: the spike function needs a surrogate gradient ({context})"
    )
    assert bool(torch.isfinite(grad).all()), f"the gradient of fc1.weight is not finite ({context})"
    assert float(grad.abs().sum()) > 0.0, (
        f"the gradient of fc1.weight is zero everywhere: the spike function's backward should return "
        f"grad_output / (slope |x| + 1) ** 2 ({context})"
    )
