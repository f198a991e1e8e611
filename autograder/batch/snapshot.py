"""Decide what to grade for one student and copy it into a private folder.

For a git repository that is a commit: HEAD, or with a deadline the last commit on
HEAD's first-parent line whose committer date is at or before it. For a plain folder it
is the files as they are, identified by a content hash. Neither the repository nor its
working tree is changed: files come out through `git archive`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import shutil
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.assignments import ASSIGNMENTS, TEMPLATE_FOLDER
from autograder.batch.discover import StudentFolder
from autograder.batch.git import GitError, git_text, run_git
from autograder.protected import MANIFEST_FILE, PROTECTED

#: Folder of shared helpers students may import, copied along with the assignment folders.
COMMON_FOLDER = "common"

#: Template files outside `assignments/` that grading compares with their release
#: checksums, so changes to them are flagged.
PROTECTED_PATHS = (MANIFEST_FILE, *PROTECTED)

#: Maximum size of a file copied out of a submission, in bytes. Larger files are left out.
MAX_FILE_BYTES = 64 * 1024 * 1024

#: Folder inside the export destination that receives the copied files. Grading reads
#: the protected-file manifest from the parent of the graded folder, so a submission
#: with its assignment folders at the root gets a parent with no manifest in it.
CHECKOUT_FOLDER = "checkout"

#: Start of the status of a repository whose commits all came after the deadline.
LATE_PREFIX = "late: "


class SubmissionProblem(Exception):
    """A submission that cannot be graded. The message is its status in the gradebook."""

    def __init__(self, status: str, late_commits: int | None = None) -> None:
        super().__init__(status)
        self.late_commits = late_commits


@dataclass
class Source:
    """The commit or folder graded for one student."""

    kind: str
    """`git` for a commit of a repository, `folder` for a plain folder's files."""
    folder: Path
    layout: str
    """`assignments` when the assignment folders are in `assignments/`, an empty string when they are at the root."""
    present: list[str]
    """Assignment ids whose student file exists in what is graded."""
    commit: str | None = None
    commit_date: str | None = None
    """Committer date of the graded commit, `YYYY-MM-DDTHH:MM:SSZ`."""
    head: str | None = None
    late_commits: int | None = None
    """First-parent commits after the deadline, or None when no deadline applies."""
    content_hash: str | None = None
    paths: list[str] = field(default_factory=list)
    """Top-level files and folders to copy out of the submission."""
    flags: list[str] = field(default_factory=list)

    @property
    def identity(self) -> str:
        """Return the cache identity of what is graded: the commit, or the content hash."""
        return self.commit if self.commit is not None else f"sha256:{self.content_hash}"


def _utc_text(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _exists(paths: set[str], name: str) -> bool:
    """Return whether `name` is one of the file paths, or a folder above one of them."""
    return name in paths or any(path.startswith(f"{name}/") for path in paths)


def _layout(paths: set[str]) -> tuple[str, list[str], list[str]]:
    """Return the layout, the assignment ids with a student file, and the top-level paths to copy.

    The template layout also copies the protected files, so grading can flag changes to
    them. A folder with the assignment folders at its root copies those and `common/`.
    """
    if any(_exists(paths, f"{TEMPLATE_FOLDER}/{a.id}") for a in ASSIGNMENTS.values()):
        present = [a.id for a in ASSIGNMENTS.values() if f"{TEMPLATE_FOLDER}/{a.relative_file.as_posix()}" in paths]
        protected = [name for name in PROTECTED_PATHS if _exists(paths, name)]
        return TEMPLATE_FOLDER, present, [TEMPLATE_FOLDER, *protected]
    if any(_exists(paths, a.id) for a in ASSIGNMENTS.values()):
        present = [a.id for a in ASSIGNMENTS.values() if a.relative_file.as_posix() in paths]
        folders = [name for name in [*ASSIGNMENTS, COMMON_FOLDER] if _exists(paths, name)]
        return "", present, folders
    expected = " or ".join(f"{TEMPLATE_FOLDER}/{a.id}/" for a in ASSIGNMENTS.values())
    raise SubmissionProblem(f"missing files: no assignment folder ({expected})")


def _has_refs(repository: Path) -> bool:
    try:
        return bool(git_text(repository, "for-each-ref", "--count=1"))
    except GitError:
        return False


def _last_commit_before(repository: Path, head: str, deadline: dt.datetime) -> tuple[str, int]:
    """Return the last first-parent commit at or before the deadline and the count after it."""
    until = deadline.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S +0000")
    commit = git_text(repository, "rev-list", "-1", "--first-parent", f"--until={until}", head)
    if not commit:
        total = int(git_text(repository, "rev-list", "--count", "--first-parent", head))
        raise SubmissionProblem(f"{LATE_PREFIX}no commit at or before the deadline ({total} after it)", late_commits=total)
    late_commits = int(git_text(repository, "rev-list", "--count", "--first-parent", f"{commit}..{head}"))
    return commit, late_commits


def resolve_git(student: StudentFolder, deadline: dt.datetime | None) -> Source:
    """Return the commit to grade in a student's repository, or raise SubmissionProblem."""
    repository = student.path
    try:
        git_text(repository, "rev-parse", "--git-dir")
    except GitError as exc:
        raise SubmissionProblem(f"unreadable: not a git repository ({exc})") from None
    try:
        head = git_text(repository, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except GitError:
        if _has_refs(repository):
            raise SubmissionProblem("unreadable: HEAD does not name a commit") from None
        raise SubmissionProblem("empty repository: no commits") from None
    commit, late_commits = head, None
    try:
        if deadline is not None:
            commit, late_commits = _last_commit_before(repository, head, deadline)
        timestamp = int(git_text(repository, "show", "-s", "--format=%ct", commit))
        listing = run_git(repository, "ls-tree", "-r", "-z", "--name-only", commit).decode("utf-8", "replace")
    except GitError as exc:
        raise SubmissionProblem(f"unreadable: {exc}") from None
    layout, present, paths = _layout({path for path in listing.split("\0") if path})
    return Source(
        kind="git",
        folder=repository,
        layout=layout,
        present=present,
        commit=commit,
        commit_date=_utc_text(timestamp),
        head=head,
        late_commits=late_commits,
        paths=paths,
    )


def _plain_files(folder: Path, roots: list[str] | tuple[str, ...]) -> list[Path]:
    """Return each root that is a regular file and the regular files below each root that is a folder.

    Paths are relative to `folder` and sorted. Links and `__pycache__` folders are left out.
    """
    files = []
    for root in roots:
        top = folder / root
        if any((folder / Path(root).parents[i]).is_symlink() for i in range(len(Path(root).parts) - 1)) or top.is_symlink():
            continue
        if top.is_file():
            files.append(top)
            continue
        if not top.is_dir():
            continue
        for directory, subfolders, names in os.walk(top):
            subfolders[:] = [name for name in subfolders if name != "__pycache__"]
            for name in names:
                path = Path(directory, name)
                if not path.is_symlink() and path.is_file():
                    files.append(path)
    return sorted(files)


def resolve_folder(student: StudentFolder, deadline: dt.datetime | None) -> Source:
    """Return a plain folder's files to grade with their content hash, or raise SubmissionProblem."""
    folder = student.path
    try:
        candidates = [TEMPLATE_FOLDER, *ASSIGNMENTS, COMMON_FOLDER, *PROTECTED_PATHS]
        layout, present, paths = _layout({p.relative_to(folder).as_posix() for p in _plain_files(folder, candidates)})
        source = Source(kind="folder", folder=folder, layout=layout, present=present, paths=paths)
        digest = hashlib.sha256()
        for path in _plain_files(folder, paths):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    except OSError as exc:
        raise SubmissionProblem(f"unreadable: {exc.strerror or exc}: {exc.filename or folder}") from None
    source.content_hash = digest.hexdigest()
    source.flags.append("not a git repository: graded the files as they are")
    if deadline is not None:
        source.flags.append("no git history: the deadline was not checked")
    return source


def resolve(student: StudentFolder, deadline: dt.datetime | None) -> Source:
    """Return what to grade for a student, or raise SubmissionProblem with a plain status."""
    if student.is_git:
        return resolve_git(student, deadline)
    return resolve_folder(student, deadline)


def _extract_regular(tar: tarfile.TarFile, checkout: Path, skipped: list[str]) -> None:
    """Write the folders and the regular files up to MAX_FILE_BYTES of `tar` under `checkout`.

    Members are written one by one rather than with `extractall`, whose `filter`
    argument needs Python 3.11.4 or newer. Links, devices and names that are absolute
    or contain `..` are left out.
    """
    for member in tar:
        parts = PurePosixPath(member.name).parts
        if not (member.isreg() or member.isdir()) or not parts or parts[0] == "/" or ".." in parts:
            continue
        if member.isreg() and member.size > MAX_FILE_BYTES:
            skipped.append(member.name)
            continue
        target = checkout.joinpath(*parts)
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        content = tar.extractfile(member)
        assert content is not None  # A regular member always has content.
        with content, target.open("wb") as output:
            shutil.copyfileobj(content, output)


def export(source: Source, destination: Path) -> tuple[Path, list[str]]:
    """Copy what is graded into `destination` and return the folder to grade and the skipped files.

    Links, devices and files over MAX_FILE_BYTES are left out, so a submission cannot
    point the grader at files outside it.
    """
    skipped: list[str] = []
    checkout = destination / CHECKOUT_FOLDER
    checkout.mkdir()
    if source.kind == "git":
        assert source.commit is not None
        archive = run_git(source.folder, "archive", "--format=tar", source.commit, "--", *source.paths)
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
            _extract_regular(tar, checkout, skipped)
    else:
        for path in _plain_files(source.folder, source.paths):
            relative = path.relative_to(source.folder)
            if path.stat().st_size > MAX_FILE_BYTES:
                skipped.append(relative.as_posix())
                continue
            target = checkout / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    root = checkout / source.layout if source.layout else checkout
    root.mkdir(parents=True, exist_ok=True)
    return root, skipped
