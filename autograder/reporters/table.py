"""The results document as a plain-text table for a terminal."""

from __future__ import annotations

import textwrap

from autograder.results import GradingResults

_MESSAGE_WIDTH = 100
_MESSAGE_LINES = 12


def _message_lines(message: str, indent: str) -> list[str]:
    lines: list[str] = []
    for paragraph in message.splitlines():
        wrapped = textwrap.wrap(paragraph, _MESSAGE_WIDTH) if paragraph.strip() else [""]
        lines.extend(indent + line for line in wrapped)
    if len(lines) > _MESSAGE_LINES:
        lines = lines[:_MESSAGE_LINES] + [f"{indent}[... {len(lines) - _MESSAGE_LINES} more lines]"]
    return lines


def render_table(results: GradingResults) -> str:
    """Render one row per test (assignment, title, points, status), messages under failures."""
    rows = [(a.id, t.title, f"{t.score}/{t.max_score}", t.status, t.message) for a in results.assignments for t in a.tests]
    id_width = max([len("assignment"), *(len(row[0]) for row in rows)])
    title_width = max([len("test"), *(len(row[1]) for row in rows)])
    points_width = max([len("points"), *(len(row[2]) for row in rows)])
    indent = " " * (id_width + 2) + "  "

    def line(assignment: str, title: str, points: str, status: str) -> str:
        return f"{assignment:<{id_width}}  {title:<{title_width}}  {points:>{points_width}}  {status}".rstrip()

    out = [line("assignment", "test", "points", "status"), "-" * (id_width + title_width + points_width + 15)]
    for assignment, title, points, status, message in rows:
        out.append(line(assignment, title, points, status))
        if status != "passed" and message:
            out.extend(_message_lines(message, indent))
    out.append("-" * (id_width + title_width + points_width + 15))
    for a in results.assignments:
        out.append(line(a.id, "subtotal", f"{a.score}/{a.max_score}", ""))
        out.extend(f"{indent}flag: {flag}" for flag in a.flags)
    out.extend(f"flag: {flag}" for flag in results.submission_flags)
    out.append(line("total", "", f"{results.score}/{results.max_score}", ""))
    return "\n".join(out) + "\n"
