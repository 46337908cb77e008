"""The package's import graph: layers errors < model < engine < sensitivity, stress < report < cli; no cycles.

Read from the source with :mod:`ast` (nothing is imported), so the test also sees imports inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mcpot"
# Rank of each top-level part; parts of equal rank (sensitivity, stress) may not import each other.
LAYERS = {
    "errors": 0,
    "_version": 0,
    "progress": 0,
    "precision": 0,
    "model": 1,
    "engine": 2,
    "sensitivity": 3,
    "stress": 3,
    "report": 4,
    "cli": 5,
    "bench": 4,
    "docs_figures": 4,
    "bench_plain": 4,
    "bench_sobol": 4,
    "__main__": 6,
    "__init__": 6,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The mcpot modules ``name`` imports (``from pkg import mod`` counts as importing ``pkg.mod``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    return {m for m in found if m in known and m != name}


def part(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


GRAPH = {name: imports(name, path, set(modules())) for name, path in modules().items()}


def test_every_module_has_a_layer():
    assert {part(m) for m in GRAPH} <= set(LAYERS), {part(m) for m in GRAPH} - set(LAYERS)


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_no_module_imports_a_higher_or_sibling_layer(name):
    for target in GRAPH[name]:
        if part(target) == part(name):
            continue
        assert LAYERS[part(target)] < LAYERS[part(name)], f"{name} imports {target}"


def test_no_import_cycles():
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt] if nxt in stack else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for start in sorted(GRAPH):
        if start not in state:
            visit(start, [start])


def test_the_checker_sees_a_violation():
    """The graph is read right: the CLI imports the engine, the engine imports the model."""
    assert "mcpot.engine.run" in {t for m, ts in GRAPH.items() if m.startswith("mcpot.cli") for t in ts}
    assert "mcpot.model.space" in GRAPH["mcpot.engine.run"]
