"""Student code run inside the grader process, for measuring the process boundary only.

This backend gives up every protection of the trust model: the student's module is
imported into the grader. The benchmarks use it to time the same checks without the
worker; grading never does.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from autograder.worker.client import CallRecord, Limits, _record
from autograder.worker.runtime import Runtime


class InProcessModule:
    """Drop-in for `StudentModule` that calls the student's functions directly."""

    def __init__(self, module: str, paths: list[Path], forbidden: dict[str, list[str]], limits: Limits) -> None:
        self._module = module
        self._forbidden = forbidden
        watched = sorted({name for names in forbidden.values() for name in names})
        for path in reversed(paths):
            sys.path.insert(0, str(path))
        sys.modules.pop(module, None)
        self._runtime = Runtime(None, [str(p) for p in paths], watched)  # type: ignore[arg-type]
        self.records: list[CallRecord] = []
        self.network_attempts: list[str] = []

    def call(self, function: str, *args: Any, timeout_s: float | None = None, seed: int = 0, **kwargs: Any) -> CallRecord:
        return self._invoke(function, args, kwargs, seed, None)

    def run_harness(self, harness: str, *args: Any, function: str, timeout_s: float | None = None, seed: int = 0, **kwargs: Any) -> CallRecord:
        return self._invoke(function, args, kwargs, seed, harness)

    def _invoke(self, function: str, args: tuple[Any, ...], kwargs: dict[str, Any], seed: int, harness: str | None) -> CallRecord:
        started = time.perf_counter()
        request = {"module": self._module, "function": function, "args": list(args), "kwargs": kwargs, "seed": seed, "harness": harness}
        reply = self._runtime.handle(request)
        record = _record(f"{self._module}.{function}", reply, self._forbidden.get(function, []))
        record.duration_s = time.perf_counter() - started
        self.records.append(record)
        return record

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs).value

    def close(self) -> None:
        sys.modules.pop(self._module, None)
