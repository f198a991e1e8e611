"""Grade a submission as Classroom 50's runner expects: `result.json`, `release-body.md`, outputs.

Classroom 50 runs the bundle's `autograder.py` with the student's checkout as working
directory, and publishes a Release with `result.json` only when the script exits 0
and `status` is not `error`. So grading that ran always exits 0 and records its score,
and only a failure of the grader itself exits non-zero.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Any, Mapping

from autograder.errors import GraderError, UserError
from autograder.reporters.markdown import render_markdown
from autograder.results import GradingResults
from autograder.worker.limits import Limits

log = logging.getLogger(__name__)

RESULT_SCHEMA = "classroom50/result/v1"
RESULT_FILE = "result.json"
RELEASE_BODY_FILE = "release-body.md"
BUNDLE_MANIFEST = "bundle.json"

#: Account the worker switches to when the autograder runs as root.
WORKER_USER = "snn-worker"

#: Maximum length of a per-test message in `result.json`, in characters.
MAX_TEST_MESSAGE = 300


def commit_datetime(workspace: Path) -> str:
    """Return the checked-out commit's committer date as `YYYY-MM-DDTHH:MM:SSZ`, or now."""
    try:
        output = subprocess.run(
            ["git", "-C", str(workspace), "log", "-1", "--format=%ct"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
        moment = dt.datetime.fromtimestamp(int(output), tz=dt.timezone.utc)
    except (OSError, subprocess.SubprocessError, ValueError):
        moment = dt.datetime.now(tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MAX_TEST_MESSAGE else line[: MAX_TEST_MESSAGE - 3] + "..."


def result_document(results: GradingResults, env: Mapping[str, str], submitted_at: str) -> dict[str, Any]:
    """Build `result.json` per `classroom50/result/v1` from the results document.

    Identity fields come from the environment Classroom 50's runner sets. Hidden
    tests carry their title and outcome only.
    """
    commit = env.get("COMMIT_URL", "")
    tests = []
    for assignment in results.assignments:
        for test in assignment.tests:
            message = "hidden test" if test.visibility == "hidden" else _one_line(test.message)
            tests.append(
                {
                    "test-name": f"{assignment.id}: {test.title}",
                    "passed": test.status == "passed",
                    "score": test.score,
                    "max-score": test.max_score,
                    "message": message,
                }
            )
    return {
        "schema": RESULT_SCHEMA,
        "classroom": env.get("CLASSROOM", ""),
        "assignment": env.get("ASSIGNMENT", ""),
        "assignment_type": env.get("ASSIGNMENT_TYPE") or env.get("MODE") or "individual",
        "owner": env.get("OWNER") or env.get("USERNAME") or env.get("GITHUB_ACTOR", ""),
        "submission": env.get("SUBMISSION_TAG", ""),
        "commit": commit,
        "release": env.get("RELEASE_URL", ""),
        "review": env.get("REVIEW_URL") or commit,
        "datetime": submitted_at,
        "score": results.score,
        "max-score": results.max_score,
        "tests": tests,
    }


def status_lines(results: GradingResults) -> list[str]:
    """Return the `status=` and `summary=` lines for `$GITHUB_OUTPUT`."""
    tests = [t for a in results.assignments for t in a.tests]
    passed = sum(t.status == "passed" for t in tests)
    status = "success" if passed == len(tests) else "failure"
    summary = f"snn-grade: {results.score}/{results.max_score} points ({passed}/{len(tests)} tests passed)"
    return [f"status={status}", f"summary={summary}"]


def read_bundle_manifest(bundle: Path) -> dict[str, Any]:
    """Read `bundle.json`: the assignments a bundle grades and whether hidden suites ship in it."""
    try:
        manifest = json.loads((bundle / BUNDLE_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GraderError(f"cannot read {bundle / BUNDLE_MANIFEST}: {exc}") from None
    if not isinstance(manifest.get("assignments"), list) or not manifest["assignments"]:
        raise GraderError(f"{bundle / BUNDLE_MANIFEST} names no assignments")
    return manifest


def user_can_read(user: str, paths: list[str]) -> bool:
    """Return whether `user` can read and enter every folder in `paths`."""
    for path in paths:
        probe = subprocess.run(["runuser", "-u", user, "--", "test", "-r", path, "-a", "-x", path], capture_output=True)
        if probe.returncode != 0:
            log.warning("user %s cannot read %s", user, path)
            return False
    return True


def _ensure_worker_user() -> str | None:
    """Create the unprivileged worker account if the grader is root; return its name.

    Returns None, so student code runs as the grader's user, when the grader is not
    root or the account could not read the Python installation (one under /root, say).
    """
    if os.getuid() != 0 or shutil.which("runuser") is None:
        return None
    if subprocess.run(["id", "-u", WORKER_USER], capture_output=True).returncode != 0:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", WORKER_USER],
            check=True,
            capture_output=True,
        )
    import torch

    needed = [sysconfig.get_paths()["stdlib"], os.path.dirname(torch.__file__)]
    if not user_can_read(WORKER_USER, needed):
        print(f"snn-grade: warning: user {WORKER_USER} cannot read the Python installation; student code runs as root")
        return None
    return WORKER_USER


def _protect_hidden_suites(grader_root: Path) -> None:
    """Make the hidden suites readable by root only, so the worker user cannot open them."""
    hidden = grader_root / "autograder" / "suites" / "hidden"
    if os.getuid() == 0 and hidden.is_dir():
        for path in [hidden, *hidden.rglob("*")]:
            os.chown(path, 0, 0)
        hidden.chmod(0o700)


def _write_owned(path: Path, text: str) -> None:
    """Write `text` to `path`, owned by the user who ran sudo, so the runner can rewrite it."""
    path.write_text(text, encoding="utf-8")
    uid, gid = os.environ.get("SUDO_UID"), os.environ.get("SUDO_GID")
    if os.getuid() == 0 and uid and gid:
        os.chown(path, int(uid), int(gid))


def run(bundle: Path, workspace: Path, env: Mapping[str, str]) -> int:
    """Grade `workspace/assignments` with the bundle's suites and write Classroom 50's files.

    Returns 0 when grading ran, whatever the score.
    """
    from autograder.engine import grade

    manifest = read_bundle_manifest(bundle)
    visibility = "all" if manifest.get("hidden_included") else "public"
    _protect_hidden_suites(bundle / "grader")
    limits = Limits(worker_user=_ensure_worker_user())
    for name in (RESULT_FILE, RELEASE_BODY_FILE):
        (workspace / name).unlink(missing_ok=True)
    submission = workspace / "assignments"
    try:
        results = grade(submission, list(manifest["assignments"]), visibility, limits)
    except UserError as exc:
        raise GraderError(str(exc)) from None
    results = results.without_hidden_messages()
    document = result_document(results, env, commit_datetime(workspace))
    _write_owned(workspace / RESULT_FILE, json.dumps(document, indent=2) + "\n")
    _write_owned(workspace / RELEASE_BODY_FILE, render_markdown(results, heading="snn-grade"))
    output = env.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as handle:
            handle.write("\n".join(status_lines(results)) + "\n")
    print(f"snn-grade: {results.score}/{results.max_score} points; wrote {RESULT_FILE} and {RELEASE_BODY_FILE}")
    return 0
