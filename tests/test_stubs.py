"""Is assignments/ exactly what the generator makes of solutions/, with no solution left in it?"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from autograder.errors import UserError
from autograder.stubs import BEGIN, END, generate, solution_lines, stub_source
from conftest import ASSIGNMENTS, SOLUTIONS

REFERENCE = textwrap.dedent(
    '''
    import torch


    def double(x):
        """Return twice x."""
        ### BEGIN SOLUTION
        y = x * 2
        return y
        ### END SOLUTION


    class Neuron:
        def forward(self, x):
            """Return x."""
            ### BEGIN SOLUTION
            return x.clone()
            ### END SOLUTION
    '''
)


def test_regions_become_stubs_naming_function() -> None:
    stub = stub_source(REFERENCE, "mod")
    assert '    raise NotImplementedError("mod.double is not implemented yet")' in stub
    assert '        raise NotImplementedError("mod.Neuron.forward is not implemented yet")' in stub
    assert "y = x * 2" not in stub
    assert "x.clone()" not in stub
    assert '"""Return twice x."""' in stub
    compile(stub, "stub", "exec")


@pytest.mark.parametrize(
    ("source", "error"),
    [
        (f"def f():\n    {BEGIN}\n    {BEGIN}\n    pass\n    {END}\n", "inside the region opened on line 2"),
        (f"def f():\n    pass\n    {END}\n", "without a matching"),
        (f"def f():\n    {BEGIN}\n    pass\n", "not closed"),
        (f"{BEGIN}\nx = 1\n{END}\n", "outside a function"),
        ("def f(:\n", "does not parse"),
    ],
)
def test_malformed_markers_are_rejected(source: str, error: str) -> None:
    with pytest.raises(UserError, match=error):
        stub_source(source, "mod", "mod.py")


def test_solution_lines_exclude_lines_used_elsewhere() -> None:
    source = f"def f(x):\n    return x + 10\n\ndef g(x):\n    {BEGIN}\n    y = x + 100\n    return x + 10\n    else:\n    {END}\n"
    assert solution_lines(source) == {"y = x + 100"}


def test_generate_writes_copies_and_removes(tmp_path: Path) -> None:
    solutions = tmp_path / "solutions"
    (solutions / "a9").mkdir(parents=True)
    (solutions / "a9" / "mod.py").write_text(REFERENCE)
    (solutions / "a9" / "README.md").write_text("# a9\n")
    out = tmp_path / "assignments"
    (out / "a9").mkdir(parents=True)
    (out / "a9" / "stale.py").write_text("x = 1\n")

    changed = generate(solutions, out)

    assert changed == ["a9/README.md", "a9/mod.py", "a9/stale.py"]
    assert (out / "a9" / "README.md").read_text() == "# a9\n"
    assert not (out / "a9" / "stale.py").exists()
    assert generate(solutions, out, check=True) == []


def test_assignments_folder_is_up_to_date() -> None:
    changed = generate(SOLUTIONS, ASSIGNMENTS, check=True)
    assert changed == [], f"assignments/ is out of date in {changed}; run 'snn-grade stubs'"


def test_no_marker_or_solution_line_reaches_assignments() -> None:
    references = sorted(SOLUTIONS.rglob("*.py"))
    assert references, "solutions/ holds no Python files"
    for reference in references:
        student_file = ASSIGNMENTS / reference.relative_to(SOLUTIONS)
        student_text = student_file.read_text(encoding="utf-8")
        assert BEGIN not in student_text, f"{student_file} contains a solution marker"
        assert END not in student_text, f"{student_file} contains a solution marker"
        student_lines = {line.strip() for line in student_text.splitlines()}
        leaked = solution_lines(reference.read_text(encoding="utf-8")) & student_lines
        assert not leaked, f"{student_file} contains solution lines: {sorted(leaked)}"
