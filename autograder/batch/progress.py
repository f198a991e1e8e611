"""A one-line progress counter on standard error."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Count finished submissions: one line rewritten in place on a terminal, one line each otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.interactive = self.stream.isatty()

    def advance(self, username: str, outcome: str) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        line = f"graded {self.done}/{self.total} submissions in {elapsed:.0f} s: {username} {outcome}"
        if self.interactive:
            self.stream.write("\r\x1b[2K" + line)
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
