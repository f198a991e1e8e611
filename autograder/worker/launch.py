"""Start the zygote process without importing torch in the grader first."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])

# Python runs in isolated mode (-I): no environment variables, no user site-packages,
# no current folder on sys.path. The package's parent folder is added only long enough
# to import the zygote, so the repository root is not importable by student code.
_BOOT = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from autograder.worker import zygote; sys.path.remove({root!r}); zygote.main()"
)


@dataclass
class LaunchedProcess:
    """A started zygote process and the grader's end of its control socket."""

    process: subprocess.Popen[bytes]
    control: socket.socket
    log: IO[bytes]


def launch() -> LaunchedProcess:
    """Start the zygote; it becomes ready once it has imported torch and snnTorch."""
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-I", "-c", _BOOT.format(root=_PACKAGE_PARENT), str(child_end.fileno())],
        pass_fds=[child_end.fileno()],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log,
        close_fds=True,
    )
    child_end.close()
    return LaunchedProcess(process=process, control=parent_end, log=log)
