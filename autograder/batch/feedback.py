"""Write each student's feedback file, `feedback/<username>.md`.

Graded students get the Markdown report students see after a push, with hidden tests
reduced to title and outcome, under a line that names the graded commit. A failed
public test whose record over time differs also gets a picture of it in
`feedback/<username>/`, linked from the feedback. Students whose submission could not
be graded get the status and what to do about it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

from autograder.batch.cache import write_atomic
from autograder.batch.outputs import FEEDBACK_FOLDER
from autograder.batch.pictures import write_pictures
from autograder.batch.records import StudentRecord
from autograder.batch.snapshot import LATE_PREFIX
from autograder.reporters.markdown import render_markdown
from autograder.results import TestResult


def feedback_path(out: Path, username: str) -> Path:
    return out / FEEDBACK_FOLDER / f"{username}.md"


def pictures_folder(out: Path, username: str) -> Path:
    """Return the folder of a student's pictures, next to their feedback file and named after them."""
    return out / FEEDBACK_FOLDER / username


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


def render_feedback(record: StudentRecord, deadline: dt.datetime | None, pictures: dict[str, str] | None = None) -> str:
    """Return the Markdown feedback of one student who has a submission folder.

    `pictures` maps test ids to the Markdown image shown under that test's message.
    """
    if record.results is None:
        if record.status.startswith(LATE_PREFIX):
            when = f" ({deadline.isoformat()})" if deadline is not None else ""
            advice = f"Only commits made by the deadline{when} are graded. Ask your instructor if you have an extension."
        else:
            advice = (
                "Check that your work is committed and pushed in `assignments/<assignment>/`, "
                "then ask your instructor to grade it again."
            )
        return f"## Grading results: not graded\n\nYour submission could not be graded: {record.status}.\n\n{advice}\n"
    heading, body = render_markdown(record.results.without_hidden_messages(), pictures=pictures).split("\n\n", 1)
    return f"{heading}\n\n{_graded_line(record, deadline)}\n\n{body}"


def _draw_pictures(out: Path, record: StudentRecord) -> dict[str, str]:
    """Draw the student's pictures and return the Markdown image of each by test id.

    Only what the student may see is drawn: hidden tests have no comparison once their
    messages are removed.
    """
    tests: list[TestResult] = []
    if record.results is not None:
        tests = [test for a in record.results.without_hidden_messages().assignments for test in a.tests]
    names = write_pictures(pictures_folder(out, record.username), tests)
    comparisons = {test.id: test.comparison for test in tests if test.comparison is not None}
    images = {}
    for test_id, name in names.items():
        what, step = comparisons[test_id]["what"], comparisons[test_id]["step"]
        alt = f"{what} of your submission and the expected one, first mismatch at step {step}"
        images[test_id] = f"![{alt.replace('[', '(').replace(']', ')')}]({quote(record.username)}/{quote(name)})"
    return images


def write_feedback(out: Path, records: list[StudentRecord], deadline: dt.datetime | None) -> int:
    """Write a feedback file and its pictures for every student with a submission folder; return how many."""
    written = 0
    for record in records:
        if record.folder is None:
            continue
        pictures = _draw_pictures(out, record)
        write_atomic(feedback_path(out, record.username), render_feedback(record, deadline, pictures))
        written += 1
    return written
