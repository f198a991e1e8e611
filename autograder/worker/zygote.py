"""The zygote: a process that imports torch once and forks a fresh worker on request.

Importing torch takes seconds, forking a process that has imported it takes
milliseconds, so a worker that crashed or timed out is replaced at once. The zygote
never runs a tensor operation: forking after torch has started its OpenMP thread pool
can hang the child.

Where the system allows it, the zygote first enters a new PID namespace and forks once:
that child is pid 1 of the namespace, imports torch and forks the workers, so a worker
can address only the namespace's pids and cannot signal the grading process. The zygote's first
process only waits for it and exits with its status.

Control messages on the socket passed as argv[1]:

- `{"op": "spawn", "paths": [...], "forbidden": [...], "memory_limit_mb": N}` forks a
  worker and replies `{"pid": PID}` with the worker's end of a new socket pair attached.
  PID is the worker's pid in the zygote's namespace.
- `{"op": "stop", "pid": PID}` kills that worker's process group, reaps the worker and
  replies with its exit status.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import pkgutil
import signal
import socket
import sys

from autograder.worker import sandbox


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


def _process_ids(entry: str) -> tuple[int, list[int]]:
    """Return the parent pid and the NSpid list of /proc/<entry>, or raise OSError if it has ended.

    Both start with pids as /proc's PID namespace numbers them. NSpid goes on with the
    pid in each nested namespace the process belongs to.
    """
    with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as handle:
        lines = handle.read().splitlines()
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    return int(fields["PPid"]), [int(pid) for pid in fields.get("NSpid", fields["Pid"]).split()]


def _children() -> list[int]:
    """Return the pids of this process's children, in this process's PID namespace, read from /proc.

    /proc belongs to the grader's namespace, an outer one when the zygote runs in a
    namespace of its own. The parent pids there are outer pids, and a child's pid in this
    namespace is the field of its NSpid list at this process's own depth.
    """
    own = _process_ids("self")[1]
    me, depth = own[0], len(own) - 1
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            parent, pids = _process_ids(entry)
        except OSError:  # The process ended while the loop ran.
            continue
        if parent == me:
            found.append(pids[depth])
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


def stop_worker(pid: int) -> None:
    """Kill a worker's process group, and the worker itself in case it has no group of its own yet."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except ProcessLookupError:
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
                signal.signal(signal.SIGINT, signal.default_int_handler)
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
        elif request.get("op") == "stop":
            pid = int(request["pid"])
            try:
                # Only a live worker is killed: a pid this process does not own may be reused.
                if pid in live:
                    stop_worker(pid)
                _, status = os.waitpid(pid, 0)
                description = _exit_description(status)
            except ChildProcessError:
                description = {"exit_code": -1}
            live.discard(pid)
            kill_strays(live)
            protocol.send(control, description)
        else:
            protocol.send(control, {"error": f"unknown op {request.get('op')!r}"})


def _wait_for_namespace_init(control: socket.socket) -> None:
    """Fork pid 1 of the new PID namespace and return in that child, while this process waits and exits.

    Orphans in the namespace become children of its pid 1, and when pid 1 ends the kernel
    kills every process left in the namespace. The kernel drops every signal sent to pid 1
    from inside the namespace unless pid 1 handles it, which the zygote does for none.
    """
    pid = os.fork()
    if pid == 0:
        return
    # The grader must see the control socket close once pid 1 has ended.
    control.close()
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)


def _pid_in_proc() -> int:
    """Return this process's pid as /proc, and so the grader, numbers it."""
    return int(os.readlink("/proc/self"))


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    # Before torch is imported: only a single-threaded process may enter a user namespace,
    # and importing torch starts a thread.
    pid_namespace = sandbox.new_pid_namespace()
    if pid_namespace:
        _wait_for_namespace_init(control)
    # NOTE: where the system allows no PID namespace (no root and no unprivileged user
    # namespaces, or a container that forbids unshare), the workers share the grader's
    # namespace, and one that runs as the grader's user can kill the grading process.

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
    # Python handles SIGINT, and a handled signal reaches pid 1 even from a worker. The
    # zygote ends when the grader closes the control socket, and each worker handles SIGINT again.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    protocol.send(control, {"ready": True, "pid": _pid_in_proc(), "pid_namespace": pid_namespace})
    serve(control)
    # Skip interpreter shutdown: tearing down torch takes about half a second and the
    # zygote has nothing to flush.
    os._exit(0)


if __name__ == "__main__":
    main()
