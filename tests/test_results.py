"""Is the results document complete, round-trippable and redactable?"""

from __future__ import annotations

import json

import pytest

from autograder.reporters import render_json, render_markdown, render_table
from autograder.results import AssignmentResult, GradingResults, TestResult, TraceComparison

COMPARISON = {
    "kind": "trace",
    "what": "mem_rec",
    "shape": [3, 2],
    "time_axis": 0,
    "first_step": 0,
    "step": 1,
    "neurons": [[1]],
    "neuron": 0,
    "actual": [[0.5, "nan", 0.25]],
    "expected": [[0.5, 0.75, 0.25]],
}


def sample() -> GradingResults:
    tests = [
        TestResult("public/a1_lif/test_a.py::test_x", "x works", 2, 2, "passed", "", "public", 0.1),
        TestResult("hidden/a1_lif/test_b.py::test_y", "y works", 0, 3, "failed", "mem differs at index (1,)", "hidden", 0.2, COMPARISON),
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
    assert document["assignments"][0]["tests"][1]["comparison"] == COMPARISON


def test_document_without_comparisons_loads() -> None:
    document = json.loads(render_json(sample()))
    for test in document["assignments"][0]["tests"]:
        del test["comparison"]
    loaded = GradingResults.from_dict(document)
    assert [test.comparison for test in loaded.assignments[0].tests] == [None, None]


def test_stored_comparison_is_validated() -> None:
    assert TraceComparison.from_dict(COMPARISON).actual == [[0.5, "nan", 0.25]]
    with pytest.raises(ValueError, match="exactly the keys"):
        TraceComparison.from_dict({**COMPARISON, "extra": 1})
    with pytest.raises(ValueError, match="invalid comparison kind"):
        TraceComparison.from_dict({**COMPARISON, "kind": "histogram"})
    with pytest.raises(ValueError, match="do not contain its first mismatching step"):
        TraceComparison.from_dict({**COMPARISON, "step": 3})
    with pytest.raises(ValueError, match="1 neuron indices but 2 submitted"):
        TraceComparison.from_dict({**COMPARISON, "actual": [[0.5], [0.5]]})
    with pytest.raises(ValueError, match="invalid number 'NaN' in a comparison"):
        TraceComparison.from_dict({**COMPARISON, "actual": [[0.5, "NaN", 0.25]]})


def test_hidden_messages_are_removed_on_request() -> None:
    redacted = sample().without_hidden_messages()
    public, hidden = redacted.assignments[0].tests
    assert public.message == ""
    assert hidden.message == ""
    assert hidden.title == "y works"
    assert hidden.comparison is None
    assert sample().assignments[0].tests[1].message != ""
    assert sample().assignments[0].tests[1].comparison == COMPARISON


def test_table_shows_points_status_and_message() -> None:
    table = render_table(sample())
    assert "x works" in table
    assert "0/3  failed" in table
    assert "mem differs at index (1,)" in table
    assert table.rstrip().splitlines()[-1].split() == ["total", "2/5"]


def test_markdown_shows_pictures_of_public_failures() -> None:
    results = sample()
    failed_public = TestResult("public/a1_lif/test_c.py::test_z", "z works", 0, 1, "failed", "spk_rec differs", "public", 0.1, COMPARISON)
    results.assignments[0].tests.append(failed_public)
    pictures = {
        "public/a1_lif/test_c.py::test_z": "![z](student/a1_lif-test_c-test_z.png)",
        "hidden/a1_lif/test_b.py::test_y": "![y](student/a1_lif-test_b-test_y.png)",
    }
    markdown = render_markdown(results.without_hidden_messages(), pictures=pictures)
    assert "spk_rec differs\n```\n\n![z](student/a1_lif-test_c-test_z.png)\n" in markdown
    assert "test_b-test_y.png" not in markdown
    assert "![" not in render_markdown(results)
