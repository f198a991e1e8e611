"""Time `snn-grade batch` on generated submissions: one job, two jobs, and an unchanged rerun.

Usage: python benchmarks/batch.py [--submissions 30] [--repeat 1] [--keep DIR]

Builds a download folder of real git repositories (the reference, the stubs and the
a1_lif catalogue entries, repeated to the requested count), grades it with `--jobs 1`
and `--jobs 2` into fresh output folders, and reruns the second unchanged. Prints the
wall times, the parallel efficiency t1 / (2 * t2) and the rerun time per submission,
with the machine's core count and CPU model. With `--repeat N` each measurement is the
minimum of N rounds, which keeps other load on the machine out of the figures.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from batch_helpers import ASSIGNMENT, CATALOGUE, SOLUTIONS, STUBS, catalogue_submission, folder_name, make_repository  # noqa: E402

COMMIT_DATE = "2026-10-01T10:00:00+00:00"


def build_download(download: Path, count: int, scratch: Path) -> None:
    """Write `count` student repositories cycling through reference, stubs and catalogue entries."""
    entries = sorted(path.name for path in (CATALOGUE / ASSIGNMENT).iterdir() if (path / "entry.toml").is_file())
    works = [SOLUTIONS, STUBS, *(catalogue_submission(name, scratch) for name in entries)]
    for index, work in zip(range(count), itertools.cycle(works)):
        make_repository(download / folder_name(f"student{index:03d}"), [(COMMIT_DATE, work)])


def timed_batch(download: Path, out: Path, jobs: int) -> float:
    """Run one batch and return its wall time; print its summary line and CPU time.

    The CPU time covers the batch and every process below it, which all exit and are
    reaped before the command ends.
    """
    command = [sys.executable, "-m", "autograder", "batch", str(download), "--out", str(out), "--jobs", str(jobs), "--assignment", ASSIGNMENT]
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
    parser.add_argument("--submissions", type=int, default=30, help="number of student repositories (default: 30)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds per measurement; the minimum is reported (default: 1)")
    parser.add_argument("--keep", type=Path, help="build the download here and keep it (default: a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="snn-grade-bench-") as temporary:
        base = args.keep or Path(temporary)
        download, scratch = base / "download", base / "scratch"
        download.mkdir(parents=True)
        scratch.mkdir()
        build_download(download, args.submissions, scratch)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"{args.submissions} submissions of {ASSIGNMENT}; {cores} cores, {cpu_model()}")

        ones, twos, reruns = [], [], []
        for round_number in range(args.repeat):
            ones.append(timed_batch(download, base / f"out-1-{round_number}", 1))
            twos.append(timed_batch(download, base / f"out-2-{round_number}", 2))
            reruns.append(timed_batch(download, base / f"out-2-{round_number}", 2))
        one, two, rerun = min(ones), min(twos), min(reruns)

    print(f"| measurement (minimum of {args.repeat}) | value |\n| --- | --- |")
    print(f"| wall time, --jobs 1 | {one:.1f} s |")
    print(f"| wall time, --jobs 2 | {two:.1f} s |")
    print(f"| parallel efficiency t1 / (2 t2) | {one / (2 * two):.2f} |")
    print(f"| unchanged rerun | {rerun:.1f} s, {rerun / args.submissions:.2f} s per submission |")


if __name__ == "__main__":
    main()
