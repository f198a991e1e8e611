"""Do the lab notebooks run headless on the reference and fail gracefully on the stubs?

Every notebook executes once per run of this module in fast mode (SNN_LAB_FAST=1), in a
kernel that runs this interpreter: the ones in solutions/ against the reference, the
ones in assignments/ against the stubs. The tests then inspect the outputs.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Iterator

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.assignments import ASSIGNMENTS
from conftest import ASSIGNMENTS as ASSIGNMENTS_DIR
from conftest import ROOT, SOLUTIONS

NOTEBOOK = "lab.ipynb"
ROLES = {"intro", "setup", "theory", "exercise", "check", "figure", "demo"}
IDS = sorted(ASSIGNMENTS)
COMMITTED = sorted([*SOLUTIONS.glob(f"*/{NOTEBOOK}"), *ASSIGNMENTS_DIR.glob(f"*/{NOTEBOOK}")])

#: Notebooks executed at the same time; each runs a kernel and a grading worker.
CONCURRENT_NOTEBOOKS = 3
CELL_TIMEOUT_S = 300

#: The line common/lab.py prints for a stub's NotImplementedError.
STUB_LINE = re.compile(r"not implemented yet: (\S+): write it in ")
STUB_RAISE = re.compile(r'raise NotImplementedError\("(\S+) is not implemented yet"\)')


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _role(cell) -> str:
    roles = [tag for tag in cell.metadata.get("tags", []) if tag in ROLES]
    assert len(roles) == 1, f"cell {cell.get('id')} has role tags {roles}; give it exactly one of {sorted(ROLES)}"
    return roles[0]


def _text(cell) -> str:
    """Return the stream outputs and error tracebacks of a code cell, in order."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "error":
            parts.append("\n".join(output.traceback))
    return "".join(parts)


def _write_kernelspec(folder: Path) -> None:
    """Install a `python3` kernelspec that starts this interpreter, whatever is on PATH."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Python 3 (tests)", "language": "python"}))


async def _execute_all(jobs: list[tuple[Path, bool]]) -> dict[Path, object]:
    limit = asyncio.Semaphore(CONCURRENT_NOTEBOOKS)

    async def execute(path: Path, allow_errors: bool):
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=CELL_TIMEOUT_S,
            startup_timeout=120,
            allow_errors=allow_errors,
            resources={"metadata": {"path": str(path.parent)}},
        )
        async with limit:
            try:
                await client.async_execute()
            except Exception as exc:  # Reported by the test of this notebook, not by the fixture.
                return exc
        return notebook

    results = await asyncio.gather(*(execute(path, allow_errors) for path, allow_errors in jobs))
    return {path: result for (path, _), result in zip(jobs, results)}


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Path, object]]:
    """Execute every notebook once: an error fails a reference notebook but is allowed in a stub one."""
    kernels = tmp_path_factory.mktemp("jupyter")
    _write_kernelspec(kernels)
    jobs = [(SOLUTIONS / i / NOTEBOOK, False) for i in IDS] + [(ASSIGNMENTS_DIR / i / NOTEBOOK, True) for i in IDS]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(kernels))
        patch.setenv("SNN_LAB_FAST", "1")
        patch.delenv("MPLBACKEND", raising=False)
        yield asyncio.run(_execute_all(jobs))


def _executed_notebook(executed: dict[Path, object], path: Path):
    result = executed[path]
    if isinstance(result, Exception):
        pytest.fail(f"{_relative(path)} did not run: {type(result).__name__}: {result}")
    return result


@pytest.mark.parametrize("assignment_id", IDS)
def test_every_assignment_has_notebook(assignment_id: str) -> None:
    reference = SOLUTIONS / assignment_id / NOTEBOOK
    student = ASSIGNMENTS_DIR / assignment_id / NOTEBOOK
    assert reference.is_file(), f"{_relative(reference)} is missing"
    assert student.is_file(), f"{_relative(student)} is missing; run 'snn-grade stubs'"
    assert student.read_bytes() == reference.read_bytes(), f"{_relative(student)} differs from the reference; run 'snn-grade stubs'"


@pytest.mark.parametrize("path", COMMITTED, ids=_relative)
def test_notebook_has_no_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [], f"{_relative(path)}: cell {cell.id} has outputs; clear them before committing"
        assert cell.execution_count is None, f"{_relative(path)}: cell {cell.id} has an execution count; clear it before committing"


@pytest.mark.parametrize("path", COMMITTED, ids=_relative)
def test_cells_have_one_role(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    roles = [_role(cell) for cell in notebook.cells]
    first_code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert _role(first_code) == "setup"
    assert "figure" in roles
    assert "check" in roles


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", IDS)
def test_reference_notebook_draws_figures(executed, assignment_id: str) -> None:
    path = SOLUTIONS / assignment_id / NOTEBOOK
    notebook = _executed_notebook(executed, path)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        role = _role(cell)
        if role == "figure":
            images = [output for output in cell.outputs if "image/png" in output.get("data", {})]
            assert images, f"{_relative(path)}: figure cell {cell.id} drew no image"
        if role == "check":
            text = _text(cell)
            assert "no public test of" not in text, f"{_relative(path)}: cell {cell.id}: {text.strip()}"
            assert "public tests pass" in text or "Every public test passes" in text, f"{_relative(path)}: cell {cell.id} reports a failure:\n{text}"


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", IDS)
def test_stub_notebook_names_first_missing_function(executed, assignment_id: str) -> None:
    path = ASSIGNMENTS_DIR / assignment_id / NOTEBOOK
    module = ASSIGNMENTS_DIR / ASSIGNMENTS[assignment_id].relative_file
    first_stub = STUB_RAISE.search(module.read_text(encoding="utf-8")).group(1)
    notebook = _executed_notebook(executed, path)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]

    for cell in cells:
        errors = [output for output in cell.outputs if output.output_type == "error"]
        assert not errors, f"{_relative(path)}: cell {cell.id} shows a traceback:\n{_text(cell)}"
        assert "Traceback" not in _text(cell), f"{_relative(path)}: cell {cell.id} prints a traceback:\n{_text(cell)}"

    reported = [match.group(1) for cell in cells for match in STUB_LINE.finditer(_text(cell))]
    assert reported, f"{_relative(path)} never reports a missing function"
    assert reported[0] == first_stub
    for cell in cells:
        for line in _text(cell).splitlines():
            if STUB_LINE.search(line):
                assert line.startswith("not implemented yet: "), f"{_relative(path)}: cell {cell.id}: {line}"
