"""The pytest plugin that turns suite runs into graded test results.

It validates each test's `points` marker and docstring, provides the `student` and
`partial_credit` fixtures, and records one outcome per test with a message a student
can act on. Scores are computed here, in the grader process, from what the tests
observed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from autograder.checks import TensorMismatch
from autograder.results import TestResult
from autograder.worker.errors import CallFailed, CallTimeout, Delegated, NotImplementedYet, StudentError

if TYPE_CHECKING:
    from autograder.engine import GradingRun

#: How much of a student's printed output a failure message shows.
MAX_OUTPUT_CHARS = 1000


class PartialCredit:
    """Fixture value that lets a test award a fraction of its points.

    A test that calls `award(fraction, message)` and then passes earns
    `floor(points * fraction)` points; the message explains any points not earned.
    """

    def __init__(self) -> None:
        self.fraction: float | None = None
        self.message = ""

    def award(self, fraction: float, message: str = "") -> None:
        if not math.isfinite(fraction):
            raise ValueError(f"partial credit fraction must be finite, got {fraction}")
        self.fraction = min(1.0, max(0.0, fraction))
        self.message = message


@dataclass
class _TestState:
    assignment: str
    visibility: str
    title: str
    points: int
    duration_s: float = 0.0
    status: str | None = None
    message: str = ""
    comparison: dict[str, Any] | None = None
    stdout: list[str] = field(default_factory=list)
    credit: PartialCredit = field(default_factory=PartialCredit)


def _points_of(item: pytest.Item) -> int:
    marks = list(item.iter_markers("points"))
    if len(marks) != 1:
        raise pytest.UsageError(f"{item.nodeid}: a graded test needs exactly one @pytest.mark.points(n), found {len(marks)}")
    mark = marks[0]
    if len(mark.args) != 1 or mark.kwargs or type(mark.args[0]) is not int or mark.args[0] <= 0:
        raise pytest.UsageError(
            f"{item.nodeid}: invalid points marker {mark.args!r}; use @pytest.mark.points(n) with an integer n > 0"
        )
    return mark.args[0]


def _title_of(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    title = doc.strip().splitlines()[0].strip() if doc.strip() else ""
    if not title:
        raise pytest.UsageError(f"{item.nodeid}: a graded test needs a docstring whose first line is its title")
    return title


def _title_with_case(item: pytest.Item) -> str:
    callspec = getattr(item, "callspec", None)
    title = _title_of(item)
    return f"{title} [{callspec.id}]" if callspec is not None else title


def _assertion_message(exc: AssertionError) -> str:
    text = str(exc).strip()
    # Assertion rewriting appends "assert <expression>" after a custom message; keep the message.
    head = text.split("\nassert ", 1)[0].strip()
    return head or text or "the result is not what the test expects"


def classify(exc: BaseException) -> tuple[str, str]:
    """Return the status and the student-facing message for an exception raised by a test."""
    if isinstance(exc, NotImplementedYet):
        return exc.status, exc.summary
    if isinstance(exc, StudentError) and exc.traceback and exc.traceback != exc.summary:
        return exc.status, f"{exc.summary}\n{exc.traceback}"
    if isinstance(exc, CallFailed):
        return exc.status, exc.summary
    if isinstance(exc, AssertionError):
        return "failed", _assertion_message(exc)
    return "error", f"the grader could not check the result ({type(exc).__name__}: {exc})"


class GradingPlugin:
    """Collects graded results for one pytest run over suites folders."""

    def __init__(self, run: "GradingRun", suites_root: Path) -> None:
        self.run = run
        self.suites_root = suites_root
        self.tests: dict[str, _TestState] = {}
        self.collect_errors: list[str] = []
        self.flags: dict[str, list[str]] = {}

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): integer points a graded test is worth")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {report.longreprtext}")

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            relative = Path(item.path).resolve().relative_to(self.suites_root)
            visibility, assignment = relative.parts[0], relative.parts[1]
            try:
                self.tests[self._test_id(item)] = _TestState(
                    assignment=assignment,
                    visibility=visibility,
                    title=_title_with_case(item),
                    points=_points_of(item),
                )
            except pytest.UsageError as exc:
                self.collect_errors.append(str(exc))
        if self.collect_errors:
            raise pytest.UsageError("invalid graded tests: " + "; ".join(self.collect_errors))

    def _test_id(self, item: pytest.Item) -> str:
        relative = Path(item.path).resolve().relative_to(self.suites_root).as_posix()
        return f"{relative}::{item.name}"

    @pytest.fixture
    def student(self, request: pytest.FixtureRequest) -> Any:
        state = self.tests[self._test_id(request.node)]
        module = self.run.student_module(state.assignment)
        module.records.clear()
        return module

    @pytest.fixture
    def partial_credit(self, request: pytest.FixtureRequest) -> PartialCredit:
        return self.tests[self._test_id(request.node)].credit

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report = outcome.get_result()
        state = self.tests[self._test_id(item)]
        state.duration_s += report.duration
        if call.when == "call":
            module = self.run.modules.get(state.assignment)
            if module is not None:
                state.stdout.extend(record.stdout for record in module.records if record.stdout)
                for attempt in getattr(module, "network_attempts", []):
                    self._add_flag(state.assignment, f"network: {attempt}")
        if state.status is not None or report.passed and call.when != "call":
            return
        if report.skipped:
            state.status, state.message = "error", f"the test was skipped: {report.longreprtext[-300:]}"
        elif report.failed:
            exc = call.excinfo.value if call.excinfo is not None else None
            state.status, state.message = classify(exc) if exc is not None else ("error", report.longreprtext[-500:])
            if isinstance(exc, CallFailed) and exc.stdout:
                state.stdout.append(exc.stdout)
            if isinstance(exc, TensorMismatch) and exc.comparison is not None:
                state.comparison = asdict(exc.comparison)
            self._flag(state.assignment, exc)
        elif call.when == "call":
            state.status = "passed"

    def _flag(self, assignment: str, exc: BaseException | None) -> None:
        if isinstance(exc, Delegated):
            self._add_flag(assignment, f"delegation: {exc.function} calls {', '.join(exc.used)}")
        elif isinstance(exc, CallTimeout):
            self._add_flag(assignment, "timeout: a call did not return within its time limit")

    def _add_flag(self, assignment: str, flag: str) -> None:
        flags = self.flags.setdefault(assignment, [])
        if flag not in flags:
            flags.append(flag)

    def results(self) -> list[TestResult]:
        """Return one result per collected test, in collection order."""
        results = []
        for test_id, state in self.tests.items():
            status = state.status or "error"
            message = state.message if state.status else "the test did not run"
            score = state.points if status == "passed" else 0
            if status == "passed" and state.credit.fraction is not None:
                score = math.floor(state.points * state.credit.fraction + 1e-9)
                if score < state.points:
                    status, message = "failed", state.credit.message
            if status != "passed" and state.stdout:
                output = "".join(state.stdout)
                if len(output) > MAX_OUTPUT_CHARS:
                    output = output[:MAX_OUTPUT_CHARS] + f"\n[... {len(output) - MAX_OUTPUT_CHARS} more characters]"
                message = f"{message}\nOutput of your code:\n{output.rstrip()}"
            results.append(
                TestResult(
                    id=test_id,
                    title=state.title,
                    score=score,
                    max_score=state.points,
                    status=status,  # type: ignore[arg-type]
                    message=message,
                    visibility=state.visibility,  # type: ignore[arg-type]
                    duration_s=round(state.duration_s, 4),
                    comparison=state.comparison,
                )
            )
        return results
