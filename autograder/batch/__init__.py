"""Batch grading after the deadline: every student's repository, the gradebook, feedback.

`run_batch` grades a `gh teacher download` folder (or any folder of student folders)
in parallel jobs. It writes `grades.csv`, `feedback/<username>.md`, `summary.md` and
`manifest.json`. `push_feedback` then commits each feedback file to a branch of the
student's repository.
"""

from autograder.batch.feedback_push import push_feedback
from autograder.batch.runner import BatchOptions, BatchReport, run_batch

__all__ = ["BatchOptions", "BatchReport", "push_feedback", "run_batch"]
