"""Do hostile submissions lose only the points of the code they break, and leave the grader intact?

Each entry in tests/hostile/a1_lif/ attacks the grader from student code. Some run forever,
crash their worker or kill other processes. Others flood their output, return values that
run code when inspected, patch modules in their worker, read files they should not, or ship
files that would change how Python or pytest behave. Every entry states the exact score it
deserves and the flags or messages that prove the grader saw the attack. After each entry
no process may be left over and the reference must still get full marks.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from autograder.catalogue import Entry, expectation_problems, load_entries, materialize
from autograder.engine import grade
from autograder.results import AssignmentResult, GradingResults
from autograder.worker.client import Limits, Zygote
from conftest import ROOT, SNN_GRADE, SOLUTIONS

HOSTILE = ROOT / "tests" / "hostile"
ENTRIES = load_entries(HOSTILE, ["a1_lif"])
ENTRY_BY_NAME = {entry.name: entry for entry in ENTRIES}

#: Short limits keep this file fast: every call that runs forever costs one time limit.
HOSTILE_LIMITS = Limits(call_timeout_s=3.0, memory_limit_mb=2048)

#: Time limits for entries whose reply takes the worker longer than HOSTILE_LIMITS allows.
#: Encoding a 240 MB tensor as JSON took about 3 s on a busy 2-core x86-64 machine.
CALL_TIMEOUTS = {"returns_huge_tensor": 20.0}

#: Entries that kill the zygote get a zygote of their own, so a successful attack fails
#: their own test and not every later test of the session.
OWN_ZYGOTE = {"kills_zygote", "kills_zygote_and_keeps_serving"}

#: Entries that kill the grading process are graded by a separate `snn-grade grade`
#: process, so a successful attack fails their own test and not the test session. With no
#: worker user only a PID namespace stops them, so they are skipped where the system
#: allows none.
OWN_GRADER = {"kills_grader"}

#: Entries with `known_gap` set describe attacks the grader does not withstand yet. Their
#: marks are strict: once the grader withstands one, its test fails as XPASS until the
#: entry's known_gap is removed.

#: File in which the network entry expects the port of the listener this module starts.
PORT_FILE = Path("a1_lif") / "listener_port.txt"


#: Points of a1_lif, which an entry that loses nothing keeps.
FULL_MARKS = 44


def _parameters() -> list:
    parameters = []
    for entry in ENTRIES:
        marks = []
        if entry.known_gap:
            marks.append(pytest.mark.xfail(strict=True, reason=entry.known_gap))
        parameters.append(pytest.param(entry, id=entry.label, marks=marks))
    return parameters


@pytest.fixture(scope="module")
def listener() -> Iterator[socket.socket]:
    """A TCP listener on a free port of 127.0.0.1 that the network entry tries to reach."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    yield server
    server.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the reference, graded after each entry."""
    folder = tmp_path_factory.mktemp("reference")
    shutil.copytree(SOLUTIONS / "a1_lif", folder / "a1_lif", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def materialize_entry(entry: Entry, destination: Path, port: int) -> Path:
    """Write the entry as a submission and fill in the listener's port where it expects one."""
    submission = materialize(entry, SOLUTIONS, destination)
    port_file = submission / PORT_FILE
    if port_file.is_file():
        port_file.write_text(str(port), encoding="ascii")
    return submission


def limits_for(entry: Entry) -> Limits:
    timeout = CALL_TIMEOUTS.get(entry.name, HOSTILE_LIMITS.call_timeout_s)
    return Limits(call_timeout_s=timeout, memory_limit_mb=HOSTILE_LIMITS.memory_limit_mb)


def grade_in_own_process(submission: Path, limits: Limits) -> AssignmentResult:
    """Grade `submission` with `snn-grade grade` in a new process and return its a1_lif result."""
    command = [
        *SNN_GRADE,
        "grade",
        str(submission),
        "--assignment",
        "a1_lif",
        "--format",
        "json",
        "--hidden-messages",
        "--call-timeout",
        f"{limits.call_timeout_s:g}",
        "--memory-limit",
        str(limits.memory_limit_mb),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert completed.returncode == 0, (
        f"the grading process ended with status {completed.returncode}: {completed.stderr[-2000:]}"
    )
    return GradingResults.from_dict(json.loads(completed.stdout)).assignments[0]


def grade_entry(entry: Entry, submission: Path, zygote: Zygote) -> AssignmentResult:
    limits = limits_for(entry)
    if entry.name in OWN_GRADER:
        return grade_in_own_process(submission, limits)
    if entry.name in OWN_ZYGOTE:
        with Zygote() as own:
            return grade(submission, ["a1_lif"], "all", limits, own).assignments[0]
    return grade(submission, ["a1_lif"], "all", limits, zygote).assignments[0]


@functools.cache
def settled(probe, seconds: float = 3.0) -> list:
    """Return `probe()` once it is empty, or its last value after `seconds`.

    A killed process whose parent is gone is reaped by the system's init, which can
    take a moment, so its entry in /proc may linger briefly.
    """
    deadline = time.monotonic() + seconds
    found = probe()
    while found and time.monotonic() < deadline:
        time.sleep(0.1)
        found = probe()
    return found


def network_namespace_available() -> bool:
    """Return whether a new process may enter an empty network namespace, as the worker tries to."""
    probe = "import sys; from autograder.worker.sandbox import isolate_network; sys.exit(0 if isolate_network() else 1)"
    return subprocess.run([sys.executable, "-c", probe], cwd=ROOT, timeout=120).returncode == 0


def children_of(parent: int) -> list[int]:
    """Return the pids of the processes whose parent is `parent`, read from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:  # The process ended while the loop ran.
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            children.append(int(entry.name))
    return children


def processes_using(folder: Path) -> list[str]:
    """Return "pid command line" for each process whose working folder, command line or open files lie in `folder`.

    Processes this user may not inspect, and zombies, which have no working folder, are
    skipped.
    """
    prefix = str(folder.resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            paths = [os.readlink(entry / "cwd")]
            descriptors = list((entry / "fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                paths.append(os.readlink(descriptor))
            except OSError:  # The descriptor was closed while the loop ran.
                continue
        if prefix in command or any(path.startswith(prefix) for path in paths):
            found.append(f"{entry.name} {command[:200]}")
    return found


def test_catalogue_covers_the_attacks() -> None:
    assert len(ENTRIES) >= 25
    assert all(entry.expect == "hostile" for entry in ENTRIES)
    assert all(entry.score is not None for entry in ENTRIES), "every hostile entry states its exact score"
    assert all(entry.flags or entry.messages or entry.score == FULL_MARKS for entry in ENTRIES), (
        "an entry that loses points names a flag or message that shows the grader saw why"
    )


@pytest.mark.slow
@pytest.mark.parametrize("entry", _parameters())
def test_entry_is_contained(
    entry: Entry,
    tmp_path: Path,
    zygote: Zygote,
    listener: socket.socket,
    reference: Path,
) -> None:
    if entry.name == "network_connection" and not network_namespace_available():
        pytest.skip("this system forbids network namespaces, so the worker cannot be cut off from the network")
    if entry.name in OWN_GRADER and not zygote.pid_namespace:
        pytest.skip("this system forbids PID namespaces, so a worker running as the grader's user can kill the grading process")
    submission = materialize_entry(entry, tmp_path, listener.getsockname()[1])

    result = grade_entry(entry, submission, zygote)

    assert expectation_problems(entry, result) == []
    assert settled(lambda: processes_using(submission)) == [], "processes started by the submission outlived grading"
    assert children_of(zygote.spawner_pid) == [], "the session's zygote still has workers or strays"
    after = grade(reference, ["a1_lif"], "all", HOSTILE_LIMITS, zygote).assignments[0]
    assert after.score == after.max_score, f"the reference graded after {entry.name} lost points: {after.flags}"


def test_network_entry_never_reaches_listener(tmp_path: Path, zygote: Zygote, listener: socket.socket) -> None:
    if not network_namespace_available():
        pytest.skip("this system forbids network namespaces, so the worker cannot be cut off from the network")
    entry = ENTRY_BY_NAME["network_connection"]
    port = listener.getsockname()[1]
    submission = materialize_entry(entry, tmp_path, port)

    result = grade(submission, ["a1_lif"], "all", HOSTILE_LIMITS, zygote).assignments[0]

    assert f"network: lif.firing_rate: connect ('127.0.0.1', {port})" in result.flags
    with pytest.raises(BlockingIOError):
        listener.accept()


def test_escaped_child_stops_with_grading(tmp_path: Path, zygote: Zygote, listener: socket.socket) -> None:
    entry = ENTRY_BY_NAME["child_outlives_call"]
    submission = materialize_entry(entry, tmp_path, listener.getsockname()[1])
    log = submission / "a1_lif" / "escaped_child.log"

    grade(submission, ["a1_lif"], "all", HOSTILE_LIMITS, zygote)

    assert log.is_file(), "the escaped child never ran, so this test checks nothing"
    size = log.stat().st_size
    time.sleep(0.3)  # The child appends every 50 ms while it lives.
    assert log.stat().st_size == size, "the escaped child still writes after grading ended"


def test_import_failure_reaches_every_test(tmp_path: Path, zygote: Zygote, listener: socket.socket) -> None:
    entry = ENTRY_BY_NAME["syntax_error"]
    submission = materialize_entry(entry, tmp_path, listener.getsockname()[1])

    result = grade(submission, ["a1_lif"], "all", HOSTILE_LIMITS, zygote).assignments[0]

    without_reason = [test.id for test in result.tests if "importing lif.py failed with SyntaxError" not in test.message]
    assert without_reason == []


def test_session_zygote_survives_hostile_set(zygote: Zygote) -> None:
    """Runs after the entries above (pytest keeps file order) and checks what they left behind."""
    assert zygote.process.poll() is None
    assert children_of(zygote.spawner_pid) == []
