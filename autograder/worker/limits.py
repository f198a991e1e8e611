"""Resource limits for student code (kept free of heavy imports for the command line)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Resource limits for student code.

    Attributes:
        call_timeout_s: seconds one call may run before the worker is stopped.
        memory_limit_mb: address space a worker may add to what it maps at start, in MiB.
        worker_user: account the worker switches to when the grader runs as root; the
            worker then reads a private copy of the submission and cannot read files
            that only root may read, such as hidden suites installed with mode 0700.
    """

    call_timeout_s: float = 10.0
    memory_limit_mb: int = 2048
    worker_user: str | None = None
