"""Does `snn-grade release` produce a safe student template and Classroom 50 bundles that grade correctly?"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from autograder.catalogue import load_entry, materialize
from autograder.release import MAX_BUNDLE_BYTES, RESERVED_WORKFLOW, compressed_size, release
from autograder.stubs import BEGIN, END, solution_lines
from conftest import CATALOGUE, ROOT, SOLUTIONS

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "classroom50-result-v1.schema.json").read_text())
ASSIGNMENT = "a1_lif"


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release")
    release(ROOT, out, [ASSIGNMENT], workflow="standalone")
    return out


def run_python(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def template_env(template: Path) -> dict[str, str]:
    """Environment that imports the template's own grader package, as an installed template would."""
    return {**os.environ, "PYTHONPATH": str(template)}


def test_template_contains_no_solution_or_hidden_material(released: Path) -> None:
    template = released / "template"
    files = [p for p in template.rglob("*") if p.is_file()]
    assert files
    assert not (template / "solutions").exists()
    assert not list(template.rglob("hidden"))
    assert not (template / RESERVED_WORKFLOW).exists()
    reference_lines = solution_lines((SOLUTIONS / ASSIGNMENT / "lif.py").read_text())
    for path in files:
        if path.suffix not in {".py", ".md", ".toml", ".json", ".yml"}:
            continue
        text = path.read_text(encoding="utf-8")
        stripped = {line.strip() for line in text.splitlines()}
        assert BEGIN not in stripped, f"{path} contains a solution marker line"
        assert END not in stripped, f"{path} contains a solution marker line"
        if path.suffix == ".py" and path.relative_to(template).parts[0] in {"assignments", "tests"}:
            leaked = reference_lines & stripped
            assert not leaked, f"{path} contains solution lines {sorted(leaked)}"


def test_template_has_student_files(released: Path) -> None:
    template = released / "template"
    assert (template / "assignments" / ASSIGNMENT / "lif.py").is_file()
    assert (template / "assignments" / "common" / "datasets.py").is_file()
    assert sorted(p.name for p in (template / "tests" / ASSIGNMENT).glob("test_*.py"))
    assert (template / "tests" / "conftest.py").is_file()
    devcontainer = json.loads((template / ".devcontainer" / "devcontainer.json").read_text())
    assert devcontainer["customizations"]["codespaces"]["openFiles"] == [f"assignments/{ASSIGNMENT}/lab.ipynb"]
    assert (template / ".github" / "workflows" / "grade.yml").is_file()
    assert "snn-grade check" in (template / "README.md").read_text()


def test_template_commits_every_file(released: Path, tmp_path: Path) -> None:
    template = shutil.copytree(released / "template", tmp_path / "template")
    shipped = sorted(path.relative_to(template).as_posix() for path in template.rglob("*") if path.is_file())
    git = ["git", "-C", str(template), "-c", "user.name=Instructor", "-c", "user.email=instructor@example.org"]
    subprocess.run([*git, "init", "--quiet"], check=True)
    subprocess.run([*git, "add", "--all"], check=True)

    tracked = subprocess.run([*git, "ls-files"], check=True, capture_output=True, text=True).stdout.split()

    assert tracked == shipped


def test_template_stubs_score_zero(released: Path) -> None:
    template = released / "template"
    result = run_python(["-m", "autograder", "grade", "assignments", "--visibility", "public", "--format", "json"], template, template_env(template))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["score"] == 0
    assert document["max_score"] > 0


def test_template_with_reference_scores_full_public_marks(released: Path, tmp_path: Path) -> None:
    template = tmp_path / "template"
    shutil.copytree(released / "template", template)
    shutil.copyfile(SOLUTIONS / ASSIGNMENT / "lif.py", template / "assignments" / ASSIGNMENT / "lif.py")
    result = run_python(["-m", "autograder", "grade", "assignments", "--visibility", "public", "--format", "json"], template, template_env(template))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["score"] == document["max_score"]
    assert {t["visibility"] for a in document["assignments"] for t in a["tests"]} == {"public"}


def test_plain_pytest_in_template_runs_public_suites(released: Path, tmp_path: Path) -> None:
    template = tmp_path / "template"
    shutil.copytree(released / "template", template)
    stubs = run_python(["-m", "pytest", "-q", "-p", "no:cacheprovider"], template, template_env(template))
    assert stubs.returncode == 1
    assert "not implemented yet: lif." in stubs.stdout
    shutil.copyfile(SOLUTIONS / ASSIGNMENT / "lif.py", template / "assignments" / ASSIGNMENT / "lif.py")
    reference = run_python(["-m", "pytest", "-q", "-p", "no:cacheprovider"], template, template_env(template))
    assert reference.returncode == 0, reference.stdout[-2000:]


def test_bundle_layout_and_size(released: Path) -> None:
    bundle = released / "classroom50" / ASSIGNMENT
    assert (bundle / "autograder.py").is_file()
    assert json.loads((bundle / "bundle.json").read_text())["assignments"] == [ASSIGNMENT]
    runtime = json.loads((bundle / "runtime.json").read_text())
    assert set(runtime) == {"runs-on", "python"}
    assert (bundle / "grader" / "autograder" / "suites" / "hidden" / ASSIGNMENT).is_dir()
    assert not (bundle / "grader" / "autograder" / "suites" / "hidden" / "a2_encoding").exists()
    assert compressed_size(bundle) < MAX_BUNDLE_BYTES


def test_bundle_without_hidden_suites(tmp_path: Path) -> None:
    release(ROOT, tmp_path, [ASSIGNMENT], hidden_in_bundle=False)
    bundle = tmp_path / "classroom50" / ASSIGNMENT
    assert not (bundle / "grader" / "autograder" / "suites" / "hidden").exists()
    assert json.loads((bundle / "bundle.json").read_text())["hidden_included"] is False


def test_release_rejects_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    result = run_python(["-m", "autograder", "release", str(tmp_path)], ROOT)
    assert result.returncode == 2
    assert "is not empty" in result.stderr


def make_checkout(tmp_path: Path, released: Path, lif_source: Path | None) -> Path:
    """A student repository as Classroom 50 checks it out: the template plus the student's edits."""
    checkout = tmp_path / "checkout"
    shutil.copytree(released / "template", checkout)
    if lif_source is not None:
        shutil.copyfile(lif_source, checkout / "assignments" / ASSIGNMENT / "lif.py")
    git = ["git", "-C", str(checkout), "-c", "user.name=student", "-c", "user.email=student@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "submission"], check=True, env={**os.environ, "GIT_COMMITTER_DATE": "2026-11-30T12:34:56Z"})
    return checkout


def run_autograder(released: Path, checkout: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict, str, str]:
    """Run the bundle's autograder.py exactly as Classroom 50's runner does."""
    bundle = tmp_path / "runtime" / ASSIGNMENT
    shutil.copytree(released / "classroom50" / ASSIGNMENT, bundle)
    output = tmp_path / "github_output"
    output.write_text("")
    env = {
        **os.environ,
        "CLASSROOM50_BUNDLE_DIR": str(bundle),
        "CLASSROOM": "snn-2026",
        "ASSIGNMENT": "lif",
        "ASSIGNMENT_TYPE": "individual",
        "OWNER": "ada",
        "USERNAME": "ada",
        "SUBMISSION_TAG": "submit/2026-11-30T12-35-00Z-abc1234",
        "COMMIT_URL": "https://github.com/org/snn-2026-lif-ada/commit/abc1234",
        "RELEASE_URL": "https://github.com/org/snn-2026-lif-ada/releases/tag/submit%2F2026-11-30T12-35-00Z-abc1234",
        "REVIEW_URL": "https://github.com/org/snn-2026-lif-ada/compare/base...abc1234",
        "GITHUB_OUTPUT": str(output),
        "SNN_GRADE_SKIP_INSTALL": "1",
        "SNN_GRADE_NO_SUDO": "1",
    }
    env.pop("PYTHONPATH", None)
    result = run_python([str(bundle / "autograder.py")], checkout, env)
    document = json.loads((checkout / "result.json").read_text()) if (checkout / "result.json").exists() else {}
    body = (checkout / "release-body.md").read_text() if (checkout / "release-body.md").exists() else ""
    return result, document, body, output.read_text()


def test_autograder_gives_reference_full_marks(released: Path, tmp_path: Path) -> None:
    checkout = make_checkout(tmp_path, released, SOLUTIONS / ASSIGNMENT / "lif.py")
    result, document, body, outputs = run_autograder(released, checkout, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    jsonschema.validate(document, SCHEMA)
    assert document["score"] == document["max-score"] > 0
    assert document["datetime"] == "2026-11-30T12:34:56Z"
    assert document["owner"] == "ada"
    assert {t["visibility"] if "visibility" in t else "x" for t in document["tests"]} == {"x"}
    assert "status=success" in outputs.splitlines()
    assert any(line.startswith("summary=snn-grade: ") for line in outputs.splitlines())
    assert f"{document['score']}/{document['max-score']} points" in body


def test_autograder_gives_stubs_zero(released: Path, tmp_path: Path) -> None:
    checkout = make_checkout(tmp_path, released, None)
    result, document, body, outputs = run_autograder(released, checkout, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    jsonschema.validate(document, SCHEMA)
    assert document["score"] == 0
    assert "status=failure" in outputs.splitlines()
    assert "not implemented yet: lif." in body


def test_autograder_gives_catalogue_entry_partial_score(released: Path, tmp_path: Path) -> None:
    entry = materialize(load_entry(CATALOGUE / ASSIGNMENT / "beta_on_reset_term"), SOLUTIONS, tmp_path / "entry")
    checkout = make_checkout(tmp_path, released, entry / ASSIGNMENT / "lif.py")
    result, document, body, _ = run_autograder(released, checkout, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    jsonschema.validate(document, SCHEMA)
    assert 0 < document["score"] < document["max-score"]
    hidden = [t for t in document["tests"] if t["message"] == "hidden test"]
    assert hidden


FORGING_STUDENT = '''
import json
import os
from pathlib import Path

for folder in (Path.cwd(), Path.cwd().parent, Path(__file__).resolve().parents[2]):
    try:
        (folder / "result.json").write_text(json.dumps({"score": 999, "max-score": 999}))
        (folder / "release-body.md").write_text("# full marks")
    except OSError:
        pass
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a") as handle:
            handle.write("status=success\\n")

'''


def test_submission_cannot_forge_result_files(released: Path, tmp_path: Path) -> None:
    forged = tmp_path / "forged_lif.py"
    forged.write_text(FORGING_STUDENT + (released / "template" / "assignments" / ASSIGNMENT / "lif.py").read_text())
    checkout = make_checkout(tmp_path, released, forged)
    result, document, body, outputs = run_autograder(released, checkout, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    jsonschema.validate(document, SCHEMA)
    assert document["score"] == 0
    assert "full marks" not in body
    assert outputs.splitlines()[0] == "status=failure"


def test_workflows_pass_actionlint(released: Path) -> None:
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert actionlint is not None, "actionlint is not installed: pip install -e '.[dev]'"
    workflows = [released / "template" / ".github" / "workflows" / "grade.yml", *sorted((ROOT / ".github" / "workflows").glob("*.yml"))]
    result = subprocess.run([actionlint, *map(str, workflows)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_broken_workflow(tmp_path: Path) -> None:
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert actionlint is not None
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  grade:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.no_such_property }}\n")
    result = subprocess.run([actionlint, str(broken)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "no_such_property" in result.stdout


def test_protected_file_changes_are_flagged(released: Path, tmp_path: Path) -> None:
    template = tmp_path / "template"
    shutil.copytree(released / "template", template)
    suite = next((template / "tests" / ASSIGNMENT).glob("test_*.py"))
    suite.write_text(suite.read_text() + "\n# edited\n")
    (template / "tests" / ASSIGNMENT / "conftest.py").write_text("import pytest\n")
    (template / "autograder" / "checks.py").unlink()
    result = run_python(["-m", "autograder", "grade", "assignments", "--visibility", "public", "--format", "json"], template, {**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    flags = json.loads(result.stdout)["submission_flags"]
    assert f"modified protected file: tests/{ASSIGNMENT}/{suite.name}" in flags
    assert f"added protected file: tests/{ASSIGNMENT}/conftest.py" in flags
    assert "removed protected file: autograder/checks.py" in flags


def test_unchanged_template_has_no_flags(released: Path) -> None:
    template = released / "template"
    result = run_python(["-m", "autograder", "grade", "assignments", "--visibility", "public", "--format", "json"], template, template_env(template))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["submission_flags"] == []
