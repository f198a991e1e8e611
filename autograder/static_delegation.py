"""Find, in a student's source, uses of the snnTorch code a function must not call.

The worker also detects such calls while the code runs, but code in the worker can
undo its own instrumentation. This check reads the source in the grader (parsing
only, nothing runs), so evading both takes deliberate obfuscation.
"""

from __future__ import annotations

import ast

ROOT_PACKAGE = "snntorch"


def _import_aliases(nodes: list[ast.stmt]) -> dict[str, str]:
    """Map each local name bound by an import to the dotted path it refers to."""
    aliases: dict[str, str] = {}
    for node in nodes:
        for child in ast.walk(node):
            if isinstance(child, ast.Import):
                for name in child.names:
                    aliases[name.asname or name.name.split(".")[0]] = name.name if name.asname else name.name.split(".")[0]
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                for name in child.names:
                    aliases[name.asname or name.name] = f"{child.module}.{name.name}"
    return aliases


def _dotted(node: ast.expr) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def _definitions(tree: ast.Module) -> dict[str, ast.AST]:
    return {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _reachable(definitions: dict[str, ast.AST], start: str) -> list[ast.AST]:
    """Return the definition of `start` and every module-level definition it names, transitively."""
    seen, queue = set(), [start]
    found = []
    while queue:
        name = queue.pop()
        if name in seen or name not in definitions:
            continue
        seen.add(name)
        found.append(definitions[name])
        queue.extend(node.id for node in ast.walk(definitions[name]) if isinstance(node, ast.Name))
    return found


def _matches(path: str, forbidden: str) -> bool:
    """Match `snntorch.Leaky` also when reached as `snntorch._neurons.leaky.Leaky`."""
    return path == forbidden or (path.split(".")[0] == ROOT_PACKAGE and path.split(".")[-1] == forbidden.split(".")[-1])


def find_static_uses(source: str, forbidden: dict[str, list[str]]) -> dict[str, list[str]]:
    """Return, per function or class name, the forbidden names its code (or helpers it names) uses.

    Source that does not parse gives an empty result: importing it fails anyway.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    definitions = _definitions(tree)
    module_aliases = _import_aliases([node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))])
    uses: dict[str, list[str]] = {}
    for function, names in forbidden.items():
        found: set[str] = set()
        for definition in _reachable(definitions, function):
            aliases = {**module_aliases, **_import_aliases([definition])}  # type: ignore[list-item]
            for node in ast.walk(definition):
                parts = _dotted(node) if isinstance(node, (ast.Attribute, ast.Name)) else None
                if not parts or parts[0] not in aliases:
                    continue
                path = ".".join([aliases[parts[0]], *parts[1:]])
                found.update(name for name in names if _matches(path, name))
        if found:
            uses[function] = sorted(found)
    return uses
