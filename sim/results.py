"""Recording stocks and flows per step, and the per-run key indicators (KPIs).

The recorder writes into preallocated columns; `timeseries()` returns a tidy
DataFrame (one row per step, step 0 = the initial state). `summarize()`
computes the KPIs from that DataFrame alone, so analysis, reports and the app
can recompute them without importing the model.

Names follow one convention (docs/ODD.md, "Observation"): stocks `n_*` (and
`share_*`, `mean_*` derived from them), flows per step `new_*`, running
totals since step 0 `cum_*`. The summary's totals are `cum_*` too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.curves import crossing_time
from sim.population import KIND_NAMES, Actors, Profile, Stage, members_per_platform
from sim.state import State

STAGE_NAMES = {stage: stage.name.lower() for stage in Stage}
FLOWS = ("hires_social", "hires_traditional", "cost")
"""Flows recorded per step (`new_*`) and as running totals (`cum_*`)."""


class Recorder:
    """Collects one row of indicators per step into preallocated arrays.

    Args:
        state: the run's state at step 0 (fixes who is a candidate).
        steps: the number of steps expected; more may be recorded (the
            columns grow).
        extra_columns: further columns, each a function of the state
            returning a number, recorded after the built-in ones.
    """

    def __init__(
        self,
        state: State,
        steps: int,
        extra_columns: Mapping[str, Callable[[State], float]] | None = None,
    ) -> None:
        n_candidates = int(np.count_nonzero(state.actors.is_candidate))
        # candidates come first in the arrays and keep their slots (turnover is in place)
        self.candidates = slice(0, n_candidates)
        self.recruiters = slice(n_candidates, state.actors.n)
        self.extra_columns = dict(extra_columns or {})
        self.n_rows = 0
        self.columns: dict[str, np.ndarray] = {}
        self._capacity = steps + 1
        self._totals = dict.fromkeys(FLOWS, 0.0)
        self._builtin: frozenset[str] = frozenset()

    def _put(self, name: str, value: float) -> None:
        column = self.columns.get(name)
        if column is None:
            column = self.columns[name] = np.full(self._capacity, np.nan)
        column[self.n_rows] = value

    def _grow(self) -> None:
        """Double the room of every column (a run stepped past `run.steps`)."""
        self._capacity *= 2
        for name, column in self.columns.items():
            grown = np.full(self._capacity, np.nan)
            grown[: self.n_rows] = column[: self.n_rows]
            self.columns[name] = grown

    def record(self, state: State) -> None:
        """Append the indicators of the current state."""
        if self.n_rows == self._capacity:
            self._grow()
        a = state.actors
        put = self._put
        put("step", state.step)
        put("time", state.time_weeks)
        is_member = a.membership != 0
        totals = {"aware": 0, "member": 0, "active": 0}
        for kind_name, part in zip(
            KIND_NAMES.values(), (self.candidates, self.recruiters), strict=True
        ):
            for name, count in self._record_kind(a, is_member, kind_name, part).items():
                totals[name] += count
        for name, count in totals.items():
            put(f"share_{name}", count / max(a.n, 1))
        self._record_profiles(a, is_member)
        members = members_per_platform(a.membership, state.platforms.n)
        for name, count in zip(state.platforms.name, members, strict=True):
            put(f"n_members_{name}", count)
        put("n_vacancies_open", int(a.vacancies[self.recruiters].sum()))
        put("n_seeking", np.count_nonzero(a.is_seeking[self.candidates]))
        for name in FLOWS:
            value = getattr(state.flows, name)
            self._totals[name] += value
            put(f"new_{name}", value)
            put(f"cum_{name}", self._totals[name])
        if self.n_rows == 0:
            self._builtin = frozenset(self.columns)
            clash = self._builtin.intersection(self.extra_columns)
            if clash:
                raise ValueError(f"extra columns {sorted(clash)} would replace built-in columns")
        for name, column in self.extra_columns.items():
            put(name, column(state))
        self.n_rows += 1

    def _record_kind(
        self, a: Actors, is_member: np.ndarray, kind_name: str, part: slice
    ) -> dict[str, int]:
        """Stage counts, shares and mean traits of one kind; returns its aware/member/active."""
        put = self._put
        n_kind = part.stop - part.start
        stages = a.stage[part]
        counts = {stage: np.count_nonzero(stages == stage) for stage in Stage}  # not bincount
        for stage, stage_name in STAGE_NAMES.items():
            put(f"n_{kind_name}_{stage_name}", counts[stage])
        members = np.count_nonzero(is_member[part])
        share = 1.0 / n_kind if n_kind else float("nan")
        put(f"share_active_{kind_name}", counts[Stage.ACTIVE] * share)
        put(f"share_member_{kind_name}", members * share)
        belief = a.alpha[part] / (a.alpha[part] + a.beta[part])
        for name, values in (
            ("foundation", a.foundation[part]),
            ("digital", a.digital[part]),
            ("complexity", a.complexity[part]),
            ("belief", belief),
        ):
            put(f"mean_{name}_{kind_name}", values.sum() * share)
        return {
            "aware": n_kind - counts[Stage.UNAWARE],
            "member": members,
            "active": counts[Stage.ACTIVE],
        }

    def _record_profiles(self, a: Actors, is_member: np.ndarray) -> None:
        """Membership shares of junior and experienced candidates."""
        candidates = self.candidates
        junior = a.profile[candidates] == Profile.JUNIOR  # candidates are junior or experienced
        n_junior = np.count_nonzero(junior)
        members_junior = np.count_nonzero(junior & is_member[candidates])
        members = np.count_nonzero(is_member[candidates])
        for profile, n_profile, n_members in (
            (Profile.JUNIOR, n_junior, members_junior),
            (Profile.EXPERIENCED, candidates.stop - n_junior, members - members_junior),
        ):
            share = n_members / n_profile if n_profile else float("nan")
            self._put(f"share_member_{profile.name.lower()}", share)

    def timeseries(self) -> pd.DataFrame:
        """The recorded rows as a DataFrame (counts as integers)."""
        frame = pd.DataFrame({k: v[: self.n_rows] for k, v in self.columns.items()})
        integer = [
            c
            for c in self._builtin
            if c == "step" or c.startswith(("n_", "new_hires_", "cum_hires_"))
        ]
        return frame.astype({c: np.int64 for c in integer})


def summarize(timeseries: pd.DataFrame, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Key indicators of one run, from its timeseries alone.

    Returns:
        `t10`, `t50`, `t90`: time (weeks) to 10/50/90% of all actors ACTIVE, NaN if never;
        `t_half_final`, `t_half_final_<kind>`: time to half the final active share;
        `final_share_active`, `final_share_member` (and per kind);
        `cum_hires_social`, `cum_hires_traditional`, `cum_hires` (all channels),
        `social_hire_share`; `cum_cost`; plus `extra` (e.g. per-intervention
        reach). Totals are read from the last row's `cum_*` columns, so a
        timeseries thinned to every k-th step gives the same totals.
    """
    time = timeseries["time"].to_numpy()
    last = timeseries.iloc[-1]
    out: dict[str, Any] = {}
    share = timeseries["share_active"].to_numpy()
    for level in (10, 50, 90):
        out[f"t{level}"] = crossing_time(time, share, level / 100)
    out["t_half_final"] = _half_final(time, share)
    out["final_share_active"] = float(last["share_active"])
    out["final_share_member"] = float(last["share_member"])
    for kind_name in KIND_NAMES.values():
        kind_share = timeseries[f"share_active_{kind_name}"].to_numpy()
        out[f"t_half_final_{kind_name}"] = _half_final(time, kind_share)
        out[f"final_share_active_{kind_name}"] = float(last[f"share_active_{kind_name}"])
        out[f"final_share_member_{kind_name}"] = float(last[f"share_member_{kind_name}"])
    social = int(last["cum_hires_social"])
    traditional = int(last["cum_hires_traditional"])
    out["cum_hires_social"] = social
    out["cum_hires_traditional"] = traditional
    out["cum_hires"] = social + traditional
    out["social_hire_share"] = social / (social + traditional) if social + traditional else 0.0
    out["cum_cost"] = float(last["cum_cost"])
    out.update(extra or {})
    return out


def _half_final(time: np.ndarray, share: np.ndarray) -> float:
    final = share[-1]
    return crossing_time(time, share, final / 2) if final > 0 else float("nan")
