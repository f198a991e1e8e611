"""Time grading of the reference: through the worker, and with the same checks in-process.

Usage: python benchmarks/grading_time.py [--assignment a1_lif ...] [--repeat 5]

Prints a Markdown table per assignment with three measurements:
- cold: a whole `snn-grade grade solutions` command, against a command that runs the same
  suites with the reference imported into the grader (no worker);
- warm: grading repeated inside one process that keeps its worker zygote, against the
  same in-process run, which isolates the cost of the calls across the boundary;
- limits: the same warm grading with the default resource limits and network namespace,
  against workers with every limit off and no network namespace, which isolates the
  cost of the limits.
The warm runs of the three kinds take turns, so load from elsewhere falls on all of them.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _in_process_once(assignment: str) -> None:
    from autograder.engine import grade

    results = grade(ROOT / "solutions", [assignment], "all", in_process=True)
    if results.score != results.max_score:
        raise SystemExit(f"in-process grading of {assignment} scored {results.score}/{results.max_score}")


#: Limits that switch every resource limit off (0 skips a limit) and keep the network.
NO_LIMITS = {"memory_limit_mb": 0, "cpu_time_s": 0, "open_files": 0, "processes": 0, "file_size_mb": 0, "isolate_network": False}


def _warm(assignment: str, repeat: int) -> dict[str, list[float]]:
    """Return the wall times of warm gradings with default limits, with none, and in-process."""
    from autograder.engine import grade
    from autograder.worker.client import Zygote
    from autograder.worker.limits import Limits

    runs = {
        "default limits": {"limits": Limits()},
        "no limits": {"limits": Limits(**NO_LIMITS)},
        "in-process": {"in_process": True},
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    with Zygote() as zygote:
        grade(ROOT / "solutions", [assignment], "all", zygote=zygote)  # Wait for the zygote once.
        for _ in range(repeat):
            for name, options in runs.items():
                started = time.perf_counter()
                grade(ROOT / "solutions", [assignment], "all", zygote=zygote, **options)
                times[name].append(time.perf_counter() - started)
    return times


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", action="append", help="assignment to time (default: a1_lif)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (default: 5)")
    parser.add_argument("--in-process-run", metavar="ID", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process_run:
        _in_process_once(args.in_process_run)
        sys.stdout.flush()
        os._exit(0)  # The same fast exit as the snn-grade command, so only grading differs.

    import snntorch
    import torch

    print(f"machine: {_cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}, torch {torch.__version__}, snnTorch {snntorch.__version__}")
    print()
    print("| assignment | measurement | first (s, median) | second (s, median) | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for assignment in args.assignment or ["a1_lif"]:
        cold_worker = [_timed([sys.executable, "-m", "autograder", "grade", "solutions", "--assignment", assignment]) for _ in range(args.repeat)]
        cold_in_process = [_timed([sys.executable, __file__, "--in-process-run", assignment]) for _ in range(args.repeat)]
        warm = _warm(assignment, args.repeat)
        rows = [
            ("cold command: worker / in-process", cold_worker, cold_in_process),
            ("warm, in one process: worker / in-process", warm["default limits"], warm["in-process"]),
            ("warm: default limits / no limits", warm["default limits"], warm["no limits"]),
        ]
        for name, first, second in rows:
            first_median, second_median = statistics.median(first), statistics.median(second)
            print(f"| {assignment} | {name} | {first_median:.2f} | {second_median:.2f} | {first_median / second_median:.2f}x |")

if __name__ == "__main__":
    main()
