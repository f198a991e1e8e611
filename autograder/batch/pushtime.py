"""Scores recorded at push time, read back to check them against the regrade.

Classroom 50 grades each push in GitHub Actions and records the score in the
Release's `result.json`. `gh teacher download` puts the latest in the clone as
`result.json`, every submission's in `results.json`, and one row per submission in the
root `scores.csv`. A student who edits the workflow or uploads a forged `result.json`
gets a push-time score the regrade does not reproduce.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.classroom50 import RESULT_FILE, RESULT_SCHEMA

log = logging.getLogger(__name__)

ALL_RESULTS_FILE = "results.json"
SCORES_FILE = "scores.csv"

_SHA = re.compile(r"\b[0-9a-f]{7,40}\b")


@dataclass(frozen=True)
class PushedScore:
    """One push-time score and where it was read."""

    score: float
    max_score: float
    source: str
    """`result.json`, `results.json` or `scores.csv`."""
    commit: str | None = None
    """The commit it claims to grade (a hex prefix), when it names one."""


@dataclass(frozen=True)
class Comparison:
    """Push-time scores for the graded commit against the regrade."""

    pushed: PushedScore | None
    mismatches: list[str]
    """One sentence per push-time score the regrade does not reproduce."""


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


def _from_result(document: Any, source: str) -> PushedScore | None:
    if not isinstance(document, dict) or document.get("schema") != RESULT_SCHEMA:
        return None
    score, max_score = _number(document.get("score")), _number(document.get("max-score"))
    if score is None or max_score is None:
        return None
    match = _SHA.search(str(document.get("commit") or ""))
    return PushedScore(score, max_score, source, match.group(0) if match else None)


def _result_documents(data: Any) -> list[Any]:
    """Return the result documents in `results.json`: a list, or an object holding them."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if "schema" in data:
            return [data]
        found: list[Any] = []
        for value in data.values():
            found.extend(value if isinstance(value, list) else [value])
        return found
    return []


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return None


def read_pushed_results(folder: Path) -> tuple[PushedScore | None, list[PushedScore]]:
    """Return the latest push-time result of a clone and all recorded ones."""
    latest = _from_result(_read_json(folder / RESULT_FILE), RESULT_FILE)
    every = [_from_result(document, ALL_RESULTS_FILE) for document in _result_documents(_read_json(folder / ALL_RESULTS_FILE))]
    return latest, [score for score in every if score is not None]


def read_scores_csv(submissions: Path) -> dict[str, list[dict[str, str]]]:
    """Return the rows of the download's `scores.csv` by lower-case username, newest first."""
    path = submissions / SCORES_FILE
    rows: dict[str, list[dict[str, str]]] = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                username = (row.get("username") or "").strip()
                if username:
                    rows.setdefault(username.lower(), []).append({k: (v or "").strip() for k, v in row.items() if k})
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return {}
    return rows


def latest_csv_score(rows: list[dict[str, str]]) -> PushedScore | None:
    """Return the newest row with a score as a push-time score, or None when no row has one."""
    for row in rows:
        score, max_score = _number(row.get("score")), _number(row.get("max_score"))
        if score is not None and max_score is not None:
            return PushedScore(score, max_score, SCORES_FILE)
    return None


def _same_commit(claimed: str | None, commit: str) -> bool:
    return claimed is not None and commit.startswith(claimed)


def compare(
    folder: Path,
    graded_commit: str | None,
    head: str | None,
    csv_rows: list[dict[str, str]],
    regrade: tuple[int, int],
    public_regrade: tuple[int, int],
) -> Comparison:
    """Compare the push-time scores that belong to the graded commit with the regrade.

    A score that names the graded commit counts. One that names no commit, and the
    newest `scores.csv` row, count only when the graded commit is HEAD, because with a
    deadline they may belong to a later push. A push-time maximum equal to the public
    maximum is compared with the public score, because a bundle built with
    `--no-hidden-in-bundle` grades the public suites only.
    """
    latest, every = read_pushed_results(folder)
    candidates: list[PushedScore] = []
    if graded_commit is not None:
        candidates.extend(score for score in [latest, *every] if score is not None and _same_commit(score.commit, graded_commit))
    if graded_commit is None or graded_commit == head:
        if latest is not None and latest.commit is None:
            candidates.append(latest)
        from_csv = latest_csv_score(csv_rows)
        if from_csv is not None:
            candidates.append(from_csv)
    mismatches = []
    for candidate in dict.fromkeys(candidates):
        expected = public_regrade if candidate.max_score == public_regrade[1] != regrade[1] else regrade
        if (candidate.score, candidate.max_score) != expected:
            mismatches.append(
                f"{candidate.source} records {candidate.score:g}/{candidate.max_score:g}, the regrade gives {expected[0]}/{expected[1]}"
            )
    return Comparison(candidates[0] if candidates else None, mismatches)
