"""Batch grading after the deadline: every student's repository, the gradebook, feedback.

`run_batch` grades a `gh teacher download` folder (or any folder of student folders)
in parallel jobs. It writes `grades.csv`, `feedback/<username>.md`, `summary.md` and
`manifest.json`.
"""

from autograder.batch.runner import BatchOptions, BatchReport, run_batch

__all__ = ["BatchOptions", "BatchReport", "run_batch"]
