"""The phases of a step, in order: the one list the model, the benchmark and the app read.

Each phase is a module-level function of (state, params) in the module named
for its concern. Within a phase every actor's new value is computed from the
state before it, then applied together; phases run one after the other
(operator splitting).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.demography import turnover_phase
from sim.interventions import intervention_phase
from sim.learning import churn_phase, learning_phase
from sim.market import market_phase
from sim.params import ScenarioParams
from sim.rules import activation_phase, awareness_phase, membership_phase
from sim.state import State


@dataclass(frozen=True)
class Phase:
    """One phase of a step.

    Attributes:
        name: short name (benchmark profiles, the app).
        run: the phase, a function of (state, params) that updates the state.
        recruiting: whether it belongs to the recruiting layers, and so is
            skipped when `run.recruiting_layers = false` (pure diffusion).
        summary: one line saying what it does, for a reader of one step.
    """

    name: str
    run: Callable[[State, ScenarioParams], None]
    recruiting: bool
    summary: str


PHASES: tuple[Phase, ...] = (
    Phase(
        "interventions",
        intervention_phase,
        False,
        "scheduled interventions act; their contributions are combined into the modifiers",
    ),
    Phase(
        "platform_churn",
        churn_phase,
        True,
        "feature releases erode members' digital know-how and add to perceived complexity",
    ),
    Phase("awareness", awareness_phase, True, "media and word of mouth make actors aware"),
    Phase(
        "membership",
        membership_phase,
        True,
        "aware actors join platforms; non-active members may leave one",
    ),
    Phase(
        "activation",
        activation_phase,
        False,
        "members decide to use the social channel, or lapse, by the scenario's rule",
    ),
    Phase(
        "market",
        market_phase,
        True,
        "vacancies arrive; active recruiters contact active candidates; hires by channel",
    ),
    Phase(
        "learning",
        learning_phase,
        True,
        "contact outcomes, own and shared, update beliefs; practice and peers teach the tools",
    ),
    Phase(
        "turnover",
        turnover_phase,
        True,
        "candidates leave and new entrants take their slots; juniors gain experience",
    ),
)
"""The phases of a step, in the order they run."""


def phases_for(params: ScenarioParams) -> tuple[Phase, ...]:
    """The phases a scenario runs: all, or only those outside the recruiting layers."""
    if params.run.recruiting_layers:
        return PHASES
    return tuple(phase for phase in PHASES if not phase.recruiting)
