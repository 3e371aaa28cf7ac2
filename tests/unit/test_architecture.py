"""The package's layers: no import circle, each layer uses only those below it.

Imports are read from the source (every `import` and `from ... import`,
including those inside functions and `TYPE_CHECKING` blocks), so a circle
hidden from the interpreter is still found. The layers are those of
docs/design.md, "Layers".
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[2] / "sim"

# Layer of each module, lowest first; a module may import only modules of
# its own layer or below (never above).
LAYERS = {
    0: {"params", "schema", "intervention_params", "scenario", "analysis", "provenance"}
    | {"budget", "terminal"}
    | {"designs", "store", "experiment_spec", "factors", "design_checks"},
    1: {"population", "network", "state", "schema_doc", "edgelist"},
    2: {"rules", "learning", "market", "demography", "interventions", "initial", "phases"}
    | {"intervention_base"},
    3: {"results", "agents", "network_view"},
    4: {"model"},
    5: {"runner", "executors", "levers", "lockstep"},
    6: {"experiment", "plots", "output", "sensitivity", "sweep_plots"}
    | {"comparison", "bands", "findings", "compare_plots", "calibration", "pair_plots"},
    7: {"sweeps", "report", "compare", "animation"},
    8: {"validation", "sweep_commands", "compare_command", "calibration_command"}
    | {"demo_app", "demo_command", "animate_command"},
    9: {"cli"},
    10: {"console"},
}
LAYER = {name: layer for layer, names in LAYERS.items() for name in names}
MAX_LINES = 430  # "about 400": room for a docstring, not for a second concern


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top(module: str) -> str:
    """The package-level part of a module name: `sim.validation.core` -> `validation`."""
    return module.split(".")[1] if module.count(".") else ""


def is_module(name: str) -> bool:
    path = SIM.parent / name.replace(".", "/")
    return path.with_suffix(".py").exists() or path.is_dir()


def imports_of(path: Path) -> set[str]:
    """The `sim` modules a file imports (the package uses absolute imports only)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("sim")}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            if node.module == "sim" or node.module.startswith("sim."):
                for alias in node.names:  # `from sim import model` names a module
                    candidate = f"{node.module}.{alias.name}"
                    found.add(candidate if is_module(candidate) else node.module)
    return found


FILES = sorted(SIM.rglob("*.py"))
GRAPH = {module_name(path): imports_of(path) - {module_name(path)} for path in FILES}


def test_every_module_has_a_layer():
    tops = {top(name) for name in GRAPH} - {""}
    assert tops == set(LAYER), f"unplaced: {tops - set(LAYER)}, stale: {set(LAYER) - tops}"


def test_no_import_circle():
    visiting, done, circles = [], set(), []

    def visit(module: str) -> None:
        if module in done:
            return
        if module in visiting:
            circles.append([*visiting[visiting.index(module) :], module])
            return
        visiting.append(module)
        for target in sorted(GRAPH.get(module, ())):
            if target != "sim":  # the package facade imports the API, nobody imports it
                visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(GRAPH):
        visit(module)
    assert not circles, circles


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m != "sim"))
def test_imports_go_down_the_layers_only(module):
    layer = LAYER[top(module)]
    upward = [t for t in GRAPH[module] if t != "sim" and LAYER[top(t)] > layer]
    assert not upward, f"{module} (layer {layer}) imports {upward}"


def reachable(module: str) -> set[str]:
    """Every `sim` module `module` imports, directly or through others."""
    seen, todo = set(), [module]
    while todo:
        for target in GRAPH.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@pytest.mark.parametrize(
    "module", ["sim.comparison", "sim.bands", "sim.findings", "sim.compare_plots", "sim.report"]
)
def test_reports_read_results_without_the_model(module):
    model_side = {"sim.model", "sim.state", "sim.rules", "sim.market", "sim.runner"}
    assert not reachable(module) & model_side


def test_nothing_imports_the_package_facade():
    assert not [m for m, targets in GRAPH.items() if "sim" in targets]


@pytest.mark.parametrize("path", FILES, ids=[module_name(p) for p in FILES])
def test_modules_are_a_readable_length(path):
    n_lines = len(path.read_text(encoding="utf-8").splitlines())
    assert n_lines <= MAX_LINES, f"{path.name}: {n_lines} lines"
