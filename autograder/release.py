"""Build what an instructor hands out: the student template and the Classroom 50 bundles.

`OUT/template/` is the student template repository: generated stubs, the public suites
as `tests/`, the grader package without hidden suites, a student `pyproject.toml`,
README, devcontainer and `.gitignore`. `OUT/classroom50/<assignment>/` is one
autograder bundle per assignment, to be copied into the Classroom 50 configuration
repository as `<classroom>/autograders/<slug>/`.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import autograder
from autograder.assignments import ASSIGNMENTS, Assignment, get_assignment
from autograder.errors import UserError
from autograder.protected import write_manifest
from autograder.stubs import generate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PACKAGE_ROOT = Path(autograder.__file__).resolve().parent
TEMPLATES = PACKAGE_ROOT / "templates"

#: Classroom 50 rejects bundles whose compressed archive exceeds 10 MiB.
MAX_BUNDLE_BYTES = 10 * 1024 * 1024

#: Python version in the runtime snippet for `gh teacher assignment add --runtime`.
RUNTIME_PYTHON = "3.12"

#: Workflow file name that Classroom 50 reserves in student repositories.
RESERVED_WORKFLOW = ".github/workflows/autograde.yaml"

WORKFLOWS = ("none", "standalone")


@dataclass
class ReleaseSummary:
    """Paths written by a release and the compressed size of each bundle."""

    template: Path
    bundles: dict[str, Path]
    bundle_bytes: dict[str, int]


def project_requirements(pyproject: Path) -> list[str]:
    """Return the dependencies declared in the project's `pyproject.toml`."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read {pyproject}: {exc}") from None
    return list(data["project"]["dependencies"])


def _copy_package(destination: Path, assignment_ids: list[str], include_hidden: bool) -> None:
    """Copy the grader package with the suites of these assignments only."""

    def ignored(folder: str, names: list[str]) -> set[str]:
        skipped = {name for name in names if name == "__pycache__" or name.endswith(".pyc")}
        parent = Path(folder)
        if parent.name == "suites":
            skipped |= {name for name in names if name == "hidden" and not include_hidden}
        if parent.parent.name == "suites":
            skipped |= {name for name in names if (parent / name).is_dir() and name not in assignment_ids}
        return skipped

    shutil.copytree(PACKAGE_ROOT, destination / "autograder", ignore=ignored)


def _student_pyproject(requirements: list[str]) -> str:
    dependencies = "\n".join(f'    "{requirement}",' for requirement in requirements)
    return (TEMPLATES / "student_pyproject.toml").read_text(encoding="utf-8").replace("__DEPENDENCIES__", dependencies)


def _student_readme(assignments: list[Assignment]) -> str:
    rows = "\n".join(f"| `{a.id}` | {a.title} | `assignments/{a.relative_file}` |" for a in assignments)
    return (TEMPLATES / "student_README.md").read_text(encoding="utf-8").replace("__ASSIGNMENTS__", rows)


def build_template(root: Path, out: Path, assignments: list[Assignment], workflow: str) -> Path:
    """Write the student template repository to `out/template` and return its path."""
    template = out / "template"
    ids = [a.id for a in assignments]
    generated = out / ".stubs"
    generate(root / "solutions", generated)
    for name in [*ids, "common"]:
        if (generated / name).is_dir():
            shutil.copytree(generated / name, template / "assignments" / name)
    shutil.rmtree(generated)
    for assignment_id in ids:
        public = PACKAGE_ROOT / "suites" / "public" / assignment_id
        shutil.copytree(public, template / "tests" / assignment_id, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(TEMPLATES / "student_conftest.py", template / "tests" / "conftest.py")
    _copy_package(template, ids, include_hidden=False)
    (template / "pyproject.toml").write_text(_student_pyproject(project_requirements(root / "pyproject.toml")), encoding="utf-8")
    (template / "README.md").write_text(_student_readme(assignments), encoding="utf-8")
    (template / ".gitignore").write_text((TEMPLATES / "student_gitignore").read_text(encoding="utf-8"), encoding="utf-8")
    devcontainer = template / ".devcontainer"
    devcontainer.mkdir()
    settings = json.loads((TEMPLATES / "devcontainer.json").read_text(encoding="utf-8"))
    opened = settings["customizations"]["codespaces"]["openFiles"]
    settings["customizations"]["codespaces"]["openFiles"] = [path for path in opened if Path(path).parts[1] in ids]
    (devcontainer / "devcontainer.json").write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    if workflow == "standalone":
        workflows = template / ".github" / "workflows"
        workflows.mkdir(parents=True)
        shutil.copyfile(TEMPLATES / "grade.yml", workflows / "grade.yml")
    write_manifest(template)
    return template


def _entry_script(requirements: list[str]) -> str:
    torch = [r for r in requirements if r.split(">")[0].split("=")[0].split("<")[0] in ("torch", "torchvision")]
    other = [r for r in requirements if r not in torch and ";" not in r]
    text = (TEMPLATES / "autograder.py").read_text(encoding="utf-8")
    return text.replace("__TORCH_REQUIREMENTS__", repr(torch)).replace("__OTHER_REQUIREMENTS__", repr(other))


def compressed_size(folder: Path) -> int:
    """Return the size of `folder` as the gzip-compressed tar archive Classroom 50 serves."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(folder, arcname=folder.name)
    return len(buffer.getvalue())


def build_bundle(root: Path, out: Path, assignment: Assignment, include_hidden: bool) -> tuple[Path, int]:
    """Write the Classroom 50 bundle of one assignment; return its path and compressed size."""
    bundle = out / "classroom50" / assignment.id
    bundle.mkdir(parents=True)
    requirements = project_requirements(root / "pyproject.toml")
    (bundle / "autograder.py").write_text(_entry_script(requirements), encoding="utf-8")
    _copy_package(bundle / "grader", [assignment.id], include_hidden=include_hidden)
    manifest = {"assignments": [assignment.id], "hidden_included": include_hidden, "grader": autograder.__version__}
    (bundle / "bundle.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    runtime = {"runs-on": "ubuntu-latest", "python": RUNTIME_PYTHON}
    (bundle / "runtime.json").write_text(json.dumps(runtime, indent=2) + "\n", encoding="utf-8")
    size = compressed_size(bundle)
    if size > MAX_BUNDLE_BYTES:
        raise UserError(f"bundle {bundle} compresses to {size} bytes, above Classroom 50's limit of {MAX_BUNDLE_BYTES}; remove large files from it")
    return bundle, size


def release(root: Path, out: Path, assignment_ids: list[str] | None = None, *, workflow: str = "none", hidden_in_bundle: bool = True) -> ReleaseSummary:
    """Write the template and one bundle per assignment into the empty folder `out`."""
    if workflow not in WORKFLOWS:
        raise UserError(f"invalid workflow {workflow!r}: use one of {', '.join(WORKFLOWS)}")
    if out.exists() and any(out.iterdir()):
        raise UserError(f"output folder {out} is not empty: choose a new folder or remove it first")
    assignments = [get_assignment(a) for a in assignment_ids] if assignment_ids else list(ASSIGNMENTS.values())
    out.mkdir(parents=True, exist_ok=True)
    template = build_template(root, out, assignments, workflow)
    bundles, sizes = {}, {}
    for assignment in assignments:
        bundles[assignment.id], sizes[assignment.id] = build_bundle(root, out, assignment, hidden_in_bundle)
    return ReleaseSummary(template=template, bundles=bundles, bundle_bytes=sizes)
