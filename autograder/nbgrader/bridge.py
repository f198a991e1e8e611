"""Run one test of the installed suites inside a Jupyter kernel, for nbgrader's test cells.

An autograder test cell of a generated notebook calls

    run_suite_test("hidden/a1_lif/test_leaky_step.py::test_subtract_matches_snntorch[torch.float32]", globals())

which runs exactly that pytest item with the grading plugin, as `snn-grade grade`
does. Its `student` fixture calls the functions and classes that the notebook defines
(`globals()`) through the worker runtime's call handling, run in this process: each
call is seeded, its arguments and its result cross the worker protocol as copies,
in-place changes of tensor arguments are detected, and a call into the snnTorch code
that an exercise has students write themselves is reported as delegation.

The outcome follows nbgrader 0.9's rules for test cells (`nbgrader.utils.determine_grade`):
an error output or anything written to standard error gives the cell no points, a
number as the cell's value gives that many points, and any other output gives all
points. So `run_suite_test` returns None for full marks, returns the points earned
for partial credit, and raises `SuiteTestFailed` (an AssertionError) carrying the
suite's message for a test that earns nothing. Standard error and warnings are
captured while the test runs, so that a warning or a progress bar printed by correct
code does not cost the cell its points.

Student code runs in the kernel, in the same process as the tests: there is no
worker, no memory limit and no network isolation, and the time limit of a call is a
SIGALRM timer that code can catch. The README's section on nbgrader says what that
means for trust.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
import tempfile
import threading
import time
import types
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from autograder.worker.client import CallRecord, StudentModule, _record
from autograder.worker.errors import CallTimeout
from autograder.worker.limits import Limits

if TYPE_CHECKING:
    from autograder.assignments import Assignment
    from autograder.plugin import GradingPlugin
    from autograder.results import TestResult
    from autograder.worker.runtime import Runtime

#: Seconds between repeated timer signals once a call has passed its time limit, so
#: that student code which catches the first signal is interrupted again.
TIMEOUT_REPEAT_S = 0.5

#: Limits of a call into the notebook's code. Only the time limit applies in a kernel.
LIMITS = Limits()

#: One runtime per assignment and kernel. Its delegation watch wraps snnTorch names
#: once, and `setup_notebook` creates it before the notebook imports those names.
_RUNTIMES: dict[str, "Runtime"] = {}


class SuiteTestFailed(AssertionError):
    """A suite test earned no points; the message is what `snn-grade grade` reports for it."""


class _CallTimeLimit(BaseException):
    """Raised in student code by the timer once a call has run past its time limit.

    It derives from BaseException, so `except Exception` in student code does not
    catch it.
    """


class _Timer:
    """Whether the time limit of one call has passed."""

    def __init__(self) -> None:
        self.expired = False


def setup_notebook(assignment_id: str) -> None:
    """Prepare this kernel to grade `assignment_id`: install the delegation and network watches.

    The generated notebook calls it in its first code cell. The delegation watch
    replaces snnTorch functions in their modules, so a name imported with
    `from snntorch... import name` before this call escapes the watch.
    """
    from autograder.assignments import get_assignment

    _runtime(get_assignment(assignment_id))


def run_suite_test(test_id: str, namespace: dict[str, Any], *, show_message: bool = True) -> int | None:
    """Run one suite test on the notebook's code and report its outcome the way nbgrader scores it.

    Args:
        test_id: `<public|hidden>/<assignment>/<file>.py::<test>[<case>]`, the test's id
            in the results of `snn-grade grade`.
        namespace: the notebook's global namespace, `globals()`.
        show_message: show why the test lost points. False shows only the title and
            the outcome, as `snn-grade grade` does for hidden tests.

    Returns:
        None when the test earns all its points. Otherwise the points earned, which
        nbgrader takes from the cell's value as partial credit.

    Raises:
        SuiteTestFailed: the test earned no points.
        ValueError: `test_id` does not name exactly one test of the installed suites.
    """
    from autograder.assignments import get_assignment

    parts = test_id.split("::", 1)[0].split("/")
    if len(parts) != 3 or parts[0] not in ("public", "hidden") or "::" not in test_id:
        raise ValueError(f"invalid test id {test_id!r}: expected '<public|hidden>/<assignment>/<file>.py::<test>'")
    assignment = get_assignment(parts[1])

    with _captured_stderr():
        result, flags = _run_one(test_id, namespace, assignment)
    notes = [f"note: {flag}" for flag in flags]
    if result.score == result.max_score:
        if notes:
            print("\n".join(notes))
        return None

    points = "point" if result.max_score == 1 else "points"
    summary = f"{result.status} ({result.score} of {result.max_score} {points}): {result.title}"
    if show_message and result.message:
        summary = f"{summary}\n{result.message}"
    elif not show_message:
        summary = f"{summary} (hidden test: the reason is not shown)"
    summary = "\n".join([summary, *notes])
    if result.score > 0:
        print(summary)
        return result.score
    raise SuiteTestFailed(summary) from None


def _runtime(assignment: "Assignment") -> "Runtime":
    if assignment.id not in _RUNTIMES:
        from autograder.worker.runtime import Runtime

        watched = sorted({name for names in assignment.delegation.values() for name in names})
        _RUNTIMES[assignment.id] = Runtime(None, [str(root) for root in _cell_file_roots()], watched)  # type: ignore[arg-type]
    return _RUNTIMES[assignment.id]


def _cell_file_roots() -> list[Path]:
    """Return the folder of the files ipykernel compiles cells from, so tracebacks keep their frames."""
    try:
        from ipykernel.compiler import get_tmp_directory
    except ImportError:
        return []
    return [Path(get_tmp_directory())]


def _run_one(test_id: str, namespace: dict[str, Any], assignment: "Assignment") -> tuple["TestResult", list[str]]:
    """Run the pytest item `test_id` with the grading plugin; return its result and the assignment's flags."""
    from autograder.engine import SUITES_ROOT
    from autograder.plugin import GradingPlugin

    module = NotebookModule(assignment, namespace, _runtime(assignment), LIMITS)
    suites_root = SUITES_ROOT.resolve()
    plugin = GradingPlugin(NotebookRun(assignment.id, module), suites_root)  # type: ignore[arg-type]
    run_pytest(plugin, [str(suites_root / test_id)], suites_root)
    results = [result for result in plugin.results() if result.id == test_id]
    if len(results) != 1:
        raise ValueError(
            f"{test_id} does not name one test of the installed suites ({len(plugin.results())} selected); "
            "regenerate the notebooks with 'snn-grade nbgrader' after the suites change"
        )
    return results[0], list(plugin.flags.get(assignment.id, []))


def run_pytest(plugin: "GradingPlugin", targets: list[str], suites_root: Path, *options: str) -> tuple[int, str]:
    """Run pytest as `engine.run_pytest` does, also accepting no tests and a target not found, which the caller reports."""
    import pytest

    from autograder.engine import run_pytest as run_engine_pytest

    accepted = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED, pytest.ExitCode.USAGE_ERROR)
    return run_engine_pytest(plugin, targets, suites_root, *options, accepted=accepted)


class NotebookRun:
    """The part of `engine.GradingRun` that the grading plugin uses, serving the notebook's code."""

    def __init__(self, assignment_id: str, module: "NotebookModule") -> None:
        self.assignment_id = assignment_id
        self.module = module
        self.modules: dict[str, NotebookModule] = {}

    def student_module(self, assignment_id: str) -> "NotebookModule":
        if assignment_id != self.assignment_id:
            raise ValueError(f"this notebook grades {self.assignment_id}, not {assignment_id}")
        self.modules[assignment_id] = self.module
        return self.module


class NotebookModule(StudentModule):
    """A `StudentModule` whose calls run the notebook's functions and classes in this kernel.

    `call`, `run_harness` and attribute access work as in `StudentModule`; only the
    call itself differs. The notebook's names are copied into a module object named
    after the assignment's module (`lif`), which is registered in `sys.modules`
    during each call, because the runtime imports the module by name.
    """

    def __init__(self, assignment: "Assignment", namespace: dict[str, Any], runtime: "Runtime", limits: Limits) -> None:
        # StudentModule.__init__ is not called: it expects a zygote that starts workers.
        self._assignment = assignment
        self._runtime = runtime
        self._limits = limits
        self._worker = None
        self._module = types.ModuleType(assignment.module)
        self._module.__dict__.update({name: value for name, value in namespace.items() if not name.startswith("__")})
        self.records: list[CallRecord] = []
        self.calls = 0
        self.network_attempts: list[str] = []

    def _invoke(
        self,
        function: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        timeout_s: float | None,
        seed: int,
        harness: str | None,
    ) -> CallRecord:
        self.calls += 1
        qualified = f"{self._assignment.module}.{function}"
        request: dict[str, Any] = {"op": "call", "module": self._assignment.module, "function": function, "args": list(args), "kwargs": kwargs, "seed": seed}
        if harness is not None:
            request["harness"] = harness
        # The worker gets decoded copies of the arguments, so student code never
        # gets the grader's own tensors. The same copy is made here.
        request = _through_protocol(request)
        timeout = timeout_s if timeout_s is not None else self._limits.call_timeout_s

        started = time.perf_counter()
        timer = _Timer()
        reply: dict[str, Any] = {}
        with _installed_module(self._module):
            try:
                with _time_limit(timeout, timer):
                    reply = self._runtime.handle(request)
            except _CallTimeLimit:
                timer.expired = True
        if timer.expired:
            raise CallTimeout(f"{qualified} did not return within {timeout:g} s; the call was stopped")

        try:
            reply = _through_protocol(reply)
        except Exception as exc:  # A returned object that cannot be encoded, as Runtime.serve reports it.
            reply = {"ok": False, "kind": "bad_result", "message": f"{type(exc).__name__}: {exc}"[:500], "stdout": ""}
        self.network_attempts.extend(f"{qualified}: {attempt}" for attempt in reply.get("network", []))
        record = _record(qualified, reply, list(self._assignment.delegation.get(function, ())))
        record.duration_s = time.perf_counter() - started
        self.records.append(record)
        return record


def _through_protocol(message: dict[str, Any]) -> dict[str, Any]:
    """Return `message` as the other end of the worker protocol decodes it: plain data, copied."""
    from autograder.worker import protocol

    frame = protocol.encode(message)
    return protocol.decode(frame[protocol._HEADER.size :])


@contextlib.contextmanager
def _installed_module(module: types.ModuleType) -> Iterator[None]:
    name = module.__name__
    previous = sys.modules.get(name)
    sys.modules[name] = module
    try:
        yield
    finally:
        if previous is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous


@contextlib.contextmanager
def _time_limit(seconds: float, timer: _Timer) -> Iterator[None]:
    """Raise `_CallTimeLimit` in the running code after `seconds`, then every `TIMEOUT_REPEAT_S`.

    Signals reach only the main thread, so elsewhere the call runs without a limit and
    nbgrader's cell timeout is the only one.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        timer.expired = True
        raise _CallTimeLimit()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, TIMEOUT_REPEAT_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _captured_stderr() -> Iterator[io.StringIO]:
    """Keep standard error (Python's stream and file descriptor 2) and warnings out of the cell's output.

    nbgrader gives a test cell no points when it writes anything to standard error,
    and ipykernel forwards what native code writes to descriptor 2 as such output.
    """
    buffer = io.StringIO()
    try:
        saved_fd = os.dup(2)
    except OSError:  # Descriptor 2 is closed, so native code cannot write to it either.
        saved_fd = None
    with tempfile.TemporaryFile() as sink:
        if saved_fd is not None:
            sys.stderr.flush()
            os.dup2(sink.fileno(), 2)
        try:
            with contextlib.redirect_stderr(buffer), warnings.catch_warnings(record=True):
                yield buffer
        finally:
            if saved_fd is not None:
                os.dup2(saved_fd, 2)
                os.close(saved_fd)
