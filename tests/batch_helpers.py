"""Build student repositories and a `gh teacher download` folder from real files.

Used by the batch tests and by benchmarks/batch.py. Every repository is a real git
repository whose commits carry the given dates.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import matplotlib.image

from autograder.catalogue import load_entry, materialize
from autograder.classroom50 import RESULT_SCHEMA

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
STUBS = ROOT / "assignments"
CATALOGUE = ROOT / "tests" / "catalogue"

CLASSROOM = "snn-2026"
CLASSROOM_ASSIGNMENT = "lif"
ASSIGNMENT = "a1_lif"
SCORES_HEADER = "username,first_name,last_name,email,section,score,max_score,datetime,submission_tag,submitted_by,review_url,late,override"


def git(repository: Path, *args: str, when: str | None = None) -> str:
    """Run git in `repository` with a fixed identity. `when` sets the author and committer dates."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "Student", "GIT_AUTHOR_EMAIL": "student@example.org",
           "GIT_COMMITTER_NAME": "Student", "GIT_COMMITTER_EMAIL": "student@example.org"}
    if when is not None:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    completed = subprocess.run(["git", "-C", str(repository), *args], env=env, capture_output=True, text=True, check=True)
    return completed.stdout.strip()


def folder_name(username: str) -> str:
    return f"{CLASSROOM}-{CLASSROOM_ASSIGNMENT}-{username}"


def catalogue_submission(entry: str, scratch: Path, assignment: str = ASSIGNMENT) -> Path:
    """Return a submission folder made from catalogue entry `<assignment>/<entry>`."""
    return materialize(load_entry(CATALOGUE / assignment / entry), SOLUTIONS, scratch)


def place_work(repository: Path, work: Path, assignment: str = ASSIGNMENT) -> None:
    """Copy `work/<assignment>` and `work/common` into the template layout `assignments/`."""
    target = repository / "assignments"
    for name in (assignment, "common"):
        shutil.rmtree(target / name, ignore_errors=True)
        if (work / name).is_dir():
            shutil.copytree(work / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))


def make_repository(
    path: Path, commits: list[tuple[str, Path | None]], template: Path | None = None, assignment: str = ASSIGNMENT
) -> list[str]:
    """Create a repository with one commit per (date, work folder) and return the commit ids.

    The repository starts as a copy of `template` when one is given. The first commit
    also adds the classroom metadata. A work folder of None commits only what is
    already there, and any other commits its `assignment` folder and `common/`.
    """
    if template is not None:
        shutil.copytree(template, path)
    else:
        path.mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    (path / ".classroom50.yaml").write_text(f"classroom: {CLASSROOM}\nassignment: {CLASSROOM_ASSIGNMENT}\n")
    shas = []
    for when, work in commits:
        if work is not None:
            place_work(path, work, assignment)
        git(path, "add", "--all")
        git(path, "commit", "--quiet", "--allow-empty", "-m", f"Work as of {when}", when=when)
        shas.append(git(path, "rev-parse", "HEAD"))
    return shas


def write_result(folder: Path, username: str, commit: str, score: int, max_score: int, when: str) -> None:
    """Write the clone's `result.json` and `results.json` as Classroom 50's download does."""
    document = {
        "schema": RESULT_SCHEMA,
        "classroom": CLASSROOM,
        "assignment": CLASSROOM_ASSIGNMENT,
        "owner": username,
        "submission": "submission-1",
        "commit": f"https://github.com/snn-2026/{folder.name}/commit/{commit}",
        "datetime": when,
        "score": score,
        "max-score": max_score,
        "tests": [],
    }
    (folder / "result.json").write_text(json.dumps(document, indent=2))
    (folder / "results.json").write_text(json.dumps([document], indent=2))


def write_scores(download: Path, rows: list[dict[str, str]]) -> None:
    """Write the root `scores.csv`. Columns that a row leaves out are blank."""
    with (download / "scores.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SCORES_HEADER.split(","))
        writer.writeheader()
        for row in rows:
            writer.writerow(row)


def write_roster(path: Path, usernames: list[str]) -> None:
    """Write a Classroom 50 roster with a made-up name and section per student."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["username", "first_name", "last_name", "email", "section", "github_id", "notes"])
        for index, username in enumerate(usernames):
            writer.writerow([username, f"First{index}", f"Last{index}", f"{username}@example.org", f"S{index % 2 + 1}", str(1000 + index), ""])


def assert_small_png(path: Path) -> None:
    """Check that `path` is a PNG that decodes, 640 pixels wide and under 100 kB, as feedback pictures are."""
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) < 100_000
    height, width, _ = matplotlib.image.imread(path).shape
    assert width == 640
    assert height >= 200
