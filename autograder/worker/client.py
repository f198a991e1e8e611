"""The grader's side of the process boundary: start workers and call student functions.

`Zygote` starts one helper process per grading run. `Worker` is one forked worker
serving one submission; `StudentModule` is the object a test receives: attribute access returns
a function that sends its arguments to the worker and decodes the reply.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.worker import protocol
from autograder.worker.launch import LaunchedProcess, launch
from autograder.worker.limits import Limits
from autograder.worker.errors import (
    BadReply,
    CallFailed,
    CallTimeout,
    Delegated,
    ImportFailed,
    NotImplementedYet,
    StudentError,
    WorkerCrashed,
)

log = logging.getLogger(__name__)



@dataclass
class CallRecord:
    """The outcome of one successful call into student code."""

    function: str
    value: Any
    modified_inputs: list[str] = field(default_factory=list)
    stdout: str = ""
    duration_s: float = 0.0


class Zygote:
    """A process that has imported torch and forks workers on request.

    Pass `launch()`'s result to start the process before the grader imports torch, so
    both imports run at the same time.
    """

    def __init__(self, launched: "LaunchedProcess | None" = None) -> None:
        launched = launched or launch()
        self.process = launched.process
        self.control = launched.control
        self._log = launched.log
        self.ready = False
        self.restarts = 0
        self._spawner_pid = 0
        self._pid_namespace = False

    def _wait_ready(self) -> None:
        if self.ready:
            return
        try:
            message = protocol.receive(self.control)
        except (EOFError, OSError, protocol.ProtocolError) as exc:
            self._log.seek(0)
            detail = self._log.read().decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(f"the worker process failed to start: {detail[-1] if detail else exc}") from None
        self._spawner_pid = int(message["pid"])
        self._pid_namespace = bool(message.get("pid_namespace"))
        self.ready = True

    @property
    def spawner_pid(self) -> int:
        """Pid, as this process numbers it, of the process that forks the workers.

        That is the zygote process itself, or its child that is pid 1 of the workers' PID
        namespace. Waits until the zygote is ready.
        """
        self._wait_ready()
        return self._spawner_pid

    @property
    def pid_namespace(self) -> bool:
        """Whether the workers run in a PID namespace of their own. Waits until the zygote is ready."""
        self._wait_ready()
        return self._pid_namespace

    def _restart(self) -> None:
        """Replace a zygote that died.

        Student code can kill the zygote only where the workers share its PID namespace and
        run as its user.
        """
        log.warning("the worker zygote (pid %d) ended; starting a new one", self.process.pid)
        self.control.close()
        self.process.kill()
        self.process.wait()
        self._log.close()
        launched = launch()
        self.process, self.control, self._log = launched.process, launched.control, launched.log
        self.ready = False
        self.restarts += 1

    def spawn(self, paths: list[Path], forbidden: list[str], limits: Limits) -> "Worker":
        """Fork a worker for one submission, starting a new zygote once if the old one died."""
        try:
            return self._spawn(paths, forbidden, limits)
        except (OSError, EOFError, protocol.ProtocolError):
            self._restart()
            return self._spawn(paths, forbidden, limits)

    def _spawn(self, paths: list[Path], forbidden: list[str], limits: Limits) -> "Worker":
        self._wait_ready()
        request = {
            "op": "spawn",
            "paths": [str(p) for p in paths],
            "forbidden": forbidden,
            "limits": limits.for_worker(),
            "isolate_network": limits.isolate_network,
            "user": limits.worker_user,
        }
        protocol.send(self.control, request)
        data, fds, _, _ = socket.recv_fds(self.control, 65536, 1)
        if not fds:
            raise RuntimeError("the worker process did not hand over a connection")
        (size,) = protocol._HEADER.unpack(data[: protocol._HEADER.size])
        body = data[protocol._HEADER.size :]
        while len(body) < size:
            body += self.control.recv(size - len(body))
        reply = protocol.decode(body)
        return Worker(self, int(reply["pid"]), socket.socket(fileno=fds[0]), limits, self.restarts)

    def stop_worker(self, pid: int, restarts: int) -> dict[str, Any]:
        """Have the zygote kill a worker's process group and reap it, and return its exit status.

        `restarts` is this object's restart count when the worker was forked. The status is
        empty when the zygote that forked the worker is gone. A worker in that zygote's PID
        namespace ended with it; any other is killed from here, where its pid is valid.
        """
        if restarts == self.restarts:
            try:
                protocol.send(self.control, {"op": "stop", "pid": pid})
                return protocol.receive(self.control)
            except (OSError, EOFError, protocol.ProtocolError):
                pass
        if not self._pid_namespace:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            except PermissionError as exc:
                log.warning("could not kill worker %d: %s", pid, exc)
        return {}

    def close(self) -> None:
        self.control.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def __enter__(self) -> "Zygote":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _describe_exit(status: dict[str, Any], limits: Limits) -> str:
    if "signal_name" in status:
        name = status["signal_name"]
        if name == "SIGKILL":
            return f"was killed by SIGKILL (often the memory limit of {limits.memory_limit_mb} MiB)"
        if name == "SIGSEGV":
            return "crashed with a segmentation fault"
        if name == "SIGXCPU":
            return f"exceeded the CPU time limit of {limits.cpu_time_s} s"
        if name == "SIGXFSZ":
            return f"wrote a file larger than the limit of {limits.file_size_mb} MiB"
        return f"was killed by {name}"
    if "exit_code" not in status:
        return "ended together with the process that started it (did the code kill its parent?)"
    return f"exited with status {status.get('exit_code')} (does the code call sys.exit or os._exit?)"


class Worker:
    """One worker process serving one submission.

    `pid` is the worker's pid in the zygote's PID namespace, which may not be the grader's.
    """

    def __init__(self, zygote: Zygote, pid: int, sock: socket.socket, limits: Limits, restarts: int) -> None:
        self.zygote = zygote
        self.pid = pid
        self.restarts = restarts
        self.sock = sock
        self.limits = limits
        self.alive = True
        self.network_attempts: list[str] = []

    def call(
        self,
        module: str,
        function: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        forbidden: list[str],
        seed: int = 0,
        timeout_s: float | None = None,
        harness: str | None = None,
        op: str = "call",
    ) -> CallRecord:
        qualified = f"{module}.{function}"
        timeout = timeout_s if timeout_s is not None else self.limits.call_timeout_s
        request = {"op": op, "module": module, "function": function, "args": list(args), "kwargs": kwargs, "seed": seed}
        if harness is not None:
            request["harness"] = harness
        sent_digests = protocol.input_digests(args, kwargs)
        try:
            protocol.send(self.sock, request)
            self.sock.settimeout(timeout)
            reply = protocol.receive(self.sock)
            self.network_attempts = [str(item) for item in reply.get("network", [])]
        except socket.timeout:
            self.stop()
            raise CallTimeout(f"{qualified} did not return within {timeout:g} s; the call was stopped") from None
        except (EOFError, ConnectionError, BrokenPipeError):
            status = self.stop()
            raise WorkerCrashed(f"the worker running {qualified} {_describe_exit(status, self.limits)}") from None
        except protocol.ProtocolError as exc:
            self.stop()
            raise BadReply(f"the reply from {qualified} could not be read: {exc}") from None
        finally:
            if self.alive:
                self.sock.settimeout(None)
        if reply.get("fatal"):
            self.stop()
        return _record(qualified, reply, forbidden, sent_digests)

    def import_module(self, module: str) -> None:
        """Import the student's module in the worker; raise CallFailed if that fails."""
        try:
            self.call(module, "<import>", (), {}, forbidden=[], op="import")
        except CallTimeout:
            raise CallTimeout(f"importing {module}.py did not finish within {self.limits.call_timeout_s:g} s") from None
        except WorkerCrashed as exc:
            raise WorkerCrashed(exc.summary.replace(f"running {module}.<import>", f"importing {module}.py")) from None

    def stop(self) -> dict[str, Any]:
        """Kill the worker's process group and reap it; return its exit status."""
        if not self.alive:
            return {}
        self.alive = False
        self.sock.close()
        return self.zygote.stop_worker(self.pid, self.restarts)


def _record(
    qualified: str,
    reply: dict[str, Any],
    forbidden: list[str],
    sent_digests: dict[str, str] | None = None,
) -> CallRecord:
    """Turn a decoded reply into a record, or raise the error it describes.

    With `sent_digests`, the digests of the tensor arguments as the grader sent them, this
    process decides which arguments the call changed in place, by comparing them with the
    digests the worker took after the call. Without them (student code run in this process)
    the reply's own `modified_inputs` counts.
    """
    stdout = str(reply.get("stdout", ""))
    if reply.get("ok"):
        used = [name for name in reply.get("used", []) if name in forbidden]
        if used:
            raise Delegated(qualified, used)
        if sent_digests is None:
            modified = list(reply.get("modified_inputs", []))
        else:
            modified = protocol.changed_inputs(sent_digests, reply.get("input_digests"), reply.get("input_names"))
        return CallRecord(
            function=qualified,
            value=reply.get("value"),
            modified_inputs=modified,
            stdout=stdout,
            duration_s=float(reply.get("duration_s", 0.0)),
        )
    kind = reply.get("kind")
    message = str(reply.get("message", ""))
    traceback = str(reply.get("traceback", ""))
    type_name = str(reply.get("type", "Exception"))
    if kind == "not_implemented":
        error: StudentError = NotImplementedYet(qualified, str(reply.get("missing") or qualified), message, traceback)
    elif kind == "bad_result":
        raise BadReply(f"{qualified} returned a value the grader cannot read: {message}")
    elif kind == "import":
        module_file = qualified.split(".")[0] + ".py"
        summary = f"importing {module_file} failed with {type_name}: {message}"
        error = ImportFailed(qualified, type_name, message, traceback, summary=summary)
    elif kind == "limit":
        error = StudentError(qualified, type_name, message, traceback, summary=f"{qualified} hit a resource limit: {message}")
    elif kind == "setup":
        raise WorkerCrashed(message)
    elif kind == "memory":
        raise WorkerCrashed(f"{qualified} ran out of memory: {type_name}: {message[:300]}")
    elif kind == "missing":
        error = StudentError(qualified, "AttributeError", message, "")
    else:
        error = StudentError(qualified, type_name, message, traceback)
    error.stdout = stdout
    raise error


class StudentModule:
    """A student's module as the suites see it: calls run in a worker.

    `student.leaky_step(x, mem, 0.9)` returns the decoded result; `student.call(...)`
    returns the whole `CallRecord`. A worker that died is replaced before the next call.
    """

    def __init__(
        self,
        zygote: Zygote,
        module: str,
        paths: list[Path],
        forbidden: dict[str, list[str]],
        limits: Limits,
    ) -> None:
        self._zygote = zygote
        self._module = module
        self._paths = paths
        self._forbidden = forbidden
        self._limits = limits
        self._worker: Worker | None = None
        self._import_failure: CallFailed | None = None
        self.static_uses: dict[str, list[str]] = {}
        """Forbidden names found in the student's source per function, set by the engine."""
        self.records: list[CallRecord] = []
        self.calls = 0
        self.network_attempts: list[str] = []

    def _live_worker(self) -> Worker:
        """Return a worker that has imported the module, starting one if needed.

        A failed import (an exception, an endless loop or a crash at import time) is
        remembered and raised again for every later call, so a module that cannot be
        imported costs one time limit, not one per test.
        """
        if self._import_failure is not None:
            raise self._import_failure.with_traceback(None)
        if self._worker is None or not self._worker.alive:
            watched = sorted({name for names in self._forbidden.values() for name in names})
            self._worker = self._zygote.spawn(self._paths, watched, self._limits)
            try:
                self._worker.import_module(self._module)
            except CallFailed as exc:
                self._worker.stop()
                self._import_failure = exc
                raise
        return self._worker

    def call(self, function: str, *args: Any, timeout_s: float | None = None, seed: int = 0, **kwargs: Any) -> CallRecord:
        """Call the student's `function` in the worker and return the whole record."""
        return self._invoke(function, args, kwargs, timeout_s, seed, None)

    def _invoke(
        self,
        function: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        timeout_s: float | None,
        seed: int,
        harness: str | None,
    ) -> CallRecord:
        self.calls += 1
        if function in self.static_uses:
            raise Delegated(f"{self._module}.{function}", self.static_uses[function])
        started = time.perf_counter()
        worker = self._live_worker()
        worker.network_attempts = []
        try:
            record = worker.call(
                self._module,
                function,
                args,
                kwargs,
                forbidden=self._forbidden.get(function, []),
                seed=seed,
                timeout_s=timeout_s,
                harness=harness,
            )
        finally:
            self.network_attempts.extend(f"{self._module}.{function}: {attempt}" for attempt in worker.network_attempts)
        record.duration_s = time.perf_counter() - started
        self.records.append(record)
        return record

    def run_harness(
        self,
        harness: str,
        *args: Any,
        function: str,
        timeout_s: float | None = None,
        seed: int = 0,
        **kwargs: Any,
    ) -> CallRecord:
        """Run grader code `harness` in the worker on the student's module.

        Args:
            harness: `autograder.harnesses.<module>:<function>`; it receives the student's
                module, then `args` and `kwargs`.
            function: the student function the harness exercises, named in messages; its
                forbidden snnTorch names apply to the whole harness call.
            timeout_s: time limit of this call; the worker's default if None.
            seed: seed for Python, NumPy and torch before the call.
        """
        return self._invoke(function, args, kwargs, timeout_s, seed, harness)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        def call_function(*args: Any, **kwargs: Any) -> Any:
            return self.call(name, *args, **kwargs).value

        call_function.__name__ = name
        return call_function

    def close(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
