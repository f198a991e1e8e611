"""Time grading the same submission with `snn-grade grade` and with `nbgrader autograde`.

Usage: python benchmarks/nbgrader_vs_snn_grade.py [--assignment ID ...] [--repeat 3] [--keep DIR]

Builds an nbgrader course with `snn-grade nbgrader`, generates the student version,
and submits it with the reference filled into the solution cells, so both routes
grade the reference solution with the public and hidden suites. Setup is not timed.
Then it times the whole commands `snn-grade grade solutions --assignment ID` and
`nbgrader autograde ID --student reference --force`, for each assignment and for all
of them in one command, each `--repeat` times. It prints the minimum wall time of
each command, because other processes on a shared machine only ever add time, and
the ratio, with the core count, CPU model and load average of the machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from autograder.assignments import ASSIGNMENTS  # noqa: E402
from autograder.nbgrader.cells import fill_solution_cells  # noqa: E402
from autograder.nbgrader.export import export_course  # noqa: E402

STUDENT = "reference"


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


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Run a command and return its wall time in seconds; exit with its output if it fails."""
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}")
    return elapsed


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


def fastest_time(command: list[str], cwd: Path, repeat: int, env: dict[str, str] | None = None) -> float:
    return min(run(command, cwd, env) for _ in range(repeat))


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
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"reference solution, fastest of {args.repeat} runs per command; {cores} cores, {cpu_model()}, load average {load}")

        rows = [(assignment_id, [assignment_id]) for assignment_id in assignment_ids]
        if len(assignment_ids) > 1:
            rows.append(("all, one command", assignment_ids))
        print("| assignment | snn-grade grade | nbgrader autograde | ratio |\n| --- | --- | --- | --- |")
        for label, ids in rows:
            ours = fastest_time([sys.executable, "-m", "autograder", "grade", "solutions", *(f"--assignment={i}" for i in ids)], ROOT, args.repeat)
            pattern = ids[0] if len(ids) == 1 else "*"
            theirs = fastest_time(nbgrader_command("autograde", pattern, "--student", STUDENT, "--force"), course, args.repeat, env)
            print(f"| {label} | {ours:.1f} s | {theirs:.1f} s | {theirs / ours:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
