"""The location of the graded suites and a content hash of them.

Kept apart from the engine so that the batch process can key its cache on the suites
without importing torch, which takes seconds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import autograder

SUITES_ROOT = Path(autograder.__file__).resolve().parent / "suites"
VISIBILITIES = ("public", "hidden")

Visibility = Literal["public", "all"]


def suite_dirs(assignment_id: str, visibility: Visibility, suites_root: Path = SUITES_ROOT) -> list[Path]:
    """Return the suite folders that exist for an assignment, public first."""
    kinds = ("public",) if visibility == "public" else VISIBILITIES
    return [suites_root / kind / assignment_id for kind in kinds if (suites_root / kind / assignment_id).is_dir()]


def suites_hash(assignment_ids: list[str], visibility: Visibility = "all", suites_root: Path = SUITES_ROOT) -> str:
    """Return a short content hash of the suites that grading these assignments runs."""
    digest = hashlib.sha256()
    for assignment_id in sorted(assignment_ids):
        for folder in suite_dirs(assignment_id, visibility, suites_root):
            for path in sorted(folder.rglob("*.py")):
                digest.update(path.relative_to(suites_root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
