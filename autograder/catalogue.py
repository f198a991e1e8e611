"""The catalogue of known submissions: wrong ones that must lose points, correct ones that must not.

Each entry is a folder `tests/catalogue/<assignment>/<name>/` with an `entry.toml`:

    description = "beta applied to the reset term"
    expect = "wrong"                       # or "correct"
    must_fail = ["test_subtract_matches_snntorch"]

    [[replace]]                            # applied in order to a copy of the reference
    file = "a1_lif/lif.py"
    old = "..."
    new = "..."

Files shipped in the entry folder (other than `entry.toml`) are copied over the
reference before the replacements apply. A `must_fail` pattern matches a test whose
id, without its `[parameters]`, ends with the pattern, and `*` matches every test;
every other test must pass.

A hostile entry (`expect = "hostile"`) attacks the grader. Besides `must_fail` it may
give the exact assignment `score` it must get, `flags` (text each expected flag
contains) and `messages` (text that some failed test's message contains). An entry
that the grader does not contain yet gives the reason in `known_gap`.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.errors import UserError
from autograder.results import AssignmentResult

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ENTRY_FILE = "entry.toml"
EXPECTATIONS = ("wrong", "correct", "hostile")
ALL_TESTS = "*"


@dataclass(frozen=True)
class Replacement:
    """One exact text substitution in a reference file."""

    file: str
    old: str
    new: str
    count: int = 1


@dataclass
class Entry:
    """One known submission, described relative to the reference."""

    assignment: str
    name: str
    path: Path
    description: str
    expect: str
    must_fail: list[str] = field(default_factory=list)
    replacements: list[Replacement] = field(default_factory=list)
    score: int | None = None
    flags: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    known_gap: str = ""
    """For a hostile entry the grader does not yet contain: why it gets more than it should."""

    @property
    def label(self) -> str:
        return f"{self.assignment}/{self.name}"


def is_entry(folder: Path) -> bool:
    """Return whether `folder` is a catalogue entry rather than a plain submission."""
    return (folder / ENTRY_FILE).is_file()


def load_entry(folder: Path) -> Entry:
    """Read one entry folder; raise UserError naming the file and the invalid field."""
    source = folder / ENTRY_FILE
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{source}: cannot read catalogue entry: {exc}") from None
    expect = data.get("expect")
    if expect not in EXPECTATIONS:
        raise UserError(f"{source}: invalid expect {expect!r}; use 'wrong', 'correct' or 'hostile'")
    must_fail = data.get("must_fail", [])
    if not isinstance(must_fail, list) or not all(isinstance(p, str) and p for p in must_fail):
        raise UserError(f"{source}: must_fail must be a list of test ids")
    if expect == "wrong" and not must_fail:
        raise UserError(f"{source}: a wrong submission must list the tests it fails in must_fail")
    score = data.get("score")
    if score is not None and (type(score) is not int or score < 0):
        raise UserError(f"{source}: invalid score {score!r}; use a whole number of points")
    texts = {key: data.get(key, []) for key in ("flags", "messages")}
    for key, value in texts.items():
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise UserError(f"{source}: {key} must be a list of non-empty strings")
    if expect == "correct" and must_fail:
        raise UserError(f"{source}: a correct submission cannot have must_fail entries")
    replacements = []
    for index, item in enumerate(data.get("replace", [])):
        try:
            replacements.append(Replacement(**item))
        except TypeError:
            raise UserError(f"{source}: replace #{index + 1} needs 'file', 'old' and 'new' (and optionally 'count')") from None
    return Entry(
        assignment=folder.parent.name,
        name=folder.name,
        path=folder,
        description=str(data.get("description", "")),
        expect=expect,
        must_fail=must_fail,
        replacements=replacements,
        score=score,
        flags=texts["flags"],
        messages=texts["messages"],
        known_gap=str(data.get("known_gap", "")),
    )


def load_entries(catalogue_root: Path, assignment_ids: list[str]) -> list[Entry]:
    """Return every entry for these assignments, sorted by assignment and name."""
    entries = []
    for assignment_id in assignment_ids:
        folder = catalogue_root / assignment_id
        if folder.is_dir():
            entries.extend(load_entry(path) for path in sorted(folder.iterdir()) if is_entry(path))
    return entries


def materialize(entry: Entry, solutions: Path, destination: Path) -> Path:
    """Write the entry as a submission folder under `destination` and return it."""
    reference = solutions / entry.assignment
    if not reference.is_dir():
        raise UserError(f"reference {reference} not found for catalogue entry {entry.label}")
    submission = destination / entry.name
    shutil.copytree(reference, submission / entry.assignment, ignore=shutil.ignore_patterns("__pycache__"))
    if (solutions / "common").is_dir():
        shutil.copytree(solutions / "common", submission / "common", ignore=shutil.ignore_patterns("__pycache__"))
    for path in sorted(entry.path.rglob("*")):
        relative = path.relative_to(entry.path)
        if path.is_file() and relative.name != ENTRY_FILE and "__pycache__" not in relative.parts:
            target = submission / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    for replacement in entry.replacements:
        target = submission / replacement.file
        if not target.is_file():
            raise UserError(f"{entry.path / ENTRY_FILE}: file {replacement.file} not found in the submission")
        text = target.read_text(encoding="utf-8")
        found = text.count(replacement.old)
        if found != replacement.count:
            raise UserError(
                f"{entry.path / ENTRY_FILE}: expected {replacement.count} occurrence(s) of the 'old' text in "
                f"{replacement.file}, found {found}; update the entry to match the reference"
            )
        target.write_text(text.replace(replacement.old, replacement.new), encoding="utf-8")
    return submission


def _matches(test_id: str, pattern: str) -> bool:
    return pattern == ALL_TESTS or test_id.split("[", 1)[0].endswith(pattern)


def expectation_problems(entry: Entry, result: AssignmentResult) -> list[str]:
    """Return how the graded result departs from what the entry expects (empty if none)."""
    problems = []
    for pattern in entry.must_fail:
        if not any(_matches(test.id, pattern) for test in result.tests):
            problems.append(f"must_fail pattern {pattern!r} matches no test")
    for test in result.tests:
        should_fail = any(_matches(test.id, pattern) for pattern in entry.must_fail)
        if should_fail and test.score == test.max_score:
            problems.append(f"{test.id} passed but should lose its points")
        elif not should_fail and test.score < test.max_score:
            first_line = test.message.splitlines()[0] if test.message else test.status
            problems.append(f"{test.id} lost points but should pass: {first_line}")
    if entry.score is not None and result.score != entry.score:
        problems.append(f"scored {result.score}, expected exactly {entry.score}")
    for expected in entry.flags:
        if not any(expected in flag for flag in result.flags):
            problems.append(f"no flag contains {expected!r} (flags: {result.flags})")
    for expected in entry.messages:
        if not any(expected in test.message for test in result.tests if test.status != "passed"):
            problems.append(f"no failed test's message contains {expected!r}")
    return problems
