"""Interventions: scheduled actions on the model's state, a class each, a registry by name.

An intervention never rewrites parameters: it acts on state arrays (skills,
certification) or modifier arrays (sharing weights, media boost). Each one
knows its schedule (`start`, `end`, `every`), whom it targets, how many it
reached and what it cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.params import InterventionParams
from sim.population import Kind
from sim.scenario import ScenarioError

if TYPE_CHECKING:
    from sim.model import RecruitingModel


class Intervention:
    """Base class: schedule, targeting, reach and cost accounting.

    Args:
        params: the `[[interventions]]` table.
        index: position in the scenario's list (names its random stream).
    """

    type_name: ClassVar[str] = ""

    def __init__(self, params: InterventionParams, index: int) -> None:
        self.params = params
        self.index = index
        self.n_reached = 0
        self.cost_total = 0.0
        self.cost_this_step = 0.0

    def is_due(self, step: int) -> bool:
        """Whether the intervention acts at `step` (1-based step being computed)."""
        p = self.params
        if step < p.start or (p.end is not None and step > p.end):
            return False
        if p.every is None:
            return step == p.start
        return (step - p.start) % p.every == 0

    def targets(self, model: RecruitingModel) -> np.ndarray:
        """Mask of actors in the target group."""
        kind = Kind.CANDIDATE if self.params.target == "candidates" else Kind.RECRUITER
        return model.actors.kind == kind

    def select(
        self, model: RecruitingModel, eligible: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """Pick `coverage` of the eligible actors by the targeting strategy."""
        pool = np.flatnonzero(eligible)
        n_pick = round(self.params.coverage * pool.size)
        if self.params.targeting == "lowest_skill":
            skill = getattr(model.actors, self.params.skill)[pool]
            order = np.lexsort((rng.random(pool.size), skill))
        elif self.params.targeting == "hubs":
            order = np.lexsort((rng.random(pool.size), -model.network.degree[pool]))
        else:
            order = rng.permutation(pool.size)
        return pool[order[:n_pick]]

    def apply(self, model: RecruitingModel) -> None:
        """Act if due this step, and account for reach and cost."""
        self.cost_this_step = 0.0
        if not self.is_due(model.steps):
            return
        reached = self.act(model)
        self.n_reached += reached
        self.cost_this_step = reached * self.params.cost_per_person + self.params.cost_fixed
        self.cost_total += self.cost_this_step

    def act(self, model: RecruitingModel) -> int:
        """Change the model's state; return the number of actors reached."""
        raise NotImplementedError


class Training(Intervention):
    """Training raises `foundation` or `digital` skill of the selected actors by `boost`."""

    type_name = "training"

    def act(self, model: RecruitingModel) -> int:
        """Raise the chosen skill of the selected actors, capped at 1."""
        rng = model.intervention_stream(self.index)
        chosen = self.select(model, self.targets(model), rng)
        skill = getattr(model.actors, self.params.skill)
        skill[chosen] = np.clip(skill[chosen] + self.params.boost, 0.0, 1.0)
        return int(chosen.size)


REGISTRY: dict[str, type[Intervention]] = {cls.type_name: cls for cls in (Training,)}


def build_interventions(
    specs: tuple[InterventionParams, ...], model: RecruitingModel
) -> list[Intervention]:
    """Instantiate the scenario's interventions from the registry."""
    out = []
    for index, spec in enumerate(specs):
        cls = REGISTRY.get(spec.type)
        if cls is None:
            allowed = ", ".join(sorted(REGISTRY))
            raise ScenarioError(
                f"interventions.{index}.type = {spec.type!r}: unknown (allowed: {allowed})"
            )
        out.append(cls(spec, index))
    return out
