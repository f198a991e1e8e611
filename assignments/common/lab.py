"""Helpers for the lab notebooks: fast mode, graded checks and one-line stub messages.

The first cell of every notebook puts the assignment folder and its parent on
``sys.path`` and calls ``setup``. The notebook then imports the module next to it:
the reference in ``solutions/``, your own file in ``assignments/``.

``check`` grades that module with the same public tests and the same grader as
``snn-grade check``. With the environment variable ``SNN_LAB_FAST=1`` the notebooks
run shorter simulations and a smaller training run, so CI can execute them quickly.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any, Iterable, TypeVar

#: The folder that contains the assignment folders and ``common/``: ``solutions/`` or ``assignments/``.
ROOT = Path(__file__).resolve().parents[1]

#: Environment variable that selects fast mode when set to anything but "", "0", "false" or "no".
FAST_VARIABLE = "SNN_LAB_FAST"
FAST = os.environ.get(FAST_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")

# Stubs raise NotImplementedError("lif.leaky_step is not implemented yet"), as autograder.stubs.stub_message writes it.
_STUB_MESSAGE = re.compile(r"^([A-Za-z_][\w.]*) is not implemented yet$")

_zygote: Any = None

T = TypeVar("T")


def pick(full: T, fast: T) -> T:
    """Return ``fast`` in fast mode (``SNN_LAB_FAST=1``) and ``full`` otherwise."""
    return fast if FAST else full


def setup(assignment_id: str) -> None:
    """Prepare a notebook for ``assignment_id``: stub messages, reloading and a fixed seed.

    In an IPython kernel, a ``NotImplementedError`` raised by a stub prints one line
    that names the function and its file instead of a traceback. The assignment's
    module is reloaded before every cell (IPython's ``autoreload``), so a cell run
    after you save the file uses your latest code.
    """
    import torch

    from autograder.assignments import get_assignment

    module = get_assignment(assignment_id).module
    shell = _ipython()
    if shell is not None:
        shell.set_custom_exc((NotImplementedError,), _show_not_implemented)
        shell.run_line_magic("load_ext", "autoreload")
        shell.run_line_magic("autoreload", "1")  # only the modules named by %aimport
        shell.run_line_magic("aimport", module)
    torch.manual_seed(0)

    source = ROOT / assignment_id / f"{module}.py"
    mode = f"fast mode ({FAST_VARIABLE}={os.environ[FAST_VARIABLE]})" if FAST else f"full mode (set {FAST_VARIABLE}=1 for a quick run)"
    print(f"{assignment_id}: using {_display_path(source)}; {mode}")


def check(assignment_id: str, *keywords: str) -> None:
    """Grade ``assignment_id`` in this folder with its public tests and print the table.

    Every public test of the assignment runs. With ``keywords``, the table shows only
    the tests whose id (file and test name, such as
    ``test_leaky_step.py::test_zero_reset_values``) contains one of them, ignoring
    case, as with ``pytest -k``. The last line names the next thing to fix.
    """
    from autograder.engine import grade
    from autograder.reporters import render_table

    results = _grade_public(grade, assignment_id)
    if keywords:
        lowered = [keyword.lower() for keyword in keywords]

        def shown(test) -> bool:
            return any(keyword in test.id.lower() for keyword in lowered)

        assignments = [dataclasses.replace(a, tests=[t for t in a.tests if shown(t)]) for a in results.assignments]
        if not any(a.tests for a in assignments):
            names = ", ".join(repr(keyword) for keyword in keywords)
            print(f"no public test of {assignment_id} matches {names}; run check({assignment_id!r}) to see them all")
            return
        results = dataclasses.replace(results, assignments=assignments)

    print(render_table(results), end="")
    failing = [t for a in results.assignments for t in a.tests if t.status != "passed"]
    if failing:
        first = failing[0]
        reason = first.message.splitlines()[0] if first.message else first.status
        print(f"\nNext: {first.title}\n      {reason}")
    elif keywords:
        print("\nThese public tests pass.")
    else:
        print("\nEvery public test passes. Hidden tests are graded when you push.")


def progress(iterable: Iterable[T], **options: Any) -> Iterable[T]:
    """Wrap ``iterable`` in a tqdm progress bar: a widget where ipywidgets is installed, text otherwise."""
    try:
        import ipywidgets  # noqa: F401

        from tqdm.auto import tqdm
    except ImportError:
        from tqdm.std import tqdm
    return tqdm(iterable, **options)


def _grade_public(grade, assignment_id: str):
    """Grade with a worker process that stays up between checks, so repeated checks start fast."""
    global _zygote
    from autograder.worker.client import Zygote

    if _zygote is None:
        _zygote = Zygote()
        atexit.register(_close_zygote)
    try:
        return grade(ROOT, [assignment_id], "public", zygote=_zygote)
    except BaseException:
        # An interrupt or a failure can leave the worker in the middle of a reply, so the next check starts a fresh one.
        _close_zygote()
        raise


def _close_zygote() -> None:
    global _zygote
    if _zygote is not None:
        _zygote.close()
        _zygote = None


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _display_path(path: Path) -> str:
    """Return ``path`` relative to the folder above ``ROOT`` (``assignments/a1_lif/lif.py``), else absolute."""
    try:
        return path.relative_to(ROOT.parent).as_posix()
    except ValueError:
        return str(path)


def _show_not_implemented(shell, etype, value, tb, tb_offset=None):
    """Print one line for a stub's NotImplementedError; show other ones with their traceback."""
    match = _STUB_MESSAGE.match(str(value))
    if match is None:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None

    import matplotlib.pyplot as plt

    # A figure cell that stopped half-way would otherwise show an empty figure.
    plt.close("all")
    where = _display_path(Path(traceback.extract_tb(tb)[-1].filename).resolve())
    print(f"not implemented yet: {match.group(1)}: write it in {where}, then run this cell again", file=sys.stderr)
    return None
