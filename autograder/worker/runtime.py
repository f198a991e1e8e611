"""The worker's side of a call: import the student's module, run one function, reply.

This module runs only in the worker process, which the zygote forks for one
submission. Everything here may be undone by hostile student code; the grader trusts
none of it beyond the plain data it decodes.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import io
import os
import random
import re
import socket
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from autograder.worker import protocol, sandbox
from autograder.worker.delegation import DelegationWatch

#: How much of the student's printed output a reply carries.
MAX_CAPTURED_CHARS = 20_000

_STUB_PATTERN = re.compile(r"([A-Za-z_][\w.]*) is not implemented yet")


#: Package whose functions may run in the worker on the student's module.
HARNESS_PACKAGE = "autograder.harnesses."


def _safe_str(exc: BaseException) -> str:
    """Return `str(exc)`, or a placeholder when the exception's own `__str__` fails."""
    try:
        return str(exc)
    except Exception:  # The student's exception class may define a __str__ that raises.
        return f"<{type(exc).__name__} whose message cannot be printed>"


def load_harness(name: str) -> Callable[..., Any]:
    """Return the harness function `package.module:function`, which takes the student's module first.

    A harness is grader code that drives student code inside the worker, for example
    a training loop that builds the student's network and returns its predictions.
    """
    module_name, _, function_name = name.partition(":")
    if not module_name.startswith(HARNESS_PACKAGE) or not function_name:
        raise ValueError(f"invalid harness {name!r}: expected '{HARNESS_PACKAGE}<module>:<function>'")
    return getattr(importlib.import_module(module_name), function_name)


class BoundedWriter(io.TextIOBase):
    """A text stream that keeps the first `limit` characters and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def getvalue(self) -> str:
        value = "".join(self.parts)
        if self.dropped:
            value += f"\n[... {self.dropped} more characters not shown]"
        return value


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's random generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def trimmed_traceback(exc: BaseException, roots: list[Path]) -> str:
    """Format `exc` with only the frames from files under `roots` (the student's files)."""
    frames = []
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        for root in roots:
            if path.is_relative_to(root):
                frames.append(f'  File "{path.relative_to(root)}", line {frame.lineno}, in {frame.name}')
                if frame.line:
                    frames.append(f"    {frame.line}")
                break
    last = traceback.format_exception_only(type(exc), exc)[-1].rstrip()
    return "\n".join(["Traceback (student code only):", *frames, last]) if frames else last


def _tensor_arguments(function: Any, args: list, kwargs: dict) -> dict[str, torch.Tensor]:
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
        named = dict(bound.arguments)
    except (TypeError, ValueError):
        named = {f"argument {i}": value for i, value in enumerate(args)} | kwargs
    return {name: value for name, value in named.items() if isinstance(value, torch.Tensor)}


def _same(before: torch.Tensor, after: torch.Tensor) -> bool:
    if before.shape != after.shape or before.dtype != after.dtype:
        return False
    return bool(torch.equal(before.reshape(-1).view(torch.uint8), after.detach().reshape(-1).view(torch.uint8)))


class Runtime:
    """Serve calls for one submission on one connected socket."""

    def __init__(self, sock: socket.socket, paths: list[str], forbidden: list[str], limits: dict[str, Any] | None = None) -> None:
        self.sock = sock
        self.roots = [Path(p).resolve() for p in paths]
        self.watch = DelegationWatch(forbidden)
        self.network = sandbox.NetworkWatch()
        self.limits = limits or {}

    def serve(self) -> None:
        while True:
            try:
                request = protocol.receive(self.sock)
            except EOFError:
                return
            reply = self.handle(request)
            try:
                frame = protocol.encode(reply)
            except Exception as exc:  # A returned object whose methods raise while being encoded.
                frame = protocol.encode({"ok": False, "kind": "bad_result", "message": f"{type(exc).__name__}: {exc}"[:500], "stdout": ""})
            self.sock.sendall(frame)
            if reply.get("fatal"):
                return

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        module_name = request["module"]
        function_name = request["function"]
        qualified = f"{module_name}.{function_name}"
        args, kwargs = list(request.get("args", [])), dict(request.get("kwargs", {}))
        stdout = BoundedWriter(MAX_CAPTURED_CHARS)
        reply: dict[str, Any] = {"ok": False}
        started = time.perf_counter()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stdout):
            try:
                seed_everything(int(request.get("seed", 0)))
                try:
                    module = importlib.import_module(module_name)
                except Exception as exc:
                    return self._finish(reply | self._describe(exc, qualified) | {"kind": "import"}, stdout, started)
                except BaseException as exc:  # SystemExit or KeyboardInterrupt at import: end this worker too.
                    return self._finish(reply | self._describe(exc, qualified) | {"kind": "import", "fatal": True}, stdout, started)
                if request.get("op") == "import":
                    return self._finish({"ok": True, "value": None, "modified_inputs": [], "used": []}, stdout, started)
                if request.get("harness"):
                    function = functools.partial(load_harness(str(request["harness"])), module)
                else:
                    function = getattr(module, function_name, None)
                if not callable(function):
                    reply.update(kind="missing", message=f"{module_name}.py has no function {function_name}")
                else:
                    tensors = _tensor_arguments(function, args, kwargs)
                    snapshots = {name: tensor.detach().clone() for name, tensor in tensors.items()}
                    self.watch.start()
                    try:
                        value = function(*args, **kwargs)
                    finally:
                        used = self.watch.stop()
                    # NOTE: this comparison runs next to student code, so a submission that patches
                    # the worker's own modules can hide an in-place change. Only the tests of
                    # unchanged inputs rely on it.
                    modified = [name for name, before in snapshots.items() if not _same(before, tensors[name])]
                    reply = {"ok": True, "value": value, "modified_inputs": modified, "used": used}
            except Exception as exc:
                reply.update(self._describe(exc, qualified))
            except BaseException as exc:  # SystemExit, KeyboardInterrupt: end this worker after replying.
                reply.update(self._describe(exc, qualified), fatal=True)
        return self._finish(reply, stdout, started)

    def _finish(self, reply: dict[str, Any], stdout: BoundedWriter, started: float) -> dict[str, Any]:
        reply["stdout"] = stdout.getvalue()
        reply["duration_s"] = time.perf_counter() - started
        reply["network"] = self.network.take()
        return reply

    def _describe(self, exc: BaseException, qualified: str) -> dict[str, Any]:
        message = _safe_str(exc)
        kind = "exception"
        missing = None
        if isinstance(exc, NotImplementedError):
            match = _STUB_PATTERN.search(message)
            missing = match.group(1) if match else qualified
            kind = "not_implemented"
        elif isinstance(exc, MemoryError) or "can't allocate memory" in message:
            kind = "memory"
        elif sandbox.describe_limit_error(exc, self.limits):
            kind = "limit"
            message = f"{sandbox.describe_limit_error(exc, self.limits)}: {message}"
        return {
            "kind": kind,
            "type": type(exc).__name__,
            "message": message[:2000],
            "traceback": trimmed_traceback(exc, self.roots)[:5000],
            "missing": missing,
        }


def run_child(sock: socket.socket, request: dict[str, Any]) -> None:
    """Set up a freshly forked worker for one submission and serve its calls."""
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    limits = dict(request.get("limits", {}))
    try:
        paths = [str(Path(p).resolve()) for p in request["paths"]]
        if request.get("isolate_network"):
            sandbox.isolate_network()
        if request.get("user") and os.getuid() == 0:
            sandbox.drop_privileges(str(request["user"]))
        if os.getuid() != 0:
            sandbox.drop_capabilities()
        sys.path[:0] = paths
        os.chdir(paths[0])
        runtime = Runtime(sock, paths, list(request.get("forbidden", [])), limits)
        sandbox.apply_limits(limits)
        sandbox.limit_memory(int(limits.get("memory_limit_mb", 0)) * 1024 * 1024)
    except Exception as exc:  # Report the failure on the first call instead of vanishing.
        _reply_setup_failure(sock, exc)
        return
    runtime.serve()


def _reply_setup_failure(sock: socket.socket, exc: Exception) -> None:
    message = f"the worker could not start: {type(exc).__name__}: {exc}"
    try:
        protocol.receive(sock)
        protocol.send(sock, {"ok": False, "kind": "setup", "message": message, "stdout": "", "fatal": True})
    except (EOFError, OSError, protocol.ProtocolError):
        pass
