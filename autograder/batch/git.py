"""Run git on a student's repository without reading anything from its working tree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

#: Seconds one git command may run before it is stopped.
GIT_TIMEOUT_S = 120

#: Settings that keep a repository's own configuration from running programs: no
#: hooks, no file-system monitor, no credential prompt on the terminal.
_SAFE_CONFIG = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false"]


class GitError(Exception):
    """A failed git command. The message is git's first `fatal:` or `error:` line, else its last line of error output."""

    def __init__(self, message: str, returncode: int | None = None, stderr: str = "") -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr


def git_environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        environment.pop(name, None)
    return environment


def _error_line(stderr: str) -> str:
    """Return the line of git's error output that names the failure.

    git prints the cause first (`fatal: '/srv/bob.git' does not appear to be a git
    repository`) and advice after it, so the first `fatal:` or `error:` line wins.
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[-1] if lines else ""


def run_git(
    repository: Path,
    *args: str,
    input_bytes: bytes | None = None,
    extra_env: dict[str, str] | None = None,
    timeout_s: float = GIT_TIMEOUT_S,
) -> bytes:
    """Run `git ARGS` on the repository whose `.git` is in `repository` and return its output.

    The git directory is named explicitly, so git never falls back to a repository
    in a parent folder when `repository/.git` is damaged.
    """
    command = ["git", f"--git-dir={repository / '.git'}", *_SAFE_CONFIG, *args]
    environment = git_environment()
    if extra_env:
        environment.update(extra_env)
    try:
        completed = subprocess.run(
            command,
            input=input_bytes,
            capture_output=True,
            env=environment,
            timeout=timeout_s,
            stdin=None if input_bytes is not None else subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} did not finish within {timeout_s:g} s") from None
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror}") from None
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()
        raise GitError(_error_line(stderr) or f"git {args[0]} exited with status {completed.returncode}", completed.returncode, stderr)
    return completed.stdout


def git_text(repository: Path, *args: str) -> str:
    """Run git and return its output as stripped text."""
    return run_git(repository, *args).decode("utf-8", "replace").strip()
