"""The zygote: a process that imports torch once and forks a fresh worker on request.

Importing torch takes seconds, forking a process that has imported it takes
milliseconds, so a worker that crashed or timed out is replaced at once. The zygote
never runs a tensor operation: forking after torch has started its OpenMP thread pool
can hang the child.

Control messages on the socket passed as argv[1]:

- `{"op": "spawn", "paths": [...], "forbidden": [...], "memory_limit_mb": N}` forks a
  worker and replies `{"pid": PID}` with the worker's end of a new socket pair attached.
- `{"op": "wait", "pid": PID}` reaps that worker and replies with its exit status.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import pkgutil
import signal
import socket
import sys


def _exit_description(status: int) -> dict[str, int | str]:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        return {"signal": number, "signal_name": signal.Signals(number).name}
    return {"exit_code": os.WEXITSTATUS(status)}


#: `prctl` option that makes this process adopt orphaned descendants (<linux/prctl.h>).
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    """Adopt every orphaned descendant, so that no process a worker starts can outlive it."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _children() -> list[int]:
    """Return the pids of this process's children, read from /proc."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            found.append(int(entry))
    return found


def kill_strays(live: set[int]) -> None:
    """Kill and reap every child that is not a live worker: processes a worker left behind.

    A process that left its worker's process group (with setsid, say) survives the
    group kill; once its parent is gone it becomes a child of the zygote and ends here.
    Killing one may orphan its own children, so this repeats until none are left.
    """
    for _ in range(100):
        strays = [pid for pid in _children() if pid not in live]
        if not strays:
            return
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in strays:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def serve(control: socket.socket) -> None:
    from autograder.worker import protocol

    live: set[int] = set()
    while True:
        try:
            request = protocol.receive(control)
        except EOFError:
            kill_strays(set())
            return
        if request.get("op") == "spawn":
            parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            pid = os.fork()
            if pid == 0:
                control.close()
                parent_end.close()
                code = 0
                try:
                    from autograder.worker.runtime import run_child

                    run_child(child_end, request)
                except BaseException:  # noqa: BLE001 - the worker must end here, never return to the loop.
                    code = 70
                finally:
                    os._exit(code)
            child_end.close()
            live.add(pid)
            socket.send_fds(control, [protocol.encode({"pid": pid})], [parent_end.fileno()])
            parent_end.close()
        elif request.get("op") == "wait":
            pid = int(request["pid"])
            try:
                _, status = os.waitpid(pid, 0)
                description = _exit_description(status)
            except ChildProcessError:
                description = {"exit_code": -1}
            live.discard(pid)
            kill_strays(live)
            protocol.send(control, description)
        else:
            protocol.send(control, {"error": f"unknown op {request.get('op')!r}"})


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    # Loaded before the first fork so that every worker starts with them imported.
    import numpy  # noqa: F401
    import snntorch  # noqa: F401
    import torch  # noqa: F401

    from autograder.worker import delegation, protocol, runtime  # noqa: F401

    # Harnesses too: a worker that switched users may be unable to read the grader's files.
    import autograder.harnesses

    for info in pkgutil.iter_modules(autograder.harnesses.__path__, "autograder.harnesses."):
        importlib.import_module(info.name)

    become_subreaper()
    protocol.send(control, {"ready": True, "pid": os.getpid()})
    serve(control)
    # Skip interpreter shutdown: tearing down torch takes about half a second and the
    # zygote has nothing to flush.
    os._exit(0)


if __name__ == "__main__":
    main()
