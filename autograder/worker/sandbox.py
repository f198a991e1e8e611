"""Confine the zygote and its workers: namespaces, resource limits, an unprivileged user.

The zygote enters a new PID namespace before it imports anything heavy. Each other step
runs in a freshly forked worker before it imports student code, and their order matters.
The network namespace needs root or capabilities from a user namespace, so it comes
before the switch to the worker user and the drop of capabilities. The address-space
limit comes last because it is measured from what the process maps.
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

#: `unshare` flags from <sched.h>.
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
CLONE_NEWUSER = 0x10000000

#: `capset` header version for 64-bit capability sets (<linux/capability.h>).
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


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


def _unshare(flags: int) -> bool:
    """Move this process into new namespaces of the kinds in `flags`; return whether that worked.

    As root the namespaces alone are enough. Otherwise they are created inside a new user
    namespace that maps this process's uid and gid to themselves. Some kernels forbid
    that, and only a single-threaded process may enter a user namespace.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(flags) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | flags) != 0:
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


def isolate_network() -> bool:
    """Move this process into a new, empty network namespace; return whether that worked."""
    return _unshare(CLONE_NEWNET)


def new_pid_namespace() -> bool:
    """Make this process's next child pid 1 of a new PID namespace; return whether that worked.

    Processes in the namespace see only its own pids, so they cannot signal a process
    outside it. This process itself stays where it is.
    """
    return _unshare(CLONE_NEWPID)


def drop_capabilities() -> None:
    """Clear this process's capability sets if it has any.

    A worker of a zygote that created a user namespace keeps every capability inside it,
    which would let student code trace or signal the zygote in spite of the PID namespace.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        permitted = next((line.split()[1] for line in status if line.startswith("CapPrm:")), "0")
    if int(permitted, 16) == 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    # Two structs of (effective, permitted, inheritable) for capabilities 0-31 and 32-63.
    data = (ctypes.c_uint32 * 6)()
    if libc.capset(header, data) != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"capset failed: {os.strerror(number)}")


def drop_privileges(user: str) -> None:
    """Switch this process to `user`'s uid and primary gid, with no supplementary groups."""
    record = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(record.pw_gid)
    os.setuid(record.pw_uid)
    os.environ["HOME"] = record.pw_dir if os.access(record.pw_dir, os.W_OK) else "/tmp"
    # Imported here rather than at the top so that the zygote can load this module before torch.
    import torch

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
