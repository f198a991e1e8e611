"""Do the assignment registry, the reference, the stubs and the suites name the same assignments?"""

from __future__ import annotations

import doctest
import importlib.util

import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.engine import SUITES_ROOT
from conftest import ASSIGNMENTS as ASSIGNMENTS_DIR
from conftest import CATALOGUE, SOLUTIONS

SHARED_FOLDERS = {"common"}


def folders(root) -> set[str]:
    return {p.name for p in root.iterdir() if p.is_dir() and p.name not in SHARED_FOLDERS and not p.name.startswith((".", "_"))}


def test_registry_matches_solutions_and_assignments() -> None:
    assert folders(SOLUTIONS) == set(ASSIGNMENTS)
    assert folders(ASSIGNMENTS_DIR) == set(ASSIGNMENTS)


@pytest.mark.parametrize("kind", ["public", "hidden"])
def test_registry_matches_suites(kind: str) -> None:
    assert folders(SUITES_ROOT / kind) == set(ASSIGNMENTS)


@pytest.mark.parametrize("assignment_id", sorted(ASSIGNMENTS))
def test_every_assignment_has_module_and_catalogue(assignment_id: str) -> None:
    assignment = ASSIGNMENTS[assignment_id]
    assert (SOLUTIONS / assignment.relative_file).is_file()
    assert (ASSIGNMENTS_DIR / assignment.relative_file).is_file()
    assert (CATALOGUE / assignment_id).is_dir()


@pytest.mark.parametrize("assignment_id", sorted(ASSIGNMENTS))
def test_reference_docstring_examples_run(assignment_id: str) -> None:
    path = SOLUTIONS / ASSIGNMENTS[assignment_id].relative_file
    spec = importlib.util.spec_from_file_location(f"reference_{assignment_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    failed, attempted = doctest.testmod(module, verbose=False)
    assert attempted > 0, f"{path} has no docstring examples"
    assert failed == 0, f"{failed} of {attempted} docstring examples in {path} failed"
