"""Grader for the SNN workshop exercises: point-weighted pytest suites, student code in a worker."""

__version__ = "0.1.0"
