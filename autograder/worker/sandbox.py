"""Confine a freshly forked worker: resource limits, no network, an unprivileged user.

Each step runs in the worker before it imports student code. The order matters: the
network namespace needs root, so it comes before the switch to the worker user, and
the address-space limit comes last because it is measured from what the process maps.
"""

from __future__ import annotations

import ctypes
import errno
import os
import pwd
import resource
import socket
import sysconfig
from typing import Any, Callable

import torch

#: `unshare` flags from <sched.h>.
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


def set_limit(kind: int, value: int) -> None:
    """Lower one resource limit, never above the current hard limit."""
    soft, hard = resource.getrlimit(kind)
    ceiling = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (ceiling, ceiling if kind != resource.RLIMIT_CPU else hard))


def limit_memory(extra_bytes: int) -> None:
    """Cap the address space at what the process maps now plus `extra_bytes`."""
    if extra_bytes <= 0:
        return
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                current = int(line.split()[1]) * 1024
                break
        else:
            return
    limit = current + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def apply_limits(limits: dict[str, Any]) -> None:
    """Apply CPU time, open-file, process and file-size limits (each skipped when 0)."""
    table = [
        (resource.RLIMIT_CPU, int(limits.get("cpu_time_s", 0))),
        (resource.RLIMIT_NOFILE, int(limits.get("open_files", 0))),
        (resource.RLIMIT_NPROC, int(limits.get("processes", 0))),
        (resource.RLIMIT_FSIZE, int(limits.get("file_size_mb", 0)) * 1024 * 1024),
    ]
    for kind, value in table:
        if value > 0:
            set_limit(kind, value)


def isolate_network() -> bool:
    """Move this process into a new, empty network namespace; return whether that worked.

    As root a plain network namespace is enough. Otherwise an unprivileged user
    namespace is tried, which some kernels forbid.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        return False
    try:
        with open("/proc/self/setgroups", "w", encoding="ascii") as handle:
            handle.write("deny")
        with open("/proc/self/uid_map", "w", encoding="ascii") as handle:
            handle.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w", encoding="ascii") as handle:
            handle.write(f"{gid} {gid} 1")
    except OSError:
        pass
    return True


def drop_privileges(user: str) -> None:
    """Switch this process to `user`'s uid and primary gid, with no supplementary groups."""
    record = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(record.pw_gid)
    os.setuid(record.pw_uid)
    os.environ["HOME"] = record.pw_dir if os.access(record.pw_dir, os.W_OK) else "/tmp"
    for needed in (sysconfig.get_paths()["stdlib"], os.path.dirname(torch.__file__)):
        if not os.access(needed, os.R_OK | os.X_OK):
            raise PermissionError(
                f"user {user} cannot read {needed}; install Python and the packages where every "
                "user can read them (as on GitHub-hosted runners), or grade without a worker user"
            )


class NetworkWatch:
    """Record attempts to open network connections from Python code.

    The namespace already blocks them; this only lets the grader flag the attempt.
    Code that calls the C library directly is blocked without being recorded.
    """

    def __init__(self) -> None:
        self.attempts: list[str] = []
        for name in ("connect", "connect_ex", "sendto", "bind"):
            setattr(socket.socket, name, self._wrap(name, getattr(socket.socket, name)))

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        attempts = self.attempts

        def watched(sock: socket.socket, *args: Any, **kwargs: Any) -> Any:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                address = args[0] if args else kwargs.get("address", "?")
                attempts.append(f"{name} {address}")
            return original(sock, *args, **kwargs)

        return watched

    def take(self) -> list[str]:
        taken = list(dict.fromkeys(self.attempts))
        self.attempts.clear()
        return taken


def describe_limit_error(exc: BaseException, limits: dict[str, Any]) -> str | None:
    """Name the limit behind an OSError raised in student code, or return None."""
    if not isinstance(exc, OSError):
        return None
    if exc.errno == errno.EMFILE:
        return f"too many open files (the limit is {limits.get('open_files')})"
    if exc.errno == errno.EAGAIN and isinstance(exc, BlockingIOError):
        return f"too many processes or threads (the limit is {limits.get('processes')})"
    if exc.errno == errno.EFBIG:
        return f"a file grew beyond the limit of {limits.get('file_size_mb')} MiB"
    return None
