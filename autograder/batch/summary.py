"""Write `summary.md`: the class's score distribution, the tests most often failed, and
every row an instructor should look at (not graded, late, flagged, push-time mismatch).

Plots are PNG files in `plots/`, drawn with matplotlib's Agg canvas, so no display
is needed.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.batch.cache import write_atomic
from autograder.batch.gradebook import max_scores
from autograder.batch.outputs import PLOTS_FOLDER, SUMMARY_FILE
from autograder.batch.records import GRADED, StudentRecord

if TYPE_CHECKING:
    from autograder.batch.runner import BatchOptions

HISTOGRAM_FILE = "score_histogram.png"
FAILURE_RATES_FILE = "failure_rates.png"

#: Maximum length of a test title on the failure-rate plot, in characters.
MAX_LABEL_CHARS = 60


@dataclass
class TestFailures:
    """How many graded students lost points on one test."""

    __test__ = False  # Not a pytest test class, despite the name.

    assignment: str
    title: str
    visibility: str
    failed: int
    graded: int

    @property
    def rate(self) -> float:
        return self.failed / self.graded if self.graded else 0.0


def failure_rates(records: list[StudentRecord]) -> list[TestFailures]:
    """Return every test's failure count over the graded students, most failed first."""
    tests: dict[str, TestFailures] = {}
    for record in records:
        if record.results is None:
            continue
        for assignment in record.results.assignments:
            for test in assignment.tests:
                entry = tests.setdefault(test.id, TestFailures(assignment.id, test.title, test.visibility, 0, 0))
                entry.graded += 1
                entry.failed += test.score < test.max_score
    return sorted(tests.values(), key=lambda entry: (-entry.rate, entry.assignment, entry.title))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + "…"


def plot_histogram(path: Path, totals: list[int], maximum: int) -> None:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(7, 3.5), layout="constrained")
    axes = figure.add_subplot()
    bins = min(maximum + 1, 20) if maximum > 0 else 1
    axes.hist(totals, bins=bins, range=(0, max(maximum, 1)), color="#4c72b0", edgecolor="white")
    axes.set_xlabel(f"total points (of {maximum})")
    axes.set_ylabel("students")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"Scores of {len(totals)} graded submissions")
    figure.savefig(path, dpi=100)


def plot_failure_rates(path: Path, entries: list[TestFailures]) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 1.2 + 0.28 * len(entries)), layout="constrained")
    axes = figure.add_subplot()
    labels = [f"{_short(entry.title)} ({entry.visibility})" for entry in entries]
    axes.barh(range(len(entries)), [100 * entry.rate for entry in entries], color="#c44e52")
    axes.set_yticks(range(len(entries)), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("graded students who lost points (%)")
    figure.suptitle(f"Tests by failure rate over {max(entry.graded for entry in entries)} graded submissions")
    figure.savefig(path, dpi=100)


def _overview(records: list[StudentRecord], assignment_ids: list[str], options: "BatchOptions", graded: list[StudentRecord]) -> list[str]:
    maxima = max_scores(records, assignment_ids)
    statuses: dict[str, int] = {}
    for record in records:
        statuses[record.status] = statuses.get(record.status, 0) + 1
    counts = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items(), key=lambda item: -item[1]))
    lines = [
        "# Batch grading summary",
        "",
        f"- Submissions: `{options.submissions}`",
        f"- Assignments: {', '.join(f'{a} ({maxima[a]} points)' for a in assignment_ids) or 'none found'}",
        f"- Deadline: {options.deadline.isoformat() if options.deadline else 'none'}",
        f"- Students: {len(records)} ({counts})",
    ]
    if graded:
        totals = [record.total for record in graded]
        lines.append(f"- Total of graded submissions: mean {statistics.mean(totals):.1f}, median {statistics.median(totals):g}, of {sum(maxima.values())}")
    lines.append("")
    return lines


def _table(title: str, header: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return []
    lines = [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines.extend("| " + " | ".join(_cell(value) for value in row) + " |" for row in rows)
    lines.append("")
    return lines


def render_summary(records: list[StudentRecord], assignment_ids: list[str], options: "BatchOptions", plots: dict[str, str]) -> str:
    """Return the Markdown summary. `plots` maps each plot's name to its path relative to the summary."""
    graded = [record for record in records if record.results is not None]
    lines = _overview(records, assignment_ids, options, graded)
    if "histogram" in plots:
        lines.extend(["## Score distribution", "", f"![Histogram of total scores]({plots['histogram']})", ""])
    entries = failure_rates(records)
    if entries:
        lines.extend(["## Tests by failure rate", ""])
        if "failure_rates" in plots:
            lines.extend([f"![Failure rate of each test]({plots['failure_rates']})", ""])
        lines.extend(["| test | assignment | visibility | lost points |", "| --- | --- | --- | --- |"])
        lines.extend(
            f"| {_cell(e.title)} | {e.assignment} | {e.visibility} | {e.failed}/{e.graded} ({100 * e.rate:.0f}%) |" for e in entries
        )
        lines.append("")
    mismatched = [record for record in records if record.comparison is not None and record.comparison.mismatches]
    lines.extend(
        _table(
            "Push-time scores the regrade does not reproduce",
            ["username", "graded commit", "difference"],
            [[r.username, (r.source.commit or "")[:12] if r.source else "", "; ".join(r.comparison.mismatches)] for r in mismatched if r.comparison],
        )
    )
    lines.extend(_table("Not graded", ["username", "status"], [[r.username, r.status] for r in records if r.results is None]))
    lines.extend(_table("Graded with problems", ["username", "status"], [[r.username, r.status] for r in graded if r.status != GRADED]))
    lines.extend(_table("Late", ["username", "commits after the deadline"], [[r.username, str(r.late_commits)] for r in records if r.late_commits]))
    lines.extend(_table("Flags", ["username", "flag"], [[r.username, flag] for r in records for flag in r.all_flags()]))
    return "\n".join(lines).rstrip("\n") + "\n"


def write_summary(out: Path, records: list[StudentRecord], assignment_ids: list[str], options: "BatchOptions") -> Path:
    """Draw the plots, write `OUT/summary.md` and return its path."""
    plots_folder = out / PLOTS_FOLDER
    plots_folder.mkdir(parents=True, exist_ok=True)
    plots: dict[str, str] = {}
    graded = [record for record in records if record.results is not None]
    if graded:
        plot_histogram(plots_folder / HISTOGRAM_FILE, [r.total for r in graded], sum(max_scores(records, assignment_ids).values()))
        plots["histogram"] = f"{PLOTS_FOLDER}/{HISTOGRAM_FILE}"
        entries = failure_rates(records)
        if entries:
            plot_failure_rates(plots_folder / FAILURE_RATES_FILE, entries)
            plots["failure_rates"] = f"{PLOTS_FOLDER}/{FAILURE_RATES_FILE}"
    path = out / SUMMARY_FILE
    write_atomic(path, render_summary(records, assignment_ids, options, plots))
    return path
