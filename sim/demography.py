"""Demography: candidates leave the pool and new entrants take their place; juniors age."""

from __future__ import annotations

import numpy as np

from sim.params import ScenarioParams
from sim.population import Kind, Profile, Stage, draw_thresholds, init_actors
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
    events = np.flatnonzero((draws < p_leave) | (draws >= 1.0 - p_age))
    can_leave = a.kind[events] == Kind.CANDIDATE
    if params.decision.rule != "utility":
        can_leave &= a.stage[events] != Stage.ACTIVE  # ACTIVE is absorbing there
    leaves = can_leave & (draws[events] < p_leave)
    age_from = np.where(can_leave, 1.0 - p_age * (1.0 - p_leave), 1.0 - p_age)
    ages = events[~leaves & (draws[events] >= age_from)]
    ages = ages[a.profile[ages] == Profile.JUNIOR]
    profile = a.profile.copy()
    profile[ages] = Profile.EXPERIENCED
    a.profile = profile
    slots = events[leaves]
    prior = (params.learning.prior_alpha, params.learning.prior_beta)
    entrants = init_actors(
        state.entrant_population, n_candidates=slots.size, n_recruiters=0, prior=prior, rng=rng
    )
    entrants.domain = a.domain[slots]
    entrants.is_seeking[:] = True
    entrants.threshold = draw_thresholds(params.decision.threshold, entrants.risk_aversion, rng)
    a.replace(slots, entrants)
    state.flows.new_entrants = slots
    state.group[ages] = a.group_of(ages)
    state.group[slots] = a.group_of(slots)
