"""Two models stepped in lockstep with one seed: what the demo and the animations show.

A `Pair` holds a baseline model and an intervention model built from the same
seed. Every phase draws from its own named stream spawned from the seed, so
the two sides share their random numbers (common random numbers): until the
intervention first acts they are identical, and afterwards their difference
is the intervention's effect plus the divergence it sets off, not two
independent draws. The pair steps whole weeks, or one phase at a time on
both sides so that a facilitator can explain one week. Everything shown is
read from the models' state and recorders; this module adds no dynamics.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import RecruitingModel
from sim.phases import Phase
from sim.population import Stage
from sim.scenario import Scenario
from sim.state import State

SIDES = ("baseline", "intervention")
"""The two sides of a pair, left then right."""
STAGE_NAMES = tuple(stage.name.lower() for stage in Stage)
"""Adoption stages by code: unaware, aware, member, active, lapsed."""
MEANS = (("foundation", "foundation"), ("digital", "digital skill"), ("complexity", "complexity"))
"""Actors' means a phase line reports: array of `Actors`, and its label."""


def snapshot(state: State) -> dict[str, float]:
    """What a phase may change that a room can see: stage counts, the market's stocks, means.

    Args:
        state: a run's state, at any point of a step.

    Returns:
        Actors per stage (by stage name), candidates seeking, open vacancies,
        mean belief, and the means of `MEANS`.
    """
    a = state.actors
    counts = np.bincount(a.stage, minlength=len(STAGE_NAMES))
    values: dict[str, float] = dict(zip(STAGE_NAMES, counts.tolist(), strict=True))
    values["seeking"] = int(np.count_nonzero(a.is_seeking & a.is_candidate))
    values["open vacancies"] = int(a.vacancies.sum())
    values["belief"] = float(np.mean(a.alpha / (a.alpha + a.beta))) if a.n else 0.0
    for array, label in MEANS:
        values[label] = float(np.mean(getattr(a, array))) if a.n else 0.0
    return values


def describe_change(before: dict[str, float], after: dict[str, float]) -> str:
    """One short line of what changed between two snapshots ("nothing visible" if nothing).

    Counts are given as signed whole numbers; means as signed changes of more
    than 0.0005 (three decimals).
    """
    parts = []
    for key, old in before.items():
        change = after[key] - old
        if isinstance(old, int) and change:
            parts.append(f"{change:+d} {key}")
        elif not isinstance(old, int) and abs(change) > 5e-4:
            parts.append(f"{key} {change:+.3f}")
    return ", ".join(parts) or "nothing visible"


@dataclass(frozen=True)
class PhaseReport:
    """What one phase did on both sides of a pair.

    Attributes:
        step: the step being computed (1-based).
        phase: the phase that ran (its `summary` says what it does).
        changes: per side, the line of `describe_change`.
    """

    step: int
    phase: Phase
    changes: tuple[str, str]

    def line(self) -> str:
        """One line: the week, the phase, what it does, and what it changed on each side."""
        baseline, intervention = self.changes
        return (
            f"week {self.step}, {self.phase.name}: {self.phase.summary}."
            f" Baseline: {baseline}. Intervention: {intervention}."
        )


class Pair:
    """A baseline and an intervention model in lockstep, built with the same seed.

    Args:
        baseline: the left side's scenario.
        intervention: the right side's scenario.
        seed: the seed of both models.
    """

    def __init__(self, baseline: Scenario, intervention: Scenario, seed: int = 0) -> None:
        self.seed = seed
        self.models = (RecruitingModel(baseline, seed), RecruitingModel(intervention, seed))
        self._phases: tuple[Iterator[Phase], Iterator[Phase]] | None = None

    @property
    def steps(self) -> int:
        """Steps both sides have completed (a step in progress by phases is not counted)."""
        completed = {model.recorder.n_rows - 1 for model in self.models}
        assert len(completed) == 1, "the sides left lockstep"
        return completed.pop()

    @property
    def in_step(self) -> bool:
        """Whether a step is in progress, phase by phase."""
        return self._phases is not None

    def step(self) -> None:
        """Complete the step in progress, if any; otherwise advance both sides one step."""
        if self._phases is not None:
            self._finish()
            return
        for model in self.models:
            model.step()

    def step_phase(self) -> PhaseReport:
        """Run the next phase on both sides (starting a step if none is in progress).

        Returns:
            What the phase did on each side. After the last phase the step is
            recorded, and the next call starts the next step.
        """
        if self._phases is None:
            self._phases = (self.models[0].step_by_phase(), self.models[1].step_by_phase())
        before = [snapshot(model.state) for model in self.models]
        phases = [next(steps) for steps in self._phases]
        assert phases[0] is phases[1], "the sides run different phases"
        changes = tuple(
            describe_change(b, snapshot(model.state))
            for b, model in zip(before, self.models, strict=True)
        )
        report = PhaseReport(self.models[0].state.step, phases[0], changes)
        if phases[0] is self.models[0].phases[-1]:
            self._finish()
        return report

    def _finish(self) -> None:
        for model in self.models:
            model.finish_step()
        self._phases = None

    def timeseries(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Each side's recorded rows (step 0 = the initial state)."""
        return self.models[0].recorder.timeseries(), self.models[1].recorder.timeseries()

    def difference(self) -> pd.DataFrame:
        """Intervention minus baseline, step by step: what the intervention alone changes.

        Returns:
            Columns `step`, `time`, `share_active` (points of all actors
            active, x100), `share_active_candidates`, `share_active_recruiters`
            (points) and `cum_hires_social` (hires).
        """
        return difference(*self.timeseries())

    def caption(self) -> str:
        """One line of what the last completed step changed on each side."""
        if self.steps == 0:
            return "week 0: the initial state; press Step or Play"
        lines = [step_caption(ts) for ts in self.timeseries()]
        return f"week {self.steps}: baseline {lines[0]}; intervention {lines[1]}"


POINTS = ("share_active", "share_active_candidates", "share_active_recruiters")
"""Shares the difference panel gives in points (x100)."""


def difference(baseline: pd.DataFrame, intervention: pd.DataFrame) -> pd.DataFrame:
    """Intervention minus baseline, step by step (see `Pair.difference`).

    Args:
        baseline: the baseline side's timeseries.
        intervention: the intervention side's, recorded at the same steps.
    """
    if not np.array_equal(baseline["step"], intervention["step"]):
        raise ValueError("the two timeseries are not recorded at the same steps")
    out = baseline[["step", "time"]].copy()
    for column in POINTS:
        out[column] = 100 * (intervention[column] - baseline[column])
    out["cum_hires_social"] = intervention["cum_hires_social"] - baseline["cum_hires_social"]
    return out


def step_caption(timeseries: pd.DataFrame) -> str:
    """What the last recorded step changed: active actors by kind, and hires by channel."""
    last, before = timeseries.iloc[-1], timeseries.iloc[max(len(timeseries) - 2, 0)]
    active = {
        kind: int(last[f"n_{kind}_active"] - before[f"n_{kind}_active"])
        for kind in ("candidates", "recruiters")
    }
    return (
        f"{active['candidates']:+d} active candidates, {active['recruiters']:+d} active"
        f" recruiters, {int(last['new_hires_social'])} social and"
        f" {int(last['new_hires_traditional'])} traditional hires"
    )
