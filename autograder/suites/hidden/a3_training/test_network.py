"""Hidden tests for SpikingMLP against a reference network built from nn.Linear and snn.Leaky."""

import pytest
import torch

from autograder.checks import assert_close, assert_equal, assert_tensor
from autograder.suites.hidden.a3_training import oracle

CASES = {"default": oracle.default_case, "custom": oracle.custom_case}


def _forward(student, case, inputs):
    """Run the student's network with the case's weights on each of `inputs`; return the outputs."""
    result = student.run_harness(
        oracle.harness("mlp_forward"), case.kwargs, case.weights, inputs, function="SpikingMLP"
    ).value
    assert result["unexpected_keys"] == [], (
        f"SpikingMLP has no parameters named {result['unexpected_keys']}; name the layers fc1, lif1, fc2 and lif2 "
        f"({case.context()})"
    )
    return result["outputs"]


def _records(output, case, context):
    """Check that one forward call returned (spk_rec, mem_rec) shaped like the reference's."""
    assert isinstance(output, tuple) and len(output) == 2, (
        f"SpikingMLP.forward should return a tuple (spk_rec, mem_rec), got {type(output).__name__} ({context})"
    )
    spk_rec, mem_rec = output
    assert_tensor(spk_rec, what="spk_rec", shape=case.spk_rec.shape, context=context)
    assert_tensor(mem_rec, what="mem_rec", shape=case.mem_rec.shape, context=context)
    return spk_rec, mem_rec


@pytest.mark.points(1)
@pytest.mark.parametrize("case_name", list(CASES))
def test_outputs_match_reference(student, case_name):
    """With the same weights, SpikingMLP gives the spikes and membranes of the reference network."""
    case = CASES[case_name]()
    context = case.context()

    (output,) = _forward(student, case, [case.x])
    spk_rec, mem_rec = _records(output, case, context)

    assert_equal(spk_rec, case.spk_rec, what="spk_rec", context=context)
    assert_close(mem_rec, case.mem_rec, what="mem_rec", context=context)


@pytest.mark.points(1)
def test_previous_batch_is_forgotten(student):
    """A call after a call on another batch of the same size still matches the reference network."""
    case = oracle.custom_case()
    other = torch.rand(case.x.shape, generator=torch.Generator().manual_seed(4300))
    context = f"{case.context()}, called first on another random batch of the same shape"

    _, output = _forward(student, case, [other, case.x])
    spk_rec, mem_rec = _records(output, case, context)

    assert_equal(spk_rec, case.spk_rec, what="spk_rec of the second call", context=context)
    assert_close(mem_rec, case.mem_rec, what="mem_rec of the second call", context=context)


@pytest.mark.points(1)
def test_default_layer_sizes(student):
    """SpikingMLP() has fc1 784 -> 128 and fc2 128 -> 10, each followed by an snn.Leaky layer."""
    structure = student.run_harness(oracle.harness("mlp_structure"), {}, function="SpikingMLP").value

    linear = structure["linear"]
    assert linear.get("fc1") == [784, 128], (
        f"SpikingMLP().fc1 should be nn.Linear(784, 128), found {linear.get('fc1', 'no nn.Linear named fc1')}"
    )
    assert linear.get("fc2") == [128, 10], (
        f"SpikingMLP().fc2 should be nn.Linear(128, 10), found {linear.get('fc2', 'no nn.Linear named fc2')}"
    )
    for name in ("lif1", "lif2"):
        assert name in structure["leaky"], (
            f"SpikingMLP().{name} should be an snn.Leaky, found {structure['children'].get(name, 'no submodule of that name')}"
        )


@pytest.mark.points(2)
def test_gradients_match_reference(student):
    """Backpropagation through time gives the reference network's gradients for fc1 and fc2.

    Both networks get the same boxcar spike function through `spike_grad` (Heaviside
    forward, gradient 1 where |U - U_thr| < 0.5), so this test depends on the network's
    wiring, not on the student's surrogate.
    """
    case = oracle.custom_case()
    mem_weights = torch.rand(case.mem_rec.shape, generator=torch.Generator().manual_seed(4400)) - 0.5
    context = f"{case.context()}, spike_grad=boxcar (gradient 1 where |U - U_thr| < 0.5), loss sum(mem_rec * random weights)"

    result = student.run_harness(
        oracle.harness("mlp_gradients"), case.kwargs, case.weights, case.x, mem_weights, True, function="SpikingMLP"
    ).value
    expected = oracle.boxcar_gradients(case, mem_weights)

    for name, expected_grad in expected.items():
        grad = result["grads"].get(name)
        assert grad is not None, f"no gradient reached {name} ({context})"
        assert_close(grad, expected_grad, what=f"the gradient of {name}", context=context)


@pytest.mark.points(1)
def test_spike_grad_reaches_both_layers(student):
    """SpikingMLP(spike_grad=f) uses f as the spike function of both snn.Leaky layers."""
    kwargs = oracle.CUSTOM_KWARGS
    x = torch.rand(4, kwargs["num_inputs"], generator=torch.Generator().manual_seed(4500))

    widths = student.run_harness(
        oracle.harness("mlp_spike_function_widths"), kwargs, x, function="SpikingMLP"
    ).value

    expected = sorted([kwargs["num_hidden"], kwargs["num_outputs"]])
    assert widths == expected, (
        f"the spike function passed as spike_grad was called on layers of width {widths}, expected {expected} "
        f"(SpikingMLP({', '.join(f'{k}={v}' for k, v in kwargs.items())}, spike_grad=f))"
    )
