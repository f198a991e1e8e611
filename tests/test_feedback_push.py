"""Does `snn-grade feedback push` put FEEDBACK.md and its pictures on a branch of each remote, and nothing else?

Remotes are local bare repositories; one has a pre-receive hook that rejects every push.
"""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from autograder.batch.feedback import feedback_path, pictures_folder
from autograder.batch.manifest import write_manifest
from autograder.batch.records import StudentRecord
from autograder.batch.runner import BatchOptions
from batch_helpers import git
from conftest import SNN_GRADE

STUDENTS = ["alice", "bob", "carol"]
REJECTING = "carol"
BRANCH = "grade-report"


def snn_grade(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SNN_GRADE, *args], capture_output=True, text=True, timeout=120)


def bare_git(bare: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", f"--git-dir={bare}", *args], capture_output=True, text=True)


def make_student(root: Path, username: str) -> tuple[Path, Path]:
    """Create a bare remote and a clone of it with one commit on main, and return both."""
    bare = root / "remotes" / f"{username}.git"
    clone = root / "submissions" / username
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], check=True)
    clone.mkdir(parents=True)
    git(clone, "init", "--quiet", "--initial-branch=main")
    git(clone, "remote", "add", "origin", str(bare))
    (clone / "lif.py").write_text("print('work')\n")
    git(clone, "add", "lif.py")
    git(clone, "commit", "--quiet", "-m", "Work", when="2026-10-01T10:00:00+00:00")
    git(clone, "push", "--quiet", "origin", "main")
    (clone / "notes.txt").write_text("uncommitted\n")
    return bare, clone


def reject_pushes(bare: Path) -> None:
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)


def clone_state(clone: Path) -> dict[str, str]:
    return {
        "head": git(clone, "rev-parse", "HEAD"),
        "symbolic": git(clone, "symbolic-ref", "HEAD"),
        "branches": git(clone, "branch", "--list"),
        "index": git(clone, "write-tree"),
        "status": git(clone, "status", "--porcelain"),
    }


@pytest.fixture
def batch_out(tmp_path: Path) -> dict:
    """A batch output folder with a manifest and feedback for three students with remotes."""
    out = tmp_path / "grading"
    remotes, clones, records = {}, {}, []
    for username in STUDENTS:
        remotes[username], clones[username] = make_student(tmp_path, username)
        records.append(StudentRecord(username, folder=clones[username]))
        path = feedback_path(out, username)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"## Grading results: 40/44 points\n\nFeedback for {username}.\n")
    records.append(StudentRecord("zoe"))
    reject_pushes(remotes[REJECTING])
    write_manifest(out, records, BatchOptions(tmp_path / "submissions", out), ["a1_lif"])
    return {"out": out, "remotes": remotes, "clones": clones}


def test_push_puts_feedback_on_branch(batch_out: dict) -> None:
    before = {username: clone_state(clone) for username, clone in batch_out["clones"].items()}

    result = snn_grade("feedback", "push", "--out", str(batch_out["out"]))

    for username in ("alice", "bob"):
        assert f"{username}: pushed:" in result.stdout
        shown = bare_git(batch_out["remotes"][username], "show", f"{BRANCH}:FEEDBACK.md")
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout == feedback_path(batch_out["out"], username).read_text()
        files = bare_git(batch_out["remotes"][username], "ls-tree", "--name-only", BRANCH).stdout.split()
        assert files == ["FEEDBACK.md"]
        assert bare_git(batch_out["remotes"][username], "rev-parse", "main").stdout.strip() == before[username]["head"]
    for username, clone in batch_out["clones"].items():
        assert clone_state(clone) == before[username]
        assert not (clone / "FEEDBACK.md").exists()


def test_rejected_push_is_reported(batch_out: dict) -> None:
    result = snn_grade("feedback", "push", "--out", str(batch_out["out"]))

    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if line.startswith(f"{REJECTING}:"))
    assert "failed" in line
    assert "pre-receive hook declined" in line
    assert bare_git(batch_out["remotes"][REJECTING], "rev-parse", "--verify", "--quiet", BRANCH).returncode != 0
    assert bare_git(batch_out["remotes"]["bob"], "rev-parse", "--verify", "--quiet", BRANCH).returncode == 0
    assert "2 pushed, 1 failed" in result.stdout
    assert "run the same command again" in result.stderr


def test_missing_remote_is_reported(batch_out: dict, tmp_path: Path) -> None:
    remote = batch_out["remotes"]["bob"]
    remote.rename(tmp_path / "moved.git")

    result = snn_grade("feedback", "push", "--out", str(batch_out["out"]))

    line = next(line for line in result.stdout.splitlines() if line.startswith("bob:"))
    assert line == f"bob: failed: fatal: '{remote}' does not appear to be a git repository"
    assert result.returncode == 1


def test_second_push_builds_on_remote_branch(batch_out: dict) -> None:
    out, bare = batch_out["out"], batch_out["remotes"]["alice"]
    snn_grade("feedback", "push", "--out", str(out))
    first = bare_git(bare, "rev-parse", BRANCH).stdout.strip()

    unchanged = snn_grade("feedback", "push", "--out", str(out))
    assert "alice: unchanged:" in unchanged.stdout
    assert bare_git(bare, "rev-parse", BRANCH).stdout.strip() == first

    feedback_path(out, "alice").write_text("## Grading results: 44/44 points\n\nRegraded.\n")
    snn_grade("feedback", "push", "--out", str(out))
    second = bare_git(bare, "rev-parse", BRANCH).stdout.strip()
    assert second != first
    assert bare_git(bare, "rev-parse", f"{second}^").stdout.strip() == first
    assert "Regraded." in bare_git(bare, "show", f"{BRANCH}:FEEDBACK.md").stdout


def test_pictures_go_in_username_folder(batch_out: dict) -> None:
    out, bare = batch_out["out"], batch_out["remotes"]["alice"]
    picture = pictures_folder(out, "alice") / "a1_lif-test_simulate-test_simulate_constant_input.png"
    picture.parent.mkdir()
    picture.write_bytes(b"\x89PNG\r\n\x1a\nnot a real image")
    feedback_path(out, "alice").write_text(f"## Grading results: 40/44 points\n\n![trace](alice/{picture.name})\n")

    dry_run = snn_grade("feedback", "push", "--out", str(out), "--dry-run")
    assert "and 1 picture(s) in alice/ to" in dry_run.stdout
    snn_grade("feedback", "push", "--out", str(out))
    files = bare_git(bare, "ls-tree", "-r", "--name-only", BRANCH).stdout.split()
    assert files == ["FEEDBACK.md", f"alice/{picture.name}"]
    pushed = subprocess.run(["git", f"--git-dir={bare}", "show", f"{BRANCH}:alice/{picture.name}"], capture_output=True)
    assert pushed.stdout == picture.read_bytes()
    assert "alice: unchanged:" in snn_grade("feedback", "push", "--out", str(out)).stdout

    picture.unlink()
    feedback_path(out, "alice").write_text("## Grading results: 44/44 points\n\nRegraded.\n")
    snn_grade("feedback", "push", "--out", str(out))
    assert bare_git(bare, "ls-tree", "-r", "--name-only", BRANCH).stdout.split() == ["FEEDBACK.md"]


def test_dry_run_pushes_nothing(batch_out: dict) -> None:
    before = {username: clone_state(clone) for username, clone in batch_out["clones"].items()}
    objects = {username: git(clone, "count-objects") for username, clone in batch_out["clones"].items()}

    result = snn_grade("feedback", "push", "--out", str(batch_out["out"]), "--dry-run")

    assert result.returncode == 0, result.stderr
    for username in STUDENTS:
        assert f"{username}: would push: FEEDBACK.md" in result.stdout
        assert bare_git(batch_out["remotes"][username], "rev-parse", "--verify", "--quiet", BRANCH).returncode != 0
        assert clone_state(batch_out["clones"][username]) == before[username]
        assert git(batch_out["clones"][username], "count-objects") == objects[username]


def test_custom_branch_name(batch_out: dict) -> None:
    snn_grade("feedback", "push", "--out", str(batch_out["out"]), "--branch", "feedback/week-1")
    assert bare_git(batch_out["remotes"]["alice"], "rev-parse", "--verify", "--quiet", "feedback/week-1").returncode == 0


def test_invalid_branch_is_rejected(batch_out: dict) -> None:
    result = snn_grade("feedback", "push", "--out", str(batch_out["out"]), "--branch", "bad..name")
    assert result.returncode == 2
    assert "invalid --branch" in result.stderr


def test_missing_manifest_is_reported(tmp_path: Path) -> None:
    result = snn_grade("feedback", "push", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "manifest.json not found" in result.stderr
