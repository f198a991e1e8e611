"""Per-student results files: written atomically, reused while nothing they depend on changed.

`OUT/results/<username>.json` contains the key one student was graded under and either
the full results document or the reason the submission's code stopped its own
grading. The results include hidden messages, so the file is for the instructor only.
The key is what was graded (a commit or a content hash), the grader version, the
limits, and a suites hash per assignment. A rerun reuses each assignment whose key part is
unchanged, so editing one suite regrades that assignment only.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from autograder.batch.outputs import RESULTS_FOLDER
from autograder.worker.limits import Limits

log = logging.getLogger(__name__)

FORMAT = "snn-grade/batch-result/v1"


@dataclass(frozen=True)
class CacheKey:
    """The inputs one student's results depend on."""

    source: str
    """The graded commit, or `sha256:<hash>` of a plain folder's files."""
    grader: str
    limits: dict[str, Any]
    suites: dict[str, str]
    """Suites hash per assignment id."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def limits_key(limits: Limits) -> dict[str, Any]:
    """Return the limits that can change a result, as plain data."""
    return asdict(limits)


def results_path(out: Path, username: str) -> Path:
    return out / RESULTS_FOLDER / f"{username}.json"


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to a temporary file next to `path`, then rename it over `path`.

    A reader sees either the old file or the whole new one, even when the writer is
    killed halfway.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(out: Path) -> None:
    """Delete temporary files that a killed run left in the results folder."""
    folder = out / RESULTS_FOLDER
    if folder.is_dir():
        for path in folder.glob(".*.tmp"):
            path.unlink(missing_ok=True)


def load(path: Path, username: str) -> dict[str, Any] | None:
    """Return a results file's content, or None when it is missing, unreadable or not this student's."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable results file %s: %s", path, exc)
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("username") != username:
        log.warning("ignoring results file %s: not a results file for %s", path, username)
        return None
    return document


def _same_run(stored: dict[str, Any], key: CacheKey) -> bool:
    return stored.get("source") == key.source and stored.get("grader") == key.grader and stored.get("limits") == key.limits


def reusable_assignments(document: dict[str, Any] | None, key: CacheKey) -> dict[str, dict[str, Any]]:
    """Return the assignment results in `document` that were graded under `key`, by id."""
    if document is None or not isinstance(document.get("results"), dict):
        return {}
    stored = document.get("key", {})
    if not _same_run(stored, key):
        return {}
    stored_suites = stored.get("suites", {})
    assignments = document["results"].get("assignments", [])
    return {
        a["id"]: a
        for a in assignments
        if isinstance(a, dict) and a.get("id") in key.suites and stored_suites.get(a["id"]) == key.suites[a["id"]]
    }


def stored_failure(document: dict[str, Any] | None, key: CacheKey) -> str | None:
    """Return the recorded reason why the submission stopped its own grading, if `key` is unchanged."""
    if document is None or not isinstance(document.get("failure"), str):
        return None
    stored = document.get("key", {})
    return document["failure"] if _same_run(stored, key) and stored.get("suites") == key.suites else None


def results_document(username: str, key: CacheKey, source: dict[str, Any], results: dict[str, Any] | None, failure: str | None = None) -> str:
    """Return the text of a results file: the results, or why the submission could not be graded."""
    document = {"format": FORMAT, "username": username, "key": key.to_dict(), "source": source, "results": results}
    if failure is not None:
        document["failure"] = failure
    return json.dumps(document, indent=2, allow_nan=False) + "\n"
