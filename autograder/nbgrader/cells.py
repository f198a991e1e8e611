"""Split a reference module into notebook cells, and put a module's code into a notebook's solution cells.

A top-level function or class that contains a `### BEGIN SOLUTION` region becomes a
solution cell. The statements around them (imports, constants, helpers) become
read-only cells in their original order, so every name exists before code that uses
it at definition time. The module docstring is left out, because the notebook's
introduction takes its place.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from autograder.errors import UserError
from autograder.stubs import BEGIN, stub_source

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class ModuleCell:
    """One code cell cut from a reference module."""

    grade_id: str
    source: str
    solution: bool
    name: str | None = None
    """The function or class of a solution cell; None for a read-only cell."""


def solution_grade_id(module: str, name: str) -> str:
    """Return the nbgrader `grade_id` of the solution cell that contains `name`, e.g. `lif-leaky_step`."""
    return f"{module}-{name}"


def _parse(source: str, origin: str) -> ast.Module:
    try:
        return ast.parse(source, filename=origin)
    except SyntaxError as exc:
        raise UserError(f"{origin}:{exc.lineno}: the module does not parse: {exc.msg}") from None


def _strip_blank_lines(lines: list[str]) -> str:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


def _statement_spans(tree: ast.Module, lines: list[str]) -> list[tuple[int, int, ast.stmt | None]]:
    """Return (first line index, end line index, statement) of each top-level statement, docstring left out.

    A statement's span starts right after the previous one ends, so the comments and
    decorators above it belong to it. A function or class also keeps the indented
    comments after its last statement, such as `### END SOLUTION`, which the syntax
    tree leaves out. Lines after the last statement form a span of their own with no
    statement.
    """
    body = list(tree.body)
    previous_end = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        previous_end = body[0].end_lineno or body[0].lineno
        body = body[1:]
    spans: list[tuple[int, int, ast.stmt | None]] = []
    for node in body:
        end = node.end_lineno or node.lineno
        if isinstance(node, _DEFINITIONS):
            end = _end_of_block_comments(lines, end, node.col_offset)
        spans.append((previous_end, end, node))
        previous_end = end
    if previous_end < len(lines):
        spans.append((previous_end, len(lines), None))
    return spans


def _end_of_block_comments(lines: list[str], end: int, column: int) -> int:
    """Return the line index after the comments indented deeper than `column` that follow line index `end`."""
    index = end
    while index < len(lines):
        line = lines[index]
        if line.strip() and not (line.lstrip().startswith("#") and len(line) - len(line.lstrip()) > column):
            break
        index += 1
        if line.strip():
            end = index
    return end


def _has_solution_region(lines: list[str]) -> bool:
    return any(line.strip() == BEGIN for line in lines)


def module_cells(source: str, module: str, origin: str = "<source>") -> list[ModuleCell]:
    """Cut a reference module into read-only cells and one solution cell per graded function or class.

    Raises:
        UserError: the module does not parse, its solution markers are unbalanced, or
            a solution region sits outside a top-level function or class.
    """
    stub_source(source, module, origin)  # Raises UserError for unbalanced or misplaced markers.
    lines = source.splitlines()
    cells: list[ModuleCell] = []
    pending: list[str] = []
    read_only_count = 0

    def flush_read_only() -> None:
        nonlocal read_only_count
        text = _strip_blank_lines(pending)
        pending.clear()
        if not text:
            return
        read_only_count += 1
        suffix = "" if read_only_count == 1 else f"-{read_only_count}"
        cells.append(ModuleCell(grade_id=f"{module}-setup{suffix}", source=text, solution=False))

    for start, end, node in _statement_spans(_parse(source, origin), lines):
        span = lines[start:end]
        if isinstance(node, _DEFINITIONS) and _has_solution_region(span):
            flush_read_only()
            cells.append(ModuleCell(grade_id=solution_grade_id(module, node.name), source=_strip_blank_lines(span), solution=True, name=node.name))
        elif _has_solution_region(span):
            raise UserError(f"{origin}:{start + 1}: a solution region must sit inside a top-level function or class")
        else:
            pending.extend(span)
    flush_read_only()
    return cells


def top_level_definitions(source: str, origin: str = "<source>") -> dict[str, str]:
    """Return the source of each top-level function and class of a module, with its comments and decorators."""
    lines = source.splitlines()
    return {
        node.name: _strip_blank_lines(lines[start:end])
        for start, end, node in _statement_spans(_parse(source, origin), lines)
        if isinstance(node, _DEFINITIONS)
    }


def fill_solution_cells(notebook: Any, source: str, module: str, origin: str = "<source>") -> Any:
    """Replace the code of every solution cell of `notebook` with the same definition from `source`.

    Use it to turn a released notebook into a submission: the reference, or a known
    wrong variant from the catalogue. Only functions and classes move; statements
    outside them in `source` are not copied, because the notebook's read-only cells
    hold those. The notebook is changed in place and returned.

    Raises:
        UserError: `source` lacks a function or class that a solution cell holds.
    """
    definitions = top_level_definitions(source, origin)
    prefix = f"{module}-"
    for cell in notebook.cells:
        metadata = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = str(metadata.get("grade_id", ""))
        if not metadata.get("solution") or not grade_id.startswith(prefix):
            continue
        name = grade_id[len(prefix) :]
        if name not in definitions:
            raise UserError(f"{origin} defines no function or class {name!r} for solution cell {grade_id!r}")
        cell["source"] = definitions[name]
    return notebook
