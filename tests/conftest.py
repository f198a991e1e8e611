"""Shared fixtures: paths of this repository and one real worker zygote per test session."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

from autograder.worker.client import Limits, Zygote

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
ASSIGNMENTS = ROOT / "assignments"
CATALOGUE = ROOT / "tests" / "catalogue"
SNN_GRADE = [sys.executable, "-m", "autograder"]

#: Limits for tests that grade real submissions: short enough to fail fast.
TEST_LIMITS = Limits(call_timeout_s=10.0, memory_limit_mb=2048)


@pytest.fixture(scope="session")
def zygote() -> Iterator[Zygote]:
    """A real zygote shared by the session; workers forked from it never share state."""
    with Zygote() as running:
        yield running
