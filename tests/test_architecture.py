"""The one-way data flow of DESIGN.md, checked on the source (issue #8).

io -> analyses -> Result -> campaign -> report; physics is pure; nobody but io imports io's
private modules; no import cycle between packages except the ``Result.plot()`` convenience
(result -> report -> result). Imports inside functions count: a cycle patched by a local
import is still a cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import heterolab

SRC = Path(heterolab.__file__).parent
ANALYSES = {"kinetics", "spectroscopy", "structure", "atomistic"}
ABOVE_ANALYSES = {"campaign", "cli", "report", "thesis", "demo", "testing", "simulate"}
ALLOWED_CYCLES = {frozenset({"result", "report"})}


def _unit_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports() -> dict[str, set[tuple[str, str]]]:
    """unit -> {(imported heterolab module, importing file)}."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for f in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for n in names:
                if n.startswith("heterolab."):
                    out[_unit_of(f)].add((n, str(f.relative_to(SRC))))
    return out


IMPORTS = _imports()


def _graph() -> dict[str, set[str]]:
    g: dict[str, set[str]] = defaultdict(set)
    for unit, found in IMPORTS.items():
        for module, _f in found:
            dst = module.split(".")[1]
            if dst != unit:
                g[unit].add(dst)
    return g


def _cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Elementary cycles found by depth-first search (each reported once by its node set)."""
    found: dict[frozenset[str], list[str]] = {}

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(g.get(node, ())):
            if nxt == path[0]:
                found.setdefault(frozenset(path), [*path, nxt])
            elif nxt not in path and nxt > path[0]:
                visit(nxt, [*path, nxt])

    for start in sorted(g):
        visit(start, [start])
    return [c for key, c in found.items() if key not in ALLOWED_CYCLES]


def test_no_import_cycle_between_packages() -> None:
    assert _cycles(_graph()) == []


def test_only_io_imports_io_private_modules() -> None:
    bad = sorted(
        f"{f} imports {m}"
        for unit, found in IMPORTS.items()
        if unit != "io"
        for m, f in found
        if m.startswith("heterolab.io._")
    )
    assert bad == []


def test_physics_is_pure_and_analyses_never_import_what_sits_above_them() -> None:
    g = _graph()
    assert g["physics"] & (ANALYSES | ABOVE_ANALYSES | {"io"}) == set()
    for unit in ANALYSES:
        assert g.get(unit, set()) & ABOVE_ANALYSES == set(), unit
