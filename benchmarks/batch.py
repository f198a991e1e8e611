"""Time `snn-grade batch` on generated submissions: one job, two jobs, and an unchanged rerun.

Usage: python benchmarks/batch.py [--workload course|a1_lif] [--submissions 30] [--repeat 1] [--keep DIR]

Builds a download folder of real git repositories, grades it with `--jobs 1` and
`--jobs 2` into fresh output folders, and reruns the second unchanged. Prints the wall
times, the parallel efficiency t1 / (2 * t2) and the rerun time per submission, with
the machine's core count and CPU model. With `--repeat N` each measurement is the
minimum of N rounds, which keeps other load on the machine out of the figures.

Workloads:

- `course` (default): each repository holds the three assignments, as a student's
  repository of the course does, and every assignment is graded. The repositories
  cycle through the reference, the stubs, and the catalogue entries of every
  assignment (an entry's own assignment is wrong, the others are the reference).
- `a1_lif`: each repository holds a1_lif only (reference, stubs or an a1_lif catalogue
  entry) and only a1_lif is graded. Grading one such submission takes about half a
  second, so start-up (importing torch in every job and its zygote) weighs heavily.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from batch_helpers import ASSIGNMENT, CATALOGUE, SOLUTIONS, STUBS, folder_name, make_repository, place_work  # noqa: E402

from autograder.assignments import ASSIGNMENTS  # noqa: E402
from autograder.catalogue import load_entry, materialize  # noqa: E402

COMMIT_DATE = "2026-10-01T10:00:00+00:00"


def build_download(download: Path, count: int, scratch: Path, workload: str) -> None:
    """Write `count` student repositories cycling through reference, stubs and catalogue entries."""
    assignments = [ASSIGNMENT] if workload == ASSIGNMENT else list(ASSIGNMENTS)
    entries = [CATALOGUE / a / path.name for a in assignments for path in sorted((CATALOGUE / a).iterdir()) if (path / "entry.toml").is_file()]
    works = [SOLUTIONS, STUBS, *(materialize(load_entry(entry), SOLUTIONS, scratch / entry.parent.name) for entry in entries)]
    for index, work in zip(range(count), itertools.cycle(works)):
        template = scratch / "template"
        shutil.rmtree(template, ignore_errors=True)
        for assignment in assignments:
            source = work if (work / assignment).is_dir() else SOLUTIONS
            place_work(template, source, assignment)
        make_repository(download / folder_name(f"student{index:03d}"), [(COMMIT_DATE, None)], template=template)


def timed_batch(download: Path, out: Path, jobs: int, assignments: list[str]) -> float:
    """Run one batch and return its wall time; print its summary line and CPU time.

    The CPU time covers the batch and every process below it, which all exit and are
    reaped before the command ends.
    """
    command = [sys.executable, "-m", "autograder", "batch", str(download), "--out", str(out), "--jobs", str(jobs)]
    for assignment in assignments:
        command += ["--assignment", assignment]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise SystemExit(f"batch with --jobs {jobs} failed:\n{completed.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"  --jobs {jobs}: {elapsed:.1f} s wall, {cpu:.1f} s CPU; {completed.stdout.splitlines()[0]}")
    return elapsed


def cpu_model() -> str:
    """Return the CPU model that `lscpu` reports, or "unknown" where it is not installed."""
    try:
        output = subprocess.run(["lscpu"], capture_output=True, text=True, check=True, env={**os.environ, "LC_ALL": "C"}).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    models = [line.split(":", 1)[1].strip() for line in output.splitlines() if line.startswith("Model name:")]
    return models[0] if models else "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=["course", ASSIGNMENT], default="course", help="what each repository contains and is graded on (default: course)")
    parser.add_argument("--submissions", type=int, default=30, help="number of student repositories (default: 30)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds per measurement; the minimum is reported (default: 1)")
    parser.add_argument("--keep", type=Path, help="build the download here and keep it (default: a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="snn-grade-bench-") as temporary:
        base = args.keep or Path(temporary)
        download, scratch = base / "download", base / "scratch"
        download.mkdir(parents=True)
        scratch.mkdir()
        build_download(download, args.submissions, scratch, args.workload)
        graded = [ASSIGNMENT] if args.workload == ASSIGNMENT else list(ASSIGNMENTS)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"{args.submissions} submissions graded on {', '.join(graded)}; {cores} cores, {cpu_model()}")

        ones, twos, reruns = [], [], []
        for round_number in range(args.repeat):
            ones.append(timed_batch(download, base / f"out-1-{round_number}", 1, graded))
            twos.append(timed_batch(download, base / f"out-2-{round_number}", 2, graded))
            reruns.append(timed_batch(download, base / f"out-2-{round_number}", 2, graded))
        one, two, rerun = min(ones), min(twos), min(reruns)

    print(f"| measurement (minimum of {args.repeat}) | value |\n| --- | --- |")
    print(f"| wall time, --jobs 1 | {one:.1f} s |")
    print(f"| wall time, --jobs 2 | {two:.1f} s |")
    print(f"| parallel efficiency t1 / (2 t2) | {one / (2 * two):.2f} |")
    print(f"| unchanged rerun | {rerun:.1f} s, {rerun / args.submissions:.2f} s per submission |")


if __name__ == "__main__":
    main()
