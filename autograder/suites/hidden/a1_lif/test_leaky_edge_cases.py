"""Hidden tests for leaky_step at the threshold, at extreme beta and on invalid input."""

import pytest
import torch

from autograder.checks import assert_close, assert_equal, raises_in_student_code

DTYPES = (torch.float32, torch.float64)

#: Thresholds whose quarters are exact in binary floating point, so the hand-built
#: membranes below land exactly on the threshold.
EXACT_THRESHOLDS = (1.0, 0.75, 2.5)


def _random(shape, low, high, seed, dtype):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=generator, dtype=dtype) * (high - low) + low


@pytest.mark.points(1)
def test_new_membrane_at_threshold_does_not_spike(student):
    """A membrane that lands exactly on the threshold after the update does not spike."""
    for dtype in DTYPES:
        for threshold in EXACT_THRESHOLDS:
            # 0.5 * mem + input = threshold exactly for both neurons.
            mem = torch.tensor([0.0, threshold / 2], dtype=dtype)
            input_ = torch.tensor([threshold, 0.75 * threshold], dtype=dtype)
            context = (
                f"input={input_.tolist()}, mem={mem.tolist()}, beta=0.5, threshold={threshold}, "
                f"dtype {dtype}, so the new membrane equals the threshold"
            )

            spk, _ = student.leaky_step(input_, mem, 0.5, threshold=threshold)
            assert_equal(spk, torch.zeros(2, dtype=dtype), what="spk", context=context)


@pytest.mark.points(1)
def test_previous_membrane_at_threshold_does_not_reset(student):
    """A previous membrane exactly at the threshold triggers no reset."""
    for reset_mechanism in ("subtract", "zero"):
        for threshold in EXACT_THRESHOLDS:
            mem = torch.tensor([threshold])
            input_ = torch.tensor([threshold / 4])
            context = (
                f"input=[{threshold / 4}], mem=[{threshold}], beta=0.5, threshold={threshold}, "
                f"reset_mechanism={reset_mechanism!r}"
            )

            _, new_mem = student.leaky_step(
                input_, mem, 0.5, threshold=threshold, reset_mechanism=reset_mechanism
            )
            assert_close(new_mem, torch.tensor([0.75 * threshold]), what="mem", context=context)


@pytest.mark.points(1)
def test_beta_zero_forgets_membrane(student):
    """With beta = 0 the new membrane equals the input."""
    for dtype in DTYPES:
        mem = _random((4, 6), -1.0, 0.9, seed=3101, dtype=dtype)
        input_ = _random((4, 6), -1.0, 2.0, seed=3102, dtype=dtype)
        context = f"beta=0.0, threshold=1.0, reset_mechanism='none', random mem below the threshold, dtype {dtype}"

        _, new_mem = student.leaky_step(input_, mem, 0.0, threshold=1.0, reset_mechanism="none")
        assert_close(new_mem, input_, what="mem", context=context)


@pytest.mark.points(1)
def test_beta_one_integrates_without_leak(student):
    """With beta = 1 the new membrane is the old membrane plus the input."""
    for dtype in DTYPES:
        mem = _random((4, 6), -1.0, 3.0, seed=3201, dtype=dtype)
        input_ = _random((4, 6), -1.0, 2.0, seed=3202, dtype=dtype)
        context = f"beta=1.0, threshold=1.0, reset_mechanism='none', random mem and input, dtype {dtype}"

        _, new_mem = student.leaky_step(input_, mem, 1.0, threshold=1.0, reset_mechanism="none")
        assert_close(new_mem, mem + input_, what="mem", context=context)


@pytest.mark.points(1)
def test_zero_input_only_decays(student):
    """With zero input the new membrane is beta times the old one."""
    for dtype in DTYPES:
        mem = _random((4, 6), -1.0, 3.0, seed=3301, dtype=dtype)
        context = f"input=0, beta=0.8, threshold=1.0, reset_mechanism='none', random mem, dtype {dtype}"

        _, new_mem = student.leaky_step(torch.zeros_like(mem), mem, 0.8, threshold=1.0, reset_mechanism="none")
        assert_close(new_mem, 0.8 * mem, what="mem", context=context)


@pytest.mark.points(1)
def test_leaky_step_does_not_modify_inputs(student):
    """leaky_step leaves input_, mem and a tensor beta unchanged for every reset mechanism."""
    mem = _random((3, 5), -0.5, 2.0, seed=3401, dtype=torch.float32)
    input_ = _random((3, 5), -0.5, 1.0, seed=3402, dtype=torch.float32)
    beta = _random((5,), 0.2, 1.0, seed=3403, dtype=torch.float32)

    for reset_mechanism in ("subtract", "zero", "none"):
        record = student.call("leaky_step", input_, mem, beta, threshold=1.0, reset_mechanism=reset_mechanism)
        assert record.modified_inputs == [], (
            f"leaky_step modified {', '.join(record.modified_inputs)} in place "
            f"(reset_mechanism={reset_mechanism!r}); compute new tensors instead, "
            "for example beta * mem rather than mem.mul_(beta)"
        )


@pytest.mark.points(1)
def test_unknown_reset_raises_value_error(student):
    """An unknown reset_mechanism raises ValueError naming the value and the allowed ones."""
    with raises_in_student_code("ValueError", call="leaky_step(reset_mechanism='substract')") as raised:
        student.leaky_step(torch.ones(2), torch.zeros(2), 0.9, reset_mechanism="substract")

    for name in ("substract", "subtract", "zero", "none"):
        assert name in raised.message, (
            f"the ValueError message should contain {name!r}, because it names the given value "
            f"'substract' and the allowed ones 'subtract', 'zero' and 'none'. Got: {raised.message}"
        )
