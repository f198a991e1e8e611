"""Pytest plugin for running the public suites with plain `pytest` in a student's repository.

The student template's `tests/conftest.py` loads it with
`pytest_plugins = ["autograder.student_plugin"]`. It gives the suites the same
`student` and `partial_credit` fixtures as grading, with the student's code in a
worker, and leaves the output to pytest. Points are not added up here:
`snn-grade check` prints the points table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.engine import GradingRun
from autograder.plugin import PartialCredit, classify
from autograder.worker.client import StudentModule, Zygote
from autograder.worker.errors import CallFailed
from autograder.worker.limits import Limits

#: Folder, relative to pytest's root, that contains the student's assignment folders.
SUBMISSION_FOLDER = "assignments"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): integer points a graded test is worth")


def _assignment_of(path: Path) -> str:
    for folder in path.parents:
        if folder.name in ASSIGNMENTS:
            return folder.name
    raise pytest.UsageError(f"{path} is not inside a folder named after an assignment ({', '.join(ASSIGNMENTS)})")


@pytest.fixture(scope="session")
def _grading_run(pytestconfig: pytest.Config) -> Iterator[GradingRun]:
    submission = Path(pytestconfig.rootpath) / SUBMISSION_FOLDER
    with Zygote() as zygote:
        run = GradingRun(submission.resolve(), zygote, Limits())
        yield run
        run.close()


@pytest.fixture
def student(request: pytest.FixtureRequest, _grading_run: GradingRun) -> StudentModule:
    """Return the student's module for this test's assignment; its calls run in a worker."""
    module = _grading_run.student_module(_assignment_of(Path(request.node.path)))
    module.records.clear()
    return module


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Show a failed call into student code as its message and the student's own frames.

    Without this, pytest prints the grader's frames around the exception, and the
    line of the student's file that failed is nowhere in the output.
    """
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None and isinstance(call.excinfo.value, CallFailed):
        report.longrepr = classify(call.excinfo.value)[1]


@pytest.fixture
def partial_credit() -> PartialCredit:
    """Lets a test award part of its points; plain pytest reports only pass or fail."""
    return PartialCredit()
