"""The results document as Markdown feedback for a student.

Used for Classroom 50's release body, a GitHub Actions job summary and the feedback
files of batch grading. Hidden tests show their title and outcome only.
"""

from __future__ import annotations

from typing import Mapping

from autograder.results import AssignmentResult, GradingResults, TestResult

STATUS_ICONS = {"passed": "✅", "failed": "❌", "error": "⚠️", "timeout": "⏱️"}

#: Maximum length of the message shown for one test, in characters.
MAX_MESSAGE_CHARS = 1500


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}text\n{text}\n{fence}"


def _failure(test: TestResult, pictures: Mapping[str, str]) -> list[str]:
    lines = [f"#### {STATUS_ICONS.get(test.status, '')} {_cell(test.title)} ({test.score}/{test.max_score})", ""]
    if test.visibility == "hidden":
        lines.append(f"Hidden test: {test.status}.")
    elif test.message:
        message = test.message
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS] + f"\n[... {len(test.message) - MAX_MESSAGE_CHARS} more characters]"
        lines.append(_fence(message))
    else:
        lines.append(f"Status: {test.status}.")
    if test.visibility == "public" and test.id in pictures:
        lines.extend(["", pictures[test.id]])
    lines.append("")
    return lines


def _assignment(result: AssignmentResult, pictures: Mapping[str, str]) -> list[str]:
    lines = [f"### {result.id}: {_cell(result.title)} ({result.score}/{result.max_score})", ""]
    if result.flags:
        lines.extend(f"> **Flag:** {_cell(flag)}" for flag in result.flags)
        lines.append("")
    lines.extend(["| | test | visibility | points |", "| --- | --- | --- | --- |"])
    for test in result.tests:
        icon = STATUS_ICONS.get(test.status, test.status)
        lines.append(f"| {icon} | {_cell(test.title)} | {test.visibility} | {test.score}/{test.max_score} |")
    lines.append("")
    failures = [test for test in result.tests if test.status != "passed"]
    if failures:
        lines.extend(["<details><summary>What to fix</summary>", ""])
        for test in failures:
            lines.extend(_failure(test, pictures))
        lines.extend(["</details>", ""])
    return lines


def render_markdown(results: GradingResults, heading: str = "Grading results", pictures: Mapping[str, str] | None = None) -> str:
    """Render a summary table per assignment, then the reason for each lost point.

    `pictures` maps test ids to a Markdown image shown under the failure message of
    that test, if it is public.
    """
    lines = [f"## {heading}: {results.score}/{results.max_score} points", ""]
    lines.extend(["| assignment | points |", "| --- | --- |"])
    lines.extend(f"| {a.id}: {_cell(a.title)} | {a.score}/{a.max_score} |" for a in results.assignments)
    lines.append("")
    if results.submission_flags:
        lines.extend(f"> **Flag:** {_cell(flag)}" for flag in results.submission_flags)
        lines.append("")
    for result in results.assignments:
        lines.extend(_assignment(result, pictures or {}))
    versions = results.versions
    lines.append(
        f"<sub>snn-grade {versions.get('grader', '?')}, suites {versions.get('suites', '?')}, "
        f"torch {versions.get('torch', '?')}, snnTorch {versions.get('snntorch', '?')}</sub>"
    )
    return "\n".join(lines) + "\n"
