"""The shape of the source tree: no borrowed private names, no oversized module or class.

Import cycles are import-linter's job (the ``acyclic_siblings`` and ``layers``
contracts in pyproject.toml, run by ``nox -s layers``); these are the rules it
cannot express.  See docs/architecture.md.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src" / "crmcore"
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 400
#: Public API of named tuples, though it starts with an underscore.
NAMED_TUPLE_API = frozenset({"_replace", "_asdict", "_fields", "_make", "_field_defaults"})

pytestmark = pytest.mark.skipif(
    not SOURCE.is_dir(), reason=f"the source tree {SOURCE} is not here (an installed copy?)"
)


def modules() -> Iterator[tuple[str, ast.Module, int]]:
    """(path relative to src/, parsed module, line count) of every module but Alembic revisions."""
    for path in sorted(SOURCE.rglob("*.py")):
        if "versions" in path.parts and "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        yield str(path.relative_to(SOURCE.parent)), ast.parse(text), len(text.splitlines())


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def defined_here(tree: ast.Module) -> set[str]:
    """Every name the module itself defines or assigns, attributes included.

    Privacy is per module: a class's ``_members`` may be used anywhere in
    the module that defines them.
    """
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def borrowed(tree: ast.Module) -> Iterator[str]:
    """What a module takes that is private to another module."""
    own = defined_here(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("crmcore"):
            module = node.module or ""
            if any(private(part) for part in module.split(".")):
                yield f"line {node.lineno}: imports the private module {module}"
            for alias in node.names:
                if private(alias.name):
                    yield f"line {node.lineno}: imports {alias.name} from {module}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("crmcore") and any(
                    private(part) for part in alias.name.split(".")
                ):
                    yield f"line {node.lineno}: imports the private module {alias.name}"
        elif isinstance(node, ast.Attribute) and private(node.attr):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "super":
                continue
            if node.attr in own or node.attr in NAMED_TUPLE_API:
                continue
            yield f"line {node.lineno}: uses {ast.unparse(owner)}.{node.attr}"


def test_no_module_uses_a_name_private_to_another_module() -> None:
    found = [f"{path} {problem}" for path, tree, _ in modules() for problem in borrowed(tree)]
    assert found == [], "give what another module needs a public name:\n" + "\n".join(found)


def test_no_module_is_over_600_lines_and_no_class_over_400() -> None:
    too_big = []
    for path, tree, lines in modules():
        if lines > MAX_MODULE_LINES:
            too_big.append(f"{path}: {lines} lines")
        too_big += [
            f"{path}: class {node.name} is {node.end_lineno - node.lineno + 1} lines"
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            and node.end_lineno is not None
            and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES
        ]
    assert too_big == [], "split it by what lives there:\n" + "\n".join(too_big)


def test_the_checks_see_a_borrowed_private_name() -> None:
    tree = ast.parse(
        "from crmcore.services.tasks import _secret\n"
        "import crmcore.domain._hidden\n"
        "class A:\n"
        "    def f(self, other):\n"
        "        return self._mine, other._theirs, super()._base, row._replace()\n"
    )
    assert [problem.split(": ", 1)[1] for problem in borrowed(tree)] == [
        "imports _secret from crmcore.services.tasks",
        "imports the private module crmcore.domain._hidden",
        "uses other._theirs",
    ]


def test_the_checks_read_the_whole_source_tree() -> None:
    paths = {path for path, _, _ in modules()}
    assert "crmcore/__init__.py" in paths
    assert "crmcore/services/wiring.py" in paths
    assert not any("/migrations/versions/" in path for path in paths)
