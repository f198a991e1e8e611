"""Write `grades.csv`: one row per student, roster students without a submission included."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.batch.cache import write_atomic
from autograder.batch.outputs import GRADES_FILE
from autograder.batch.records import StudentRecord

NAME_COLUMNS = ["username", "first_name", "last_name", "email", "section"]
TRAILING_COLUMNS = [
    "total",
    "max_score",
    "graded_commit",
    "commit_date",
    "late",
    "flags",
    "status",
    "pushed_score",
    "score_mismatch",
    "folder",
]


def max_scores(records: list[StudentRecord], assignment_ids: list[str]) -> dict[str, int]:
    """Return each assignment's maximum, taken from the graded results (0 when none was graded)."""
    maxima = dict.fromkeys(assignment_ids, 0)
    for record in records:
        if record.results is not None:
            for result in record.results.assignments:
                maxima[result.id] = max(maxima.get(result.id, 0), result.max_score)
    return maxima


def grade_row(record: StudentRecord, assignment_ids: list[str], maximum: int) -> dict[str, str]:
    """Return one student's row of `grades.csv`."""
    student = record.student
    row = {
        "username": record.username,
        "first_name": student.first_name if student else "",
        "last_name": student.last_name if student else "",
        "email": student.email if student else "",
        "section": student.section if student else "",
    }
    for assignment_id in assignment_ids:
        row[assignment_id] = str(record.points(assignment_id))
    source = record.source
    comparison = record.comparison
    pushed = comparison.pushed if comparison is not None else None
    mismatch = ""
    if comparison is not None and pushed is not None:
        mismatch = "yes" if comparison.mismatches else "no"
    row.update(
        {
            "total": str(record.total),
            "max_score": str(maximum),
            "graded_commit": (source.commit or "") if source is not None else "",
            "commit_date": (source.commit_date or "") if source is not None else "",
            "late": record.late,
            "flags": "; ".join(record.all_flags()),
            "status": record.status,
            "pushed_score": f"{pushed.score:g}/{pushed.max_score:g}" if pushed is not None else "",
            "score_mismatch": mismatch,
            "folder": record.folder.name if record.folder is not None else "",
        }
    )
    return row


def write_grades(out: Path, records: list[StudentRecord], assignment_ids: list[str]) -> Path:
    """Write `OUT/grades.csv` and return its path."""
    maximum = sum(max_scores(records, assignment_ids).values())
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*NAME_COLUMNS, *assignment_ids, *TRAILING_COLUMNS], lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(grade_row(record, assignment_ids, maximum))
    path = out / GRADES_FILE
    write_atomic(path, buffer.getvalue())
    return path
