"""The class roster: who should have submitted, with name, e-mail and section.

Classroom 50's roster has the columns `username,first_name,last_name,email,section,github_id`.
The download's `scores.csv` has the same name columns, so it serves as the roster when
no roster file is given. Extra columns are ignored.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import UserError

log = logging.getLogger(__name__)

ROSTER_FIELDS = ("first_name", "last_name", "email", "section")


@dataclass(frozen=True)
class Student:
    """One roster row."""

    username: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    section: str = ""


def read_roster(path: Path) -> dict[str, Student]:
    """Read a roster CSV and return its students by lower-case username.

    Raises UserError when the file cannot be read or has no `username` column.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or "username" not in reader.fieldnames:
                raise UserError(f"roster {path} has no 'username' column: use Classroom 50's students.csv")
            missing = [name for name in ROSTER_FIELDS if name not in reader.fieldnames]
            if missing:
                log.warning("roster %s has no column %s: those grades.csv columns stay empty", path, ", ".join(missing))
            return roster_from_rows(list(reader))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"cannot read roster {path}: {exc}") from None


def roster_from_rows(rows: list[dict[str, str]]) -> dict[str, Student]:
    """Return one student per username in `rows`, keeping the first row of each."""
    students: dict[str, Student] = {}
    for row in rows:
        username = (row.get("username") or "").strip()
        if username and username.lower() not in students:
            fields = {name: (row.get(name) or "").strip() for name in ROSTER_FIELDS}
            students[username.lower()] = Student(username, **fields)
    return students
