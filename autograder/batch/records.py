"""One gradebook record per student: what was graded, the results, the status and flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autograder.batch.pushtime import Comparison
from autograder.batch.roster import Student
from autograder.batch.snapshot import Source
from autograder.results import GradingResults

NO_SUBMISSION = "no submission"
GRADED = "graded"
NOT_GRADED = "not graded"


@dataclass
class StudentRecord:
    """One student's entry in every output of a batch."""

    username: str
    student: Student | None = None
    """The roster row, when the student is on the roster."""
    folder: Path | None = None
    source: Source | None = None
    results: GradingResults | None = None
    problem: str | None = None
    """Why the submission was not graded: an empty repository, an unreadable folder, a grading failure."""
    late_commits: int | None = None
    flags: list[str] = field(default_factory=list)
    """Batch-level flags. The grading flags are in the results document."""
    comparison: Comparison | None = None
    reused: bool = False
    """Whether the results came from an earlier run unchanged."""

    @property
    def status(self) -> str:
        """Return the plain status for the gradebook: `graded`, or what went wrong first."""
        if self.folder is None:
            return NO_SUBMISSION
        if self.problem is not None:
            return self.problem
        if self.results is None:
            return NOT_GRADED
        grading_flags = [flag for a in self.results.assignments for flag in a.flags]
        if any(flag.startswith("syntax error") for flag in grading_flags):
            return "syntax error"
        if any(flag.startswith("missing file") for flag in grading_flags):
            return "missing files"
        return GRADED

    @property
    def late(self) -> str:
        """Return `yes` or `no` when a deadline was checked, else an empty string."""
        if self.late_commits is None:
            return ""
        return "yes" if self.late_commits > 0 else "no"

    def all_flags(self) -> list[str]:
        grading = self.results.flags if self.results is not None else []
        from_source = self.source.flags if self.source is not None else []
        return [*grading, *from_source, *self.flags]

    def points(self, assignment_id: str) -> int:
        if self.results is None:
            return 0
        return next((a.score for a in self.results.assignments if a.id == assignment_id), 0)

    @property
    def total(self) -> int:
        return self.results.score if self.results is not None else 0
