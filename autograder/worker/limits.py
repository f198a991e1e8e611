"""Resource limits for student code (kept free of heavy imports for the command line)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Resource limits for student code.

    Attributes:
        call_timeout_s: seconds one call may run before the worker is stopped.
        memory_limit_mb: address space a worker may add to what it maps at start, in MiB.
    """

    call_timeout_s: float = 10.0
    memory_limit_mb: int = 2048
