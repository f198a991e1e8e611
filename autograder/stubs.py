"""Generate the student files in `assignments/` from the reference in `solutions/`.

In a reference module, each function's implementation sits between a line
`### BEGIN SOLUTION` and a line `### END SOLUTION` (nbgrader's markers). The
generator replaces each such region with one line that raises `NotImplementedError`
naming the function, and keeps everything else: imports, signatures, docstrings.
Files other than Python modules are copied unchanged.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from autograder.errors import UserError

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"

#: Folders and files that never reach the student folder.
_SKIPPED = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}


def stub_message(qualified_name: str) -> str:
    """Return the message a stub raises; the grader parses 'NAME is not implemented yet'."""
    return f"{qualified_name} is not implemented yet"


def _enclosing_functions(tree: ast.Module) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                spans.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return spans


def _function_at(spans: list[tuple[int, int, str]], line: int) -> str | None:
    inside = [(start, name) for start, end, name in spans if start <= line <= end]
    return max(inside)[1] if inside else None


def stub_source(source: str, module: str, origin: str = "<source>") -> str:
    """Replace every solution region in `source` by a stub and return the new text.

    Args:
        source: text of a reference module.
        module: the module's name, used in the stub's message (`lif.leaky_step`).
        origin: the file's path, named in errors.

    Raises:
        UserError: for unbalanced markers or a region outside a function.
    """
    try:
        tree = ast.parse(source, filename=origin)
    except SyntaxError as exc:
        raise UserError(f"{origin}:{exc.lineno}: the reference does not parse: {exc.msg}") from None
    spans = _enclosing_functions(tree)
    out: list[str] = []
    region_start: int | None = None
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if region_start is not None:
                raise UserError(f"{origin}:{number}: '{BEGIN}' inside the region opened on line {region_start}; close it first")
            function = _function_at(spans, number)
            if function is None:
                raise UserError(f"{origin}:{number}: solution region outside a function; move it into the function body")
            region_start = number
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("{stub_message(f"{module}.{function}")}")\n')
        elif marker == END:
            if region_start is None:
                raise UserError(f"{origin}:{number}: '{END}' without a matching '{BEGIN}'")
            region_start = None
        elif region_start is None:
            out.append(line)
    if region_start is not None:
        raise UserError(f"{origin}:{region_start}: solution region is not closed; add '{END}'")
    return "".join(out)


#: Solution lines shorter than this (`else:`, `)`, `return x`) reveal nothing of the solution.
MIN_SOLUTION_LINE = 10


def solution_lines(source: str) -> set[str]:
    """Return the stripped code lines inside solution regions that appear nowhere else.

    A student file must contain none of them, because they are the reference solution.
    Lines shorter than `MIN_SOLUTION_LINE` characters are left out.
    """
    inside, outside = set(), set()
    in_region = False
    for line in source.splitlines():
        marker = line.strip()
        if marker == BEGIN:
            in_region = True
        elif marker == END:
            in_region = False
        elif marker and not marker.startswith("#"):
            (inside if in_region else outside).add(marker)
    return {line for line in inside - outside if len(line) >= MIN_SOLUTION_LINE}


def _student_file(path: Path, relative: Path) -> bytes:
    if path.suffix != ".py":
        return path.read_bytes()
    return stub_source(path.read_text(encoding="utf-8"), path.stem, str(relative)).encode("utf-8")


def _files(root: Path) -> dict[Path, Path]:
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not _SKIPPED.intersection(relative.parts) and path.suffix != ".pyc":
            found[relative] = path
    return found


def generate(solutions: Path, out: Path, *, check: bool = False) -> list[str]:
    """Write the student folder `out` from the reference folder `solutions`.

    Returns the relative paths that were (or, with `check`, would be) written or
    removed. With `check`, nothing is written.
    """
    if not solutions.is_dir():
        raise UserError(f"reference folder {solutions} not found: pass --solutions DIR")
    wanted = {relative: _student_file(path, relative) for relative, path in _files(solutions).items()}
    existing = _files(out) if out.is_dir() else {}
    changed = sorted(
        [str(relative) for relative, data in wanted.items() if relative not in existing or existing[relative].read_bytes() != data]
        + [str(relative) for relative in existing if relative not in wanted]
    )
    if check or not changed:
        return changed
    for relative in existing:
        if relative not in wanted:
            existing[relative].unlink()
    for relative, data in wanted.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
            shutil.copymode(solutions / relative, target)
    return changed
