"""Grade a submission folder: run the suites in-process, student code in a worker.

The flow is: resolve assignments -> collect their suites for the chosen visibility ->
run pytest with the grading plugin (each call goes to the worker) -> one results
document.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

import autograder
from autograder.assignments import ASSIGNMENTS, Assignment, get_assignment, submission_root
from autograder.errors import GraderError, UserError
from autograder.plugin import GradingPlugin
from autograder.protected import check_manifest
from autograder.static_delegation import find_static_uses
from autograder.suite_files import SUITES_ROOT, Visibility, suite_dirs, suites_hash
from autograder.results import AssignmentResult, GradingResults
from autograder.worker.client import Limits, StudentModule, Zygote
from autograder.worker.errors import MissingSubmission

log = logging.getLogger(__name__)

def versions(assignment_ids: list[str], visibility: Visibility, suites_root: Path = SUITES_ROOT) -> dict[str, str]:
    import snntorch
    import torch

    return {
        "grader": autograder.__version__,
        "suites": suites_hash(assignment_ids, visibility, suites_root),
        "torch": torch.__version__,
        "snntorch": snntorch.__version__,
        "python": platform.python_version(),
    }


def resolve_assignments(submission: Path, assignment_ids: list[str] | None) -> list[Assignment]:
    """Return the assignments to grade: those named, or those present in the submission."""
    if assignment_ids:
        return [get_assignment(assignment_id) for assignment_id in dict.fromkeys(assignment_ids)]
    present = [a for a in ASSIGNMENTS.values() if (submission / a.relative_file).is_file()]
    if not present:
        expected = ", ".join(str(a.relative_file) for a in ASSIGNMENTS.values())
        raise UserError(f"no assignment found in {submission}: expected one of {expected}, or pass --assignment ID")
    return present


class GradingRun:
    """State shared by the plugin and the engine while one submission is graded."""

    def __init__(self, submission: Path, zygote: Zygote | None, limits: Limits, in_process: bool = False) -> None:
        self.submission = submission
        self.zygote = zygote
        self.limits = limits
        self.in_process = in_process
        self.modules: dict[str, StudentModule] = {}
        self._staging: Path | None = None

    def _worker_root(self) -> Path:
        """Return the folder the worker imports from: the submission, or a private copy.

        A worker that switches to an unprivileged user gets a copy it can read but not
        change, so it can neither edit the student's files nor write into the checkout.
        """
        if self.limits.worker_user is None or os.getuid() != 0 or self.in_process:
            return self.submission
        if self._staging is None:
            self._staging = Path(tempfile.mkdtemp(prefix="snn-grade-submission-"))
            self._staging.chmod(0o755)
            for name in [*ASSIGNMENTS, "common"]:
                if (self.submission / name).is_dir():
                    shutil.copytree(self.submission / name, self._staging / name, symlinks=False, ignore=shutil.ignore_patterns("__pycache__"))
            for path in self._staging.rglob("*"):
                path.chmod(0o755 if path.is_dir() else 0o644)
        return self._staging

    def student_module(self, assignment_id: str) -> StudentModule:
        assignment = ASSIGNMENTS[assignment_id]
        if not (self.submission / assignment.relative_file).is_file():
            raise MissingSubmission(f"{assignment.relative_file} not found in the submission")
        if assignment_id not in self.modules:
            root = self._worker_root()
            paths = [root / assignment.id, root]
            forbidden = {name: list(targets) for name, targets in assignment.delegation.items()}
            if self.in_process:
                from autograder.worker.inprocess import InProcessModule

                self.modules[assignment_id] = InProcessModule(assignment.module, paths, forbidden, self.limits)  # type: ignore[assignment]
            else:
                assert self.zygote is not None
                module = StudentModule(self.zygote, assignment.module, paths, forbidden, self.limits)
                source = (self.submission / assignment.relative_file).read_text(encoding="utf-8", errors="replace")
                module.static_uses = find_static_uses(source, forbidden)
                self.modules[assignment_id] = module
        return self.modules[assignment_id]

    def close(self) -> None:
        for module in self.modules.values():
            module.close()
        self.modules.clear()
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None


@contextlib.contextmanager
def _quiet_pytest() -> Iterator[io.StringIO]:
    """Keep pytest's own output and plugin autoloading out of a grading run."""
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            yield buffer
    finally:
        if saved is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved


def _forget_suite_modules(suites_root: Path) -> None:
    """Drop suite modules from sys.modules, so the next run imports its own suite files.

    With `--import-mode=importlib`, pytest names a module after its path below the
    root folder and reuses a module of that name if one is loaded. Modules are matched
    by path prefix, because resolving the path of every loaded module took 0.4 s in
    a Jupyter kernel with torch loaded. `suites_root` must therefore be resolved.
    """
    prefix = str(suites_root) + os.sep
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and file.startswith(prefix):
            del sys.modules[name]


def pytest_arguments(targets: list[str], suites_root: Path) -> list[str]:
    """Return the pytest command line for running suite files or test ids under `suites_root`.

    The unraisable-exception and thread-exception plugins are off: they only turn
    uncatchable exceptions into warnings, and cost a full garbage collection per test.
    """
    return [
        *targets,
        "-c",
        str(SUITES_ROOT / "pytest.ini"),
        "--rootdir",
        str(suites_root),
        "--import-mode=importlib",
        "--strict-markers",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:stepwise",
        "-p",
        "no:unraisableexception",
        "-p",
        "no:threadexception",
        "-q",
    ]


#: pytest exit codes of a run that collected and ran its tests, passed or failed.
RAN_EXIT_CODES = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)


def run_pytest(
    plugin: GradingPlugin,
    targets: list[str],
    suites_root: Path,
    *options: str,
    accepted: tuple[pytest.ExitCode, ...] = RAN_EXIT_CODES,
) -> tuple[int, str]:
    """Run pytest quietly on `targets` with `plugin` and extra `options`, and return its exit code and output.

    `suites_root` must be resolved, and the suite modules loaded from it are forgotten
    afterwards.

    Raises:
        GraderError: a suite could not be collected, or pytest ended with an exit code
            outside `accepted`.
    """
    args = [*pytest_arguments(targets, suites_root), *options]
    with _quiet_pytest() as output:
        try:
            exit_code = pytest.main(args, plugins=[plugin])
        finally:
            _forget_suite_modules(suites_root)
    if plugin.collect_errors:
        raise GraderError("the suites could not be collected:\n" + "\n".join(plugin.collect_errors))
    if exit_code not in accepted:
        tail = output.getvalue().strip().splitlines()[-5:]
        raise GraderError(f"pytest ended with exit code {int(exit_code)}: " + " | ".join(tail))
    return int(exit_code), output.getvalue()


def _run_suites(run: GradingRun, folders: list[Path], suites_root: Path) -> GradingPlugin:
    plugin = GradingPlugin(run, suites_root)
    run_pytest(plugin, [str(folder) for folder in folders], suites_root)
    return plugin


def grade(
    submission: Path,
    assignment_ids: list[str] | None = None,
    visibility: Visibility = "all",
    limits: Limits | None = None,
    zygote: Zygote | None = None,
    suites_root: Path = SUITES_ROOT,
    in_process: bool = False,
) -> GradingResults:
    """Grade one submission folder and return the results document.

    Args:
        submission: a folder with one subfolder per assignment (`a1_lif/lif.py`, ...).
        assignment_ids: assignments to grade; by default those present in the folder.
        visibility: `public` runs the public suites only; `all` adds the hidden ones.
        limits: time and memory limits for student code.
        zygote: a running zygote to reuse across submissions; one is started if None.
        suites_root: folder with `public/<id>/` and `hidden/<id>/` suites.
        in_process: import student code into this process instead of a worker. Only
            for measuring the cost of the process boundary: it disables every protection.
    """
    submission = Path(submission)
    if not submission.is_dir():
        raise UserError(f"submission folder {submission} not found: pass a folder such as 'solutions' or 'assignments'")
    submission = submission_root(submission.resolve())
    assignments = resolve_assignments(submission, assignment_ids)
    own_zygote = zygote is None and not in_process
    if own_zygote:
        zygote = Zygote()
    run = GradingRun(submission, zygote, limits or Limits(), in_process)
    try:
        suites_root = suites_root.resolve()
        folders = [folder for a in assignments for folder in suite_dirs(a.id, visibility, suites_root)]
        if not folders:
            raise GraderError(f"no suites found for {', '.join(a.id for a in assignments)}")
        plugin = _run_suites(run, folders, suites_root)
    finally:
        run.close()
        if own_zygote and zygote is not None:
            zygote.close()
    results = []
    tests = plugin.results()
    for assignment in assignments:
        result = AssignmentResult(
            id=assignment.id,
            title=assignment.title,
            tests=[t for t in tests if t.id.split("/")[1] == assignment.id],
            flags=list(plugin.flags.get(assignment.id, [])),
        )
        if not (submission / assignment.relative_file).is_file():
            result.flags.append(f"missing file: {assignment.relative_file}")
        results.append(result)
    return GradingResults(
        submission=str(submission),
        assignments=results,
        versions=versions([a.id for a in assignments], visibility, suites_root),
        submission_flags=check_manifest(submission.parent),
    )
