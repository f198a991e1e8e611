"""Write an nbgrader course folder for the assignments of this kit.

`export_course(out)` writes, for nbgrader 0.9:

- `nbgrader_config.py`: the course id and nbgrader's time limit per cell.
- `source/<id>/<id>.ipynb`: the assignment as a source notebook. It holds the
  assignment's README as the introduction, a read-only setup cell, one solution cell
  per graded function or class with the reference between `### BEGIN SOLUTION` and
  `### END SOLUTION`, and one autograder test cell per suite test, worth the test's
  points. A test cell calls `autograder.nbgrader.bridge.run_suite_test` with the
  test's id, so the checks and expected values stay in the suites. Hidden tests sit
  between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`, which
  `nbgrader generate_assignment` removes from the student version.
- `source/<id>/common/`: the data helper `common.datasets.load_mnist` that the
  READMEs use.

The notebooks import the grader from the kernel's environment, so that environment
needs this project installed, and the course must be regenerated when the suites
change, because each test cell names one test.
"""

from __future__ import annotations

import ast
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.assignments import ASSIGNMENTS, Assignment, get_assignment
from autograder.errors import GraderError, UserError
from autograder.nbgrader import DEFAULT_CELL_TIMEOUT_S, DEFAULT_COURSE_ID
from autograder.nbgrader.cells import module_cells

#: Files next to each notebook, from `solutions/`: the helper the READMEs use to load MNIST.
HELPER_FILES = ("common/__init__.py", "common/datasets.py")

#: README sections that describe the repository workflow, which the notebook replaces.
REPLACED_SECTIONS = ("Checking your work",)

#: nbgrader's cell metadata schema version that nbgrader 0.9 writes.
SCHEMA_VERSION = 3

#: nbgrader stores a grade_id in a column of 128 characters.
MAX_GRADE_ID = 128

#: nbformat 4.5 allows cell ids of 1 to 64 characters.
MAX_CELL_ID = 64

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@dataclass(frozen=True)
class SuiteTest:
    """One collected suite test: its id, title, points and visibility."""

    id: str
    title: str
    points: int
    visibility: str
    assignment: str


@dataclass
class CourseSummary:
    """The files `export_course` wrote, with the points and test cells of each assignment."""

    root: Path
    config: Path
    notebooks: dict[str, Path] = field(default_factory=dict)
    points: dict[str, int] = field(default_factory=dict)
    test_cells: dict[str, int] = field(default_factory=dict)


def collect_suite_tests(assignment_ids: list[str]) -> list[SuiteTest]:
    """Collect the installed public and hidden suites of these assignments, in grading order.

    Raises:
        GraderError: a suite cannot be collected or a test lacks valid points or a title.
    """
    import pytest

    from autograder.engine import SUITES_ROOT, suite_dirs
    from autograder.nbgrader.bridge import run_pytest
    from autograder.plugin import GradingPlugin

    suites_root = SUITES_ROOT.resolve()
    folders = [str(folder) for assignment_id in assignment_ids for folder in suite_dirs(assignment_id, "all", suites_root)]
    plugin = GradingPlugin(None, suites_root)  # type: ignore[arg-type]  # Collection never touches the run.
    exit_code, output = run_pytest(plugin, folders, suites_root, "--collect-only")
    if exit_code != pytest.ExitCode.OK:
        tail = output.strip().splitlines()[-5:]
        raise GraderError(f"collecting the suites ended with pytest exit code {exit_code}: " + " | ".join(tail))
    return [
        SuiteTest(id=test_id, title=state.title, points=state.points, visibility=state.visibility, assignment=state.assignment)
        for test_id, state in plugin.tests.items()
    ]


def grade_id_for_test(test_id: str) -> str:
    """Return the nbgrader grade_id of a test cell: the test id with every other character turned into `-`.

    `hidden/a1_lif/test_leaky_step.py::test_zero_matches_snntorch[torch.float64]`
    becomes `hidden-a1_lif-test_leaky_step-test_zero_matches_snntorch-torch-float64`.
    """
    slug = re.sub(r"[^A-Za-z0-9_]+", "-", test_id.replace(".py::", "-")).strip("-")
    if len(slug) > MAX_GRADE_ID:
        raise GraderError(f"test id {test_id!r} gives a grade_id longer than {MAX_GRADE_ID} characters; shorten the test name")
    return slug


def _cell_id(grade_id: str) -> str:
    """Return a stable nbformat cell id for a cell with this grade_id: the grade_id, cut to 64 characters if longer."""
    if len(grade_id) <= MAX_CELL_ID:
        return grade_id
    import hashlib

    digest = hashlib.sha256(grade_id.encode()).hexdigest()[:12]
    return f"{grade_id[: MAX_CELL_ID - len(digest) - 1]}-{digest}"


def _nbgrader_metadata(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False, points: int | None = None) -> dict:
    metadata = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION, "solution": solution, "task": False}
    if points is not None:
        metadata["points"] = points
    return {"nbgrader": metadata}


def _markdown(grade_id: str, text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text, id=_cell_id(grade_id), metadata=_nbgrader_metadata(grade_id, locked=True))


def _code(grade_id: str, source: str, **flags) -> nbformat.NotebookNode:
    return new_code_cell(source, id=_cell_id(grade_id), metadata=_nbgrader_metadata(grade_id, **flags))


def readme_sections(text: str) -> list[tuple[str, str]]:
    """Split a README into (heading, text) at each `## ` heading outside code blocks; the first heading is ''."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("## "):
            sections.append((line[3:].strip(), []))
        sections[-1][1].append(line)
    return [(heading, "\n".join(lines).strip()) for heading, lines in sections if "\n".join(lines).strip()]


def notebook_guide(assignment: Assignment, readme: str) -> str:
    """Return the Markdown section that tells students how the notebook replaces the module file."""
    module_path = f"{assignment.id}/{assignment.module}.py"
    lines = [
        "## Working in this notebook",
        "",
        f"This notebook takes the place of `{module_path}`: each function or class has its own cell, with",
        "the signature and the docstring that give the equation, the shapes and an example. Replace",
        "`raise NotImplementedError()` in those cells with your code; the other cells are read-only.",
        "",
        "Run the notebook from the top, then the test cells at the end, or press **Validate** in the",
        "Assignments tab. A test cell that shows no output has earned its points; a failing one says",
        "what to fix. Hidden test cells show only their title and points here, and run when your",
        "notebook is graded.",
    ]
    if f"{assignment.id}.{assignment.module}" in readme:
        lines += [
            "",
            f"Code above that imports from `{assignment.id}.{assignment.module}` runs in a cell of this",
            "notebook without that import line, because the notebook defines the same names.",
        ]
    if "common.datasets" in readme:
        lines += ["", "`common.datasets` sits next to this notebook, so `from common.datasets import load_mnist` works here."]
    return "\n".join(lines)


def _suite_docstring(test_id: str) -> str:
    from autograder.engine import SUITES_ROOT

    path = SUITES_ROOT / test_id.split("::", 1)[0]
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return docstring.strip().splitlines()[0] if docstring.strip() else ""


def _test_cell(test: SuiteTest, hidden_messages: bool) -> nbformat.NotebookNode:
    points = "1 point" if test.points == 1 else f"{test.points} points"
    call = f"run_suite_test({test.id!r}, globals())"
    if test.visibility == "hidden":
        if not hidden_messages:
            call = f"run_suite_test({test.id!r}, globals(), show_message=False)"
        source = "\n".join(
            [
                f"# Hidden test, {points}: {test.title}",
                "### BEGIN HIDDEN TESTS",
                "from autograder.nbgrader.bridge import run_suite_test",
                call,
                "### END HIDDEN TESTS",
            ]
        )
    else:
        source = "\n".join([f"# {points}: {test.title}", "from autograder.nbgrader.bridge import run_suite_test", call])
    return _code(grade_id_for_test(test.id), source, grade=True, locked=True, points=test.points)


def build_notebook(assignment: Assignment, solutions: Path, tests: list[SuiteTest], *, hidden_messages: bool = False) -> nbformat.NotebookNode:
    """Build the nbgrader source notebook of one assignment.

    Args:
        assignment: the assignment.
        solutions: the reference folder, with `<id>/README.md` and `<id>/<module>.py`.
        tests: the assignment's suite tests, in grading order.
        hidden_messages: let failed hidden tests show their message, as
            `snn-grade grade --hidden-messages` does; by default they show title and outcome.

    Raises:
        UserError: the reference or its README is missing, or its solution markers are invalid.
    """
    module_path = solutions / assignment.relative_file
    readme_path = solutions / assignment.id / "README.md"
    for path in (module_path, readme_path):
        if not path.is_file():
            raise UserError(f"{path} not found: pass the repository with solutions/ as --root")
    readme = readme_path.read_text(encoding="utf-8")
    source = module_path.read_text(encoding="utf-8")

    cells = []
    guide_added = False
    for index, (heading, text) in enumerate(readme_sections(readme)):
        if heading in REPLACED_SECTIONS:
            if not guide_added:
                cells.append(_markdown("guide", notebook_guide(assignment, readme)))
                guide_added = True
            continue
        cells.append(_markdown(f"intro-{index}", text))
    if not guide_added:
        cells.append(_markdown("guide", notebook_guide(assignment, readme)))

    cells.append(
        _code(
            "grader-setup",
            "\n".join(
                [
                    "# Grader setup: keep this cell first. It records calls into snnTorch code that this",
                    "# assignment asks you to write yourself, and needs this course's grader installed.",
                    "from autograder.nbgrader.bridge import setup_notebook",
                    f"setup_notebook({assignment.id!r})",
                ]
            ),
            locked=True,
        )
    )
    for cell in module_cells(source, assignment.module, str(module_path)):
        if cell.solution:
            cells.append(_code(cell.grade_id, cell.source, solution=True))
        else:
            cells.append(_code(cell.grade_id, cell.source, locked=True))

    cells.append(
        _markdown(
            "tests",
            "## Tests\n\nEach cell below runs one test of the grader's suites on the code above and is worth "
            "the points it names. Run the cells above first.",
        )
    )
    current_file = None
    for test in tests:
        test_file = test.id.split("::", 1)[0]
        if test_file != current_file:
            current_file = test_file
            kind = "Hidden tests" if test.visibility == "hidden" else "Public tests"
            description = _suite_docstring(test.id)
            heading = f"### {kind}: `{Path(test_file).name}`" + (f"\n\n{description}" if description else "")
            cells.append(_markdown(f"tests-{grade_id_for_test(test_file.removesuffix('.py'))}", heading))
        cells.append(_test_cell(test, hidden_messages))

    notebook = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    return notebook


def config_text(course_id: str, cell_timeout_s: int) -> str:
    """Return the text of `nbgrader_config.py` for this course."""
    return "\n".join(
        [
            "# nbgrader configuration written by `snn-grade nbgrader`.",
            "#",
            "# The test cells import the grader from the kernel's environment, so the environment that",
            "# runs `nbgrader autograde` needs this project installed, hidden suites included.",
            "c = get_config()  # noqa: F821 (nbgrader defines get_config when it reads this file)",
            "",
            f"c.CourseDirectory.course_id = {course_id!r}",
            "",
            "# Seconds one cell may run before nbgrader interrupts it and the cell earns no points.",
            "# The longest test trains a network, with a call limit of 20 s in the suites.",
            f"c.ExecutePreprocessor.timeout = {cell_timeout_s}",
            "",
        ]
    )


def export_course(
    out: Path,
    assignment_ids: list[str] | None = None,
    *,
    root: Path,
    course_id: str = DEFAULT_COURSE_ID,
    cell_timeout_s: int = DEFAULT_CELL_TIMEOUT_S,
    hidden_messages: bool = False,
) -> CourseSummary:
    """Write the nbgrader course folder `out` (empty or new) and return what was written.

    Args:
        out: the course folder.
        assignment_ids: assignments to export; all by default.
        root: the repository with `solutions/`.
        course_id: nbgrader's course id.
        cell_timeout_s: nbgrader's time limit per cell, in seconds.
        hidden_messages: let failed hidden tests show their message.

    Raises:
        UserError: `out` is a file or a folder that is not empty, an assignment id is
            unknown, the reference is missing, or a limit is invalid.
    """
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"output folder {out} is not empty: choose a new folder or remove it first")
    if cell_timeout_s <= 0:
        raise UserError(f"invalid cell timeout {cell_timeout_s}: use a number of seconds above 0")
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", course_id):
        raise UserError(f"invalid course id {course_id!r}: use letters, digits, '_' and '-'")
    assignments = [get_assignment(a) for a in dict.fromkeys(assignment_ids)] if assignment_ids else list(ASSIGNMENTS.values())
    solutions = root / "solutions"
    tests = collect_suite_tests([a.id for a in assignments])

    notebooks = {}
    for assignment in assignments:
        own_tests = [test for test in tests if test.assignment == assignment.id]
        notebooks[assignment.id] = build_notebook(assignment, solutions, own_tests, hidden_messages=hidden_messages)
    summary = CourseSummary(root=out, config=out / "nbgrader_config.py")
    out.mkdir(parents=True, exist_ok=True)
    summary.config.write_text(config_text(course_id, cell_timeout_s), encoding="utf-8")
    for assignment in assignments:
        folder = out / "source" / assignment.id
        folder.mkdir(parents=True)
        path = folder / f"{assignment.id}.ipynb"
        nbformat.write(notebooks[assignment.id], path)
        for relative in HELPER_FILES:
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(solutions / relative, target)
        own_tests = [test for test in tests if test.assignment == assignment.id]
        summary.notebooks[assignment.id] = path
        summary.points[assignment.id] = sum(test.points for test in own_tests)
        summary.test_cells[assignment.id] = len(own_tests)
    return summary
