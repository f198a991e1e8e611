"""Hostile submissions, graded by tests/test_hostile.py. conftest.py explains why this folder is a package."""
