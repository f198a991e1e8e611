"""Command line: `snn-grade grade | check | release | stubs | verify | batch | feedback push | nbgrader`.

This module only parses arguments and calls library functions. Exit status: 0 when the
command ran (a grading run exits 0 whatever the score), 1 when the grader or its suites
failed, 2 for invalid input such as a missing folder or an unknown assignment.
"""

from __future__ import annotations

import argparse
import logging
import os
import pwd
import sys
import tempfile
from pathlib import Path

from autograder import __version__
from autograder.errors import GraderError, UserError

log = logging.getLogger("autograder")

EXIT_OK = 0
EXIT_GRADER_ERROR = 1
EXIT_USER_ERROR = 2


def _repository_root() -> Path:
    """Return the folder holding `solutions/`: the package's parent, else the current folder."""
    package_parent = Path(__file__).resolve().parents[1]
    return package_parent if (package_parent / "solutions").is_dir() else Path.cwd()


def _add_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--call-timeout", type=float, default=10.0, metavar="SECONDS", help="time limit of one call into student code, in seconds (default: 10)")
    parser.add_argument("--memory-limit", type=int, default=2048, metavar="MIB", help="memory a worker may use beyond its start-up size, in MiB (default: 2048)")
    parser.add_argument(
        "--worker-user",
        metavar="NAME",
        help="when running as root, run student code as this unprivileged user, which cannot read root-only files such as protected hidden suites",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="snn-grade", description="Grade the SNN workshop exercises with point-weighted pytest suites.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more detail (repeat for debug output)")
    verbs = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    grade = verbs.add_parser("grade", help="grade a submission folder", description="Grade a submission folder and print the results.")
    grade.add_argument("submission", type=Path, metavar="SUBMISSION_DIR", help="folder with one subfolder per assignment, e.g. 'solutions' or 'assignments', or a student repository's root, whose assignments/ is graded")
    grade.add_argument("--assignment", action="append", metavar="ID", help="grade only this assignment (repeatable); default: every assignment in the folder")
    grade.add_argument("--visibility", choices=("public", "all"), default="all", help="'public' runs only the suites students have; 'all' adds the hidden ones (default)")
    grade.add_argument(
        "--format",
        choices=("table", "json", "markdown", "gradescope"),
        default="table",
        help="output format: a terminal table (default), the JSON results document, Markdown feedback, or Gradescope's results.json",
    )
    grade.add_argument("--output", type=Path, metavar="FILE", help="write the output to FILE instead of standard output")
    grade.add_argument("--hidden-messages", action="store_true", help="show why hidden tests failed; by default they show only title and outcome")
    _add_limits(grade)

    check = verbs.add_parser("check", help="run the public tests on your own files", description="Grade your files with the public suites and say what to fix next.")
    check.add_argument("assignment", nargs="?", metavar="ASSIGNMENT", help="assignment id, e.g. a1_lif (default: every assignment in the folder)")
    check.add_argument("--dir", type=Path, default=Path("assignments"), metavar="DIR", help="folder with your assignment folders (default: assignments)")
    _add_limits(check)

    stubs = verbs.add_parser("stubs", help="generate assignments/ from solutions/", description="Write the student files: each solution region becomes a stub.")
    stubs.add_argument("--solutions", type=Path, metavar="DIR", help="reference folder (default: solutions/ of this repository)")
    stubs.add_argument("--out", type=Path, metavar="DIR", help="student folder to write (default: assignments/ next to the reference)")
    stubs.add_argument("--check", action="store_true", help="write nothing; exit 1 if the student folder is out of date")

    release = verbs.add_parser(
        "release",
        help="build the student template and the Classroom 50 bundles",
        description="Write OUT_DIR/template (the student template repository) and OUT_DIR/classroom50/<assignment> (autograder bundles).",
    )
    release.add_argument("out", type=Path, metavar="OUT_DIR", help="empty or new folder to write")
    release.add_argument("--assignment", action="append", metavar="ID", help="release only this assignment (repeatable); default: all")
    release.add_argument("--workflow", choices=("none", "standalone"), default="none", help="'standalone' adds .github/workflows/grade.yml for repositories without Classroom 50")
    release.add_argument("--no-hidden-in-bundle", action="store_true", help="leave hidden suites out of the bundles, because Classroom 50 serves bundles publicly; they then run only in batch grading")
    release.add_argument("--root", type=Path, metavar="DIR", help="repository with solutions/ and pyproject.toml (default: this repository)")

    verify = verbs.add_parser("verify", help="check that the suites separate right from wrong", description="Grade the reference, the stubs and the catalogue of known submissions.")
    verify.add_argument("--assignment", action="append", metavar="ID", help="verify only this assignment (repeatable)")
    verify.add_argument("--root", type=Path, metavar="DIR", help="repository with solutions/, assignments/ and tests/catalogue/ (default: this repository)")
    _add_limits(verify)
    _add_batch_verbs(verbs)
    _add_nbgrader_verb(verbs)
    return parser


#: Parts of a deadline: the date, then `T` or a space and the time (seconds optional),
#: then `Z` or a UTC offset.
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
TIME_PATTERN = r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
OFFSET_PATTERN = r"(Z|[+-]\d{2}:\d{2})"
DEADLINE_EXAMPLE = "2026-10-01T23:59:00+02:00"


def parse_deadline(text: str):
    """Parse an ISO 8601 date and time with a UTC offset, or raise UserError naming the expected form.

    The pattern is checked first because Python 3.11's `fromisoformat` takes any
    character between date and time, so it reads 2026-10-01+02:00 as 02:00 local time.
    """
    import datetime as dt
    import re

    if re.fullmatch(DATE_PATTERN + TIME_PATTERN, text):
        raise UserError(f"--deadline {text!r} has no UTC offset: add Z or the offset of the course's time zone, as in {text}+02:00")
    if re.fullmatch(DATE_PATTERN, text):
        raise UserError(f"--deadline {text!r} has no time: add the time and the UTC offset, as in {text}T23:59:00+02:00")
    hint = f"use a date, a time and a UTC offset such as {DEADLINE_EXAMPLE} or 2026-10-01T21:59Z"
    if not re.fullmatch(DATE_PATTERN + TIME_PATTERN + OFFSET_PATTERN, text):
        raise UserError(f"invalid --deadline {text!r}: {hint}")
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"invalid --deadline {text!r} (date or time out of range): {hint}") from None


def _default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _add_batch_verbs(verbs) -> None:
    batch = verbs.add_parser(
        "batch",
        help="grade every student's submission after the deadline",
        description="Grade a 'gh teacher download' folder (or any folder of student folders) with the public and hidden "
        "suites; write grades.csv, feedback/<username>.md, summary.md and manifest.json. Unchanged submissions reuse "
        "their earlier results.",
    )
    batch.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR", help="folder with one repository or folder per student")
    batch.add_argument("--roster", type=Path, metavar="CSV", help="Classroom 50 roster (username,first_name,last_name,email,section,...); default: the names in SUBMISSIONS_DIR/scores.csv")
    batch.add_argument("--deadline", metavar="ISO8601", help="grade the last commit at or before this time (committer date) and flag later commits as late")
    batch.add_argument("--jobs", type=int, default=_default_jobs(), metavar="N", help="submissions graded in parallel, one process each (default: the number of CPU cores)")
    batch.add_argument("--out", type=Path, metavar="DIR", help="folder for the outputs and stored results (default: SUBMISSIONS_DIR/grading)")
    batch.add_argument("--assignment", action="append", metavar="ID", help="grade only this assignment (repeatable); default: every assignment found in the submissions")
    _add_limits(batch)

    feedback = verbs.add_parser("feedback", help="release batch feedback to students", description="Release the feedback files of a batch.")
    feedback_verbs = feedback.add_subparsers(dest="feedback_command", required=True, metavar="COMMAND")
    push = feedback_verbs.add_parser(
        "push",
        help="commit each FEEDBACK.md to a branch of the student's repository and push it",
        description="Commit DIR/feedback/<username>.md as FEEDBACK.md on a branch of each student's repository and push "
        "it to origin. The student's default branch, index and working tree are not changed. Exits 1 when a push failed.",
    )
    push.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder of 'snn-grade batch', which contains manifest.json and feedback/")
    push.add_argument("--branch", default="grade-report", metavar="NAME", help="branch to commit the feedback to (default: grade-report)")
    push.add_argument("--dry-run", action="store_true", help="print what would be pushed; create no commit and push nothing")


def _add_nbgrader_verb(verbs) -> None:
    from autograder.nbgrader import DEFAULT_CELL_TIMEOUT_S, DEFAULT_COURSE_ID

    nbgrader = verbs.add_parser(
        "nbgrader",
        help="write an nbgrader course folder",
        description="Write an nbgrader course: OUT_DIR/nbgrader_config.py and OUT_DIR/source/<assignment>/<assignment>.ipynb, "
        "whose test cells run the installed suites. The environment that runs 'nbgrader autograde' needs this project installed.",
    )
    nbgrader.add_argument("out", type=Path, metavar="OUT_DIR", help="empty or new folder to write")
    nbgrader.add_argument("--assignment", action="append", metavar="ID", help="export only this assignment (repeatable); default: all")
    nbgrader.add_argument("--course-id", default=DEFAULT_COURSE_ID, metavar="ID", help=f"nbgrader course id (default: {DEFAULT_COURSE_ID})")
    nbgrader.add_argument(
        "--cell-timeout",
        type=int,
        default=DEFAULT_CELL_TIMEOUT_S,
        metavar="SECONDS",
        help=f"time limit of one notebook cell in nbgrader, in seconds (default: {DEFAULT_CELL_TIMEOUT_S})",
    )
    nbgrader.add_argument("--hidden-messages", action="store_true", help="let failed hidden tests show why; by default they show only title and outcome")
    nbgrader.add_argument("--root", type=Path, metavar="DIR", help="repository with solutions/ (default: this repository)")


def _limits(args: argparse.Namespace):
    from autograder.worker.limits import Limits

    if args.call_timeout <= 0:
        raise UserError(f"invalid --call-timeout {args.call_timeout:g}: use a number of seconds above 0")
    if args.memory_limit <= 0:
        raise UserError(f"invalid --memory-limit {args.memory_limit}: use a number of MiB above 0")
    if args.worker_user is not None:
        try:
            pwd.getpwnam(args.worker_user)
        except KeyError:
            raise UserError(f"unknown --worker-user {args.worker_user!r}: create the account first, for example with useradd --system") from None
    return Limits(call_timeout_s=args.call_timeout, memory_limit_mb=args.memory_limit, worker_user=args.worker_user)


def _command_grade(args: argparse.Namespace) -> int:
    if not args.submission.is_dir():
        raise UserError(f"submission folder {args.submission} not found: pass a folder such as 'solutions' or 'assignments'")
    if args.output is not None and not args.output.parent.is_dir():
        raise UserError(f"cannot write {args.output}: folder {args.output.parent} does not exist")
    limits = _limits(args)
    from autograder.worker.launch import launch

    launched = launch()  # Start importing torch in the worker while the grader does the same.
    from autograder.catalogue import is_entry, load_entry, materialize
    from autograder.engine import grade
    from autograder.reporters import RENDERERS
    from autograder.worker.client import Zygote

    with Zygote(launched) as zygote, tempfile.TemporaryDirectory(prefix="snn-grade-") as scratch:
        submission = args.submission
        if is_entry(submission):
            # A catalogue entry is graded as the reference with the entry's changes applied.
            submission = materialize(load_entry(submission), _repository_root() / "solutions", Path(scratch))
        results = grade(submission, args.assignment, args.visibility, limits, zygote)
    if not args.hidden_messages:
        results = results.without_hidden_messages()
    text = RENDERERS[args.format](results)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        sys.stdout.write(text)
        raise UserError(f"cannot write {args.output}: {exc.strerror}; the results were printed above instead") from None
    print(f"{results.score}/{results.max_score} points; results written to {args.output}")
    return EXIT_OK


def _command_check(args: argparse.Namespace) -> int:
    if not args.dir.is_dir():
        raise UserError(f"folder {args.dir} not found: run 'snn-grade check' from the repository root or pass --dir")
    limits = _limits(args)
    from autograder.worker.launch import launch

    launched = launch()
    from autograder.engine import grade
    from autograder.reporters import render_table
    from autograder.worker.client import Zygote

    with Zygote(launched) as zygote:
        ids = [args.assignment] if args.assignment else None
        results = grade(args.dir, ids, "public", limits, zygote)
    sys.stdout.write(render_table(results))
    failing = [t for a in results.assignments for t in a.tests if t.status != "passed"]
    if failing:
        first = failing[0]
        reason = first.message.splitlines()[0] if first.message else first.status
        print(f"\nNext: {first.title}\n      {reason}")
    else:
        print("\nEvery public test passes. Hidden tests are graded when you push.")
    return EXIT_OK


def _command_stubs(args: argparse.Namespace) -> int:
    from autograder.stubs import generate

    solutions = args.solutions or _repository_root() / "solutions"
    out = args.out or solutions.parent / "assignments"
    changed = generate(solutions, out, check=args.check)
    if args.check:
        if changed:
            print(f"{out} is out of date in {len(changed)} files ({', '.join(changed)}); run 'snn-grade stubs' to regenerate it")
            return EXIT_GRADER_ERROR
        print(f"{out} is up to date")
        return EXIT_OK
    print(f"wrote {len(changed)} changed files to {out}" if changed else f"{out} was already up to date")
    return EXIT_OK


def _command_release(args: argparse.Namespace) -> int:
    from autograder.release import release

    summary = release(
        args.root or _repository_root(),
        args.out,
        args.assignment,
        workflow=args.workflow,
        hidden_in_bundle=not args.no_hidden_in_bundle,
    )
    print(f"template: {summary.template}")
    for assignment_id, bundle in summary.bundles.items():
        size = summary.bundle_bytes[assignment_id] / 1024
        print(f"classroom50 bundle: {bundle} ({size:.0f} KiB compressed)")
    print("Copy each bundle to <classroom>/autograders/<slug>/ in your classroom50 repository;")
    print("add the assignment with: gh teacher assignment add ORG CLASSROOM SLUG --name NAME --template ORG/TEMPLATE --runtime BUNDLE/runtime.json")
    return EXIT_OK


def _command_verify(args: argparse.Namespace) -> int:
    limits = _limits(args)
    from autograder.worker.launch import launch

    launched = launch()
    from autograder.verify import render_report, verify
    from autograder.worker.client import Zygote

    root = args.root or _repository_root()
    with Zygote(launched) as zygote:
        report = verify(root, args.assignment, limits, zygote)
    sys.stdout.write(render_report(report))
    return EXIT_OK if report.ok else EXIT_GRADER_ERROR


def _command_batch(args: argparse.Namespace) -> int:
    if not args.submissions.is_dir():
        raise UserError(f"submissions folder {args.submissions} not found: pass the folder 'gh teacher download' wrote")
    if args.jobs < 1:
        raise UserError(f"invalid --jobs {args.jobs}: use 1 or more")
    if args.roster is not None and not args.roster.is_file():
        raise UserError(f"roster {args.roster} not found: pass Classroom 50's students.csv")
    deadline = parse_deadline(args.deadline) if args.deadline is not None else None
    limits = _limits(args)
    if os.geteuid() == 0 and limits.worker_user is None:
        logging.getLogger(__name__).warning(
            "grading as root: student code runs as root too; pass --worker-user NAME (an unprivileged account) "
            "or run the batch as an unprivileged user"
        )
    from autograder.assignments import get_assignment
    from autograder.batch import BatchOptions, run_batch

    for assignment_id in args.assignment or []:
        get_assignment(assignment_id)
    out = args.out or args.submissions / "grading"
    options = BatchOptions(args.submissions, out, args.roster, deadline, args.jobs, args.assignment, limits)
    report = run_batch(options)
    missing = sum(record.folder is None for record in report.records)
    ungradable = sum(
        record.folder is not None and record.results is None and record.username not in report.failed for record in report.records
    )
    print(
        f"graded {len(report.graded)} submissions, reused {len(report.reused)} from earlier runs, "
        f"{len(report.failed)} failed, {ungradable} not gradable (late, empty or unreadable: see the status column); "
        f"{missing} roster {'student' if missing == 1 else 'students'} without a submission"
    )
    print(f"wrote {out / 'grades.csv'}, {out / 'summary.md'} and the feedback files in {out / 'feedback'}")
    if report.failed:
        print(f"grading failed for {', '.join(sorted(report.failed))}; run the same command again to retry them", file=sys.stderr)
        return EXIT_GRADER_ERROR
    return EXIT_OK


def _command_feedback(args: argparse.Namespace) -> int:
    import subprocess

    from autograder.batch import push_feedback

    if subprocess.run(["git", "check-ref-format", "--branch", args.branch], capture_output=True).returncode != 0:
        raise UserError(f"invalid --branch {args.branch!r}: use a valid git branch name such as grade-report")
    outcomes = push_feedback(args.out, args.branch, args.dry_run)
    for outcome in outcomes:
        print(f"{outcome.username}: {outcome.state}: {outcome.detail}")
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.state] = counts.get(outcome.state, 0) + 1
    print(", ".join(f"{count} {state}" for state, count in counts.items()) or "no student folders in the manifest")
    if counts.get("failed"):
        print("fix the failed repositories or remotes and run the same command again: pushed feedback shows as unchanged", file=sys.stderr)
        return EXIT_GRADER_ERROR
    return EXIT_OK


def _command_nbgrader(args: argparse.Namespace) -> int:
    try:
        from autograder.nbgrader.export import export_course
    except ModuleNotFoundError as exc:
        if exc.name != "nbformat":
            raise
        raise UserError("snn-grade nbgrader needs the package nbformat: install it with pip install 'snn-grade[nbgrader]'") from None

    summary = export_course(
        args.out,
        args.assignment,
        root=args.root or _repository_root(),
        course_id=args.course_id,
        cell_timeout_s=args.cell_timeout,
        hidden_messages=args.hidden_messages,
    )
    print(f"nbgrader config: {summary.config}")
    for assignment_id, notebook in summary.notebooks.items():
        print(f"source notebook: {notebook} ({summary.points[assignment_id]} points in {summary.test_cells[assignment_id]} test cells)")
    ids = " ".join(summary.notebooks)
    print(f"Next, in {args.out}: nbgrader generate_assignment ASSIGNMENT (one of: {ids}), then release, collect and autograde as usual.")
    return EXIT_OK


COMMANDS = {
    "batch": _command_batch,
    "feedback": _command_feedback,
    "check": _command_check,
    "grade": _command_grade,
    "nbgrader": _command_nbgrader,
    "release": _command_release,
    "stubs": _command_stubs,
    "verify": _command_verify,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        print(f"snn-grade: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except GraderError as exc:
        print(f"snn-grade: grader error: {exc}", file=sys.stderr)
        return EXIT_GRADER_ERROR
    except KeyboardInterrupt:
        print("snn-grade: interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """Entry point of the `snn-grade` script: run `main` and exit with its status.

    The process ends with `os._exit` once output is flushed, because interpreter
    shutdown with torch loaded adds about half a second to every command, and nothing
    else is left to clean up by then.
    """
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
