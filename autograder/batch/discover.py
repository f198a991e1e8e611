"""Find the student folders in a submissions folder and the username of each.

`gh teacher download` writes one clone per student, named
`<classroom>-<assignment>-<username>`, with the classroom metadata in
`.classroom50.yaml` (or `.classroom50.yml`). Any other folder of student folders works
too; a folder's username is then its name.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection

import yaml

from autograder.batch.outputs import is_batch_output
from autograder.errors import UserError

log = logging.getLogger(__name__)

METADATA_FILES = (".classroom50.yaml", ".classroom50.yml")

#: Metadata keys that may name the student when the folder name does not.
OWNER_KEYS = ("owner", "username", "student")

#: A username taken from metadata must be one plain file name. GitHub allows letters,
#: digits and hyphens, and dots and underscores are kept for other hosts.
_SAFE_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class StudentFolder:
    """One student's folder in the submissions folder."""

    username: str
    path: Path
    is_git: bool
    """Whether the folder has a `.git` entry. Whether that is a valid repository is checked later."""


def read_classroom_metadata(folder: Path) -> dict[str, Any]:
    """Return the classroom metadata of a clone, or an empty dict when it has none."""
    for name in METADATA_FILES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            log.warning("ignoring %s: %s", path, exc)
            return {}
        return data if isinstance(data, dict) else {}
    return {}


def classroom_prefix(metadata: dict[str, Any]) -> str | None:
    """Return `<classroom>-<assignment>-` when the metadata names both, else None."""
    classroom, assignment = metadata.get("classroom"), metadata.get("assignment")
    if isinstance(classroom, str) and isinstance(assignment, str) and classroom and assignment:
        return f"{classroom}-{assignment}-"
    return None


def username_for(folder: Path, metadata: dict[str, Any], known_prefixes: set[str], known_usernames: Collection[str] = ()) -> str:
    """Return the student's username for a folder.

    The first match wins:

    1. the folder name minus `<classroom>-<assignment>-` from its own metadata;
    2. the folder name minus that prefix from another folder's metadata, because a
       clone of an empty repository has no metadata file;
    3. the longest known username (from the roster or `scores.csv`) that is the folder
       name or ends it after a hyphen, because a clone may have no metadata file at all;
    4. the owner that the metadata names;
    5. the folder name.

    The download names the folders, so a prefix match wins over an owner written in
    the student's own metadata file.
    """
    own = classroom_prefix(metadata)
    for prefix in [*([own] if own else []), *sorted(known_prefixes, key=len, reverse=True)]:
        if folder.name.startswith(prefix) and len(folder.name) > len(prefix):
            return folder.name[len(prefix) :]
    name = folder.name.lower()
    matches = [username for username in known_usernames if name == username.lower() or name.endswith(f"-{username.lower()}")]
    if matches:
        return max(matches, key=len)
    for key in OWNER_KEYS:
        value = metadata.get(key)
        if isinstance(value, str) and _SAFE_USERNAME.fullmatch(value.strip()):
            return value.strip()
    return folder.name


def discover(submissions: Path, skip: Path | None = None, known_usernames: Collection[str] = ()) -> list[StudentFolder]:
    """Return the student folders below `submissions`, sorted by username.

    `known_usernames` (the roster's) name students whose folder has no classroom metadata.

    Hidden folders, `skip` (the output folder, when it lies inside) and the outputs of
    earlier batches written there with another `--out` are left out.
    Two folders that map to the same username keep their folder names instead, so no
    student's results overwrite another's.
    """
    if not submissions.is_dir():
        raise UserError(f"submissions folder {submissions} not found: pass the folder 'gh teacher download' wrote")
    skipped = skip.resolve() if skip is not None else None
    folders = []
    for path in sorted(submissions.iterdir()):
        if path.name.startswith(".") or path.name == "__pycache__" or not path.is_dir() or path.resolve() == skipped:
            continue
        if is_batch_output(path):
            log.warning("skipping %s: it is the output of an earlier batch, not a student's folder", path)
            continue
        folders.append(path)
    metadata = {path: read_classroom_metadata(path) for path in folders}
    prefixes = {prefix for data in metadata.values() if (prefix := classroom_prefix(data))}
    found = [StudentFolder(username_for(path, metadata[path], prefixes, known_usernames), path, (path / ".git").exists()) for path in folders]
    if not found:
        raise UserError(f"no student folders found in {submissions}: expected one folder per student")
    return _unique_usernames(found)


def _unique_usernames(found: list[StudentFolder]) -> list[StudentFolder]:
    by_name: dict[str, list[StudentFolder]] = {}
    for folder in found:
        by_name.setdefault(folder.username.lower(), []).append(folder)
    unique = []
    for group in by_name.values():
        if len(group) == 1:
            unique.extend(group)
            continue
        folders = ", ".join(folder.path.name for folder in group)
        log.warning("folders %s map to the same username; using their folder names instead", folders)
        unique.extend(StudentFolder(folder.path.name, folder.path, folder.is_git) for folder in group)
    return sorted(unique, key=lambda folder: folder.username.lower())
