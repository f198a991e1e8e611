"""Hidden tests for FastSigmoid and fast_sigmoid against snntorch.surrogate.fast_sigmoid."""

import pytest
import torch

from autograder.checks import assert_close, assert_equal, assert_tensor
from autograder.suites.hidden.a3_training import oracle

SLOPES = (1.0, 5.0, 25.0, 100.0)
SHAPES = ((7,), (4, 9), (2, 3, 5))


def _surrogate_cases(dtype, seed):
    """Yield (x, slope, grad_output, context) for every slope and shape, with exact zeros in x."""
    generator = torch.Generator().manual_seed(seed)
    for slope in SLOPES:
        for shape in SHAPES:
            x = torch.randn(shape, generator=generator, dtype=dtype) * 0.5
            x.view(-1)[::4] = 0.0
            grad_output = (torch.rand(shape, generator=generator) + 0.5).to(dtype)
            context = f"random x of shape {shape} and dtype {dtype} with zeros at every 4th element, slope={slope}"
            yield x, slope, grad_output, context


def _run_surrogate(student, x, slope, grad_output):
    return student.run_harness(
        oracle.harness("surrogate_forward_backward"), x, slope, grad_output, function="FastSigmoid"
    ).value


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", oracle.DTYPES, ids=str)
def test_forward_matches_snntorch(student, dtype):
    """FastSigmoid.apply gives the spikes of snnTorch's fast sigmoid.

    The spikes' dtype has a test of its own, test_output_keeps_input_dtype.
    """
    for x, slope, grad_output, context in _surrogate_cases(dtype, seed=3100):
        result = _run_surrogate(student, x, slope, grad_output)
        expected, _ = oracle.surrogate_oracle(x, slope, grad_output)

        output = assert_tensor(result["output"], what="FastSigmoid.apply(x, slope)", shape=x.shape, context=context)
        assert_equal(output, expected, what="FastSigmoid.apply(x, slope)", context=context, check_dtype=False)


@pytest.mark.points(1)
def test_output_keeps_input_dtype(student):
    """FastSigmoid.apply returns spikes in the dtype of x, float32 or float64."""
    for dtype in oracle.DTYPES:
        for x, slope, grad_output, context in _surrogate_cases(dtype, seed=3150):
            result = _run_surrogate(student, x, slope, grad_output)

            assert_tensor(result["output"], what="FastSigmoid.apply(x, slope)", shape=x.shape, dtype=dtype, context=context)


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", oracle.DTYPES, ids=str)
def test_gradient_matches_snntorch(student, dtype):
    """The gradient FastSigmoid passes back equals snnTorch's fast-sigmoid gradient times grad_output."""
    for x, slope, grad_output, context in _surrogate_cases(dtype, seed=3200):
        result = _run_surrogate(student, x, slope, grad_output)
        _, expected = oracle.surrogate_oracle(x, slope, grad_output)

        grad = result["grad"]
        assert grad is not None, f"no gradient reached x through FastSigmoid.apply(x, slope) ({context})"
        assert_close(grad, expected, what="the gradient of FastSigmoid.apply(x, slope)", context=context)


@pytest.mark.points(1)
def test_zero_input_does_not_spike(student):
    """FastSigmoid is a strict Heaviside: x = 0 gives no spike and the full gradient."""
    x = torch.tensor([0.0, -0.0, 1e-30, -1e-30, 0.0])
    grad_output = torch.tensor([1.0, 1.0, 1.0, 1.0, 0.5])
    context = "x=[0.0, -0.0, 1e-30, -1e-30, 0.0], slope=25.0, grad_output=[1, 1, 1, 1, 0.5]"

    result = _run_surrogate(student, x, 25.0, grad_output)

    assert_equal(result["output"], torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0]), what="FastSigmoid.apply(x, 25.0)", context=context)
    assert result["grad"] is not None, f"no gradient reached x through FastSigmoid.apply(x, 25.0) ({context})"
    # At |x| = 0 (and 1e-30, far below float32 resolution of 25 |x| + 1) the factor is exactly 1.
    assert_close(result["grad"], grad_output, what="the gradient of FastSigmoid.apply(x, 25.0)", context=context)


@pytest.mark.points(1)
def test_spike_function_matches_snntorch(student):
    """fast_sigmoid(slope) returns a spike function whose outputs and gradients equal snnTorch's."""
    generator = torch.Generator().manual_seed(3300)
    for dtype in oracle.DTYPES:
        for slope in (2.0, 25.0, 60.0):
            x = torch.randn(5, 6, generator=generator, dtype=dtype) * 0.3
            grad_output = (torch.rand(5, 6, generator=generator) + 0.5).to(dtype)
            context = f"random x of shape (5, 6) and dtype {dtype}, slope={slope}"

            result = student.run_harness(
                oracle.harness("spike_function_forward_backward"), x, slope, grad_output, function="fast_sigmoid"
            ).value
            expected_spikes, expected_grad = oracle.surrogate_oracle(x, slope, grad_output)

            assert_equal(
                result["output"], expected_spikes, what=f"fast_sigmoid({slope})(x)", context=context, check_dtype=False
            )
            assert result["grad"] is not None, f"no gradient reached x through fast_sigmoid({slope})(x) ({context})"
            assert_close(result["grad"], expected_grad, what=f"the gradient of fast_sigmoid({slope})(x)", context=context)


@pytest.mark.points(1)
def test_spike_function_default_slope(student):
    """fast_sigmoid() without arguments uses slope 25, like snnTorch's."""
    generator = torch.Generator().manual_seed(3400)
    x = torch.randn(3, 8, generator=generator) * 0.3
    grad_output = torch.ones(3, 8)
    context = "random x of shape (3, 8), grad_output=1"

    result = student.run_harness(
        oracle.harness("spike_function_forward_backward"), x, None, grad_output, function="fast_sigmoid"
    ).value
    _, expected_grad = oracle.surrogate_oracle(x, oracle.DEFAULT_SLOPE, grad_output)

    assert result["grad"] is not None, f"no gradient reached x through fast_sigmoid()(x) ({context})"
    assert_close(result["grad"], expected_grad, what="the gradient of fast_sigmoid()(x)", context=context)


@pytest.mark.points(2)
def test_spike_function_inside_leaky(student):
    """snn.Leaky with spike_grad=fast_sigmoid(slope) gives snnTorch's spikes, membranes and gradients."""
    generator = torch.Generator().manual_seed(3500)
    inputs = torch.rand(12, 4, 10, generator=generator) * 0.8 - 0.2
    spike_weights = torch.rand(12, 4, 10, generator=generator) + 0.5
    beta, slope = 0.8, 5.0
    context = (
        f"snn.Leaky(beta={beta}, spike_grad=fast_sigmoid({slope})) over random inputs of shape (12, 4, 10), "
        "loss sum(spk_rec * weights)"
    )

    result = student.run_harness(
        oracle.harness("leaky_with_spike_function"), inputs, beta, slope, spike_weights, function="fast_sigmoid"
    ).value
    expected = oracle.leaky_oracle(inputs, beta, slope, spike_weights)

    spk_rec = assert_tensor(result["spk_rec"], what="spk_rec", shape=inputs.shape, context=context)
    assert_equal(spk_rec, expected["spk_rec"], what="spk_rec", context=context, check_dtype=False)
    assert_close(result["mem_rec"], expected["mem_rec"], what="mem_rec", context=context)
    assert result["grad"] is not None, f"no gradient reached the inputs through the spikes ({context})"
    assert_close(result["grad"], expected["grad"], what="the gradient reaching the inputs", context=context)
