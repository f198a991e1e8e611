"""Does the nbgrader course grade the way `snn-grade grade` does?

The fast tests build the notebooks and run the bridge in this process. The slow
tests run real nbgrader offline in a temporary course. They export all three
assignments and run `nbgrader generate_assignment`. They submit the reference, the
stubs, catalogue entries and a reference that writes to standard error, run
`nbgrader autograde` and `nbgrader export`, and compare the points with
`snn-grade grade`.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import torch

from autograder.assignments import ASSIGNMENTS
from autograder.catalogue import load_entry, materialize
from autograder.errors import UserError
from autograder.nbgrader import bridge
from autograder.nbgrader.cells import fill_solution_cells, module_cells, top_level_definitions
from autograder.nbgrader.export import collect_suite_tests, export_course, grade_id_for_test
from autograder.stubs import BEGIN
from autograder.worker.limits import Limits
from conftest import CATALOGUE, ROOT, SNN_GRADE, SOLUTIONS

GRADE_ID = re.compile(r"^[A-Za-z0-9_\-]+$")

#: Catalogue entries graded both ways: one loses whole tests, one earns partial
#: credit on the accuracy threshold (6 of 10 points with the reference suites).
WRONG_ENTRIES = {"a1_lif": "beta_on_reset_term", "a3_training": "no_zero_grad"}

#: Lines put at the start of the reference leaky_step: a warning, a progress line on
#: sys.stderr and a write to file descriptor 2, as native code would make it.
NOISY_LINES = """\
    import os, sys, warnings
    warnings.warn("leaky_step: a warning from student code")
    print("progress 50%", file=sys.stderr)
    os.write(2, b"native code writes here\\n")
"""


def reference_source(assignment_id: str) -> str:
    return (SOLUTIONS / ASSIGNMENTS[assignment_id].relative_file).read_text(encoding="utf-8")


def reference_namespace(assignment_id: str, source: str | None = None) -> dict:
    """Run a module's source as a notebook would, and return its global namespace."""
    namespace: dict = {"__name__": "__main__"}
    exec(compile(source or reference_source(assignment_id), f"<{assignment_id}>", "exec"), namespace)
    return namespace


def noisy_reference(source: str) -> str:
    """Return the a1_lif reference with NOISY_LINES at the start of leaky_step's solution region."""
    head, _, tail = source.partition("def leaky_step(")
    body_start = tail.index(BEGIN) + len(BEGIN) + 1
    return f"{head}def leaky_step({tail[:body_start]}{NOISY_LINES}{tail[body_start:]}"


def grade_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade")]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory):
    course = tmp_path_factory.mktemp("export") / "course"
    return export_course(course, root=ROOT, cell_timeout_s=90)


@pytest.fixture(scope="module")
def suite_tests():
    return collect_suite_tests(sorted(ASSIGNMENTS))


# Cells cut from the reference.


@pytest.mark.parametrize("assignment_id", sorted(ASSIGNMENTS))
def test_module_cells_hold_each_graded_definition(assignment_id: str) -> None:
    module = ASSIGNMENTS[assignment_id].module
    source = reference_source(assignment_id)
    cells = module_cells(source, module)

    graded = {name for name, text in top_level_definitions(source).items() if BEGIN in text}
    solution_names = [cell.name for cell in cells if cell.solution]
    assert sorted(solution_names) == sorted(graded)
    assert not cells[0].solution
    assert cells[0].grade_id == f"{module}-setup"
    for cell in cells:
        if cell.solution:
            assert cell.source.rstrip().endswith("### END SOLUTION"), cell.grade_id


@pytest.mark.parametrize("assignment_id", sorted(ASSIGNMENTS))
def test_module_cells_run_as_the_module(assignment_id: str) -> None:
    module = ASSIGNMENTS[assignment_id].module
    cells = module_cells(reference_source(assignment_id), module)
    namespace: dict = {"__name__": "__main__"}
    for cell in cells:
        exec(compile(cell.source, cell.grade_id, "exec"), namespace)

    expected = reference_namespace(assignment_id)
    public = {name for name in expected if not name.startswith("__")}
    assert public <= set(namespace)


def test_module_cells_reject_unbalanced_markers() -> None:
    source = "import math\n\n\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n"
    with pytest.raises(UserError, match="not closed"):
        module_cells(source, "m")


def test_fill_solution_cells_takes_changed_function(exported, tmp_path: Path) -> None:
    notebook = nbformat.read(exported.notebooks["a1_lif"], as_version=4)
    submission = materialize(load_entry(CATALOGUE / "a1_lif" / "beta_on_reset_term"), SOLUTIONS, tmp_path)
    wrong = (submission / ASSIGNMENTS["a1_lif"].relative_file).read_text(encoding="utf-8")

    before = {cell.id: cell.source for cell in notebook.cells}
    fill_solution_cells(notebook, wrong, "lif")
    changed = [cell.id for cell in notebook.cells if cell.source != before[cell.id]]
    assert changed == ["lif-leaky_step"]
    assert "beta * (mem - reset * threshold) + input_" in notebook.cells[[c.id for c in notebook.cells].index("lif-leaky_step")].source


def test_fill_solution_cells_names_missing_function(exported) -> None:
    notebook = nbformat.read(exported.notebooks["a1_lif"], as_version=4)
    with pytest.raises(UserError, match="student.py defines no function or class 'lapicque_step'"):
        fill_solution_cells(notebook, "def beta_from_tau(tau, time_step=1e-3):\n    return 0.0\n", "lif", "student.py")


# The exported course.


def test_export_writes_config_notebooks_and_helpers(exported) -> None:
    config = exported.config.read_text(encoding="utf-8")
    assert "c.CourseDirectory.course_id = 'snn-grade'" in config
    assert "c.ExecutePreprocessor.timeout = 90" in config
    for assignment_id in ASSIGNMENTS:
        folder = exported.root / "source" / assignment_id
        assert (folder / f"{assignment_id}.ipynb").is_file()
        assert (folder / "common" / "datasets.py").is_file()


@pytest.mark.parametrize("assignment_id", sorted(ASSIGNMENTS))
def test_one_test_cell_per_suite_test(exported, suite_tests, assignment_id: str) -> None:
    notebook = nbformat.read(exported.notebooks[assignment_id], as_version=4)
    nbformat.validate(notebook)
    tests = [test for test in suite_tests if test.assignment == assignment_id]
    cells = grade_cells(notebook)

    assert [cell.metadata.nbgrader.grade_id for cell in cells] == [grade_id_for_test(test.id) for test in tests]
    assert [cell.metadata.nbgrader.points for cell in cells] == [test.points for test in tests]
    assert exported.points[assignment_id] == sum(test.points for test in tests)
    for cell, test in zip(cells, tests):
        assert f"run_suite_test({test.id!r}, globals()" in cell.source
        assert cell.metadata.nbgrader.locked
        hidden = "### BEGIN HIDDEN TESTS" in cell.source
        assert hidden == (test.visibility == "hidden"), test.id


@pytest.mark.parametrize("assignment_id", sorted(ASSIGNMENTS))
def test_cell_ids_are_unique_and_valid(exported, assignment_id: str) -> None:
    notebook = nbformat.read(exported.notebooks[assignment_id], as_version=4)
    grade_ids = [cell.metadata.nbgrader.grade_id for cell in notebook.cells if "nbgrader" in cell.metadata]
    cell_ids = [cell.id for cell in notebook.cells]
    assert len(set(grade_ids)) == len(grade_ids)
    assert len(set(cell_ids)) == len(cell_ids)
    assert all(GRADE_ID.match(grade_id) and len(grade_id) <= 128 for grade_id in grade_ids)
    assert all(len(cell_id) <= 64 for cell_id in cell_ids)


def test_setup_cell_comes_first_and_is_locked(exported) -> None:
    notebook = nbformat.read(exported.notebooks["a2_encoding"], as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert "setup_notebook('a2_encoding')" in code[0].source
    assert code[0].metadata.nbgrader.locked
    assert "import torch" in code[1].source
    assert code[1].metadata.nbgrader.locked


def test_introduction_replaces_repository_workflow(exported) -> None:
    notebook = nbformat.read(exported.notebooks["a3_training"], as_version=4)
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert markdown.startswith("# Assignment 3")
    assert "## Working in this notebook" in markdown
    assert "## Checking your work" not in markdown
    assert "from common.datasets import load_mnist" in markdown


def test_hidden_messages_option_shows_messages(tmp_path: Path) -> None:
    summary = export_course(tmp_path / "course", ["a1_lif"], root=ROOT, hidden_messages=True)
    notebook = nbformat.read(summary.notebooks["a1_lif"], as_version=4)
    assert not any("show_message=False" in cell.source for cell in grade_cells(notebook))


def test_export_rejects_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(UserError, match="not empty"):
        export_course(tmp_path / "course", root=ROOT)


def test_cli_writes_course_and_rejects_unknown_assignment(tmp_path: Path) -> None:
    result = subprocess.run([*SNN_GRADE, "nbgrader", str(tmp_path / "course"), "--assignment", "a1_lif"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "course" / "source" / "a1_lif" / "a1_lif.ipynb").is_file()
    assert re.search(r"a1_lif\.ipynb \(\d+ points in \d+ test cells\)", result.stdout), result.stdout

    result = subprocess.run([*SNN_GRADE, "nbgrader", str(tmp_path / "other"), "--assignment", "a9_nothing"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert "unknown assignment 'a9_nothing'" in result.stderr


# The bridge, run in this process.


def test_bridge_passes_reference() -> None:
    namespace = reference_namespace("a1_lif")
    assert bridge.run_suite_test("public/a1_lif/test_leaky_step.py::test_subtract_reset_values", namespace) is None
    assert bridge.run_suite_test("hidden/a1_lif/test_leaky_step.py::test_zero_matches_snntorch[torch.float64]", namespace) is None


def test_bridge_fails_with_suite_message(tmp_path: Path) -> None:
    submission = materialize(load_entry(CATALOGUE / "a1_lif" / "beta_on_reset_term"), SOLUTIONS, tmp_path)
    namespace = reference_namespace("a1_lif", (submission / "a1_lif" / "lif.py").read_text(encoding="utf-8"))

    with pytest.raises(bridge.SuiteTestFailed) as public:
        bridge.run_suite_test("public/a1_lif/test_leaky_step.py::test_subtract_reset_values", namespace)
    assert str(public.value).startswith("failed (0 of 1 point): Reset by subtraction")
    assert "mem differs from the expected value at index (0,): expected 0, got 0.5" in str(public.value)

    with pytest.raises(bridge.SuiteTestFailed) as hidden:
        bridge.run_suite_test("hidden/a1_lif/test_leaky_step.py::test_subtract_matches_snntorch[torch.float32]", namespace, show_message=False)
    assert "the reason is not shown" in str(hidden.value)
    assert "differs" not in str(hidden.value)


def test_bridge_reports_stub_as_not_implemented() -> None:
    namespace = reference_namespace("a1_lif")

    def firing_rate(spk_rec):
        raise NotImplementedError()

    namespace["firing_rate"] = firing_rate
    with pytest.raises(bridge.SuiteTestFailed, match="not implemented yet: lif.firing_rate"):
        bridge.run_suite_test("public/a1_lif/test_simulate.py::test_firing_rate_values", namespace)


def test_bridge_flags_delegation() -> None:
    namespace = reference_namespace("a1_lif")
    bridge.setup_notebook("a1_lif")

    def leaky_step(input_, mem, beta, threshold=1.0, reset_mechanism="subtract"):
        import snntorch as snn

        neuron = snn.Leaky(beta=beta, threshold=threshold, reset_mechanism=reset_mechanism)
        return neuron(input_, mem)

    namespace["leaky_step"] = leaky_step
    with pytest.raises(bridge.SuiteTestFailed) as failure:
        bridge.run_suite_test("public/a1_lif/test_leaky_step.py::test_none_reset_values", namespace)
    assert "calls snntorch.Leaky" in str(failure.value)
    assert "note: delegation: lif.leaky_step calls snntorch.Leaky" in str(failure.value)


def test_bridge_keeps_standard_error_out(capfd: pytest.CaptureFixture[str]) -> None:
    namespace = reference_namespace("a1_lif", noisy_reference(reference_source("a1_lif")))
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        result = bridge.run_suite_test("public/a1_lif/test_leaky_step.py::test_zero_reset_values", namespace)

    assert result is None
    assert escaped == []
    assert capfd.readouterr().err == ""


def test_bridge_stops_endless_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bridge, "LIMITS", Limits(call_timeout_s=0.5))
    namespace = reference_namespace("a1_lif")

    def firing_rate(spk_rec):
        while True:
            try:
                sum(range(1000))
            except Exception:
                pass

    namespace["firing_rate"] = firing_rate
    with pytest.raises(bridge.SuiteTestFailed) as failure:
        bridge.run_suite_test("public/a1_lif/test_simulate.py::test_firing_rate_values", namespace)
    assert str(failure.value).startswith("timeout (0 of 1 point)")
    assert "did not return within 0.5 s" in str(failure.value)


def test_bridge_reports_in_place_change() -> None:
    namespace = reference_namespace("a1_lif")
    original = namespace["leaky_step"]

    def leaky_step(input_, mem, beta, threshold=1.0, reset_mechanism="subtract"):
        spk, new_mem = original(input_, mem, beta, threshold, reset_mechanism)
        mem.mul_(0.0)
        return spk, new_mem

    namespace["leaky_step"] = leaky_step
    with pytest.raises(bridge.SuiteTestFailed, match="modified mem in place"):
        bridge.run_suite_test("hidden/a1_lif/test_leaky_edge_cases.py::test_leaky_step_does_not_modify_inputs", namespace)


def test_notebook_module_passes_copies() -> None:
    assignment = ASSIGNMENTS["a1_lif"]
    module = bridge.NotebookModule(assignment, {"double": lambda x: x.mul_(2.0)}, bridge._runtime(assignment), Limits())
    x = torch.ones(3)

    record = module.call("double", x)
    assert torch.equal(x, torch.ones(3))
    assert torch.equal(record.value, torch.full((3,), 2.0))
    assert record.modified_inputs == ["x"]


def test_bridge_rejects_ambiguous_test_id() -> None:
    namespace = reference_namespace("a1_lif")
    with pytest.raises(ValueError, match="0 selected"):
        bridge.run_suite_test("public/a1_lif/test_leaky_step.py::test_missing", namespace)
    with pytest.raises(ValueError, match="2 selected"):
        bridge.run_suite_test("hidden/a1_lif/test_leaky_step.py::test_zero_matches_snntorch", namespace)
    with pytest.raises(ValueError, match="invalid test id"):
        bridge.run_suite_test("a1_lif/test_leaky_step.py", namespace)


# Real nbgrader, offline.


@dataclass
class GradedCourse:
    root: Path
    points: dict[str, int]
    """Points of each assignment's test cells, as `export_course` reports them."""
    grades: dict[tuple[str, str], dict[str, str]]
    """Rows of `nbgrader export`'s grades.csv by (student, assignment)."""
    cell_scores: dict[tuple[str, str], dict[str, float]]
    """nbgrader's score of each test cell by (student, assignment), keyed by grade_id."""


def nbgrader(course: Path, *args: str) -> str:
    """Run an nbgrader command in the course folder, isolated from the user's Jupyter configuration."""
    environment = {
        **os.environ,
        # nbgrader runs `alembic` and the kernel runs `python` from PATH: use this environment's.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "JUPYTER_CONFIG_DIR": str(course.parent / "jupyter-config"),
        "IPYTHONDIR": str(course.parent / "ipython"),
    }
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=environment, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    return result.stdout + result.stderr


def submit(course: Path, student: str, assignment_id: str, module_source: str | None) -> None:
    """Place the release notebook under submitted/, with its solution cells from `module_source` unless None."""
    notebook = nbformat.read(course / "release" / assignment_id / f"{assignment_id}.ipynb", as_version=4)
    if module_source is not None:
        fill_solution_cells(notebook, module_source, ASSIGNMENTS[assignment_id].module)
    folder = course / "submitted" / student / assignment_id
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{assignment_id}.ipynb")


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory: pytest.TempPathFactory) -> GradedCourse:
    scratch = tmp_path_factory.mktemp("nbgrader")
    course = scratch / "course"
    summary = export_course(course, root=ROOT)
    nbgrader(course, "generate_assignment", "*")

    for assignment_id in ASSIGNMENTS:
        submit(course, "reference", assignment_id, reference_source(assignment_id))
        submit(course, "stubs", assignment_id, None)
    for assignment_id, entry in WRONG_ENTRIES.items():
        submission = materialize(load_entry(CATALOGUE / assignment_id / entry), SOLUTIONS, scratch / assignment_id)
        submit(course, "wrong", assignment_id, (submission / ASSIGNMENTS[assignment_id].relative_file).read_text(encoding="utf-8"))
    submit(course, "noisy", "a1_lif", noisy_reference(reference_source("a1_lif")))

    students = scratch / "students.csv"
    students.write_text("id,first_name,last_name,email\nreference,,,\nstubs,,,\nwrong,,,\nnoisy,,,\n", encoding="utf-8")
    nbgrader(course, "db", "student", "import", str(students))
    nbgrader(course, "autograde", "*")
    nbgrader(course, "export")

    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        grades = {(row["student_id"], row["assignment"]): row for row in csv.DictReader(handle)}
    from nbgrader.api import Gradebook

    cell_scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student, assignment_id in grades:
            if (course / "autograded" / student / assignment_id).is_dir():
                notebook = gradebook.find_submission_notebook(assignment_id, assignment_id, student)
                cell_scores[student, assignment_id] = {grade.name: grade.score for grade in notebook.grades}
    return GradedCourse(course, summary.points, grades, cell_scores)


def snn_grade_document(submission: Path, assignment_id: str) -> dict:
    result = subprocess.run(
        [*SNN_GRADE, "grade", str(submission), "--assignment", assignment_id, "--format", "json", "--hidden-messages"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", sorted(ASSIGNMENTS))
def test_reference_earns_full_marks(graded_course: GradedCourse, assignment_id: str) -> None:
    row = graded_course.grades["reference", assignment_id]
    assert float(row["max_score"]) == graded_course.points[assignment_id]
    assert float(row["score"]) == graded_course.points[assignment_id]


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", sorted(ASSIGNMENTS))
def test_stubs_earn_nothing(graded_course: GradedCourse, assignment_id: str) -> None:
    row = graded_course.grades["stubs", assignment_id]
    assert float(row["score"]) == 0
    assert float(row["max_score"]) > 0


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", sorted(WRONG_ENTRIES))
def test_catalogue_entry_scores_as_snn_grade(graded_course: GradedCourse, assignment_id: str) -> None:
    entry = CATALOGUE / assignment_id / WRONG_ENTRIES[assignment_id]
    document = snn_grade_document(entry, assignment_id)
    (result,) = document["assignments"]

    row = graded_course.grades["wrong", assignment_id]
    assert 0 < result["score"] < result["max_score"]
    assert float(row["score"]) == result["score"]
    assert float(row["max_score"]) == result["max_score"]
    expected = {grade_id_for_test(test["id"]): float(test["score"]) for test in result["tests"]}
    assert graded_course.cell_scores["wrong", assignment_id] == expected


@pytest.mark.slow
def test_partial_credit_reaches_gradebook(graded_course: GradedCourse) -> None:
    scores = graded_course.cell_scores["wrong", "a3_training"]
    accuracy = scores[grade_id_for_test("hidden/a3_training/test_accuracy_threshold.py::test_accuracy_threshold")]
    assert 0 < accuracy < 10


@pytest.mark.slow
def test_standard_error_does_not_cost_points(graded_course: GradedCourse) -> None:
    row = graded_course.grades["noisy", "a1_lif"]
    assert float(row["score"]) == float(row["max_score"])
    notebook = nbformat.read(graded_course.root / "autograded" / "noisy" / "a1_lif" / "a1_lif.ipynb", as_version=4)
    outputs = [output for cell in grade_cells(notebook) for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "stream" and output.name == "stderr"]
    assert not [output for output in outputs if output.output_type == "error"]


@pytest.mark.slow
def test_reference_test_cells_show_no_output(graded_course: GradedCourse) -> None:
    for assignment_id in ASSIGNMENTS:
        notebook = nbformat.read(graded_course.root / "autograded" / "reference" / assignment_id / f"{assignment_id}.ipynb", as_version=4)
        for cell in grade_cells(notebook):
            assert cell.outputs == [], (cell.metadata.nbgrader.grade_id, cell.outputs)


@pytest.mark.slow
def test_release_hides_hidden_tests(graded_course: GradedCourse) -> None:
    notebook = nbformat.read(graded_course.root / "release" / "a1_lif" / "a1_lif.ipynb", as_version=4)
    sources = [cell.source for cell in grade_cells(notebook)]
    assert not any("hidden/a1_lif/" in source for source in sources)
    assert any("public/a1_lif/" in source for source in sources)
    solution = next(cell for cell in notebook.cells if cell.id == "lif-leaky_step")
    assert "raise NotImplementedError()" in solution.source
    assert "### BEGIN SOLUTION" not in solution.source
    assert ast.parse(solution.source)
