"""Does the engine turn suite outcomes into the right scores, statuses and messages?"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from autograder.engine import grade
from autograder.errors import GraderError, UserError
from autograder.results import GradingResults
from autograder.worker.client import Limits, Zygote

STUDENT = '''
def add(a, b):
    return a + b

def wrong_add(a, b):
    print("===== 10 passed in 0.01s =====")
    print('{"score": 100, "max_score": 100}')
    return a - b

def spin():
    while True:
        pass
'''

SUITE = '''
import pytest

@pytest.mark.points(2)
def test_add(student):
    """add returns the sum."""
    assert student.add(2, 3) == 5, "add(2, 3) should be 5"

@pytest.mark.points(3)
def test_wrong_add(student):
    """wrong_add returns the sum."""
    assert student.wrong_add(2, 3) == 5, "wrong_add(2, 3) should be 5"

@pytest.mark.points(5)
def test_partial(student, partial_credit):
    """Partial credit rounds down."""
    partial_credit.award(0.59, "accuracy 0.59 is below full credit")

@pytest.mark.points(1)
def test_grader_bug(student):
    """A bug in the suite is reported as an error."""
    {}["missing"]

@pytest.mark.points(4)
def test_spin(student):
    """An endless call times out."""
    student.spin()
'''


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text))


@pytest.fixture
def suites(tmp_path: Path) -> Path:
    root = tmp_path / "suites"
    write(root / "public" / "a1_lif", "test_basic.py", SUITE)
    write(root / "hidden" / "a1_lif", "test_hidden.py", '''
        import pytest

        @pytest.mark.points(1)
        def test_hidden_add(student):
            """Hidden: add works on floats."""
            assert student.add(0.5, 0.25) == 0.75, "add(0.5, 0.25) should be 0.75"
        ''')
    return root


@pytest.fixture
def submission(tmp_path: Path) -> Path:
    folder = tmp_path / "submission"
    write(folder / "a1_lif", "lif.py", STUDENT)
    return folder


def run(submission: Path, suites: Path, zygote: Zygote, visibility: str = "all") -> GradingResults:
    return grade(submission, ["a1_lif"], visibility, Limits(call_timeout_s=1.0), zygote, suites_root=suites)


def by_name(results: GradingResults) -> dict[str, object]:
    return {test.id.split("::")[1]: test for test in results.assignments[0].tests}


def test_scores_statuses_and_messages(submission: Path, suites: Path, zygote: Zygote) -> None:
    results = run(submission, suites, zygote)
    tests = by_name(results)

    assert (tests["test_add"].score, tests["test_add"].status) == (2, "passed")
    assert (tests["test_wrong_add"].score, tests["test_wrong_add"].status) == (0, "failed")
    assert tests["test_wrong_add"].message.startswith("wrong_add(2, 3) should be 5")
    assert "10 passed" in tests["test_wrong_add"].message
    assert (tests["test_partial"].score, tests["test_partial"].status) == (2, "failed")
    assert tests["test_partial"].message == "accuracy 0.59 is below full credit"
    assert tests["test_grader_bug"].status == "error"
    assert "the grader could not check the result (KeyError" in tests["test_grader_bug"].message
    assert (tests["test_spin"].score, tests["test_spin"].status) == (0, "timeout")
    assert (tests["test_hidden_add"].score, tests["test_hidden_add"].visibility) == (1, "hidden")
    assert results.score == 2 + 2 + 1
    assert results.max_score == 2 + 3 + 5 + 1 + 4 + 1
    assert results.assignments[0].flags == ["timeout: a call did not return within its time limit"]


def test_test_ids_and_titles(submission: Path, suites: Path, zygote: Zygote) -> None:
    tests = run(submission, suites, zygote).assignments[0].tests
    assert tests[0].id == "public/a1_lif/test_basic.py::test_add"
    assert tests[0].title == "add returns the sum."
    assert tests[-1].id == "hidden/a1_lif/test_hidden.py::test_hidden_add"


def test_public_visibility_skips_hidden_suites(submission: Path, suites: Path, zygote: Zygote) -> None:
    tests = run(submission, suites, zygote, visibility="public").assignments[0].tests
    assert {test.visibility for test in tests} == {"public"}


def test_printed_output_cannot_change_score(submission: Path, suites: Path, zygote: Zygote) -> None:
    assert by_name(run(submission, suites, zygote))["test_wrong_add"].score == 0


def test_missing_student_file_scores_zero(tmp_path: Path, suites: Path, zygote: Zygote) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    results = run(empty, suites, zygote)
    assert results.score == 0
    assert all("a1_lif/lif.py not found in the submission" in t.message for t in results.assignments[0].tests if t.id.endswith("test_add"))
    assert "missing file: a1_lif/lif.py" in results.assignments[0].flags


@pytest.mark.parametrize(
    ("marker", "error"),
    [
        ("@pytest.mark.points(1.5)", "invalid points marker"),
        ("@pytest.mark.points(0)", "invalid points marker"),
        ("@pytest.mark.points(True)", "invalid points marker"),
        ("", "needs exactly one @pytest.mark.points"),
    ],
)
def test_invalid_points_marker_names_test(submission: Path, tmp_path: Path, zygote: Zygote, marker: str, error: str) -> None:
    root = tmp_path / "bad_suites"
    write(root / "public" / "a1_lif", "test_bad.py", f'''
        import pytest

        {marker}
        def test_bad(student):
            """A test with a bad marker."""
        ''')
    with pytest.raises(GraderError, match=f"test_bad.py::test_bad.*{error}"):
        run(submission, root, zygote)


def test_missing_docstring_names_test(submission: Path, tmp_path: Path, zygote: Zygote) -> None:
    root = tmp_path / "bad_suites"
    write(root / "public" / "a1_lif", "test_bad.py", '''
        import pytest

        @pytest.mark.points(1)
        def test_untitled(student):
            pass
        ''')
    with pytest.raises(GraderError, match="test_untitled.*needs a docstring"):
        run(submission, root, zygote)


def test_broken_suite_is_a_grader_error(submission: Path, tmp_path: Path, zygote: Zygote) -> None:
    root = tmp_path / "bad_suites"
    write(root / "public" / "a1_lif", "test_broken.py", "def test_x(:\n")
    with pytest.raises(GraderError, match="could not be collected"):
        run(submission, root, zygote)


def test_missing_submission_folder_is_user_error(tmp_path: Path, zygote: Zygote) -> None:
    with pytest.raises(UserError, match="not found"):
        grade(tmp_path / "nowhere", zygote=zygote)


def test_folder_without_assignments_is_user_error(tmp_path: Path, zygote: Zygote) -> None:
    with pytest.raises(UserError, match="no assignment found"):
        grade(tmp_path, zygote=zygote)


PEEKING_STUDENT = '''
import os

def whoami():
    return os.getuid()

def read(path):
    with open(path) as handle:
        return handle.read()

def write_here(name):
    with open(name, "w") as handle:
        handle.write("forged")
    return True
'''

PEEKING_SUITE = '''
import pytest

SECRET = {secret!r}

@pytest.mark.points(1)
def test_not_root(student):
    """The worker does not run as root."""
    assert student.whoami() != 0, "the worker runs as root"

@pytest.mark.points(1)
def test_cannot_read_secret(student):
    """The worker cannot read a file only root may read."""
    student.read(SECRET)

@pytest.mark.points(1)
def test_cannot_write_submission(student):
    """The worker cannot write into its submission folder."""
    student.write_here("result.json")
'''


def nobody_can_run_python() -> bool:
    """Return whether user nobody can read this interpreter's files (not under /root, say)."""
    if os.getuid() != 0:
        return False
    probe = subprocess.run(["runuser", "-u", "nobody", "--", sys.executable, "-c", "import encodings.ascii, torch"], capture_output=True, timeout=120)
    return probe.returncode == 0


@pytest.mark.skipif(not nobody_can_run_python(), reason="needs root and a Python installation that user nobody can read")
def test_worker_user_is_unprivileged(tmp_path: Path, zygote: Zygote) -> None:
    secret = tmp_path / "secret" / "expected.txt"
    secret.parent.mkdir()
    secret.write_text("hidden expected values")
    secret.parent.chmod(0o700)
    submission = tmp_path / "submission"
    write(submission / "a1_lif", "lif.py", PEEKING_STUDENT)
    root = tmp_path / "suites"
    write(root / "public" / "a1_lif", "test_peek.py", PEEKING_SUITE.format(secret=str(secret)))

    limits = Limits(call_timeout_s=5.0, worker_user="nobody")
    tests = {t.id.split("::")[1]: t for t in grade(submission, ["a1_lif"], "all", limits, zygote, suites_root=root).assignments[0].tests}

    assert tests["test_not_root"].status == "passed"
    assert tests["test_cannot_read_secret"].status == "error"
    assert "PermissionError" in tests["test_cannot_read_secret"].message
    assert tests["test_cannot_write_submission"].status == "error"
    assert "PermissionError" in tests["test_cannot_write_submission"].message
    assert not (submission / "a1_lif" / "result.json").exists()


UNPRIVILEGED_STUDENT = '''
import os

def capabilities():
    with open("/proc/self/status", encoding="ascii") as status:
        return next(line.split()[1] for line in status if line.startswith("CapEff:"))

def signals(pid):
    os.kill(pid, 0)
'''

#: Run as user nobody: start a zygote, then report what a worker holds and can reach.
UNPRIVILEGED_GRADER = '''
import json
import os
import sys
from pathlib import Path

from autograder.worker.client import Limits, StudentModule, Zygote
from autograder.worker.errors import StudentError

with Zygote() as zygote:
    module = StudentModule(zygote, "probe", [Path(sys.argv[1])], {}, Limits(call_timeout_s=20.0))
    try:
        try:
            module.signals(os.getpid())
            signal_outcome = "delivered"
        except StudentError as exc:
            signal_outcome = exc.type_name
        report = {"pid_namespace": zygote.pid_namespace, "capabilities": module.capabilities(), "signal": signal_outcome}
    finally:
        module.close()
print(json.dumps(report))
'''


@pytest.mark.skipif(not nobody_can_run_python(), reason="needs root and a Python installation that user nobody can read")
def test_unprivileged_grader_confines_workers() -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        Path(folder).chmod(0o755)
        write(Path(folder), "probe.py", UNPRIVILEGED_STUDENT)
        command = ["runuser", "-u", "nobody", "--", sys.executable, "-c", UNPRIVILEGED_GRADER, folder]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd="/tmp")
    assert completed.returncode == 0, completed.stderr[-2000:]
    report = json.loads(completed.stdout)
    if not report["pid_namespace"]:
        pytest.skip("this system forbids unprivileged user namespaces, so workers share the grader's PID namespace")
    assert report["capabilities"] == "0000000000000000", "the worker kept capabilities from the zygote's user namespace"
    assert report["signal"] == "ProcessLookupError", "a worker could signal the grading process"
