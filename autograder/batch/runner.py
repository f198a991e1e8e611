"""Grade every submission in a download folder and write the gradebook, feedback and summary.

The steps: find the student folders, decide what to grade for each (a commit, or a
plain folder's files), reuse stored results whose key is unchanged, grade the rest in
parallel jobs, then write `grades.csv`, `feedback/`, `summary.md` and `manifest.json`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

import autograder
from autograder.assignments import ASSIGNMENTS
from autograder.batch import cache
from autograder.batch.discover import StudentFolder, discover
from autograder.batch.feedback import write_feedback
from autograder.batch.gradebook import write_grades
from autograder.batch.jobs import GradingTask, JobPool, TaskOutcome
from autograder.batch.manifest import write_manifest
from autograder.batch.progress import Progress
from autograder.batch.pushtime import compare, read_scores_csv
from autograder.batch.records import StudentRecord
from autograder.batch.roster import Student, read_roster, roster_from_rows
from autograder.batch.snapshot import SubmissionProblem, resolve
from autograder.batch.summary import write_summary
from autograder.results import GradingResults
from autograder.suite_files import suites_hash
from autograder.worker.limits import Limits

log = logging.getLogger(__name__)

#: Status of a submission whose own code stopped its grading.
REJECTED = "rejected"


@dataclass
class BatchOptions:
    """The options of one `snn-grade batch` run."""

    submissions: Path
    out: Path
    roster: Path | None = None
    deadline: dt.datetime | None = None
    jobs: int = 1
    assignment_ids: list[str] | None = None
    limits: Limits = field(default_factory=Limits)


@dataclass
class BatchReport:
    """The records of a batch and how each submission's results were obtained."""

    records: list[StudentRecord]
    assignment_ids: list[str]
    graded: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    """The reason grading failed, by username."""


def _batch_assignments(records: list[StudentRecord], requested: list[str] | None) -> list[str]:
    """Return the assignments to grade: those requested, else those any submission contains."""
    if requested:
        return list(dict.fromkeys(requested))
    present = {a for record in records if record.source is not None for a in record.source.present}
    return [a for a in ASSIGNMENTS if a in present]


def _plan(folders: list[StudentFolder], options: BatchOptions, roster: dict[str, Student]) -> list[StudentRecord]:
    """Return one record per student folder with what to grade, or why it cannot be graded."""
    records = []
    for folder in folders:
        record = StudentRecord(folder.username, roster.get(folder.username.lower()), folder.path)
        try:
            record.source = resolve(folder, options.deadline)
            record.late_commits = record.source.late_commits
        except SubmissionProblem as problem:
            record.problem = str(problem)
            record.late_commits = problem.late_commits
        if roster and record.student is None:
            record.flags.append("not in roster")
        if record.late_commits:
            record.flags.append(f"late: {record.late_commits} commit(s) after the deadline not graded")
        records.append(record)
    return records


def _load_results(record: StudentRecord, out: Path, key: cache.CacheKey, suites: str) -> None:
    """Attach the stored results to a record, or a problem when none match its key."""
    stored = cache.load(cache.results_path(out, record.username), record.username)
    failure = cache.stored_failure(stored, key)
    if failure is not None:
        record.problem = f"{REJECTED}: {failure}"
        return
    reusable = cache.reusable_assignments(stored, key)
    if stored is None or not set(key.suites) <= set(reusable):
        record.problem = "grading failed: no results were written"
        return
    results = GradingResults.from_dict(stored["results"])
    by_id = {a.id: a for a in results.assignments}
    results.assignments = [by_id[a] for a in key.suites]
    results.versions["suites"] = suites
    record.results = results


def _compare_pushed(record: StudentRecord, csv_rows: dict[str, list[dict[str, str]]]) -> None:
    assert record.results is not None
    assert record.source is not None
    assert record.folder is not None
    public = [t for a in record.results.assignments for t in a.tests if t.visibility == "public"]
    record.comparison = compare(
        record.folder,
        record.source.commit,
        record.source.head,
        csv_rows.get(record.username.lower(), []),
        (record.results.score, record.results.max_score),
        (sum(t.score for t in public), sum(t.max_score for t in public)),
    )


def run_batch(options: BatchOptions) -> BatchReport:
    """Grade the submissions, reusing unchanged results, and write every output file."""
    csv_rows = read_scores_csv(options.submissions)
    if options.roster is not None:
        roster = read_roster(options.roster)
    else:
        roster = roster_from_rows([row for rows in csv_rows.values() for row in rows])
    if options.roster is None and not csv_rows:
        log.warning(
            "no --roster and no scores.csv in %s, so the name columns of grades.csv stay empty: pass --roster students.csv",
            options.submissions,
        )
    folders = discover(options.submissions, skip=options.out, known_usernames={student.username for student in roster.values()})
    log.info("found %d student folders in %s", len(folders), options.submissions)
    unmatched = [folder.path.name for folder in folders if folder.username.lower() not in roster]
    if roster and unmatched:
        log.warning(
            "%d of %d student folders match no roster username (%s): they are graded under the names shown, "
            "and roster students without a folder get no submission",
            len(unmatched), len(folders), ", ".join(unmatched[:5]) + (", ..." if len(unmatched) > 5 else ""),
        )
    cache.remove_stale_temporaries(options.out)
    pool = JobPool(options.jobs)
    # Jobs import torch, which takes seconds: start them before the commits are
    # resolved, one for each folder that has no stored results and so certainly needs
    # grading.
    pool.start(sum(not cache.results_path(options.out, folder.username).exists() for folder in folders))
    try:
        records = _plan(folders, options, roster)
        assignment_ids = _batch_assignments(records, options.assignment_ids)
        report = BatchReport(records, assignment_ids)
        gradable = [record for record in records if record.source is not None]
        if not assignment_ids:
            for record in gradable:
                record.problem = "missing files: no student file of any assignment"
            gradable = []
        keys = _grade(pool, gradable, assignment_ids, options, report)
    except BaseException:
        pool.terminate()
        raise
    pool.close()
    log.info("grading done; writing the outputs to %s", options.out)

    suites = suites_hash(assignment_ids)
    for record in gradable:
        if record.username in report.failed:
            record.problem = f"grading failed: {report.failed[record.username]}"
            continue
        _load_results(record, options.out, keys[record.username], suites)
        if record.results is not None:
            _compare_pushed(record, csv_rows)
    submitted = {record.username.lower() for record in records}
    records.extend(StudentRecord(student.username, student) for key, student in roster.items() if key not in submitted)
    records.sort(key=lambda record: record.username.lower())

    write_feedback(options.out, records, options.deadline)
    write_grades(options.out, records, assignment_ids)
    write_summary(options.out, records, assignment_ids, options)
    write_manifest(options.out, records, options, assignment_ids)
    return report


def _grade(pool: JobPool, gradable: list[StudentRecord], assignment_ids: list[str], options: BatchOptions, report: BatchReport) -> dict[str, cache.CacheKey]:
    """Grade every record whose stored results are out of date; return each record's cache key."""
    keys = _cache_keys(gradable, assignment_ids, options.limits)
    tasks = _tasks(gradable, keys, options, report)
    progress = Progress(len(tasks))

    def finished(outcome: TaskOutcome) -> None:
        if outcome.failure is not None:
            report.graded.append(outcome.username)
            log.warning("%s: %s", outcome.username, outcome.failure)
            progress.advance(outcome.username, REJECTED)
        elif outcome.error is None:
            report.graded.append(outcome.username)
            progress.advance(outcome.username, f"in {outcome.duration_s:.1f} s")
        else:
            report.failed[outcome.username] = outcome.error
            log.error("grading %s failed: %s", outcome.username, outcome.error)
            progress.advance(outcome.username, "failed")

    if tasks:
        log.info("grading %d submissions in %d jobs; %d reused", len(tasks), min(pool.size, len(tasks)), len(report.reused))
        pool.run(tasks, finished)
    return keys


def _cache_keys(gradable: list[StudentRecord], assignment_ids: list[str], limits: Limits) -> dict[str, cache.CacheKey]:
    """Return the key each student's results must match to be reused, by username."""
    suites = {assignment_id: suites_hash([assignment_id]) for assignment_id in assignment_ids}
    keys = {}
    for record in gradable:
        assert record.source is not None
        keys[record.username] = cache.CacheKey(record.source.identity, autograder.__version__, cache.limits_key(limits), suites)
    return keys


def _tasks(gradable: list[StudentRecord], keys: dict[str, cache.CacheKey], options: BatchOptions, report: BatchReport) -> list[GradingTask]:
    """Return a task for each record whose stored results do not cover every assignment."""
    tasks = []
    for record in gradable:
        assert record.source is not None
        key = keys[record.username]
        path = cache.results_path(options.out, record.username)
        stored = cache.load(path, record.username)
        reuse = cache.reusable_assignments(stored, key)
        if set(key.suites) <= set(reuse) or cache.stored_failure(stored, key) is not None:
            record.reused = True
            report.reused.append(record.username)
            log.info("reusing %s for %s: graded commit and suites unchanged", path, record.username)
            continue
        assignment_ids = list(key.suites)
        tasks.append(GradingTask(record.username, record.source, assignment_ids, reuse, key, path, options.limits))
    return tasks
