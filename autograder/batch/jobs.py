"""Grade submissions in parallel: one process per job, each with its own zygote.

Jobs are started with the `spawn` method, never forked from the batch process, so no
job inherits torch's thread pools or locks. A job keeps one zygote for every
submission it grades and starts a new one when a submission's code killed it. A job
that dies fails only the submission it was grading, and a fresh job takes its place
for the submissions still waiting. Workers run in a PID namespace of their own where
the system allows one. Where it allows none, student code can signal other processes
of the user running the batch (see README, "How grading works").
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable

from autograder.batch.cache import CacheKey, results_document, write_atomic
from autograder.batch.snapshot import Source, export
from autograder.worker.limits import Limits

log = logging.getLogger(__name__)

#: Seconds a job may take to stop after it was asked to.
STOP_TIMEOUT_S = 10


@dataclass
class GradingTask:
    """One student to grade, with the assignment results that can be reused."""

    username: str
    source: Source
    assignment_ids: list[str]
    reuse: dict[str, dict[str, Any]]
    """Stored assignment results, by id, that need no regrading."""
    key: CacheKey
    results_file: Path
    limits: Limits


@dataclass
class TaskOutcome:
    """A job's report on one task. The results themselves are in the results file."""

    username: str
    error: str | None = None
    """The reason grading failed for a cause outside the submission. Nothing was stored."""
    failure: str | None = None
    """The reason the submission's own code stopped its grading. It is stored, so reruns skip the submission."""
    duration_s: float = 0.0
    skipped_files: list[str] = field(default_factory=list)


def syntax_problems(root: Path, assignment_ids: list[str]) -> dict[str, str]:
    """Return a flag per assignment whose student file does not compile, by id.

    `compile` only parses the file; no student code runs in the grader.
    """
    from autograder.assignments import ASSIGNMENTS

    problems = {}
    for assignment_id in assignment_ids:
        relative = ASSIGNMENTS[assignment_id].relative_file
        path = root / relative
        if not path.is_file():
            continue
        try:
            compile(path.read_bytes(), relative.as_posix(), "exec", dont_inherit=True)
        except SyntaxError as exc:
            problems[assignment_id] = f"syntax error: {relative.as_posix()} line {exc.lineno}: {exc.msg}"
        except ValueError as exc:
            problems[assignment_id] = f"syntax error: {relative.as_posix()}: {exc}"
    return problems


def grade_task(task: GradingTask, zygote: Any) -> TaskOutcome:
    """Grade what the task still needs, merge the reused results and write the results file."""
    from autograder.engine import grade
    from autograder.suite_files import suites_hash
    from autograder.results import AssignmentResult, GradingResults, TestResult

    started = time.perf_counter()
    outcome = TaskOutcome(task.username)
    pending = [a for a in task.assignment_ids if a not in task.reuse]
    with tempfile.TemporaryDirectory(prefix="snn-grade-batch-") as scratch:
        root, outcome.skipped_files = export(task.source, Path(scratch))
        graded = grade(root, pending, "all", task.limits, zygote)
        problems = syntax_problems(root, pending)
    fresh = {result.id: result for result in graded.assignments}
    for assignment_id, flag in problems.items():
        fresh[assignment_id].flags.insert(0, flag)
    for name in outcome.skipped_files:
        for result in fresh.values():
            result.flags.append(f"file left out: {name} is larger than the copy limit")
    merged = []
    for assignment_id in task.assignment_ids:
        if assignment_id in fresh:
            merged.append(fresh[assignment_id])
            continue
        stored = task.reuse[assignment_id]
        tests = [TestResult(**test) for test in stored["tests"]]
        merged.append(AssignmentResult(id=stored["id"], title=stored["title"], tests=tests, flags=list(stored.get("flags", []))))
    versions = {**graded.versions, "suites": suites_hash(task.assignment_ids)}
    results = GradingResults(
        submission=str(task.source.folder),
        assignments=merged,
        versions=versions,
        submission_flags=list(graded.submission_flags),
    )
    write_atomic(task.results_file, results_document(task.username, task.key, _source_summary(task), results.to_dict()))
    outcome.duration_s = time.perf_counter() - started
    return outcome


def _source_summary(task: GradingTask) -> dict[str, Any]:
    return {"kind": task.source.kind, "commit": task.source.commit, "content_hash": task.source.content_hash}


def record_failure(task: GradingTask, failure: str) -> TaskOutcome:
    """Store that the submission stopped its own grading, so reruns report it without regrading."""
    write_atomic(task.results_file, results_document(task.username, task.key, _source_summary(task), None, failure))
    return TaskOutcome(task.username, failure=failure)


def _stop_on_terminate(signum: int, frame: object) -> None:
    raise SystemExit(0)


def job_main(connection: Connection, threads: int) -> None:
    """Serve grading tasks from `connection` until it sends None or closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # The batch process handles Ctrl-C and stops the jobs.
    signal.signal(signal.SIGTERM, _stop_on_terminate)
    # Set before torch is imported, here and in the zygote, so parallel jobs do not
    # each start a thread per core.
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    from autograder.worker.launch import launch

    launched = launch()  # The zygote imports torch while this process does the same.
    from autograder.worker.client import Zygote

    zygote = Zygote(launched)
    try:
        while True:
            try:
                task = connection.recv()
            except EOFError:
                return
            if task is None:
                return
            outcome, zygote = _grade_with_retry(task, zygote)
            connection.send(outcome)
    finally:
        zygote.close()


def _grade_with_retry(task: GradingTask, zygote: Any) -> tuple[TaskOutcome, Any]:
    """Grade a task and return the outcome and the zygote to use next.

    When the zygote dies while a submission is graded, the submission is graded once
    more with a fresh zygote, because the first death may have another cause. A
    second death is put down to the submission's code.
    """
    from autograder.worker.client import Zygote

    error = ""
    for _ in range(2):
        if zygote.process.poll() is not None:
            zygote.close()
            zygote = Zygote()
        try:
            return grade_task(task, zygote), zygote
        except Exception as exc:  # noqa: BLE001 - reported as this submission's status; the job goes on.
            error = f"{type(exc).__name__}: {exc}"
            if zygote.process.poll() is None:
                return TaskOutcome(task.username, error=error), zygote
    zygote.close()
    return record_failure(task, f"its code stopped the grading process ({error})"), Zygote()


class _Job:
    def __init__(self, context: Any, threads: int) -> None:
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=job_main, args=(child_end, threads), daemon=True, name="snn-grade-job")
        self.process.start()
        child_end.close()
        self.task: GradingTask | None = None


class JobPool:
    """Job processes that grade tasks in parallel, each task in one job."""

    def __init__(self, jobs: int) -> None:
        self.size = max(1, jobs)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        self.threads = max(1, cores // self.size)
        self._context = multiprocessing.get_context("spawn")
        self._jobs: list[_Job] = []

    def start(self, count: int) -> None:
        """Start jobs until `count` (at most the pool size) are running."""
        while len(self._jobs) < min(count, self.size):
            self._jobs.append(_Job(self._context, self.threads))

    def run(self, tasks: list[GradingTask], on_outcome: Callable[[TaskOutcome], None]) -> None:
        """Grade every task, calling `on_outcome` as each finishes, in any order."""
        queue = deque(tasks)
        while queue or any(job.task is not None for job in self._jobs):
            busy = sum(job.task is not None for job in self._jobs)
            self.start(busy + len(queue))
            for job in self._jobs:
                if job.task is None and queue:
                    task = queue.popleft()
                    try:
                        job.connection.send(task)
                    except (BrokenPipeError, OSError):
                        queue.appendleft(task)  # The job died; a fresh one takes the task.
                        continue
                    job.task = task
            ready = set(wait([job.connection for job in self._jobs] + [job.process.sentinel for job in self._jobs]))
            for job in list(self._jobs):
                alive = job.process.is_alive()
                if job.connection in ready or job.process.sentinel in ready or not alive:
                    outcome = self._collect(job)
                    if outcome is not None:
                        on_outcome(outcome)
                if not alive:
                    self._jobs.remove(job)
                    job.connection.close()

    def _collect(self, job: _Job) -> TaskOutcome | None:
        """Return the job's outcome, a failure outcome when it died while grading, or None."""
        try:
            if job.connection.poll():
                outcome = job.connection.recv()
                job.task = None
                return outcome
        except (EOFError, OSError):
            job.process.join(STOP_TIMEOUT_S)
        if job.process.is_alive() or job.task is None:
            return None
        task, job.task = job.task, None
        log.warning("the job grading %s exited with code %s", task.username, job.process.exitcode)
        return TaskOutcome(task.username, error=f"the grading process exited with code {job.process.exitcode}")

    def close(self) -> None:
        """Ask every job to stop, then terminate those that do not."""
        for job in self._jobs:
            try:
                job.connection.send(None)
            except (BrokenPipeError, OSError):
                pass
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for job in self._jobs:
            job.process.join(max(0.0, deadline - time.monotonic()))
            if job.process.is_alive():
                job.process.terminate()
                job.process.join(STOP_TIMEOUT_S)
            job.connection.close()
        self._jobs.clear()

    def terminate(self) -> None:
        """Stop every job now. The submissions they were grading keep their old results files."""
        for job in self._jobs:
            job.process.terminate()
        for job in self._jobs:
            job.process.join(STOP_TIMEOUT_S)
            if job.process.is_alive():
                job.process.kill()
            job.connection.close()
        self._jobs.clear()
