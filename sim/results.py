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
from sim.population import JUNIOR, KIND_NAMES, Actors, Stage, members_per_platform
from sim.state import State

STAGE_CODES = {np.int8(stage): stage.name.lower() for stage in Stage}
"""Each stage's plain int8 code (fast to compare with the stage array) and column name."""
STAGES = tuple(STAGE_CODES.values())
"""The stage names, in code order."""
FLOWS = ("hires_social", "hires_traditional", "cost", "match_quality")
"""Flows recorded per step (`new_*`) and as running totals (`cum_*`)."""


class Recorder:
    """Collects one row of indicators per step into a preallocated table.

    Args:
        state: the run's state at step 0 (fixes who is a candidate).
        steps: the number of steps expected; more may be recorded (the
            table grows).
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
        self.names: list[str] = []  # the columns, in order, from the first row
        self._rows = np.empty((0, 0))
        self._capacity = steps + 1
        self._totals = dict.fromkeys(FLOWS, 0.0)
        self.n_domains = state.entrant_population.domains
        self._vacancy_weeks = 0.0
        self._seeking_weeks = 0.0
        self._group_hires = np.zeros(2 + self.n_domains, dtype=np.int64)
        self._cohort_hires = dict.fromkeys(state.cohorts, 0)
        self._time_weeks = state.time_weeks
        self._was_active = state.actors.stage == Stage.ACTIVE
        self._switches = 0
        self._builtin: frozenset[str] = frozenset()

    def record(self, state: State) -> None:
        """Append the indicators of the current state."""
        row = self._builtin_row(state)
        if self.n_rows == 0:
            self._builtin = frozenset(row)
            clash = self._builtin.intersection(self.extra_columns)
            if clash:
                raise ValueError(f"extra columns {sorted(clash)} would replace built-in columns")
            self.names = [*row, *self.extra_columns]
            self._rows = np.full((self._capacity, len(self.names)), np.nan)
        elif self.n_rows == self._rows.shape[0]:  # a run stepped past `run.steps`
            grown = np.full((2 * self.n_rows, len(self.names)), np.nan)
            grown[: self.n_rows] = self._rows
            self._rows = grown
        for name, column in self.extra_columns.items():
            row[name] = column(state)
        self._rows[self.n_rows] = list(row.values())
        self.n_rows += 1

    def _builtin_row(self, state: State) -> dict[str, float]:
        """The built-in indicators of the current state, by column name, in column order."""
        a = state.actors
        row: dict[str, float] = {"step": state.step, "time": state.time_weeks}
        is_member = a.membership != 0
        is_active = a.stage == Stage.ACTIVE
        totals = {"aware": 0, "member": 0, "active": 0}
        for kind_name, part in zip(
            KIND_NAMES.values(), (self.candidates, self.recruiters), strict=True
        ):
            for name, count in self._record_kind(row, a, is_member, kind_name, part).items():
                totals[name] += count
        for name, count in totals.items():
            row[f"share_{name}"] = count / max(a.n, 1)
        # actors who became active or stopped being active (leavers replaced included)
        switches = np.count_nonzero(is_active != self._was_active)
        self._was_active = is_active
        self._switches += switches
        row["new_switches_active"] = switches
        row["cum_switches_active"] = self._switches
        self._record_profiles(row, a, is_member, is_active)
        self._record_domains(row, a, is_member, is_active, self.n_domains)
        members = members_per_platform(a.membership, state.platforms.n)
        for name, count in zip(state.platforms.name, members, strict=True):
            row[f"n_members_{name}"] = count
        open_vacancies = int(a.vacancies[self.recruiters].sum())
        seeking = np.count_nonzero(a.is_seeking[self.candidates])
        row["n_vacancies_open"] = open_vacancies
        row["n_seeking"] = seeking
        # held open (or sought) over the step just ended, counted at its end
        weeks = state.time_weeks - self._time_weeks
        self._time_weeks = state.time_weeks
        self._vacancy_weeks += open_vacancies * weeks
        self._seeking_weeks += seeking * weeks
        row["cum_vacancy_weeks"] = self._vacancy_weeks
        row["cum_seeking_weeks"] = self._seeking_weeks
        self._record_group_hires(row, state)
        self._record_cohorts(row, state, is_member, is_active)
        for name in FLOWS:
            value = getattr(state.flows, name)
            self._totals[name] += value
            row[f"new_{name}"] = value
            row[f"cum_{name}"] = self._totals[name]
        return row

    @staticmethod
    def _record_kind(
        row: dict[str, float], a: Actors, is_member: np.ndarray, kind_name: str, part: slice
    ) -> dict[str, int]:
        """Stage counts, shares and mean traits of one kind; returns its aware/member/active."""
        n_kind = part.stop - part.start
        stages = a.stage[part]
        counts = {name: np.count_nonzero(stages == code) for code, name in STAGE_CODES.items()}
        for stage_name, count in counts.items():  # (not bincount: slower at 100k actors)
            row[f"n_{kind_name}_{stage_name}"] = count
        members = np.count_nonzero(is_member[part])
        share = 1.0 / n_kind if n_kind else float("nan")
        row[f"share_active_{kind_name}"] = counts["active"] * share
        row[f"share_member_{kind_name}"] = members * share
        belief = a.alpha[part] / (a.alpha[part] + a.beta[part])
        for name, values in (
            ("foundation", a.foundation[part]),
            ("digital", a.digital[part]),
            ("complexity", a.complexity[part]),
            ("risk_memory", a.risk_memory[part]),
            ("belief", belief),
        ):
            row[f"mean_{name}_{kind_name}"] = values.sum() * share
        row[f"share_aware_{kind_name}"] = (n_kind - counts["unaware"]) * share
        row[f"share_contacted_{kind_name}"] = np.count_nonzero(a.n_contacts[part]) * share
        return {
            "aware": n_kind - counts["unaware"],
            "member": members,
            "active": counts["active"],
        }

    def _record_profiles(
        self, row: dict[str, float], a: Actors, is_member: np.ndarray, is_active: np.ndarray
    ) -> None:
        """Member and active shares of junior and experienced candidates."""
        candidates = self.candidates
        junior = a.profile[candidates] == JUNIOR  # candidates are junior or experienced
        is_active = is_active[candidates]
        n_junior = np.count_nonzero(junior)
        members_junior = np.count_nonzero(junior & is_member[candidates])
        members = np.count_nonzero(is_member[candidates])
        active_junior = np.count_nonzero(junior & is_active)
        active = np.count_nonzero(is_active)
        for profile, n_profile, n_members, n_active in (
            ("junior", n_junior, members_junior, active_junior),
            (
                "experienced",
                candidates.stop - n_junior,
                members - members_junior,
                active - active_junior,
            ),
        ):
            share = 1.0 / n_profile if n_profile else float("nan")
            row[f"share_member_{profile}"] = n_members * share
            row[f"share_active_{profile}"] = n_active * share

    def _record_group_hires(self, row: dict[str, float], state: State) -> None:
        """Hires of the step, and since step 0, by the candidate's profile and domain."""
        flows = state.flows
        new = np.concatenate(
            [
                np.bincount(flows.hired_profile == JUNIOR, minlength=2)[::-1],
                np.bincount(flows.hired_domain, minlength=self.n_domains),
            ]
        )
        self._group_hires += new
        names = ["junior", "experienced", *(f"domain_{d}" for d in range(self.n_domains))]
        for name, count, total in zip(names, new, self._group_hires, strict=True):
            row[f"new_hires_{name}"] = count
            row[f"cum_hires_{name}"] = total

    def _record_cohorts(
        self, row: dict[str, float], state: State, is_member: np.ndarray, is_active: np.ndarray
    ) -> None:
        """Size, member and active shares of each cohort, and hires with a member on a side."""
        recruiters, candidates = state.flows.hired
        for name, members in state.cohorts.items():
            n_members = np.count_nonzero(members)
            share = 1.0 / n_members if n_members else float("nan")
            new = np.count_nonzero(members[recruiters] | members[candidates])
            self._cohort_hires[name] += new
            row[f"n_cohort_{name}"] = n_members
            row[f"share_member_cohort_{name}"] = np.count_nonzero(members & is_member) * share
            row[f"share_active_cohort_{name}"] = np.count_nonzero(members & is_active) * share
            row[f"new_hires_cohort_{name}"] = new
            row[f"cum_hires_cohort_{name}"] = self._cohort_hires[name]

    @staticmethod
    def _record_domains(
        row: dict[str, float],
        a: Actors,
        is_member: np.ndarray,
        is_active: np.ndarray,
        n_domains: int,
    ) -> None:
        """Member and active shares of each job domain (candidates and recruiters)."""
        size = np.bincount(a.domain, minlength=n_domains)
        members = np.bincount(a.domain, weights=is_member, minlength=n_domains)
        active = np.bincount(a.domain, weights=is_active, minlength=n_domains)
        with np.errstate(invalid="ignore", divide="ignore"):
            for domain in range(n_domains):
                row[f"share_member_domain_{domain}"] = members[domain] / size[domain]
                row[f"share_active_domain_{domain}"] = active[domain] / size[domain]

    def timeseries(self) -> pd.DataFrame:
        """The recorded rows as a DataFrame (counts as integers)."""
        counts = ("n_", "new_hires_", "cum_hires_")
        integer = {c for c in self._builtin if c == "step" or c.startswith(counts)}
        columns = self._rows[: self.n_rows].T
        return pd.DataFrame(
            {  # cast here, not by DataFrame.astype: a tenth of the time
                name: column.astype(np.int64) if name in integer else column
                for name, column in zip(self.names, columns, strict=True)
            }
        )


def summarize(timeseries: pd.DataFrame, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Key indicators of one run, from its timeseries alone.

    Returns:
        `t10`, `t50`, `t90`: time (weeks) to 10/50/90% of all actors ACTIVE, NaN if never;
        `t_half_final`, `t_half_final_<kind>`: time to half the final active share;
        `final_share_active`, `final_share_member` (and per kind);
        `final_share_contacted_<kind>` (share with a social contact since entering);
        `cum_hires_social`, `cum_hires_traditional`, `cum_hires` (all channels),
        `social_hire_share`; `cum_cost`; `mean_weeks_to_fill` (open
        vacancy-weeks per hire: Little's law over the run),
        `mean_weeks_searching` (seeking candidate-weeks per hire, the same
        way), `mean_match_quality` (per hire); `cum_hires_<group>`;
        `final_share_active_<group>`, `final_share_member_<group>` for the
        groups junior, experienced (candidates), `domain_<d>` and
        `cohort_<name>` (the actors a cohort's interventions reached, still
        in the population: trainees, or a control group picked alike);
        `switching_per_week` (share of actors whose active status changed,
        per week, over the run) and `max_share_switching` (the largest share
        in one recorded step: of a thinned timeseries, among its rows); plus
        `extra` (e.g. per-intervention reach). Totals are read from the last
        row's `cum_*` columns, so a timeseries thinned to every k-th step
        gives the same totals.
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
        out[f"final_share_contacted_{kind_name}"] = float(last[f"share_contacted_{kind_name}"])
    social = int(last["cum_hires_social"])
    traditional = int(last["cum_hires_traditional"])
    out["cum_hires_social"] = social
    out["cum_hires_traditional"] = traditional
    out["cum_hires"] = social + traditional
    out["social_hire_share"] = social / (social + traditional) if social + traditional else 0.0
    out["cum_cost"] = float(last["cum_cost"])
    hires = social + traditional
    per_hire = 1.0 / hires if hires else float("nan")
    out["mean_weeks_to_fill"] = float(last["cum_vacancy_weeks"]) * per_hire
    out["mean_weeks_searching"] = float(last["cum_seeking_weeks"]) * per_hire
    out["mean_match_quality"] = float(last["cum_match_quality"]) * per_hire
    n_actors = sum(last[f"n_{kind}_{stage}"] for kind in KIND_NAMES.values() for stage in STAGES)
    weeks = float(last["time"] - timeseries["time"].iloc[0])
    exposure = n_actors * weeks  # actor-weeks recorded (none in a step-0-only timeseries)
    switches = float(last["cum_switches_active"])
    out["switching_per_week"] = switches / exposure if exposure else float("nan")
    out["max_share_switching"] = float(timeseries["new_switches_active"].max() / n_actors)
    groups = ("junior", "experienced", *_domains(timeseries), *_cohorts(timeseries))
    for group in groups:
        for stage in ("active", "member"):
            out[f"final_share_{stage}_{group}"] = float(last[f"share_{stage}_{group}"])
        out[f"cum_hires_{group}"] = int(last[f"cum_hires_{group}"])
    out.update(extra or {})
    return out


def _cohorts(timeseries: pd.DataFrame) -> list[str]:
    """The `cohort_<name>` groups the timeseries records, in order."""
    prefix = "n_cohort_"
    return [c.removeprefix("n_") for c in timeseries.columns if c.startswith(prefix)]


def _domains(timeseries: pd.DataFrame) -> list[str]:
    """The `domain_<d>` groups the timeseries records, in order."""
    prefix = "share_active_"
    return [c.removeprefix(prefix) for c in timeseries.columns if c.startswith(prefix + "domain_")]


def _half_final(time: np.ndarray, share: np.ndarray) -> float:
    final = share[-1]
    return crossing_time(time, share, final / 2) if final > 0 else float("nan")
