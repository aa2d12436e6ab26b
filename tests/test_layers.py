"""The folders' layers (docs/architecture.md): which package may import which, and no module over
400 lines outside tests. Issue 25: knowledge/ imported the runtime's paths, nlp/ the routing (so
editing the routing retrained the model), the Rasa patches the routing, the report the runtime."""

from __future__ import annotations

import ast

import pytest

from base.paths import ROOT

# package -> the project's packages it may import (besides itself). Lower floors never import
# higher ones; base/ is the ground floor every layer may read.
ALLOWED: dict[str, set[str]] = {
    "base": set(),
    "knowledge": {"base"},
    "nlp": {"base", "knowledge"},
    "pipeline": {"base", "knowledge"},
    "stores": {"base"},
    "evaluation": {"base", "knowledge", "pipeline"},
    "engine": {"base", "pipeline"},
    "channels": {"base", "pipeline"},
    "actions": {"base", "knowledge"},
    "report": {"base", "evaluation", "pipeline", "stores"},
    "ops": {"base"},
    "authoring": {"base", "knowledge"},
    "bench": {"base", "engine", "evaluation", "knowledge", "nlp", "ops", "pipeline", "report", "stores"},
}
MAX_LINES = 400


def imports_of(package: str) -> dict[str, set[str]]:
    """Module path -> the project's packages it imports (absolute imports, anywhere in the file)."""
    out: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
        out[str(path.relative_to(ROOT))] = {p for p in found if p in ALLOWED or p == "tests"} - {package}
    return out


def test_every_package_of_the_tree_has_its_layer() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages == set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_upward_import(package: str) -> None:
    wrong = {module: sorted(found - ALLOWED[package]) for module, found in imports_of(package).items()}
    assert {m: w for m, w in wrong.items() if w} == {}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_module_over_400_lines(package: str) -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / package).rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
