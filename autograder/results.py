"""The results document: one grading run as small dataclasses, and its JSON form.

Every report (terminal table, JSON, feedback) is a view of `GradingResults`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

#: Version of the JSON layout written by `GradingResults.to_dict`.
SCHEMA_VERSION = 1

Status = Literal["passed", "failed", "error", "timeout"]
Visibility = Literal["public", "hidden"]
STATUSES: tuple[str, ...] = ("passed", "failed", "error", "timeout")


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
        """Return a copy in which hidden tests keep only their title and outcome."""
        assignments = [
            replace(
                a,
                tests=[replace(t, message="") if t.visibility == "hidden" else t for t in a.tests],
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
