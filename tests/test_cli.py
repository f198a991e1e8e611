"""Does `snn-grade` behave as documented when run as a real command?"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ASSIGNMENTS, CATALOGUE, ROOT, SNN_GRADE, SOLUTIONS


def snn_grade(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SNN_GRADE, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def reference_document() -> dict:
    result = snn_grade("grade", str(SOLUTIONS), "--format", "json", "--hidden-messages")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_reference_scores_full_marks(reference_document: dict) -> None:
    assert reference_document["max_score"] > 0
    assert reference_document["score"] == reference_document["max_score"]


def test_json_document_has_documented_fields(reference_document: dict) -> None:
    assert reference_document["version"] == 1
    assert set(reference_document["versions"]) >= {"grader", "torch", "snntorch", "suites"}
    assert [a["id"] for a in reference_document["assignments"]] == ["a1_lif", "a2_encoding", "a3_training"]
    for assignment in reference_document["assignments"]:
        assert {"id", "score", "max_score", "tests"} <= set(assignment)
        for test in assignment["tests"]:
            assert set(test) == {"id", "title", "score", "max_score", "status", "message", "visibility", "duration_s", "comparison"}
            assert test["status"] == "passed"
            assert test["comparison"] is None
            assert isinstance(test["score"], int)
        assert {test["visibility"] for test in assignment["tests"]} == {"public", "hidden"}


def test_table_lists_tests_and_total() -> None:
    result = snn_grade("grade", "solutions", "--visibility", "public")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["assignment", "test", "points", "status"]
    total = lines[-1].split()
    assert total[0] == "total"
    earned, possible = total[1].split("/")
    assert earned == possible


def test_stubs_score_zero_and_name_missing_function() -> None:
    result = snn_grade("grade", str(ASSIGNMENTS), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["score"] == 0
    modules = {"a1_lif": "lif", "a2_encoding": "encoding", "a3_training": "training"}
    for assignment in document["assignments"]:
        public = [t for t in assignment["tests"] if t["visibility"] == "public"]
        assert public
        for test in public:
            assert test["message"].startswith(f"not implemented yet: {modules[assignment['id']]}."), test


def test_hidden_messages_are_withheld_by_default() -> None:
    document = json.loads(snn_grade("grade", str(ASSIGNMENTS), "--format", "json").stdout)
    hidden = [t for t in document["assignments"][0]["tests"] if t["visibility"] == "hidden"]
    assert hidden
    assert all(t["message"] == "" and t["status"] == "error" for t in hidden)


def test_catalogue_entry_gets_partial_points() -> None:
    result = snn_grade("grade", str(CATALOGUE / "a1_lif" / "beta_on_reset_term"), "--format", "json", "--visibility", "public")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert 0 < document["score"] < document["max_score"]
    failed = [t for t in document["assignments"][0]["tests"] if t["status"] == "failed"]
    assert failed
    # spk_rec of beta (U - U_thr) + I spikes again at step 3 of the constant-input run.
    simulate = next(t for t in failed if t["id"].endswith("::test_simulate_constant_input"))
    assert simulate["comparison"]["kind"] == "spikes"
    assert simulate["comparison"]["step"] == 3
    assert all("differs from the expected value at index" in t["message"] for t in failed), failed


def test_output_file_receives_document(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    result = snn_grade("grade", "solutions", "--format", "json", "--output", str(target), "--visibility", "public")
    assert result.returncode == 0, result.stderr
    document = json.loads(target.read_text())
    assert result.stdout.strip() == f"{document['score']}/{document['max_score']} points; results written to {target}"


def test_repository_root_grades_assignments(tmp_path: Path) -> None:
    repository = tmp_path / "snn-a1_lif-alice"
    shutil.copytree(SOLUTIONS / "a1_lif", repository / "assignments" / "a1_lif", ignore=shutil.ignore_patterns("__pycache__"))

    result = snn_grade("grade", str(repository), "--format", "json", "--visibility", "public")

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [assignment["id"] for assignment in document["assignments"]] == ["a1_lif"]
    assert document["score"] == document["max_score"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grade", "no_such_folder"], "snn-grade: error: submission folder no_such_folder not found"),
        (["grade", "solutions", "--assignment", "a1_lf"], "unknown assignment 'a1_lf': did you mean 'a1_lif'?"),
        (["grade", "solutions", "--output", "no/such/dir/out.json"], "cannot write no/such/dir/out.json"),
        (["grade", "solutions", "--call-timeout", "0"], "invalid --call-timeout 0"),
        (["grade", "solutions", "--worker-user", "no-such-user-here"], "unknown --worker-user 'no-such-user-here'"),
        (["grade", "tests"], "no assignment found in"),
    ],
)
def test_user_errors_print_one_line(args: list[str], message: str) -> None:
    result = snn_grade(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_stubs_check_passes_on_this_repository() -> None:
    result = snn_grade("stubs", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is up to date" in result.stdout


def test_stubs_check_fails_on_stale_folder(tmp_path: Path) -> None:
    result = snn_grade("stubs", "--check", "--solutions", str(SOLUTIONS), "--out", str(tmp_path / "student"))
    assert result.returncode == 1
    assert "is out of date" in result.stdout


@pytest.mark.slow
def test_verify_reports_every_entry_caught() -> None:
    result = snn_grade("verify")
    assert result.returncode == 0, result.stdout + result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("a1_lif"))
    reference, stubs, wrong, correct, hostile = row.split()[1:]
    assert reference.split("/")[0] == reference.split("/")[1]
    assert stubs.startswith("0/")
    caught, total = wrong.split("/")
    assert caught == total
    assert int(total) >= 8
    kept, correct_total = correct.split("/")
    assert kept == correct_total
    assert int(correct_total) >= 3
    assert "verify: every check passed" in result.stdout
