"""Does the worker run student code behind a process boundary, as the trust model requires?"""

from __future__ import annotations

import os
import signal
import textwrap
import time
from pathlib import Path

import pytest
import torch

from autograder.worker.client import Limits, StudentModule, Zygote
from autograder.worker.errors import (
    BadReply,
    CallTimeout,
    Delegated,
    NotImplementedYet,
    StudentError,
    WorkerCrashed,
)

STUDENT_CODE = '''
import os
import signal
import sys
import time

import numpy as np
import torch
import snntorch as snn

calls = []

def add(a, b):
    print("adding", a, "and", b)
    return a + b

def stub(x):
    raise NotImplementedError("mod.stub is not implemented yet")

def uses_stub(x):
    return stub(x)

def divide(x):
    return helper(x)

def helper(x):
    return x / 0

def exits():
    sys.exit(0)

def hard_exit():
    os._exit(3)

def kills_itself():
    os.kill(os.getpid(), signal.SIGKILL)

def spins():
    while True:
        pass

def sleeps():
    time.sleep(60)

def doubles_in_place(x, scale=2.0):
    x.mul_(scale)
    return x

def random_draws():
    return torch.rand(3), float(np.random.rand())

def counts_calls():
    calls.append(1)
    return len(calls)

def delegates(x):
    return snn.Leaky(beta=0.5)(x)

def huge():
    return torch.ones(2**30, dtype=torch.uint8).sum()

def returns_object():
    return object()

def worker_pid():
    # The pid as /proc, and so the test process, numbers it: the worker's own namespace may differ.
    return int(os.readlink("/proc/self"))

def parent_pid():
    return os.getppid()

def probes(pid):
    os.kill(pid, 0)
    return True

def signals_parent():
    for number in range(1, 32):
        try:
            os.kill(os.getppid(), number)
        except OSError:
            pass
    return True
'''


def is_running(pid: int) -> bool:
    """Return whether `pid` names a process that has not exited (a zombie has)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def write_student(folder: Path) -> Path:
    folder.mkdir()
    (folder / "mod.py").write_text(STUDENT_CODE)
    return folder


@pytest.fixture
def student(tmp_path: Path, zygote: Zygote):
    folder = write_student(tmp_path / "a0")
    module = StudentModule(
        zygote,
        "mod",
        [folder, tmp_path],
        {"delegates": ["snntorch.Leaky"]},
        Limits(call_timeout_s=2.0, memory_limit_mb=512),
    )
    yield module
    module.close()


def test_call_returns_value_and_output(student: StudentModule) -> None:
    record = student.call("add", torch.ones(2), 3)
    assert torch.equal(record.value, torch.full((2,), 4.0))
    assert record.stdout == "adding tensor([1., 1.]) and 3\n"


def test_stub_reports_missing_function(student: StudentModule) -> None:
    with pytest.raises(NotImplementedYet) as info:
        student.uses_stub(1)
    assert info.value.missing == "mod.stub"
    assert info.value.summary == "not implemented yet: mod.stub"


def test_exception_traceback_is_trimmed_to_student_file(student: StudentModule) -> None:
    with pytest.raises(StudentError) as info:
        student.divide(1)
    assert info.value.type_name == "ZeroDivisionError"
    traceback = info.value.traceback
    assert 'File "mod.py"' in traceback
    assert "in helper" in traceback
    assert "autograder" not in traceback
    assert str(Path(__file__).parent) not in traceback


def test_sys_exit_fails_call_and_worker_is_replaced(student: StudentModule) -> None:
    first = student.worker_pid()
    with pytest.raises(StudentError, match="SystemExit"):
        student.exits()
    assert student.worker_pid() != first


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("hard_exit", "exited with status 3"),
        ("kills_itself", "killed by SIGKILL"),
    ],
)
def test_worker_death_is_described(student: StudentModule, function: str, expected: str) -> None:
    with pytest.raises(WorkerCrashed, match=expected):
        student.call(function)
    assert student.add(1, 1) == 2


@pytest.mark.parametrize("function", ["spins", "sleeps"])
def test_endless_call_times_out_and_worker_is_killed(student: StudentModule, function: str) -> None:
    pid = student.worker_pid()
    with pytest.raises(CallTimeout, match="did not return within 2 s"):
        student.call(function)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert student.add(2, 3) == 5


def test_memory_limit_stops_huge_allocation(student: StudentModule) -> None:
    with pytest.raises(WorkerCrashed, match="ran out of memory"):
        student.huge()
    assert student.add(1, 2) == 3


def test_in_place_modification_is_reported(student: StudentModule) -> None:
    record = student.call("doubles_in_place", torch.ones(3))
    assert record.modified_inputs == ["x"]
    assert torch.equal(record.value, torch.full((3,), 2.0))


def test_unmodified_inputs_are_not_reported(student: StudentModule) -> None:
    record = student.call("doubles_in_place", torch.ones(3), scale=1.0)
    assert record.modified_inputs == []


def test_keyword_argument_modification_is_reported(student: StudentModule) -> None:
    record = student.call("doubles_in_place", x=torch.ones(3))
    assert record.modified_inputs == ["x"]


def test_worker_cannot_signal_grader(student: StudentModule, zygote: Zygote) -> None:
    if not zygote.pid_namespace:
        pytest.skip("this system forbids PID namespaces, so workers share the grader's")
    assert student.parent_pid() == 1
    for pid in (os.getpid(), zygote.process.pid, zygote.spawner_pid):
        with pytest.raises(StudentError, match="ProcessLookupError"):
            student.probes(pid)


def test_worker_cannot_end_zygote_with_any_signal(tmp_path: Path) -> None:
    folder = write_student(tmp_path / "a0")
    with Zygote() as own:
        if not own.pid_namespace:
            pytest.skip("this system forbids PID namespaces, so a worker can signal its zygote")
        module = StudentModule(own, "mod", [folder], {}, Limits(call_timeout_s=5.0))
        try:
            assert module.signals_parent() is True
            assert module.add(1, 2) == 3
        finally:
            module.close()
        fresh = StudentModule(own, "mod", [folder], {}, Limits(call_timeout_s=5.0))
        try:
            assert fresh.add(2, 2) == 4
        finally:
            fresh.close()
        assert own.restarts == 0
        assert is_running(own.spawner_pid)


def test_dead_zygote_is_replaced_and_its_worker_ends(tmp_path: Path) -> None:
    folder = write_student(tmp_path / "a0")
    limits = Limits(call_timeout_s=5.0)
    with Zygote() as own:
        first = StudentModule(own, "mod", [folder], {}, limits)
        worker = first.worker_pid()
        os.kill(own.spawner_pid, signal.SIGKILL)
        first.close()
        deadline = time.monotonic() + 5.0
        while is_running(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not is_running(worker), "the worker outlived its zygote"

        second = StudentModule(own, "mod", [folder], {}, limits)
        try:
            assert second.add(1, 2) == 3
        finally:
            second.close()
        assert own.restarts == 1


def test_every_call_is_seeded_identically(student: StudentModule) -> None:
    first_tensor, first_float = student.random_draws()
    second_tensor, second_float = student.random_draws()
    assert torch.equal(first_tensor, second_tensor)
    assert first_float == second_float


def test_module_state_persists_within_one_worker(student: StudentModule) -> None:
    assert student.counts_calls() == 1
    assert student.counts_calls() == 2


def test_delegation_to_snntorch_is_detected(student: StudentModule) -> None:
    with pytest.raises(Delegated, match="mod.delegates calls snntorch.Leaky"):
        student.delegates(torch.ones(2))


def test_unsupported_return_value_is_reported(student: StudentModule) -> None:
    with pytest.raises(BadReply, match="values of type object are not supported"):
        student.returns_object()


def test_missing_function_is_reported(student: StudentModule) -> None:
    with pytest.raises(StudentError, match="mod.py has no function nothing_here"):
        student.nothing_here()


def test_syntax_error_is_reported_as_import_failure(tmp_path: Path, zygote: Zygote) -> None:
    folder = tmp_path / "a0"
    folder.mkdir()
    (folder / "broken.py").write_text("def f(:\n    pass\n")
    module = StudentModule(zygote, "broken", [folder], {}, Limits(call_timeout_s=2.0))
    try:
        with pytest.raises(StudentError) as info:
            module.f()
    finally:
        module.close()
    assert info.value.summary.startswith("importing broken.py failed with SyntaxError")


def test_student_cannot_import_grader_suites(tmp_path: Path, zygote: Zygote) -> None:
    folder = tmp_path / "a0"
    folder.mkdir()
    (folder / "peek.py").write_text(
        textwrap.dedent(
            """
            import importlib.util
            def find(name):
                try:
                    return importlib.util.find_spec(name) is not None
                except ModuleNotFoundError:
                    return False
            """
        )
    )
    module = StudentModule(zygote, "peek", [folder], {}, Limits(call_timeout_s=5.0))
    try:
        assert module.find("solutions") is False
        assert module.find("tests") is False
    finally:
        module.close()
