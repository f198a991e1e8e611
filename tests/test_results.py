"""Is the results document complete, round-trippable and redactable?"""

from __future__ import annotations

import json

from autograder.reporters import render_json, render_table
from autograder.results import AssignmentResult, GradingResults, TestResult


def sample() -> GradingResults:
    tests = [
        TestResult("public/a1_lif/test_a.py::test_x", "x works", 2, 2, "passed", "", "public", 0.1),
        TestResult("hidden/a1_lif/test_b.py::test_y", "y works", 0, 3, "failed", "mem differs at index (1,)", "hidden", 0.2),
    ]
    assignment = AssignmentResult("a1_lif", "Leaky integrate-and-fire neuron", tests, ["timeout: a call did not return"])
    return GradingResults("/tmp/sub", [assignment], {"grader": "0.1.0", "torch": "2", "snntorch": "1.0.0"})


def test_totals_are_sums_of_tests() -> None:
    results = sample()
    assert results.score == 2
    assert results.max_score == 5
    assert results.flags == ["a1_lif: timeout: a call did not return"]


def test_document_roundtrips_through_json() -> None:
    document = json.loads(render_json(sample()))
    assert document["version"] == 1
    assert document["score"] == 2
    assert document["assignments"][0]["tests"][1]["status"] == "failed"
    assert GradingResults.from_dict(document).to_dict() == document


def test_hidden_messages_are_removed_on_request() -> None:
    redacted = sample().without_hidden_messages()
    public, hidden = redacted.assignments[0].tests
    assert public.message == ""
    assert hidden.message == ""
    assert hidden.title == "y works"
    assert sample().assignments[0].tests[1].message != ""


def test_table_shows_points_status_and_message() -> None:
    table = render_table(sample())
    assert "x works" in table
    assert "0/3  failed" in table
    assert "mem differs at index (1,)" in table
    assert table.rstrip().splitlines()[-1].split() == ["total", "2/5"]
