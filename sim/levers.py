"""The levers a workshop moves, read from a pair of scenarios and written back into them.

A lever is one number a facilitator changes with a slider. World levers
(sharing weight, risk aversion, tool churn, data safety, population size)
describe the world both sides of a comparison share, so they are written into
both scenarios; intervention levers (training and certification coverage) are
written into the intervention side only, so that the difference between the
sides stays the intervention alone. Levers start at the values the scenarios
hold, and a lever left where it started changes nothing: with every slider
untouched, the sides are the scenario files as written (at the chosen
population size).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from sim.scenario import Scenario

ENV_SCENARIO = "RECRUITSIM_DEMO_SCENARIO"
"""Environment variable naming the demo's baseline file (set by `recruitsim demo`)."""
ENV_COMPARE = "RECRUITSIM_DEMO_COMPARE"
"""Environment variable naming the demo's first intervention file."""
DEMO_ACTORS = 330
"""Population of the demo by default: a few hundred actors keep every step fluid."""

FOUNDATIONS = {"type": "training", "target": "candidates", "skill": "foundation"}
DIGITAL = {"type": "training", "target": "candidates", "skill": "digital"}
CERTIFICATION = {"type": "certification"}
# what a lever adds when the scenario has no such intervention: the doses of
# scenarios/foundations_training.toml, digital_training.toml and certification.toml
ADDED = {
    "foundations_coverage": {
        **FOUNDATIONS,
        "name": "foundations",
        "boost": 0.2,
        "start": 26,
        "targeting": "lowest_skill",
        "cost_per_person": 300,
    },
    "digital_coverage": {
        **DIGITAL,
        "name": "digital",
        "boost": 0.2,
        "start": 26,
        "targeting": "lowest_skill",
        "cost_per_person": 300,
    },
    "certification_coverage": {
        **CERTIFICATION,
        "name": "certification",
        "boost": 0.1,
        "risk_reduction": 0.5,
        "start": 26,
        "cost_per_person": 1500,
    },
}
MATCHES = {
    "foundations_coverage": FOUNDATIONS,
    "digital_coverage": DIGITAL,
    "certification_coverage": CERTIFICATION,
}


@dataclass(frozen=True)
class Lever:
    """A slider: which value it moves, its label and range, and which side it acts on.

    Attributes:
        name: the field of `Levers` it sets.
        label: what the slider says.
        low: smallest value.
        high: largest value.
        step: slider increment.
        side: "both" (a world lever) or "intervention" (the intervention side only).
    """

    name: str
    label: str
    low: float
    high: float
    step: float
    side: Literal["both", "intervention"]


LEVERS: tuple[Lever, ...] = (
    Lever(
        "foundations_coverage",
        "foundations training: share of candidates",
        0,
        1,
        0.05,
        "intervention",
    ),
    Lever("digital_coverage", "digital training: share of candidates", 0, 1, 0.05, "intervention"),
    Lever(
        "certification_coverage", "certification: share of recruiters", 0, 1, 0.05, "intervention"
    ),
    Lever("sharing", "sharing weight of neighbours' experience", 0, 1, 0.05, "both"),
    Lever("risk_aversion_mean", "mean risk aversion", 0.05, 0.95, 0.05, "both"),
    Lever("churn_per_week", "tool churn: releases per week (generalist)", 0, 0.1, 0.005, "both"),
    Lever("data_safety", "data safety of the platforms", 0, 1, 0.05, "both"),
    Lever("actors", "actors (candidates and recruiters)", 110, 2200, 110, "both"),
)
"""The demo's sliders, in the order shown."""


@dataclass(frozen=True)
class Levers:
    """The value of each lever (see `LEVERS` for their meaning and range)."""

    foundations_coverage: float
    digital_coverage: float
    certification_coverage: float
    sharing: float
    risk_aversion_mean: float
    churn_per_week: float
    data_safety: float
    actors: int


def read_levers(baseline: Scenario, intervention: Scenario, actors: int = DEMO_ACTORS) -> Levers:
    """The levers as the scenarios set them: world levers from the baseline side.

    Args:
        baseline: the scenario of the left side.
        intervention: the scenario of the right side (its interventions set the
            coverage levers; 0 where it has none of that kind).
        actors: the population size to start from.

    Returns:
        The levers; `apply_levers` with them changes nothing but the population.
    """
    p = baseline.params
    items = [i.model_dump() for i in intervention.params.interventions]
    coverage = {name: _coverage(items, match) for name, match in MATCHES.items()}
    return Levers(
        **coverage,
        sharing=p.learning.sharing,
        risk_aversion_mean=p.population.risk_aversion_mean,
        churn_per_week=p.platforms.churn_generalist,
        data_safety=p.platforms.data_safety_generalist,
        actors=actors,
    )


def apply_levers(
    baseline: Scenario, intervention: Scenario, start: Levers, levers: Levers
) -> tuple[Scenario, Scenario]:
    """Write the levers moved away from `start` into the pair of scenarios.

    Args:
        baseline: the left side's scenario.
        intervention: the right side's scenario.
        start: the levers as read from the scenarios (`read_levers`).
        levers: the levers as the sliders now stand.

    Returns:
        The two scenarios, validated, with the world levers and the population
        in both and the intervention levers in the right side only.

    Raises:
        ScenarioError: when a value is out of the scenario's range.
    """
    moved = [
        lever
        for lever in LEVERS
        if lever.name != "actors" and getattr(levers, lever.name) != getattr(start, lever.name)
    ]
    sides = []
    for scenario, is_intervention in ((baseline, False), (intervention, True)):
        p = scenario.params
        overrides = _population(p.population.candidates, p.population.recruiters, levers.actors)
        items = [item.model_dump(mode="json") for item in p.interventions]
        for lever in moved:
            value = getattr(levers, lever.name)
            if lever.side == "both":
                overrides |= _world(scenario, lever.name, value)
            elif is_intervention:
                items = _set_coverage(items, lever.name, value)
        if is_intervention:
            overrides["interventions"] = items
        sides.append(scenario.with_overrides(overrides, where="the demo's levers"))
    return sides[0], sides[1]


def with_lever(levers: Levers, name: str, value: float) -> Levers:
    """A copy of `levers` with one lever set (`actors` is rounded to a whole number)."""
    return replace(levers, **{name: round(value) if name == "actors" else float(value)})


def _coverage(items: list[dict[str, Any]], match: Mapping[str, Any]) -> float:
    found = [item for item in items if all(item.get(k) == v for k, v in match.items())]
    return float(found[0]["coverage"]) if found else 0.0


def _population(candidates: int, recruiters: int, actors: int) -> dict[str, int]:
    """`actors` split between candidates and recruiters as the scenario splits them."""
    n_candidates = round(actors * candidates / max(candidates + recruiters, 1))
    return {"population.candidates": n_candidates, "population.recruiters": actors - n_candidates}


def _world(scenario: Scenario, name: str, value: float) -> dict[str, float]:
    """The dotted keys a world lever sets."""
    platforms = scenario.params.platforms
    if name == "sharing":
        return {"learning.sharing": value}
    if name == "risk_aversion_mean":
        return {"population.risk_aversion_mean": value}
    if name == "churn_per_week":  # the specialised platforms keep their ratio to the generalist
        general, special = platforms.churn_generalist, platforms.churn_specialised
        ratio = special / general if general > 0 else 0.5
        return {"platforms.churn_generalist": value, "platforms.churn_specialised": value * ratio}
    if name == "data_safety":  # one value for every platform
        return {
            "platforms.data_safety_generalist": value,
            "platforms.data_safety_specialised": value,
        }
    raise KeyError(name)


def _set_coverage(items: list[dict[str, Any]], name: str, value: float) -> list[dict[str, Any]]:
    """The interventions with the first of the lever's kind set to `value`, added or removed."""
    match = MATCHES[name]
    position = next(
        (k for k, item in enumerate(items) if all(item.get(f) == v for f, v in match.items())),
        None,
    )
    if value <= 0.0:
        return [item for k, item in enumerate(items) if k != position]
    if position is None:
        return [*items, {**ADDED[name], "coverage": value}]
    return [{**item, "coverage": value} if k == position else item for k, item in enumerate(items)]


@dataclass(frozen=True)
class Preset:
    """A scenario file the demo offers, and the question it answers.

    Attributes:
        path: the file.
        question: the question of its leading comment ("Question: ..."), or
            that comment's first line.
    """

    path: Path

    @property
    def question(self) -> str:
        """The question the file's leading comment asks (or its first line)."""
        lines = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                break
            lines.append(line.lstrip("#").strip())
        text = " ".join(lines)
        if "Question:" in text:
            asked = text.split("Question:", 1)[1].strip()
            asked = asked.split("?", 1)[0].strip() + "?" if "?" in asked else asked
            return asked[:1].upper() + asked[1:]
        return lines[0] if lines else ""


def read_presets(folder: Path) -> list[Preset]:
    """The scenario files of a folder (`*.toml`), by file name."""
    return [Preset(path) for path in sorted(folder.glob("*.toml"))]


def demo_files() -> tuple[Path, Path]:
    """The baseline and intervention files `recruitsim demo` chose (`ENV_SCENARIO`, `ENV_COMPARE`).

    Without them: `scenarios/baseline.toml` and `foundations_training.toml` beside it.
    """
    baseline = Path(os.environ.get(ENV_SCENARIO) or "scenarios/baseline.toml")
    compare = os.environ.get(ENV_COMPARE) or baseline.parent / "foundations_training.toml"
    return baseline, Path(compare)
