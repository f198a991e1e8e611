"""Time grading the same submission with `snn-grade grade` and with `nbgrader autograde`.

Usage: python benchmarks/nbgrader_vs_snn_grade.py [--assignment ID ...] [--repeat 3] [--keep DIR]

Builds an nbgrader course with `snn-grade nbgrader`, generates the student version,
and submits it with the reference filled into the solution cells, so both routes
grade the reference solution with the public and hidden suites. Setup is not timed.
Then it times the whole commands `snn-grade grade solutions --assignment ID` and
`nbgrader autograde ID --student reference --force`, for each assignment and for all
of them in one command, `--repeat` times each. The two commands take turns, and the
one that goes first alternates, so both see the same load on a shared machine.

For each command it prints the minimum wall time, because other processes only ever
add time, and the CPU time (user and system, of the command and every process it
waited for) of that run. It prints the core count, the CPU model, and the load
average before each row. snn-grade runs its grader and its worker process side by
side, so it needs a second idle core to reach its best wall time, while nbgrader runs
mostly one process at a time.

Both routes must grade the same tests with the same score: the script compares the
test count and the score of `snn-grade grade`'s JSON document with the test cells
and the score in nbgrader's gradebook, and exits if they differ.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from autograder.assignments import ASSIGNMENTS  # noqa: E402
from autograder.nbgrader.cells import fill_solution_cells  # noqa: E402
from autograder.nbgrader.export import export_course  # noqa: E402

STUDENT = "reference"


@dataclass(frozen=True)
class Timing:
    """One run of a command: wall time and CPU time in seconds, and what it printed."""

    wall_s: float
    cpu_s: float
    stdout: str


def nbgrader_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "nbgrader", *args]


def nbgrader_environment(course: Path) -> dict[str, str]:
    """Return an environment that finds this Python's tools and ignores the user's Jupyter configuration."""
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "JUPYTER_CONFIG_DIR": str(course.parent / "jupyter-config"),
        "IPYTHONDIR": str(course.parent / "ipython"),
    }


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Timing:
    """Run a command and return its times and its standard output, or exit with its output if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Timing(wall_s=elapsed, cpu_s=cpu, stdout=completed.stdout)


def build_course(course: Path, assignment_ids: list[str]) -> None:
    """Export the course, generate the student version and submit it filled with the reference."""
    export_course(course, assignment_ids, root=ROOT)
    env = nbgrader_environment(course)
    run(nbgrader_command("generate_assignment", "*"), course, env)
    for assignment_id in assignment_ids:
        assignment = ASSIGNMENTS[assignment_id]
        notebook = nbformat.read(course / "release" / assignment_id / f"{assignment_id}.ipynb", as_version=4)
        fill_solution_cells(notebook, (ROOT / "solutions" / assignment.relative_file).read_text(encoding="utf-8"), assignment.module)
        folder = course / "submitted" / STUDENT / assignment_id
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{assignment_id}.ipynb")
    run(nbgrader_command("db", "student", "add", STUDENT), course, env)


def snn_grade_command(assignment_ids: list[str]) -> list[str]:
    return [sys.executable, "-m", "autograder", "grade", "solutions", "--format=json", *(f"--assignment={i}" for i in assignment_ids)]


def autograde_command(assignment_ids: list[str]) -> list[str]:
    pattern = assignment_ids[0] if len(assignment_ids) == 1 else "*"
    return nbgrader_command("autograde", pattern, "--student", STUDENT, "--force")


def time_in_turns(commands: list[tuple[list[str], Path, dict[str, str] | None]], repeat: int) -> list[Timing]:
    """Run the commands in turns for `repeat` rounds, each round starting with the next command, and return each one's fastest run."""
    runs: list[list[Timing]] = [[] for _ in commands]
    for round_index in range(repeat):
        for offset in range(len(commands)):
            index = (round_index + offset) % len(commands)
            command, cwd, env = commands[index]
            runs[index].append(run(command, cwd, env))
    return [min(timings, key=lambda timing: timing.wall_s) for timings in runs]


def snn_grade_tally(document_text: str) -> tuple[int, int]:
    """Return the number of tests and the score in an `snn-grade grade --format json` document."""
    document = json.loads(document_text)
    return sum(len(assignment["tests"]) for assignment in document["assignments"]), document["score"]


def nbgrader_tally(course: Path, assignment_ids: list[str]) -> tuple[int, int]:
    """Return the number of graded test cells and the score of the reference's notebooks in the gradebook."""
    from nbgrader.api import Gradebook

    tests = score = 0
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for assignment_id in assignment_ids:
            notebook = gradebook.find_submission_notebook(assignment_id, assignment_id, STUDENT)
            tests += sum(1 for grade in notebook.grades if grade.auto_score is not None)
            score += round(notebook.score)
    return tests, score


def cpu_model() -> str:
    """Return the CPU model from /proc/cpuinfo, or "unknown" where that file does not exist."""
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return "unknown"
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return models[0] if models else "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", action="append", choices=sorted(ASSIGNMENTS), metavar="ID", help="time only this assignment (repeatable); default: all")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command; the fastest counts (default: 3)")
    parser.add_argument("--keep", type=Path, help="build the course here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    assignment_ids = args.assignment or sorted(ASSIGNMENTS)

    with tempfile.TemporaryDirectory(prefix="snn-grade-nbgrader-bench-") as temporary:
        base = args.keep or Path(temporary)
        course = base / "course"
        build_course(course, assignment_ids)
        env = nbgrader_environment(course)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"reference solution, fastest of {args.repeat} runs per command, in turns; {cores} cores, {cpu_model()}")

        rows = [(assignment_id, [assignment_id]) for assignment_id in assignment_ids]
        if len(assignment_ids) > 1:
            rows.append(("all, one command", assignment_ids))
        print("| assignment | snn-grade grade | nbgrader autograde | ratio | CPU time, snn-grade / nbgrader | load average before |")
        print("| --- | --- | --- | --- | --- | --- |")
        for label, ids in rows:
            load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
            ours, theirs = time_in_turns([(snn_grade_command(ids), ROOT, None), (autograde_command(ids), course, env)], args.repeat)
            ours_tally, theirs_tally = snn_grade_tally(ours.stdout), nbgrader_tally(course, ids)
            if ours_tally != theirs_tally:
                raise SystemExit(
                    f"{label}: snn-grade graded {ours_tally[0]} tests for {ours_tally[1]} points, "
                    f"nbgrader {theirs_tally[0]} test cells for {theirs_tally[1]} points; the routes do not grade the same checks"
                )
            print(
                f"| {label} | {ours.wall_s:.1f} s | {theirs.wall_s:.1f} s | {theirs.wall_s / ours.wall_s:.1f}x "
                f"| {ours.cpu_s:.1f} s / {theirs.cpu_s:.1f} s | {load} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
