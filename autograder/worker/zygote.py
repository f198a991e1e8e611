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


def serve(control: socket.socket) -> None:
    from autograder.worker import protocol

    while True:
        try:
            request = protocol.receive(control)
        except EOFError:
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
            socket.send_fds(control, [protocol.encode({"pid": pid})], [parent_end.fileno()])
            parent_end.close()
        elif request.get("op") == "wait":
            try:
                _, status = os.waitpid(int(request["pid"]), 0)
                protocol.send(control, _exit_description(status))
            except ChildProcessError:
                protocol.send(control, {"exit_code": -1})
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

    protocol.send(control, {"ready": True, "pid": os.getpid()})
    serve(control)
    # Skip interpreter shutdown: tearing down torch takes about half a second and the
    # zygote has nothing to flush.
    os._exit(0)


if __name__ == "__main__":
    main()
