"""Resource limits for student code (kept free of heavy imports for the command line)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Resource limits for student code.

    The defaults suit a 2-core runner grading the reference comfortably: a worker's
    torch threads count as processes, and training uses about twice its wall time
    in CPU time.

    Attributes:
        call_timeout_s: seconds one call may run before the worker is stopped.
        memory_limit_mb: address space a worker may add to what it maps at start, in MiB.
        cpu_time_s: CPU seconds a worker (or each process it starts) may use in all.
        open_files: file descriptors a worker may hold open.
        processes: processes and threads the worker's user may run (not enforced for root).
        file_size_mb: largest file a worker may write, in MiB.
        isolate_network: run the worker in an empty network namespace where the system
            allows it, so it cannot open connections.
        worker_user: account the worker switches to when the grader runs as root. The
            worker then reads a private copy of the submission and cannot read files
            that only root may read, such as hidden suites installed with mode 0700.
    """

    call_timeout_s: float = 10.0
    memory_limit_mb: int = 2048
    cpu_time_s: int = 600
    open_files: int = 256
    processes: int = 128
    file_size_mb: int = 64
    isolate_network: bool = True
    worker_user: str | None = None

    def for_worker(self) -> dict[str, int]:
        """Return the limits the worker applies to itself, as plain data."""
        return {
            "memory_limit_mb": self.memory_limit_mb,
            "cpu_time_s": self.cpu_time_s,
            "open_files": self.open_files,
            "processes": self.processes,
            "file_size_mb": self.file_size_mb,
        }
