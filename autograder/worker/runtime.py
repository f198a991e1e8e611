"""The worker's side of a call: import the student's module, run one function, reply.

This module runs only in the worker process, which the zygote forks for one
submission. Student code runs in the same process and may undo anything here. The
grader therefore trusts none of it beyond the plain data it decodes, and it decides
itself which arguments a call changed in place.
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
from dataclasses import dataclass
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


def _argument_names(function: Any, count: int) -> dict[str, str]:
    """Name the first `count` positional arguments of `function` after its parameters, keyed "0", "1", ..."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        parameters = []
    positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return {str(index): positional[index] if index < len(positional) else f"argument {index}" for index in range(count)}


@dataclass(frozen=True)
class _BoundFunctions:
    """The functions that build and send a reply, bound before student code is imported."""

    receive: Callable[[socket.socket], dict[str, Any]]
    encode: Callable[[dict[str, Any]], bytes]
    sendall: Callable[[socket.socket, bytes], None]
    handle: Callable[[dict[str, Any]], dict[str, Any]]
    finish: Callable[[dict[str, Any], BoundedWriter, float], dict[str, Any]]
    describe: Callable[[BaseException, str], dict[str, Any]]
    seed: Callable[[int], None]
    load_harness: Callable[[str], Callable[..., Any]]
    argument_names: Callable[[Any, int], dict[str, str]]
    digest_inputs: Callable[[list[Any], dict[str, Any]], dict[str, str]]
    changed_inputs: Callable[[dict[str, str], Any, Any], list[str]]
    start_watch: Callable[[], None]
    stop_watch: Callable[[], list[str]]
    take_network: Callable[[], list[str]]


class Runtime:
    """Serve calls for one submission on one connected socket.

    Construct it before the student's module is imported, because the constructor binds
    every function that builds and sends a reply, its own methods included. Student code
    that later replaces an attribute of this package's modules or classes, such as
    `protocol.encode` or `Runtime.handle`, changes no reply.
    """

    def __init__(self, sock: socket.socket, paths: list[str], forbidden: list[str], limits: dict[str, Any] | None = None) -> None:
        self.sock = sock
        self.roots = [Path(p).resolve() for p in paths]
        self.watch = DelegationWatch(forbidden)
        self.network = sandbox.NetworkWatch()
        self.limits = limits or {}
        self._bound = _BoundFunctions(
            receive=protocol.receive,
            encode=protocol.encode,
            sendall=socket.socket.sendall,
            handle=self.handle,
            finish=self._finish,
            describe=self._describe,
            seed=seed_everything,
            load_harness=load_harness,
            argument_names=_argument_names,
            digest_inputs=protocol.input_digests,
            changed_inputs=protocol.changed_inputs,
            start_watch=self.watch.start,
            stop_watch=self.watch.stop,
            take_network=self.network.take,
        )

    def serve(self) -> None:
        bound = self._bound
        while True:
            try:
                request = bound.receive(self.sock)
            except EOFError:
                return
            reply = bound.handle(request)
            try:
                frame = bound.encode(reply)
            except Exception as exc:  # A returned object whose methods raise while being encoded.
                frame = bound.encode({"ok": False, "kind": "bad_result", "message": f"{type(exc).__name__}: {exc}"[:500], "stdout": ""})
            bound.sendall(self.sock, frame)
            if reply.get("fatal"):
                return

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        bound = self._bound
        module_name = request["module"]
        function_name = request["function"]
        qualified = f"{module_name}.{function_name}"
        args, kwargs = list(request.get("args", [])), dict(request.get("kwargs", {}))
        stdout = BoundedWriter(MAX_CAPTURED_CHARS)
        reply: dict[str, Any] = {"ok": False}
        started = time.perf_counter()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stdout):
            try:
                bound.seed(int(request.get("seed", 0)))
                try:
                    module = importlib.import_module(module_name)
                except Exception as exc:
                    return bound.finish(reply | bound.describe(exc, qualified) | {"kind": "import"}, stdout, started)
                except BaseException as exc:  # SystemExit or KeyboardInterrupt at import: end this worker too.
                    return bound.finish(reply | bound.describe(exc, qualified) | {"kind": "import", "fatal": True}, stdout, started)
                if request.get("op") == "import":
                    return bound.finish({"ok": True, "value": None, "modified_inputs": [], "used": []}, stdout, started)
                if request.get("harness"):
                    function = functools.partial(bound.load_harness(str(request["harness"])), module)
                else:
                    function = getattr(module, function_name, None)
                if not callable(function):
                    reply.update(kind="missing", message=f"{module_name}.py has no function {function_name}")
                else:
                    names = bound.argument_names(function, len(args))
                    before = bound.digest_inputs(args, kwargs)
                    bound.start_watch()
                    try:
                        value = function(*args, **kwargs)
                    finally:
                        used = bound.stop_watch()
                    after = bound.digest_inputs(args, kwargs)
                    reply = {
                        "ok": True,
                        "value": value,
                        "used": used,
                        # The grader compares input_digests with its own digests of what it sent.
                        # modified_inputs serves callers that run student code in their own process.
                        "input_digests": after,
                        "input_names": names,
                        "modified_inputs": bound.changed_inputs(before, after, names),
                    }
            except Exception as exc:
                reply.update(bound.describe(exc, qualified))
            except BaseException as exc:  # SystemExit, KeyboardInterrupt: end this worker after replying.
                reply.update(bound.describe(exc, qualified), fatal=True)
        return bound.finish(reply, stdout, started)

    def _finish(self, reply: dict[str, Any], stdout: BoundedWriter, started: float) -> dict[str, Any]:
        reply["stdout"] = stdout.getvalue()
        reply["duration_s"] = time.perf_counter() - started
        reply["network"] = self._bound.take_network()
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
        # Built before the submission's folders are importable, so it binds its functions first.
        runtime = Runtime(sock, paths, list(request.get("forbidden", [])), limits)
        sys.path[:0] = paths
        os.chdir(paths[0])
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
