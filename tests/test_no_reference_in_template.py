"""Does the student template keep reference solutions to the training assignment out of grader code?

The template ships the grader package, harnesses and public suites included, next to
the students' stubs, so every student can read that code. These checks parse each
Python file of the template outside `assignments/` for the shapes a reference
implementation takes. They look for a custom autograd function (the surrogate), an
`nn.Module` built on `Leaky` layers (the spiking network) and a cross-entropy
computed in a loop (the loss summed over time steps, or a training loop).
"""

from __future__ import annotations

import ast
from typing import Callable, Iterator

import pytest

from autograder.release import release
from conftest import ROOT, SOLUTIONS

LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
CROSS_ENTROPY_NAMES = ("cross_entropy", "CrossEntropy")


def identifiers(node: ast.AST) -> Iterator[str]:
    """Yield every variable name and attribute name inside `node`."""
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            yield child.id
        elif isinstance(child, ast.Attribute):
            yield child.attr


def mentions(node: ast.AST, *words: str) -> bool:
    """Return whether a name or attribute inside `node` contains one of `words`."""
    return any(word in name for name in identifiers(node) for word in words)


def autograd_functions(tree: ast.Module) -> list[str]:
    """Return `line name` of each class with a base that mentions `Function`."""
    return [
        f"{node.lineno} {node.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and any(mentions(base, "Function") for base in node.bases)
    ]


def leaky_modules(tree: ast.Module) -> list[str]:
    """Return `line name` of each class with an `nn.Module` base whose body names `Leaky`."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        if any(mentions(base, "Module") for base in node.bases) and any(mentions(item, "Leaky") for item in node.body):
            found.append(f"{node.lineno} {node.name}")
    return found


def cross_entropy_in_loops(tree: ast.Module) -> list[str]:
    """Return `line function` of each function that calls a cross-entropy inside a loop or comprehension."""
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, FUNCTIONS):
            continue
        calls = [
            call
            for loop in ast.walk(function)
            if isinstance(loop, LOOPS)
            for call in ast.walk(loop)
            if isinstance(call, ast.Call) and mentions(call.func, *CROSS_ENTROPY_NAMES)
        ]
        if calls:
            found.append(f"{calls[0].lineno} {function.name}")
    return found


def findings(sources: dict[str, ast.Module], detector: Callable[[ast.Module], list[str]]) -> list[str]:
    """Return `path:line name` of everything `detector` finds in `sources`."""
    return [f"{path}:{place}" for path, tree in sources.items() for place in detector(tree)]


@pytest.fixture(scope="module")
def grader_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ast.Module]:
    """Parse every `.py` file of a fresh template outside `assignments/`, keyed by relative path."""
    template = release(ROOT, tmp_path_factory.mktemp("release"), None).template
    sources = {}
    for path in sorted(template.rglob("*.py")):
        relative = path.relative_to(template)
        if relative.parts[0] == "assignments":
            continue
        sources[relative.as_posix()] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return sources


def test_detectors_flag_reference_solution() -> None:
    path = SOLUTIONS / "a3_training" / "training.py"
    reference = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    assert [place.split()[1] for place in autograd_functions(reference)] == ["FastSigmoid"]
    assert [place.split()[1] for place in leaky_modules(reference)] == ["SpikingMLP"]
    assert [place.split()[1] for place in cross_entropy_in_loops(reference)] == ["membrane_ce_loss"]


def test_scan_covers_harnesses_and_public_suites(grader_sources: dict[str, ast.Module]) -> None:
    assert "autograder/harnesses/training.py" in grader_sources
    assert "tests/a3_training/test_train_evaluate.py" in grader_sources
    assert "autograder/suites/public/a3_training/test_train_evaluate.py" in grader_sources
    assert not [path for path in grader_sources if "/hidden/" in path]


def test_template_has_no_autograd_function(grader_sources: dict[str, ast.Module]) -> None:
    found = findings(grader_sources, autograd_functions)
    assert not found, f"the template ships torch.autograd.Function subclasses, a reference FastSigmoid: {found}"


def test_template_has_no_leaky_module(grader_sources: dict[str, ast.Module]) -> None:
    found = findings(grader_sources, leaky_modules)
    assert not found, f"the template ships nn.Module classes built on snn.Leaky, a reference SpikingMLP: {found}"


def test_template_has_no_looped_cross_entropy(grader_sources: dict[str, ast.Module]) -> None:
    found = findings(grader_sources, cross_entropy_in_loops)
    assert not found, (
        f"the template ships functions that call a cross-entropy inside a loop, a reference "
        f"membrane_ce_loss or train_epoch: {found}"
    )
