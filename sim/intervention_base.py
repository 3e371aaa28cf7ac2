"""The base of every intervention: schedule, target group, selection, reach and cost.

`sim.interventions` defines the types on it; `raise_skill` is the event
they share (skills raised, capped at 1).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sim.intervention_params import InterventionBase
from sim.market import rank_within
from sim.population import Kind, Profile, Stage
from sim.state import State


class Intervention:
    """Base class: schedule, target group, selection, reach and cost.

    Args:
        params: the `[[interventions]]` table.
        index: position in the scenario's list.
        stream_name: name of its random stream (see `stream_names`).
    """

    type_name: ClassVar[str] = ""

    def __init__(self, params: InterventionBase, index: int, stream_name: str) -> None:
        self.params = params
        self.index = index
        self.stream_name = stream_name
        self.n_reached = 0
        self.cost_total = 0.0
        self.cost_this_step = 0.0

    @property
    def label(self) -> str:
        """Name used in summaries: `name`, or `<index>_<type>`."""
        return self.params.name or f"{self.index}_{self.type_name}"

    @property
    def source(self) -> str:
        """Key of its contributions to the modifiers (unique within a scenario)."""
        return f"{self.index}:{self.label}"

    def contribute(self, state: State, modifier: str, value: float | np.ndarray) -> None:
        """Write (or replace) its own contribution to `modifier`; later starts win ties."""
        state.contribute(self.source, modifier, value, (self.params.start, self.index))

    def in_force(self, step: int) -> bool:
        """Whether `step` lies in the window [start, end]."""
        p = self.params
        return p.start <= step and (p.end is None or step <= p.end)

    def is_due(self, step: int) -> bool:
        """Whether the intervention acts at `step` (the 1-based step being computed)."""
        p = self.params
        if not self.in_force(step):
            return False
        if p.continuing:
            return True
        if p.every is None:
            return step == p.start
        return (step - p.start) % p.every == 0

    def eligible(self, state: State) -> np.ndarray:
        """Mask of the target group: kind, then domain, profile, stage and skill filters."""
        p, a = self.params, state.actors
        mask = np.ones(a.n, dtype=bool)
        if p.target != "all":
            kind = Kind.CANDIDATE if p.target == "candidates" else Kind.RECRUITER
            mask &= a.kind == kind
        if p.domain is not None:
            mask &= a.domain == p.domain
        if p.profile is not None:
            mask &= a.profile == Profile[p.profile.upper()]
        if p.stage is not None:
            mask &= a.stage == Stage[p.stage.upper()]
        if p.skill_below is not None:
            mask &= getattr(a, p.skill) < p.skill_below
        return mask

    def select(self, state: State, eligible: np.ndarray, n_pick: int) -> np.ndarray:
        """Pick `n_pick` eligible actors by the targeting strategy (ties broken at random).

        With a `cohort`, draws come from the cohort's stream and the actors
        picked join the cohort's members (`state.cohorts`).
        """
        cohort = self.params.cohort
        rng = state.stream(f"cohort:{cohort}" if cohort else self.stream_name)
        pool = np.flatnonzero(eligible)
        n_pick = min(n_pick, pool.size)
        tiebreak = rng.random(pool.size)
        targeting = self.params.targeting
        if targeting == "lowest_skill":
            order = np.lexsort((tiebreak, getattr(state.actors, self.params.skill)[pool]))
        elif targeting == "hubs":
            order = np.lexsort((tiebreak, -state.network.degree[pool]))
        elif targeting == "per_community":
            by_tiebreak = np.argsort(tiebreak, kind="stable")
            rank = np.empty(pool.size, dtype=np.int64)  # in its domain, by tiebreak
            rank[by_tiebreak] = rank_within(state.actors.domain[pool][by_tiebreak])
            order = np.lexsort((tiebreak, rank))  # round-robin over domains
        else:
            order = np.argsort(tiebreak)
        chosen = pool[order[:n_pick]]
        if cohort:
            state.cohorts[cohort][chosen] = True
        return chosen

    def reach(self, state: State) -> np.ndarray:
        """The `coverage` share of the target group, selected by the targeting strategy."""
        eligible = self.eligible(state)
        n_pick = round(self.params.coverage * np.count_nonzero(eligible))
        return self.select(state, eligible, n_pick)

    def apply(self, state: State) -> None:
        """Act if due this step, and account for reach and cost."""
        self.cost_this_step = 0.0
        self.update(state)
        if not self.is_due(state.step):
            return
        reached = self.act(state)
        self.n_reached += reached
        self.cost_this_step = reached * self.params.cost_per_person + self.params.cost_fixed
        self.cost_total += self.cost_this_step

    def update(self, state: State) -> None:
        """Work done every step whether due or not (decay, ending). Nothing by default."""

    def act(self, state: State) -> int:
        """Change the state; return the number of actors reached."""
        raise NotImplementedError


def raise_skill(
    values: np.ndarray, chosen: np.ndarray, boost: float, gap: float = 0.0
) -> np.ndarray:
    """Raise `values[chosen]` in place (x + boost, capped at 1, then `gap` of 1 - x); gains."""
    before = values[chosen]
    raised = np.minimum(before + boost, 1.0)
    raised += gap * (1.0 - raised)
    gained = raised - before
    values[chosen] += gained
    return gained
