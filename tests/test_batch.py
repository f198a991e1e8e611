"""Does `snn-grade batch` grade a real `gh teacher download` folder correctly and resumably?

The download is built from real git repositories. They hold the reference, the stubs,
a catalogue entry, a forged push-time result, a late commit, a syntax error, a released
template with an edited public test and a submission that kills its zygote. An empty
repository and a plain folder complete it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import pytest

from batch_helpers import (
    ASSIGNMENT,
    SOLUTIONS,
    STUBS,
    assert_small_png,
    catalogue_submission,
    folder_name,
    git,
    make_repository,
    write_result,
    write_roster,
    write_scores,
)
from autograder.batch.cache import CacheKey, reusable_assignments
from autograder.batch.discover import discover
from autograder.batch.feedback import render_feedback
from autograder.batch.pictures import picture_name
from autograder.batch.records import StudentRecord
from autograder.batch.roster import read_roster
from autograder.cli import parse_deadline
from autograder.errors import UserError
from autograder.release import release
from conftest import ROOT, SNN_GRADE

ON_TIME = "2026-10-01T10:00:00+00:00"
DEADLINE = "2026-10-02T00:00:00+00:00"
LATE = "2026-10-03T10:00:00+00:00"
MAX_SCORE = 44
SUBMITTED = ["aaron", "alice", "bob", "carol", "dave", "erin", "frank", "gina", "hana"]
GRADED = ["aaron", "alice", "bob", "carol", "dave", "frank", "gina", "hana"]

#: A student file that kills the zygote that forked its worker, at import.
ZYGOTE_KILLER = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"


def snn_grade(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SNN_GRADE, *args], capture_output=True, text=True, timeout=timeout)


def batch_args(download: Path, *extra: str) -> list[str]:
    return ["batch", str(download), "--roster", str(download / "roster.csv"), "--deadline", DEADLINE, "--assignment", ASSIGNMENT, *extra]


def counts(stdout: str) -> tuple[int, int]:
    """Return (graded, reused) from the batch's closing line."""
    match = re.search(r"graded (\d+) submissions, reused (\d+) from earlier runs", stdout)
    assert match, stdout
    return int(match.group(1)), int(match.group(2))


def read_grades(out: Path) -> dict[str, dict[str, str]]:
    with (out / "grades.csv").open(newline="") as handle:
        return {row["username"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def download(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build the download folder and return it with the commits the tests check."""
    root = tmp_path_factory.mktemp("download")
    scratch = tmp_path_factory.mktemp("work")
    commits = {}

    commits["alice"] = make_repository(root / folder_name("alice"), [(ON_TIME, SOLUTIONS)])
    write_result(root / folder_name("alice"), "alice", commits["alice"][-1], MAX_SCORE, MAX_SCORE, ON_TIME)

    commits["bob"] = make_repository(root / folder_name("bob"), [(ON_TIME, STUBS)])
    write_result(root / folder_name("bob"), "bob", commits["bob"][-1], MAX_SCORE, MAX_SCORE, ON_TIME)  # Forged: stubs score 0.

    commits["carol"] = make_repository(root / folder_name("carol"), [(ON_TIME, catalogue_submission("beta_on_reset_term", scratch))])
    commits["dave"] = make_repository(root / folder_name("dave"), [(ON_TIME, SOLUTIONS), (LATE, STUBS)])

    (root / folder_name("erin")).mkdir()
    git(root / folder_name("erin"), "init", "--quiet")

    broken = scratch / "broken"
    shutil.copytree(SOLUTIONS / ASSIGNMENT, broken / ASSIGNMENT, ignore=shutil.ignore_patterns("__pycache__"))
    (broken / ASSIGNMENT / "lif.py").write_text("def leaky_step(:\n    pass\n")
    commits["frank"] = make_repository(root / folder_name("frank"), [(ON_TIME, broken)])

    plain = root / folder_name("gina")
    shutil.copytree(SOLUTIONS / ASSIGNMENT, plain / ASSIGNMENT, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(SOLUTIONS / "common", plain / "common", ignore=shutil.ignore_patterns("__pycache__"))

    hostile = scratch / "hostile"
    shutil.copytree(SOLUTIONS / ASSIGNMENT, hostile / ASSIGNMENT, ignore=shutil.ignore_patterns("__pycache__"))
    (hostile / ASSIGNMENT / "lif.py").write_text(ZYGOTE_KILLER)
    commits["aaron"] = make_repository(root / folder_name("aaron"), [(ON_TIME, hostile)])

    released = tmp_path_factory.mktemp("release")
    release(ROOT, released, [ASSIGNMENT])
    template = released / "template"
    suite = sorted((template / "tests" / ASSIGNMENT).glob("test_*.py"))[0]
    suite.write_text(suite.read_text() + "\n# edited by the student\n")
    commits["hana"] = make_repository(root / folder_name("hana"), [(ON_TIME, SOLUTIONS)], template=template)
    download_suite = f"tests/{ASSIGNMENT}/{suite.name}"

    write_scores(
        root,
        [
            {"username": "alice", "first_name": "Alice", "score": "44", "max_score": "44", "datetime": ON_TIME},
            {"username": "bob", "first_name": "Bob", "score": "44", "max_score": "44", "datetime": ON_TIME},
            {"username": "zoe", "first_name": "Zoe"},
        ],
    )
    write_roster(root / "roster.csv", [*SUBMITTED, "zoe"])
    return {"root": root, "commits": commits, "edited_suite": download_suite}


@pytest.fixture(scope="module")
def first_run(download: dict) -> dict:
    """Run the batch once with two jobs and return its output and the parsed outputs."""
    started = time.perf_counter()
    result = snn_grade(*batch_args(download["root"], "--jobs", "2"))
    elapsed = time.perf_counter() - started
    assert result.returncode in (0, 1), result.stderr
    out = download["root"] / "grading"
    return {"result": result, "out": out, "rows": read_grades(out), "elapsed": elapsed}


def test_reference_gets_full_marks(first_run: dict, download: dict) -> None:
    alice = first_run["rows"]["alice"]
    assert alice["a1_lif"] == str(MAX_SCORE)
    assert alice["total"] == str(MAX_SCORE)
    assert alice["max_score"] == str(MAX_SCORE)
    assert alice["status"] == "graded"
    assert alice["graded_commit"] == download["commits"]["alice"][-1]
    assert alice["pushed_score"] == "44/44"
    assert alice["score_mismatch"] == "no"


def test_roster_columns_fill_the_row(first_run: dict) -> None:
    alice = first_run["rows"]["alice"]
    assert alice["first_name"] == "First1"
    assert alice["email"] == "alice@example.org"
    assert alice["section"] == "S2"


def test_stubs_score_zero(first_run: dict) -> None:
    assert first_run["rows"]["bob"]["total"] == "0"
    assert first_run["rows"]["bob"]["status"] == "graded"


def test_catalogue_entry_gets_partial_credit(first_run: dict) -> None:
    carol = first_run["rows"]["carol"]
    assert 0 < int(carol["total"]) < MAX_SCORE
    assert carol["pushed_score"] == ""
    assert carol["score_mismatch"] == ""


def test_forged_result_is_a_mismatch(first_run: dict) -> None:
    bob = first_run["rows"]["bob"]
    assert bob["pushed_score"] == "44/44"
    assert bob["score_mismatch"] == "yes"
    summary = (first_run["out"] / "summary.md").read_text()
    assert re.search(r"\| bob \| [0-9a-f]{12} \| result\.json records 44/44, the regrade gives 0/44", summary)


def test_non_submitter_has_zero_row(first_run: dict) -> None:
    zoe = first_run["rows"]["zoe"]
    assert zoe["total"] == "0"
    assert zoe["status"] == "no submission"
    assert zoe["first_name"] == f"First{len(SUBMITTED)}"
    assert zoe["graded_commit"] == ""


def test_broken_submissions_get_a_status(first_run: dict) -> None:
    rows = first_run["rows"]
    assert rows["erin"]["status"].startswith("empty repository")
    assert rows["erin"]["total"] == "0"
    assert rows["frank"]["status"] == "syntax error"
    assert "a1_lif/lif.py line 1" in rows["frank"]["flags"]
    assert rows["frank"]["total"] == "0"


def test_late_commit_is_not_graded(first_run: dict, download: dict) -> None:
    dave = first_run["rows"]["dave"]
    on_time, late = download["commits"]["dave"]
    assert dave["graded_commit"] == on_time
    assert dave["late"] == "yes"
    assert dave["total"] == str(MAX_SCORE)
    assert "late: 1 commit(s) after the deadline" in dave["flags"]
    assert first_run["rows"]["alice"]["late"] == "no"
    assert git(download["root"] / folder_name("dave"), "rev-parse", "HEAD") == late


def test_student_working_tree_is_untouched(first_run: dict, download: dict) -> None:
    dave = download["root"] / folder_name("dave")
    assert git(dave, "status", "--porcelain") == ""
    assert "NotImplementedError" in (dave / "assignments" / ASSIGNMENT / "lif.py").read_text()
    assert git(dave, "worktree", "list").count("\n") == 0


def test_plain_folder_is_graded_by_content(first_run: dict) -> None:
    gina = first_run["rows"]["gina"]
    assert gina["total"] == str(MAX_SCORE)
    assert gina["graded_commit"] == ""
    assert "not a git repository" in gina["flags"]
    assert gina["late"] == ""


def test_edited_protected_file_is_flagged(first_run: dict, download: dict) -> None:
    hana = first_run["rows"]["hana"]
    assert hana["total"] == str(MAX_SCORE)
    assert f"modified protected file: {download['edited_suite']}" in hana["flags"]
    assert "protected file" not in first_run["rows"]["alice"]["flags"]


def test_hostile_submission_spares_the_others(first_run: dict) -> None:
    rows = first_run["rows"]
    assert rows["aaron"]["total"] == "0"
    # The worker client may survive the killed zygote and grade every test as an
    # error, or the job records the submission as rejected after a second attempt.
    assert rows["aaron"]["status"] == "graded" or rows["aaron"]["status"].startswith("rejected: its code stopped")
    assert first_run["result"].returncode == 0, first_run["result"].stderr
    assert rows["alice"]["total"] == str(MAX_SCORE)
    assert rows["dave"]["total"] == str(MAX_SCORE)
    assert rows["gina"]["total"] == str(MAX_SCORE)


def test_every_student_has_one_row(first_run: dict) -> None:
    assert sorted(first_run["rows"]) == sorted([*SUBMITTED, "zoe"])


def test_feedback_hides_hidden_messages(first_run: dict) -> None:
    out = first_run["out"]
    for username in SUBMITTED:
        assert (out / "feedback" / f"{username}.md").is_file(), username
    assert not (out / "feedback" / "zoe.md").exists()
    stored = json.loads((out / "results" / "carol.json").read_text())
    hidden_failures = [
        test for a in stored["results"]["assignments"] for test in a["tests"] if test["visibility"] == "hidden" and test["status"] != "passed"
    ]
    assert hidden_failures
    feedback = (out / "feedback" / "carol.md").read_text()
    assert "Hidden test: failed." in feedback
    for test in hidden_failures:
        assert test["title"] in feedback
        assert test["message"]
        assert test["message"].splitlines()[0] not in feedback


def test_feedback_names_the_graded_commit(first_run: dict, download: dict) -> None:
    feedback = (first_run["out"] / "feedback" / "dave.md").read_text()
    assert download["commits"]["dave"][0][:12] in feedback
    assert "1 commit(s) after the deadline were not graded" in feedback


def test_summary_plots_exist(first_run: dict) -> None:
    out = first_run["out"]
    summary = (out / "summary.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", summary)
    assert len(images) == 2
    for image in images:
        assert (out / image).read_bytes().startswith(b"\x89PNG")
    assert "## Tests by failure rate" in summary


def linked_images(out: Path, username: str) -> dict[str, Path]:
    """Return the files that the images of a student's feedback link to, by the failed test's title above them."""
    feedback = (out / "feedback" / f"{username}.md").read_text()
    images = {}
    for block in feedback.split("\n#### ")[1:]:
        title = block.split("\n", 1)[0]
        for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", block):
            images[title] = out / "feedback" / unquote(link)
    return images


def compared_tests(out: Path, username: str) -> dict[str, str]:
    """Return the failed public tests whose stored result has a comparison: title line by test id."""
    stored = json.loads((out / "results" / f"{username}.json").read_text())
    return {
        test["id"]: f"❌ {test['title']} ({test['score']}/{test['max_score']})"
        for assignment in stored["results"]["assignments"]
        for test in assignment["tests"]
        if test["visibility"] == "public" and test["status"] == "failed" and test["comparison"] is not None
    }


def assert_pictures_linked(out: Path, username: str) -> dict[str, str]:
    """Check that each failed public test with a comparison links its own valid PNG, and return those tests."""
    expected = compared_tests(out, username)
    images = linked_images(out, username)
    assert sorted(images) == sorted(expected.values())
    for test_id, title in expected.items():
        image = images[title]
        assert image == out / "feedback" / username / picture_name(test_id)
        assert_small_png(image)
    assert sorted(path.name for path in (out / "feedback" / username).iterdir()) == sorted(picture_name(i) for i in expected)
    return expected


def test_failed_trace_test_links_picture(first_run: dict) -> None:
    pictured = assert_pictures_linked(first_run["out"], "carol")
    # beta (U - U_thr) + I spikes again at step 3 of the public constant-input run.
    assert "public/a1_lif/test_simulate.py::test_simulate_constant_input" in pictured


def test_reference_feedback_has_no_pictures(first_run: dict) -> None:
    out = first_run["out"]
    assert "![" not in (out / "feedback" / "alice.md").read_text()
    assert not (out / "feedback" / "alice").exists()


@pytest.fixture(scope="module")
def encoding_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Grade the encoding assignment of the reference and of a catalogue entry; return the output folder."""
    root = tmp_path_factory.mktemp("encoding")
    scratch = tmp_path_factory.mktemp("encoding-work")
    make_repository(root / folder_name("ines"), [(ON_TIME, SOLUTIONS)], assignment="a2_encoding")
    floored = catalogue_submission("latency_floor", scratch, assignment="a2_encoding")
    make_repository(root / folder_name("jack"), [(ON_TIME, floored)], assignment="a2_encoding")
    result = snn_grade("batch", str(root), "--assignment", "a2_encoding", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    return root / "grading"


def test_failed_raster_tests_link_pictures(encoding_run: Path) -> None:
    pictured = assert_pictures_linked(encoding_run, "jack")
    log_code = "public/a2_encoding/test_latency.py::test_log_code_values"
    assert log_code in pictured
    stored = json.loads((encoding_run / "results" / "jack.json").read_text())
    comparisons = {t["id"]: t["comparison"] for a in stored["results"]["assignments"] for t in a["tests"] if t["id"] in pictured}
    assert {comparison["kind"] for comparison in comparisons.values()} == {"spikes"}
    # Flooring the spike time moves element 1 of the log-code example from step 3 to step 2.
    assert comparisons[log_code]["step"] == 2


def test_reference_encoding_feedback_has_no_pictures(encoding_run: Path) -> None:
    assert "![" not in (encoding_run / "feedback" / "ines.md").read_text()
    assert not (encoding_run / "feedback" / "ines").exists()


def test_manifest_records_each_repository(first_run: dict, download: dict) -> None:
    manifest = json.loads((first_run["out"] / "manifest.json").read_text())
    alice = manifest["students"]["alice"]
    assert Path(alice["folder"]) == (download["root"] / folder_name("alice")).resolve()
    assert alice["commit"] == download["commits"]["alice"][-1]
    assert manifest["students"]["zoe"]["folder"] is None


def copy_download(download: dict, destination: Path, with_results: bool, students: list[str] | None = None) -> Path:
    """Copy the download, with or without its stored results, optionally only some students."""
    copy = destination / "download"
    kept = {folder_name(username) for username in students} if students else None

    def ignore(folder: str, names: list[str]) -> list[str]:
        if Path(folder) != download["root"]:
            return []
        left_out = [] if with_results else ["grading"]
        if kept is not None:
            left_out += [name for name in names if name.startswith(folder_name("")) and name not in kept]
        return left_out

    shutil.copytree(download["root"], copy, symlinks=True, ignore=ignore)
    return copy


def test_rerun_reuses_unchanged_results(first_run: dict, download: dict, tmp_path: Path) -> None:
    copy = copy_download(download, tmp_path, with_results=True)
    results = copy / "grading" / "results"
    before = {path.name: path.stat().st_mtime_ns for path in results.glob("*.json")}

    started = time.perf_counter()
    rerun = snn_grade(*batch_args(copy, "--jobs", "2"))
    elapsed = time.perf_counter() - started

    assert rerun.returncode in (0, 1), rerun.stderr
    assert counts(rerun.stdout) == (0, len(before))
    assert {path.name: path.stat().st_mtime_ns for path in results.glob("*.json")} == before
    assert elapsed < first_run["elapsed"]
    assert read_grades(copy / "grading") == {
        name: {**row, "first_name": row["first_name"]} for name, row in first_run["rows"].items()
    }


def test_new_commit_regrades_only_that_student(first_run: dict, download: dict, tmp_path: Path) -> None:
    copy = copy_download(download, tmp_path, with_results=True)
    carol = copy / folder_name("carol")
    shutil.rmtree(carol / "assignments" / ASSIGNMENT)
    shutil.copytree(SOLUTIONS / ASSIGNMENT, carol / "assignments" / ASSIGNMENT, ignore=shutil.ignore_patterns("__pycache__"))
    git(carol, "add", "--all")
    git(carol, "commit", "--quiet", "-m", "Fix the reset", when="2026-10-01T20:00:00+00:00")

    rerun = snn_grade(*batch_args(copy, "--jobs", "2"))

    assert counts(rerun.stdout) == (1, len(GRADED) - 1)
    rows = read_grades(copy / "grading")
    assert rows["carol"]["total"] == str(MAX_SCORE)
    assert rows["carol"]["graded_commit"] == git(carol, "rev-parse", "HEAD")


def test_deleted_results_file_is_regraded(first_run: dict, download: dict, tmp_path: Path) -> None:
    copy = copy_download(download, tmp_path, with_results=True)
    (copy / "grading" / "results" / "alice.json").unlink()

    rerun = snn_grade(*batch_args(copy, "--jobs", "1"))

    assert counts(rerun.stdout) == (1, len(GRADED) - 1)
    assert read_grades(copy / "grading")["alice"]["total"] == str(MAX_SCORE)


def test_added_assignment_reuses_graded_one(first_run: dict, download: dict, tmp_path: Path) -> None:
    copy = copy_download(download, tmp_path, with_results=True, students=["alice"])
    stored_file = copy / "grading" / "results" / "alice.json"
    before = json.loads(stored_file.read_text())["results"]["assignments"]

    rerun = snn_grade(*batch_args(copy, "--assignment", "a2_encoding", "--jobs", "1"))

    assert counts(rerun.stdout) == (1, 0)
    after = {a["id"]: a for a in json.loads(stored_file.read_text())["results"]["assignments"]}
    assert after["a1_lif"] == before[0]
    assert after["a2_encoding"]["score"] == 0
    row = read_grades(copy / "grading")["alice"]
    assert row["a1_lif"] == str(MAX_SCORE)
    assert row["a2_encoding"] == "0"
    assert row["status"] == "missing files"


def test_changed_suite_hash_voids_that_assignment(first_run: dict) -> None:
    stored = json.loads((first_run["out"] / "results" / "carol.json").read_text())
    key = CacheKey(**stored["key"])
    assert set(reusable_assignments(stored, key)) == {ASSIGNMENT}
    changed = replace(key, suites={ASSIGNMENT: "0" * 16})
    assert reusable_assignments(stored, changed) == {}
    added = replace(key, suites={**key.suites, "a2_encoding": "0" * 16})
    assert set(reusable_assignments(stored, added)) == {ASSIGNMENT}
    other_commit = replace(key, source="0" * 40)
    assert reusable_assignments(stored, other_commit) == {}


def test_killed_run_resumes(download: dict, tmp_path: Path) -> None:
    students = ["alice", "bob", "carol", "dave"]
    copy = copy_download(download, tmp_path, with_results=False, students=students)
    results = copy / "grading" / "results"
    process = subprocess.Popen(
        [*SNN_GRADE, *batch_args(copy, "--jobs", "1")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not list(results.glob("*.json")) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finished = sorted(path.name for path in results.glob("*.json"))
    assert finished
    assert len(finished) < len(students)
    for path in results.glob("*.json"):
        json.loads(path.read_text())  # No half-written file.

    resumed = snn_grade(*batch_args(copy, "--jobs", "2"))

    assert counts(resumed.stdout) == (len(students) - len(finished), len(finished))
    assert read_grades(copy / "grading")["alice"]["total"] == str(MAX_SCORE)
    assert not list(results.glob(".*.tmp"))


def test_deadline_without_offset_is_rejected(tmp_path: Path) -> None:
    result = snn_grade("batch", str(tmp_path), "--deadline", "2026-10-02T00:00:00")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "snn-grade: error: --deadline '2026-10-02T00:00:00' has no UTC offset: add Z or the offset of the course's time zone, as in 2026-10-02T00:00:00+02:00"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-01T23:59:00+02:00", "2026-10-01T21:59:00+00:00"),
        ("2026-10-01 23:59+02:00", "2026-10-01T21:59:00+00:00"),
        ("2026-10-01T21:59Z", "2026-10-01T21:59:00+00:00"),
        ("2026-10-01T21:59:00.5-01:00", "2026-10-01T22:59:00.500000+00:00"),
    ],
)
def test_deadline_forms_accepted(text: str, expected: str) -> None:
    assert parse_deadline(text).astimezone(dt.timezone.utc).isoformat() == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-10-01", "--deadline '2026-10-01' has no time: add the time and the UTC offset, as in 2026-10-01T23:59:00+02:00"),
        ("2026-10-01Z", "invalid --deadline '2026-10-01Z': use a date, a time and a UTC offset such as 2026-10-01T23:59:00+02:00"),
        ("2026-10-01+02:00", "invalid --deadline '2026-10-01+02:00': use a date, a time and a UTC offset such as"),
        ("2026-13-01T00:00Z", "invalid --deadline '2026-13-01T00:00Z' (date or time out of range): use a date"),
        ("tomorrow", "invalid --deadline 'tomorrow': use a date, a time and a UTC offset such as"),
    ],
)
def test_invalid_deadlines_rejected(text: str, message: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_deadline(text)
    assert str(raised.value).startswith(message)


@pytest.mark.skipif(os.geteuid() != 0, reason="the warning is for batches run as root")
def test_batch_as_root_warns(tmp_path: Path) -> None:
    result = snn_grade("batch", str(tmp_path))
    assert "grading as root: student code runs as root too" in result.stderr


@pytest.mark.parametrize(
    ("problem", "advice"),
    [
        ("late: no commit at or before the deadline (2 after it)", "Only commits made by the deadline (2026-10-02T00:00:00+00:00) are graded."),
        ("empty repository", "Check that your work is committed and pushed"),
    ],
)
def test_ungraded_feedback_advice(tmp_path: Path, problem: str, advice: str) -> None:
    record = StudentRecord("dora", folder=tmp_path, problem=problem)

    feedback = render_feedback(record, deadline=dt.datetime.fromisoformat(DEADLINE))

    assert f"Your submission could not be graded: {problem}." in feedback
    assert advice in feedback


def test_roster_missing_columns_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    roster = tmp_path / "students.csv"
    roster.write_text("username,first_name\nalice,Alice\n", encoding="utf-8")

    students = read_roster(roster)

    assert students["alice"].first_name == "Alice"
    assert f"roster {roster} has no column last_name, email, section" in caplog.text


def test_discover_matches_roster_suffix(tmp_path: Path) -> None:
    for name in ["snn-a1_lif-alice", "snn-a1_lif-bob-smith", "Carol", "snn-a1_lif-zed"]:
        (tmp_path / name).mkdir()

    found = discover(tmp_path, known_usernames={"alice", "smith", "bob-smith", "carol"})

    assert {folder.path.name: folder.username for folder in found} == {
        "snn-a1_lif-alice": "alice",
        "snn-a1_lif-bob-smith": "bob-smith",
        "Carol": "carol",
        "snn-a1_lif-zed": "snn-a1_lif-zed",
    }


def test_batch_warns_on_unmatched_folders(tmp_path: Path) -> None:
    submissions = tmp_path / "submissions"
    (submissions / "snn-a1_lif-zed").mkdir(parents=True)
    roster = tmp_path / "students.csv"
    write_roster(roster, ["alice"])

    result = snn_grade("batch", str(submissions), "--roster", str(roster), "--out", str(tmp_path / "out"))

    assert "1 of 1 student folders match no roster username (snn-a1_lif-zed)" in result.stderr
    assert "0 failed, 1 not gradable (late, empty or unreadable: see the status column); 1 roster student without a submission" in result.stdout
    assert read_grades(tmp_path / "out")["alice"]["status"] == "no submission"


def test_discover_skips_earlier_batch_output(tmp_path: Path) -> None:
    (tmp_path / "alice" / ASSIGNMENT).mkdir(parents=True)
    earlier = tmp_path / "grading"
    (earlier / "results").mkdir(parents=True)
    (earlier / "grades.csv").write_text("username,total\n", encoding="utf-8")
    older = tmp_path / "grading-2025"
    (older / "results").mkdir(parents=True)
    (older / "manifest.json").write_text("{}", encoding="utf-8")

    found = discover(tmp_path)

    assert [folder.username for folder in found] == ["alice"]


def test_unknown_assignment_is_rejected(tmp_path: Path) -> None:
    result = snn_grade("batch", str(tmp_path), "--assignment", "a9_nothing")
    assert result.returncode == 2
    assert "unknown assignment 'a9_nothing'" in result.stderr
