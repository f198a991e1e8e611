"""The results document: one grading run as small dataclasses, and its JSON form.

Every report (terminal table, JSON, feedback) is a view of `GradingResults`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

#: Version of the JSON layout written by `GradingResults.to_dict`.
SCHEMA_VERSION = 1

Status = Literal["passed", "failed", "error", "timeout"]
Visibility = Literal["public", "hidden"]
STATUSES: tuple[str, ...] = ("passed", "failed", "error", "timeout")

#: JSON has no NaN or infinity, so a comparison stores those values as these strings.
NON_FINITE = ("nan", "inf", "-inf")

#: The kinds of `TraceComparison`: a membrane trace drawn as lines, or spikes drawn as a raster.
COMPARISON_KINDS = ("trace", "spikes")


def encode_number(value: float) -> float | str:
    """Return `value` as JSON allows it: a float, or "nan", "inf" or "-inf"."""
    return value if math.isfinite(value) else str(value)


def decode_number(value: object) -> float:
    """Return the float that `encode_number` stored as `value`."""
    if isinstance(value, str) and value not in NON_FINITE:
        raise ValueError(f"invalid number {value!r} in a comparison: expected a number or one of {NON_FINITE}")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"invalid number {value!r} in a comparison")
    return float(value)


@dataclass(frozen=True)
class TraceComparison:
    """A submission's record over time next to the expected one, around their first mismatch.

    A check makes one when a record checked with a time axis differs. Both records
    are cut to a window of steps and neurons, so a comparison stays small enough to
    store in every results document. Values are floats, or strings for non-finite
    values (see `encode_number`).
    """

    kind: str
    """`trace` (one neuron's values as a line) or `spikes` (a raster of several neurons)."""
    what: str
    """The checked value as the failure message names it, e.g. `mem_rec`."""
    shape: list[int]
    """Shape of the whole expected record."""
    time_axis: int
    first_step: int
    """Step of the whole record at which the window starts."""
    step: int
    """Step of the whole record with the earliest mismatch."""
    neurons: list[list[int]]
    """Index of each neuron in the window among the record's axes other than time."""
    neuron: int
    """Position in `neurons` of the neuron that differs first at `step`."""
    actual: list[list[float | str]]
    """The submission's values, one list of steps per neuron in `neurons`."""
    expected: list[list[float | str]]
    """The expected values, laid out as `actual`."""

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> "TraceComparison":
        """Return the comparison stored as `document`.

        Raises ValueError when its keys, kind, row lengths or values are invalid, and
        TypeError when a field has the wrong type.
        """
        names = {f.name for f in fields(cls)}
        if not isinstance(document, dict) or set(document) != names:
            raise ValueError(f"a comparison needs exactly the keys {sorted(names)}")
        comparison = cls(**document)
        if comparison.kind not in COMPARISON_KINDS:
            raise ValueError(f"invalid comparison kind {comparison.kind!r}: expected one of {COMPARISON_KINDS}")
        rows = len(comparison.neurons)
        if not 0 <= comparison.neuron < rows or len(comparison.actual) != rows or len(comparison.expected) != rows:
            raise ValueError(f"a comparison has {rows} neuron indices but {len(comparison.actual)} submitted and {len(comparison.expected)} expected rows")
        steps = {len(row) for row in [*comparison.actual, *comparison.expected]}
        if len(steps) != 1 or not comparison.first_step <= comparison.step < comparison.first_step + steps.pop():
            raise ValueError("the rows of a comparison differ in length or do not contain its first mismatching step")
        for row in [*comparison.actual, *comparison.expected]:
            for value in row:
                decode_number(value)
        return comparison


@dataclass
class TestResult:
    """One graded test."""

    __test__ = False  # Not a pytest test class, despite the name.

    id: str
    """Node id relative to the suites folder, e.g. `public/a1_lif/test_leaky_step.py::test_shapes`."""
    title: str
    """One sentence saying what the test checks (the first line of its docstring)."""
    score: int
    max_score: int
    status: Status
    message: str
    """The reason points were lost; empty when the test passed."""
    visibility: Visibility
    duration_s: float
    comparison: dict[str, Any] | None = None
    """A `TraceComparison` as plain data when a record over time differed, else None."""


@dataclass
class AssignmentResult:
    """The tests of one assignment and their total."""

    id: str
    title: str
    tests: list[TestResult] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    """Events an instructor should see: delegation, timeouts, a missing file."""

    @property
    def score(self) -> int:
        return sum(test.score for test in self.tests)

    @property
    def max_score(self) -> int:
        return sum(test.max_score for test in self.tests)


@dataclass
class GradingResults:
    """All assignments graded for one submission."""

    submission: str
    assignments: list[AssignmentResult]
    versions: dict[str, str]
    """Versions of the grader, its suites (a content hash), torch, snnTorch and Python."""
    submission_flags: list[str] = field(default_factory=list)
    """Events about the submission as a whole, such as a modified protected file."""

    @property
    def score(self) -> int:
        return sum(a.score for a in self.assignments)

    @property
    def max_score(self) -> int:
        return sum(a.max_score for a in self.assignments)

    @property
    def flags(self) -> list[str]:
        return [*self.submission_flags, *(f"{a.id}: {flag}" for a in self.assignments for flag in a.flags)]

    def without_hidden_messages(self) -> "GradingResults":
        """Return a copy in which hidden tests keep only their title and outcome.

        Their comparisons are removed too, because they contain the expected values.
        """
        assignments = [
            replace(
                a,
                tests=[replace(t, message="", comparison=None) if t.visibility == "hidden" else t for t in a.tests],
            )
            for a in self.assignments
        ]
        return replace(self, assignments=assignments)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SCHEMA_VERSION,
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "assignments": [
                {
                    "id": a.id,
                    "title": a.title,
                    "score": a.score,
                    "max_score": a.max_score,
                    "flags": list(a.flags),
                    "tests": [asdict(t) for t in a.tests],
                }
                for a in self.assignments
            ],
            "submission_flags": list(self.submission_flags),
            "flags": self.flags,
            "versions": dict(self.versions),
        }

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> "GradingResults":
        assignments = [
            AssignmentResult(
                id=a["id"],
                title=a["title"],
                tests=[TestResult(**t) for t in a["tests"]],
                flags=list(a.get("flags", [])),
            )
            for a in document["assignments"]
        ]
        return cls(
            submission=document["submission"],
            assignments=assignments,
            versions=dict(document["versions"]),
            submission_flags=list(document.get("submission_flags", [])),
        )
