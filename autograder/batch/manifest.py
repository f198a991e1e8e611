"""`manifest.json`: which folder each username came from, so feedback can be pushed later.

`snn-grade feedback push` reads it to find each student's repository; it also records
the graded commit and status of every student and the options of the batch.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import autograder
from autograder.batch.cache import write_atomic
from autograder.batch.outputs import MANIFEST_FILE
from autograder.batch.records import StudentRecord
from autograder.errors import UserError

if TYPE_CHECKING:
    from autograder.batch.runner import BatchOptions

FORMAT = "snn-grade/batch-manifest/v1"


@dataclass(frozen=True)
class ManifestEntry:
    """One student in the manifest."""

    username: str
    folder: Path | None
    """Absolute path of the student's folder, or None for a roster student without one."""
    is_git: bool
    commit: str | None
    status: str


def write_manifest(out: Path, records: list[StudentRecord], options: "BatchOptions", assignment_ids: list[str]) -> Path:
    """Write `OUT/manifest.json` and return its path."""
    students = {}
    for record in records:
        source = record.source
        students[record.username] = {
            "folder": str(record.folder.resolve()) if record.folder is not None else None,
            "git": bool(record.folder is not None and (record.folder / ".git").exists()),
            "commit": source.commit if source is not None else None,
            "status": record.status,
        }
    document: dict[str, Any] = {
        "format": FORMAT,
        "grader": autograder.__version__,
        "written": dt.datetime.now(tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "submissions": str(options.submissions.resolve()),
        "assignments": assignment_ids,
        "deadline": options.deadline.isoformat() if options.deadline else None,
        "students": students,
    }
    path = out / MANIFEST_FILE
    write_atomic(path, json.dumps(document, indent=2) + "\n")
    return path


def read_manifest(out: Path) -> list[ManifestEntry]:
    """Read `OUT/manifest.json`, or raise UserError when it is missing or not a batch manifest."""
    path = out / MANIFEST_FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path} not found: run 'snn-grade batch SUBMISSIONS_DIR --out {out}' first") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT or not isinstance(document.get("students"), dict):
        raise UserError(f"{path} is not a batch manifest: run 'snn-grade batch' again to rewrite it")
    entries = []
    for username, entry in document["students"].items():
        folder = entry.get("folder")
        entries.append(
            ManifestEntry(
                username=username,
                folder=Path(folder) if folder else None,
                is_git=bool(entry.get("git")),
                commit=entry.get("commit"),
                status=str(entry.get("status", "")),
            )
        )
    return entries
