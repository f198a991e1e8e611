"""Write each student's feedback file, `feedback/<username>.md`.

Graded students get the Markdown report students see after a push, with hidden tests
reduced to title and outcome, under a line that names the graded commit. Students whose
submission could not be graded get the status and what to do about it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from autograder.batch.cache import write_atomic
from autograder.batch.records import StudentRecord
from autograder.reporters.markdown import render_markdown

FEEDBACK_FOLDER = "feedback"


def feedback_path(out: Path, username: str) -> Path:
    return out / FEEDBACK_FOLDER / f"{username}.md"


def _graded_line(record: StudentRecord, deadline: dt.datetime | None) -> str:
    source = record.source
    assert source is not None
    if source.commit is None:
        return "Graded the files in your submission folder."
    line = f"Graded commit `{source.commit[:12]}` of {source.commit_date}."
    if deadline is not None:
        line += f" Deadline: {deadline.isoformat()}."
        if record.late_commits:
            line += f" {record.late_commits} commit(s) after the deadline were not graded."
    return line


def render_feedback(record: StudentRecord, deadline: dt.datetime | None) -> str:
    """Return the Markdown feedback of one student who has a submission folder."""
    if record.results is None:
        return (
            f"## Grading results: not graded\n\n"
            f"Your submission could not be graded: {record.status}.\n\n"
            f"Check that your work is committed and pushed in `assignments/<assignment>/`, "
            f"then ask your instructor to grade it again.\n"
        )
    heading, body = render_markdown(record.results.without_hidden_messages()).split("\n\n", 1)
    return f"{heading}\n\n{_graded_line(record, deadline)}\n\n{body}"


def write_feedback(out: Path, records: list[StudentRecord], deadline: dt.datetime | None) -> int:
    """Write a feedback file for every student with a submission folder and return how many."""
    written = 0
    for record in records:
        if record.folder is None:
            continue
        write_atomic(feedback_path(out, record.username), render_feedback(record, deadline))
        written += 1
    return written
