"""Batch grading after the deadline: every student's repository, the gradebook, feedback."""
