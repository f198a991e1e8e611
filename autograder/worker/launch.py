"""Start the zygote process without importing torch in the grader first."""

from __future__ import annotations

import os
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


#: Environment variables the worker keeps; the rest (tokens, GITHUB_OUTPUT and other
#: paths the grader writes to) are not passed to student code.
_KEPT_VARIABLES = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "USER", "LOGNAME", "CUDA_VISIBLE_DEVICES")
_KEPT_PREFIXES = ("LC_", "OMP_", "MKL_", "OPENBLAS_", "KMP_")


def worker_environment() -> dict[str, str]:
    """Return the grader's environment reduced to what the worker needs."""
    return {
        name: value
        for name, value in os.environ.items()
        if name in _KEPT_VARIABLES or name.startswith(_KEPT_PREFIXES)
    }


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
        env=worker_environment(),
    )
    child_end.close()
    return LaunchedProcess(process=process, control=parent_end, log=log)
