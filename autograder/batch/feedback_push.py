"""Push each student's feedback to a branch of their repository, without touching their work.

For every student in a batch's manifest with a feedback file and a git repository, the
feedback becomes `FEEDBACK.md` in a new commit on `<branch>` (on top of the remote
branch's tip when it exists), pushed to `origin`. The student's pictures go in the
folder `<username>/` of the same commit, where the feedback's relative links point.
Only git plumbing is used (hash-object, mktree, commit-tree, push
COMMIT:refs/heads/BRANCH), so the student's default branch, index and working tree
stay as they are. The new objects are added to the repository's object store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from autograder.batch.feedback import feedback_path, pictures_folder
from autograder.batch.git import GitError, git_text, run_git
from autograder.batch.manifest import ManifestEntry, read_manifest

log = logging.getLogger(__name__)

FEEDBACK_FILE = "FEEDBACK.md"
DEFAULT_BRANCH = "grade-report"
REMOTE = "origin"

#: Identity of feedback commits in a repository whose git configuration names none.
FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "snn-grade",
    "GIT_AUTHOR_EMAIL": "snn-grade@localhost",
    "GIT_COMMITTER_NAME": "snn-grade",
    "GIT_COMMITTER_EMAIL": "snn-grade@localhost",
}

#: `git ls-remote --exit-code` status when no ref matches.
LS_REMOTE_NO_MATCH = 2


@dataclass(frozen=True)
class PushOutcome:
    """The result of pushing one student's feedback."""

    username: str
    state: str
    """`pushed`, `unchanged`, `would push`, `skipped` or `failed`."""
    detail: str


def _identity(repository: Path) -> dict[str, str]:
    """Return the fallback identity unless the repository's git configuration names one."""
    try:
        git_text(repository, "config", "user.name")
        git_text(repository, "config", "user.email")
    except GitError:
        return FALLBACK_IDENTITY
    return {}


def _remote_tip(repository: Path, branch: str) -> str | None:
    """Return the commit the remote branch points to, or None when it does not exist.

    The commit is fetched when the repository does not have it yet.
    """
    ref = f"refs/heads/{branch}"
    try:
        listing = git_text(repository, "ls-remote", "--exit-code", REMOTE, ref)
    except GitError as exc:
        if exc.returncode == LS_REMOTE_NO_MATCH:
            return None
        raise
    tip = listing.split()[0]
    try:
        run_git(repository, "cat-file", "-e", f"{tip}^{{commit}}")
    except GitError:
        run_git(repository, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", REMOTE, ref)
    return tip


def _mktree(repository: Path, entries: list[str]) -> str:
    tree_input = "".join(f"{entry}\0" for entry in entries).encode("utf-8", "surrogateescape")
    return run_git(repository, "mktree", "-z", input_bytes=tree_input).decode().strip()


def _hash_blob(repository: Path, content: bytes) -> str:
    return run_git(repository, "hash-object", "-w", "--stdin", input_bytes=content).decode().strip()


def _feedback_tree(repository: Path, text: bytes, pictures: dict[str, bytes], folder: str, parent: str | None) -> str:
    """Return a tree with FEEDBACK.md and the pictures folder, keeping the parent's other entries.

    The folder is replaced as a whole, so pictures of an earlier push do not linger.
    """
    entries = []
    if parent is not None:
        listing = run_git(repository, "ls-tree", "-z", parent).decode("utf-8", "surrogateescape")
        entries = [entry for entry in listing.split("\0") if entry and entry.split("\t", 1)[1] not in (FEEDBACK_FILE, folder)]
    entries.append(f"100644 blob {_hash_blob(repository, text)}\t{FEEDBACK_FILE}")
    if pictures:
        files = [f"100644 blob {_hash_blob(repository, content)}\t{name}" for name, content in sorted(pictures.items())]
        entries.append(f"040000 tree {_mktree(repository, files)}\t{folder}")
    return _mktree(repository, entries)


def _push_one(entry: ManifestEntry, text: bytes, pictures: dict[str, bytes], branch: str, dry_run: bool) -> PushOutcome:
    repository = entry.folder
    assert repository is not None
    try:
        url = git_text(repository, "remote", "get-url", REMOTE)
    except GitError:
        return PushOutcome(entry.username, "failed", f"no remote '{REMOTE}' in {repository}")
    if dry_run:
        files = f"{FEEDBACK_FILE} ({len(text)} bytes)"
        if pictures:
            files += f" and {len(pictures)} picture(s) in {entry.username}/"
        return PushOutcome(entry.username, "would push", f"{files} to {url} as refs/heads/{branch}")
    parent = _remote_tip(repository, branch)
    tree = _feedback_tree(repository, text, pictures, entry.username, parent)
    if parent is not None and git_text(repository, "rev-parse", f"{parent}^{{tree}}") == tree:
        return PushOutcome(entry.username, "unchanged", f"{url} {branch} already has this feedback")
    message = f"Add grading feedback for {entry.username}\n\nGraded commit: {entry.commit or 'none'}.\n"
    commit_args = ["commit-tree", tree, *(["-p", parent] if parent else [])]
    commit = run_git(repository, *commit_args, input_bytes=message.encode(), extra_env=_identity(repository)).decode().strip()
    run_git(repository, "push", "--quiet", "--no-verify", REMOTE, f"{commit}:refs/heads/{branch}")
    return PushOutcome(entry.username, "pushed", f"{commit[:12]} to {url} {branch}")


def _reason(exc: GitError) -> str:
    """Return the most telling line of a failed git command: push's `! [...]` ref status line, else the last line."""
    for line in exc.stderr.splitlines():
        if line.lstrip().startswith("! ["):
            return line.strip()
    return str(exc)


def push_feedback(out: Path, branch: str = DEFAULT_BRANCH, dry_run: bool = False) -> list[PushOutcome]:
    """Push every student's feedback file of the batch in `out` and return one outcome per student folder.

    A failed push is reported in its outcome and the remaining students still get theirs.
    """
    outcomes = []
    for entry in read_manifest(out):
        if entry.folder is None:
            continue
        path = feedback_path(out, entry.username)
        if not path.is_file():
            outcomes.append(PushOutcome(entry.username, "skipped", f"{path} not found"))
            continue
        if not entry.is_git:
            outcomes.append(PushOutcome(entry.username, "skipped", f"{entry.folder} is not a git repository"))
            continue
        try:
            text = path.read_bytes()
            pictures = {picture.name: picture.read_bytes() for picture in pictures_folder(out, entry.username).glob("*.png")}
        except OSError as exc:
            outcomes.append(PushOutcome(entry.username, "failed", f"cannot read {exc.filename}: {exc.strerror}"))
            continue
        try:
            outcomes.append(_push_one(entry, text, pictures, branch, dry_run))
        except GitError as exc:
            log.error("pushing feedback for %s failed: %s", entry.username, exc)
            outcomes.append(PushOutcome(entry.username, "failed", _reason(exc)))
    return outcomes
