"""Checksums of the files students must not change: public suites, grader, workflows.

`release` writes `.snn-grade-manifest.json` at the root of the student template.
Grading recomputes it, and every changed, added or removed protected file becomes a
flag in the results document. The flag is for the instructor: the grade comes from
the grader's own suites either way.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST_FILE = ".snn-grade-manifest.json"

#: Folders and files under the template root that students must leave unchanged.
PROTECTED = ("tests", "autograder", ".github/workflows/grade.yml", "pyproject.toml")

_IGNORED_PARTS = {"__pycache__", ".pytest_cache"}


def _protected_files(root: Path) -> dict[str, str]:
    found = {}
    for name in PROTECTED:
        target = root / name
        if target.is_file():
            paths = [target]
        elif target.is_dir():
            paths = sorted(target.rglob("*"))
        else:
            paths = []
        for path in paths:
            relative = path.relative_to(root)
            if path.is_file() and not _IGNORED_PARTS.intersection(relative.parts) and path.suffix != ".pyc":
                found[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def write_manifest(root: Path) -> Path:
    """Record the checksum of every protected file under `root`; return the manifest path."""
    manifest = root / MANIFEST_FILE
    manifest.write_text(json.dumps({"version": 1, "files": _protected_files(root)}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def check_manifest(root: Path) -> list[str]:
    """Return one flag per protected file changed, added or removed since the manifest was written.

    Returns an empty list when `root` has no manifest, and a single flag when the
    manifest itself cannot be read.
    """
    manifest = root / MANIFEST_FILE
    if not manifest.is_file():
        return []
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))["files"]
        if not isinstance(recorded, dict):
            raise ValueError("'files' is not an object")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"protected files: {MANIFEST_FILE} is unreadable or was edited ({exc})"]
    current = _protected_files(root)
    flags = [f"modified protected file: {name}" for name in sorted(recorded) if name in current and current[name] != recorded[name]]
    flags += [f"removed protected file: {name}" for name in sorted(recorded) if name not in current]
    flags += [f"added protected file: {name}" for name in sorted(current) if name not in recorded]
    return flags
