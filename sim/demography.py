"""Demography: candidates leave the pool and new entrants take their place; juniors age."""

from __future__ import annotations

import numpy as np

from sim.params import PopulationParams, ScenarioParams
from sim.population import (
    ACTIVE,
    CANDIDATE,
    EXPERIENCED,
    JUNIOR,
    Actors,
    draw_thresholds,
    draw_traits,
    initial_state,
)
from sim.rules import hazard_probability
from sim.state import State


def turnover_phase(state: State, params: ScenarioParams) -> None:
    """Candidates leave at `turnover_per_week` and are replaced in place; juniors age.

    One draw per actor for both events: leaving below p_leave; ageing in the
    top p_age (1 - p_leave) of [0, 1) for those who can leave, so that a
    candidate who stays ages with probability p_age, as with independent
    draws, and in the top p_age for those who cannot. A leaver does not also
    age: its slot takes an entrant, recorded in `state.flows.new_entrants`.
    """
    a, pop, rng = state.actors, params.population, state.stream("turnover")
    draws = rng.random(a.n, dtype=np.float32)
    p_leave = hazard_probability(pop.turnover_per_week, state.dt_weeks)
    p_age = hazard_probability(pop.junior_to_experienced_per_week, state.dt_weeks)
    events = ((draws < p_leave) | (draws >= 1.0 - p_age)).nonzero()[0]
    can_leave = a.kind[events] == CANDIDATE
    if params.decision.rule != "utility":
        can_leave &= a.stage[events] != ACTIVE  # ACTIVE is absorbing there
    leaves = can_leave & (draws[events] < p_leave)
    age_from = np.where(can_leave, 1.0 - p_age * (1.0 - p_leave), 1.0 - p_age)
    ages = events[~leaves & (draws[events] >= age_from)]
    ages = ages[a.profile[ages] == JUNIOR]
    a.profile[ages] = EXPERIENCED
    slots = events[leaves]
    renew(a, slots, state.entrant_population, params, rng)
    state.flows.new_entrants = slots
    for members in state.cohorts.values():
        members[slots] = False  # an entrant was not reached by the cohort's interventions
    renewed = np.concatenate([ages, slots])
    state.group[renewed] = a.group_of(renewed)


def renew(
    actors: Actors,
    slots: np.ndarray,
    entrants: PopulationParams,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> None:
    """New entrants take the `slots`, in place: candidates of the slot's domain, seeking a job.

    Their traits are drawn as for a new population (`draw_traits`; the domain
    drawn is set aside), then their thresholds; the rest is the initial state.
    """
    traits = draw_traits(entrants, n_candidates=slots.size, n_recruiters=0, rng=rng)
    for name in ("profile", "risk_aversion", "foundation", "digital"):
        getattr(actors, name)[slots] = traits[name]
    prior = (params.learning.prior_alpha, params.learning.prior_beta)
    for name, value in initial_state(entrants, prior).items():
        getattr(actors, name)[slots] = value
    actors.is_seeking[slots] = True
    threshold = draw_thresholds(params.decision.threshold, traits["risk_aversion"], rng)
    actors.threshold[slots] = threshold
