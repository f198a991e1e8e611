"""Does every catalogue submission lose exactly the points it deserves, and no others?"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.catalogue import Entry, expectation_problems, load_entries, materialize
from autograder.engine import grade
from autograder.worker.client import Zygote
from conftest import CATALOGUE, SOLUTIONS, TEST_LIMITS

ENTRIES = load_entries(CATALOGUE, list(ASSIGNMENTS))


def test_catalogue_is_large_enough() -> None:
    for assignment_id in ASSIGNMENTS:
        wrong = [e for e in ENTRIES if e.assignment == assignment_id and e.expect == "wrong"]
        correct = [e for e in ENTRIES if e.assignment == assignment_id and e.expect == "correct"]
        assert len(wrong) >= 8, f"{assignment_id} has {len(wrong)} known-wrong submissions"
        assert len(correct) >= 3, f"{assignment_id} has {len(correct)} correct variants"


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.label for entry in ENTRIES])
def test_entry_scores_as_expected(entry: Entry, tmp_path: Path, zygote: Zygote) -> None:
    submission = materialize(entry, SOLUTIONS, tmp_path)
    result = grade(submission, [entry.assignment], "all", TEST_LIMITS, zygote).assignments[0]
    assert expectation_problems(entry, result) == []
    if entry.expect == "wrong":
        assert 0 < result.score < result.max_score
    else:
        assert result.score == result.max_score


def test_wrong_entry_messages_are_actionable(tmp_path: Path, zygote: Zygote) -> None:
    (entry,) = [e for e in ENTRIES if e.label == "a1_lif/beta_on_reset_term"]
    submission = materialize(entry, SOLUTIONS, tmp_path)
    result = grade(submission, ["a1_lif"], "all", TEST_LIMITS, zygote).assignments[0]
    for test in result.tests:
        if test.status != "passed":
            assert "expected" in test.message, test.message
            assert "got" in test.message, test.message


def test_delegating_entry_is_flagged(tmp_path: Path, zygote: Zygote) -> None:
    (entry,) = [e for e in ENTRIES if e.label == "a1_lif/leaky_delegates_to_snntorch"]
    submission = materialize(entry, SOLUTIONS, tmp_path)
    result = grade(submission, ["a1_lif"], "all", TEST_LIMITS, zygote).assignments[0]
    assert "delegation: lif.leaky_step calls snntorch.Leaky" in result.flags
    delegated = [t for t in result.tests if "which this exercise asks you to write yourself" in t.message]
    assert delegated
    assert all(t.score == 0 for t in delegated)
