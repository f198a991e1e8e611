"""Assertions for graded suites that tell a student where a result goes wrong.

Every failure message names what was checked, the first index where the submission
differs from the expected value, both values and the tolerance, so a student can act
on it without reading the suite. A check given the time axis of a record also attaches
a `TraceComparison` to its failure, from which batch feedback draws a picture.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Iterator

import torch

from autograder.results import TraceComparison, encode_number
from autograder.worker.errors import ImportFailed, NotImplementedYet, StudentError

__all__ = [
    "RaisedError",
    "TensorMismatch",
    "Tolerance",
    "TOLERANCES",
    "assert_close",
    "assert_equal",
    "assert_tensor",
    "raises_in_student_code",
    "tolerance_for",
]


@dataclass(frozen=True)
class Tolerance:
    """Relative and absolute tolerance for `torch.testing.assert_close`-style checks."""

    rtol: float
    atol: float

    def __str__(self) -> str:
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


#: Tolerances by dtype. They admit a reordered sum or product (a few ulp per step over
#: a hundred steps) and reject any change of formula.
TOLERANCES = {
    torch.float16: Tolerance(rtol=1e-3, atol=1e-3),
    torch.bfloat16: Tolerance(rtol=1e-2, atol=1e-2),
    torch.float32: Tolerance(rtol=1e-5, atol=1e-5),
    torch.float64: Tolerance(rtol=1e-10, atol=1e-10),
}


#: Steps and neurons a `TraceComparison` keeps at most, so a failed test adds at most
#: 2 x 100 x 8 numbers to the results document.
MAX_COMPARISON_STEPS = 100
MAX_COMPARISON_NEURONS = 8

#: Significant digits a `TraceComparison` keeps of each value: enough to draw, and a
#: short JSON number.
COMPARISON_DIGITS = 6


def tolerance_for(dtype: torch.dtype) -> Tolerance:
    """Return the tolerance for comparing values of `dtype` (exact for integer types)."""
    return TOLERANCES.get(dtype, Tolerance(rtol=0.0, atol=0.0))


class TensorMismatch(AssertionError):
    """A tensor that differs from the expected one, with the records to draw when there is a time axis."""

    def __init__(self, message: str, comparison: TraceComparison | None = None) -> None:
        super().__init__(message)
        self.comparison = comparison


def _describe(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:200]


def _suffix(context: str) -> str:
    return f" ({context})" if context else ""


def assert_tensor(
    value: object,
    *,
    what: str,
    shape: tuple[int, ...] | torch.Size | None = None,
    dtype: torch.dtype | None = None,
    context: str = "",
) -> torch.Tensor:
    """Check that `value` is a tensor with the given shape and dtype, and return it."""
    if not isinstance(value, torch.Tensor):
        raise AssertionError(f"{what} should be a torch.Tensor, got {_describe(value)}{_suffix(context)}")
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise AssertionError(
            f"{what} has shape {tuple(value.shape)}, expected {tuple(shape)}{_suffix(context)}"
        )
    if dtype is not None and value.dtype != dtype:
        raise AssertionError(f"{what} has dtype {value.dtype}, expected {dtype}{_suffix(context)}")
    return value


def _format_number(x: float | int | bool) -> str:
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    return f"{x:.6g}"


def _first_mismatch(mismatch: torch.Tensor) -> tuple[int, ...]:
    flat = int(torch.nonzero(mismatch.reshape(-1))[0])
    return tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), mismatch.shape))


def _window(center: int, length: int, size: int, lead: int) -> range:
    """Return up to `size` consecutive positions of `range(length)` that start `lead` before `center` where they can."""
    start = min(max(center - lead, 0), max(length - size, 0))
    return range(start, min(start + size, length))


def _rows(values: torch.Tensor, neurons: range, steps: range) -> list[list[float | str]]:
    window = values[steps.start : steps.stop, neurons.start : neurons.stop].to(torch.float64)
    return [[encode_number(float(f"{value:.{COMPARISON_DIGITS}g}")) for value in row] for row in window.T.tolist()]


def _trace_comparison(
    actual: torch.Tensor, expected: torch.Tensor, mismatch: torch.Tensor, *, what: str, time_axis: int, exact: bool
) -> TraceComparison | None:
    """Return the records around their earliest mismatching step, or None when there is one step only.

    `time_axis` goes first and the other axes are flattened into neurons, so the
    earliest step is found even when time is not the first axis. A trace keeps the
    neuron that differs first at that step. Spikes, an exact check of values in
    {-1, 0, 1}, keep up to `MAX_COMPARISON_NEURONS` neurons around it for a raster.
    """
    num_steps = expected.shape[time_axis]
    if num_steps < 2:
        return None
    by_step = [tensor.movedim(time_axis, 0).reshape(num_steps, -1) for tensor in (actual, expected, mismatch)]
    actual_2d, expected_2d, mismatch_2d = by_step
    step, neuron = (int(i) for i in torch.nonzero(mismatch_2d)[0])
    spikes = exact and bool(torch.isin(expected_2d, torch.tensor([-1, 0, 1], dtype=expected_2d.dtype)).all())
    neuron_count = MAX_COMPARISON_NEURONS if spikes else 1
    neurons = _window(neuron, expected_2d.shape[1], neuron_count, neuron_count // 2)
    steps = _window(step, num_steps, MAX_COMPARISON_STEPS, MAX_COMPARISON_STEPS // 4)
    other_axes = [size for axis, size in enumerate(expected.shape) if axis != time_axis]
    return TraceComparison(
        kind="spikes" if spikes else "trace",
        what=what,
        shape=list(expected.shape),
        time_axis=time_axis,
        first_step=steps.start,
        step=step,
        neurons=[[int(i) for i in torch.unravel_index(torch.tensor(n), other_axes)] for n in neurons],
        neuron=neuron - neurons.start,
        actual=_rows(actual_2d, neurons, steps),
        expected=_rows(expected_2d, neurons, steps),
    )


def _compare(
    actual: object,
    expected: torch.Tensor,
    *,
    what: str,
    tolerance: Tolerance,
    context: str,
    check_dtype: bool,
    time_axis: int | None,
) -> None:
    if time_axis is not None and not -expected.dim() <= time_axis < expected.dim():
        raise ValueError(f"time_axis={time_axis} is out of range for {what} of shape {tuple(expected.shape)}")
    actual = assert_tensor(
        actual,
        what=what,
        shape=expected.shape,
        dtype=expected.dtype if check_dtype else None,
        context=context,
    )
    a = actual.detach().to(torch.float64 if expected.is_floating_point() else expected.dtype)
    e = expected.detach().to(a.dtype)
    if a.is_floating_point():
        both_nan = torch.isnan(a) & torch.isnan(e)
        close = torch.isclose(a, e, rtol=tolerance.rtol, atol=tolerance.atol) | both_nan
    else:
        close = a == e
    if bool(close.all()):
        return
    mismatch = ~close
    index = _first_mismatch(mismatch)
    count = int(mismatch.sum())
    got = _format_number(a[index].item())
    want = _format_number(e[index].item())
    where = f"at index {index}" if index else "(a scalar)"
    tol = f" (tolerance {tolerance})" if tolerance.rtol or tolerance.atol else ""
    comparison = None
    if time_axis is not None:
        exact = not (tolerance.rtol or tolerance.atol)
        comparison = _trace_comparison(a, e, mismatch, what=what, time_axis=time_axis % expected.dim(), exact=exact)
    raise TensorMismatch(
        f"{what} differs from the expected value {where}: expected {want}, got {got}{tol}; "
        f"{count} of {mismatch.numel()} elements differ{_suffix(context)}",
        comparison,
    )


def assert_close(
    actual: object,
    expected: torch.Tensor,
    *,
    what: str,
    context: str = "",
    tolerance: Tolerance | None = None,
    check_dtype: bool = True,
    time_axis: int | None = None,
) -> None:
    """Check `actual` against `expected` within the tolerance for `expected.dtype`.

    NaN in both places counts as equal. The message names the first differing index.
    Pass `time_axis` (0 for snnTorch's time-first records) when `expected` is a record
    over time: a mismatch then raises `TensorMismatch` with a `TraceComparison`.
    """
    _compare(
        actual,
        expected,
        what=what,
        tolerance=tolerance or tolerance_for(expected.dtype),
        context=context,
        check_dtype=check_dtype,
        time_axis=time_axis,
    )


def assert_equal(
    actual: object,
    expected: torch.Tensor,
    *,
    what: str,
    context: str = "",
    check_dtype: bool = True,
    time_axis: int | None = None,
) -> None:
    """Check `actual` against `expected` exactly, as for spike trains and indices.

    `time_axis` works as in `assert_close`.
    """
    _compare(
        actual,
        expected,
        what=what,
        tolerance=Tolerance(rtol=0.0, atol=0.0),
        context=context,
        check_dtype=check_dtype,
        time_axis=time_axis,
    )


class RaisedError:
    """The exception `raises_in_student_code` caught, set once the block has ended."""

    error: StudentError | None = None

    @property
    def message(self) -> str:
        return self.error.message if self.error is not None else ""


@contextlib.contextmanager
def raises_in_student_code(type_name: str, *, call: str) -> Iterator[RaisedError]:
    """Expect the block's call into student code to raise the exception `type_name`.

    A stub's `NotImplementedError` and a failed import pass through unchanged, so the
    student reads "not implemented yet" or the import error rather than a complaint
    about the exception type.

    Args:
        type_name: class name of the expected exception, e.g. `"ValueError"`.
        call: the call as the student would write it, named in failure messages.
    """
    raised = RaisedError()
    try:
        yield raised
    except (NotImplementedYet, ImportFailed):
        raise
    except StudentError as exc:
        if exc.type_name != type_name:
            raise AssertionError(f"{call} raised {exc.type_name}: {exc.message}; expected {type_name}") from None
        raised.error = exc
        return
    raise AssertionError(f"{call} returned without raising {type_name}")
