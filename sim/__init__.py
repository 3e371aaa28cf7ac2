"""recruitsim: an agent-based model of how social-network recruiting is adopted.

The public API: `load_scenario`, `run`, `run_many`, `RecruitingModel`.
"""

from sim.model import RecruitingModel
from sim.runner import RunResult, replicate_seeds, run, run_many
from sim.scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "RecruitingModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "replicate_seeds",
    "run",
    "run_many",
]
