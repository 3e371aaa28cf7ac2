"""recruitsim: an agent-based model of how social-network recruiting is adopted.

The public API: `load_scenario`, `run`, `run_many`, `RecruitingModel`;
for experiments, `load_experiment`, `sweep` and `load_results`.

The names are loaded on first use (PEP 562), so that `import sim` alone
loads nothing heavy: the command line's entry point (`sim.console`) can then
answer Ctrl-C with one line even while NumPy and pandas load.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.experiment import load_experiment
    from sim.model import RecruitingModel
    from sim.runner import RunResult, replicate_seeds, run, run_many
    from sim.scenario import Scenario, ScenarioError, load_scenario
    from sim.store import load_results
    from sim.sweeps import sweep

_SOURCES = {
    "RecruitingModel": "sim.model",
    "RunResult": "sim.runner",
    "replicate_seeds": "sim.runner",
    "run": "sim.runner",
    "run_many": "sim.runner",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "load_scenario": "sim.scenario",
    "load_experiment": "sim.experiment",
    "load_results": "sim.store",
    "sweep": "sim.sweeps",
}

__all__ = [
    "RecruitingModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load_experiment",
    "load_results",
    "load_scenario",
    "replicate_seeds",
    "run",
    "run_many",
    "sweep",
]


def __getattr__(name: str) -> Any:
    """A public name, or a submodule (`sim.agents`), imported on first use."""
    source = _SOURCES.get(name)
    if source is not None:
        value = getattr(importlib.import_module(source), name)
    else:
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, with those not loaded yet."""
    return sorted(set(globals()) | set(__all__))
