"""Check that the suites separate right from wrong for each assignment.

The reference must score full marks, the generated stubs zero, every wrong catalogue
entry must lose exactly the points of the tests it lists, and every correct entry must
keep full marks.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.assignments import ASSIGNMENTS, get_assignment
from autograder.catalogue import Entry, expectation_problems, load_entries, materialize
from autograder.results import GradingResults
from autograder.engine import grade
from autograder.worker.client import Limits, Zygote


@dataclass
class AssignmentReport:
    """Verification figures for one assignment."""

    id: str
    reference: tuple[int, int] = (0, 0)
    stubs: tuple[int, int] = (0, 0)
    wrong_caught: int = 0
    wrong_total: int = 0
    correct_kept: int = 0
    correct_total: int = 0
    hostile_ok: int = 0
    hostile_total: int = 0
    known_gaps: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class VerifyReport:
    """Verification figures for all assignments checked."""

    assignments: list[AssignmentReport]

    @property
    def ok(self) -> bool:
        return not any(a.problems for a in self.assignments)


def _score(submission: Path, assignment_id: str, limits: Limits, zygote: Zygote) -> tuple[int, int, object]:
    result = grade(submission, [assignment_id], "all", limits, zygote).assignments[0]
    return result.score, result.max_score, result


def _hostile_problems(entry: Entry, submission: Path, limits: Limits) -> list[str]:
    """Grade a hostile entry in its own `snn-grade grade` process, which the entry may kill."""
    command = [
        sys.executable, "-m", "autograder", "grade", str(submission), "--assignment", entry.assignment,
        "--format", "json", "--hidden-messages",
        "--call-timeout", f"{limits.call_timeout_s:g}", "--memory-limit", str(limits.memory_limit_mb),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if completed.returncode != 0:
        return [f"grading ended with status {completed.returncode}: {completed.stderr.strip()[-300:]}"]
    result = GradingResults.from_dict(json.loads(completed.stdout)).assignments[0]
    return expectation_problems(entry, result)


def verify_assignment(root: Path, assignment_id: str, limits: Limits, zygote: Zygote) -> AssignmentReport:
    report = AssignmentReport(id=assignment_id)
    score, max_score, _ = _score(root / "solutions", assignment_id, limits, zygote)
    report.reference = (score, max_score)
    if score != max_score:
        report.problems.append(f"{assignment_id}: the reference scores {score}/{max_score}, not full marks")
    score, max_score, _ = _score(root / "assignments", assignment_id, limits, zygote)
    report.stubs = (score, max_score)
    if score != 0:
        report.problems.append(f"{assignment_id}: the stubs score {score}/{max_score}, not zero")
    entries = [*load_entries(root / "tests" / "catalogue", [assignment_id]), *load_entries(root / "tests" / "hostile", [assignment_id])]
    with tempfile.TemporaryDirectory(prefix="snn-grade-verify-") as scratch:
        for entry in entries:
            submission = materialize(entry, root / "solutions", Path(scratch))
            if entry.expect == "hostile":
                problems = _hostile_problems(entry, submission, limits)
                if problems and entry.known_gap:
                    report.known_gaps.append(f"{entry.label}: {entry.known_gap}")
                    report.hostile_total += 1
                    continue
            else:
                score, max_score, result = _score(submission, assignment_id, limits, zygote)
                problems = expectation_problems(entry, result)  # type: ignore[arg-type]
            if entry.expect == "wrong":
                report.wrong_total += 1
                report.wrong_caught += not problems
            elif entry.expect == "correct":
                report.correct_total += 1
                report.correct_kept += not problems
            else:
                report.hostile_total += 1
                report.hostile_ok += not problems
            report.problems.extend(f"{entry.label}: {problem}" for problem in problems)
    return report


def verify(root: Path, assignment_ids: list[str] | None, limits: Limits, zygote: Zygote) -> VerifyReport:
    """Verify the named assignments (default: all) of the repository at `root`."""
    ids = [get_assignment(a).id for a in assignment_ids] if assignment_ids else list(ASSIGNMENTS)
    return VerifyReport([verify_assignment(root, assignment_id, limits, zygote) for assignment_id in ids])


def render_report(report: VerifyReport) -> str:
    header = f"{'assignment':<12}  {'reference':>9}  {'stubs':>7}  {'wrong caught':>12}  {'correct kept':>12}  {'hostile as expected':>19}"
    lines = [header, "-" * len(header)]
    for a in report.assignments:
        lines.append(
            f"{a.id:<12}  {f'{a.reference[0]}/{a.reference[1]}':>9}  {f'{a.stubs[0]}/{a.stubs[1]}':>7}  "
            f"{f'{a.wrong_caught}/{a.wrong_total}':>12}  {f'{a.correct_kept}/{a.correct_total}':>12}  "
            f"{f'{a.hostile_ok}/{a.hostile_total}':>19}"
        )
    gaps = [gap for a in report.assignments for gap in a.known_gaps]
    if gaps:
        lines.append("")
        lines.append(f"{len(gaps)} known gaps (hostile entries the grader does not contain yet):")
        lines.extend(f"  {gap}" for gap in gaps)
    problems = [p for a in report.assignments for p in a.problems]
    if problems:
        lines.append("")
        lines.append(f"{len(problems)} problems:")
        lines.extend(f"  {problem}" for problem in problems)
    else:
        lines.append("")
        lines.append("verify: every check passed")
    return "\n".join(lines) + "\n"
