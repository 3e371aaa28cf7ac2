"""The tables of a paired comparison of scenarios, from its runs' results alone.

Every scenario was run with the same seeds, so replication r of a scenario
and of the baseline share their random numbers: effects are paired
differences, estimated run by run (`sim.analysis.paired`). The tables are
tidy DataFrames, one row per scenario and indicator; shares are in percent
and their effects in percentage points. Nothing here imports the model:
the tables are computed from `sim.store.Results` (or any frames of the same
columns), so a report can be rebuilt from a folder of results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.intervals import mean_ci
from sim.analysis.paired import holm, paired_difference, ratio_interval, runs_needed

ALPHA = 0.05
"""Family-wise error rate of the flags (Holm's adjustment over each table)."""


@dataclass(frozen=True)
class Indicator:
    """A KPI as the report shows it.

    Attributes:
        name: the KPI's column (`sim.results.summarize`).
        label: what the report calls it.
        unit: the unit of its values as shown.
        scale: shown value = stored value x scale (100 for shares, shown in %).
        short: a short label, with its unit, for a terminal.
    """

    name: str
    label: str
    unit: str
    scale: float = 1.0
    short: str = ""

    @property
    def effect_unit(self) -> str:
        """Unit of a difference: percentage points for a share in %."""
        return "points" if self.unit.startswith("%") else self.unit


HEADLINE = (
    Indicator(
        "t_half_final_recruiters",
        "weeks to half the final active share, recruiters",
        "weeks",
        short="half-adoption, recruiters (weeks)",
    ),
    Indicator(
        "t_half_final_candidates",
        "weeks to half the final active share, candidates",
        "weeks",
        short="half-adoption, candidates (weeks)",
    ),
    Indicator(
        "final_share_active_recruiters",
        "active recruiters at the end",
        "% of recruiters",
        100.0,
        "active recruiters (%)",
    ),
    Indicator(
        "final_share_active_candidates",
        "active candidates at the end",
        "% of candidates",
        100.0,
        "active candidates (%)",
    ),
    Indicator(
        "final_share_member_recruiters",
        "recruiters who are members at the end",
        "% of recruiters",
        100.0,
        "member recruiters (%)",
    ),
    Indicator(
        "final_share_member_candidates",
        "candidates who are members at the end",
        "% of candidates",
        100.0,
        "member candidates (%)",
    ),
    Indicator(
        "social_hire_share",
        "share of hires through the social channel",
        "% of hires",
        100.0,
        "social-hire share (%)",
    ),
    Indicator("cum_hires_social", "social-channel hires", "hires", short="social hires"),
    Indicator("cum_hires", "hires, all channels", "hires", short="hires"),
    Indicator(
        "mean_weeks_to_fill", "mean time to fill a vacancy", "weeks", short="time to fill (weeks)"
    ),
    Indicator(
        "mean_weeks_searching",
        "mean time a candidate searches",
        "weeks",
        short="time searching (weeks)",
    ),
    Indicator(
        "mean_match_quality",
        "match quality per hire (0 to 1)",
        "index",
        short="match quality (0-1)",
    ),
    Indicator("cum_cost", "intervention cost", "cost units", short="cost"),
)
"""The headline indicators, in the order the report shows them."""
COST = "cum_cost"
ACTIVE = "final_n_active"
"""Active actors at the end (a count the comparison adds from the series)."""
GAINS = (
    Indicator(ACTIVE, "additional active adopter", "actors"),
    Indicator("cum_hires_social", "additional social-channel hire", "hires"),
    Indicator("cum_hires", "additional hire", "hires"),
)
"""What cost-effectiveness divides the extra cost by."""
GROUP_MEASURES = (
    ("final_share_active", "active", "%", 100.0),
    ("final_share_member", "member", "%", 100.0),
    ("cum_hires", "hires", "hires", 1.0),
)
"""Per group: the KPI's prefix, what it measures, its unit and scale."""
SERIES = (
    *(
        f"share_{stage}_{kind}"
        for kind in ("recruiters", "candidates")
        for stage in ("aware", "member", "active")
    ),
    *("cum_hires_social", "cum_hires_traditional", "n_candidates_active", "n_recruiters_active"),
)
"""The timeseries columns a comparison keeps."""


def group_names(kpis: pd.DataFrame) -> list[str]:
    """The groups the KPIs hold: the two kinds, the profiles, `domain_<d>`, `cohort_<name>`."""
    prefix = "final_share_active_"
    found = [c.removeprefix(prefix) for c in kpis.columns if c.startswith(prefix)]
    fixed = [g for g in ("recruiters", "candidates", "junior", "experienced") if g in found]
    domains = sorted((g for g in found if g.startswith("domain_")), key=_domain_number)
    return fixed + domains + sorted(g for g in found if g.startswith("cohort_"))


def _domain_number(group: str) -> int:
    return int(group.removeprefix("domain_"))


def with_active_counts(kpis: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """The KPIs with `final_n_active`, the active actors at each run's last step."""
    if series.empty:  # no run kept its series: the count is unknown
        return kpis.assign(**{ACTIVE: np.nan})
    last = series.sort_values("step").groupby("key", sort=False).tail(1)
    counts = last.set_index("key")[["n_candidates_active", "n_recruiters_active"]].sum(axis=1)
    return kpis.assign(**{ACTIVE: kpis["key"].map(counts).astype(float)})


def _by_replication(kpis: pd.DataFrame, arm: str, column: str) -> pd.Series:
    rows = kpis[kpis["arm"] == arm]
    return rows.set_index("replication")[column].astype(float)


def _pairs(kpis: pd.DataFrame, arm: str, baseline: str, column: str) -> tuple[np.ndarray, ...]:
    """The arm's and the baseline's values of the replications both have (NaN pairs dropped)."""
    both = pd.concat(
        [_by_replication(kpis, arm, column), _by_replication(kpis, baseline, column)],
        axis=1,
        join="inner",
    ).dropna()
    return both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy()


def headline_table(
    kpis: pd.DataFrame, order: Sequence[str], indicators: Sequence[Indicator] = HEADLINE
) -> pd.DataFrame:
    """Each scenario's mean of each indicator with its 95% interval (Student t over runs).

    Runs where an indicator is undefined (e.g. no adoption, so no time to
    half of it) are left out of its mean; `n` counts the runs used.
    """
    rows = []
    for arm in order:
        for ind in indicators:
            values = _by_replication(kpis, arm, ind.name).dropna().to_numpy() * ind.scale
            mean, lower, upper = mean_ci(values) if values.size else (np.nan,) * 3
            rows.append(
                {
                    "scenario": arm,
                    "kpi": ind.name,
                    "label": ind.label,
                    "unit": ind.unit,
                    "n": values.size,
                    "mean": float(mean),
                    "lower": float(lower),
                    "upper": float(upper),
                }
            )
    return pd.DataFrame(rows)


def effects_table(
    kpis: pd.DataFrame,
    order: Sequence[str],
    indicators: Sequence[Indicator] = HEADLINE,
    stated: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Paired effects of each scenario against the first (the baseline), with Holm's flags.

    Columns: the paired difference and its 95% interval; the unpaired
    (Welch) interval of the same runs, what pairing gains; the paired t
    test's p-value and its Holm adjustment over every row of the table;
    `significant` where the adjusted p is below `ALPHA` (the interval then
    excludes zero too); the minimum detectable effect at 80% power for the
    runs made; the runs that would detect an effect of the size observed,
    and of the size `stated` for the KPI (in shown units), if given.
    """
    baseline, rows = order[0], []
    for arm in order[1:]:
        for ind in indicators:
            treated, base = _pairs(kpis, arm, baseline, ind.name)
            eff = paired_difference(treated * ind.scale, base * ind.scale)
            size = (stated or {}).get(ind.name, np.nan)
            rows.append(
                {
                    "scenario": arm,
                    "kpi": ind.name,
                    "label": ind.label,
                    "unit": ind.effect_unit,
                    "n": eff.n,
                    "mean_baseline": eff.mean_baseline,
                    "mean_scenario": eff.mean_treatment,
                    "effect": eff.effect,
                    "lower": eff.lower,
                    "upper": eff.upper,
                    "unpaired_lower": eff.unpaired_lower,
                    "unpaired_upper": eff.unpaired_upper,
                    "p_value": eff.p_value,
                    "mde": eff.mde,
                    "runs_for_observed": _runs(eff.effect, eff.sd_difference),
                    "stated_effect": size,
                    "runs_for_stated": _runs(size, eff.sd_difference),
                }
            )
    return _flagged(pd.DataFrame(rows))


def effects_by_setting(
    kpis: pd.DataFrame,
    by: str,
    control: Any,
    treated: Any,
    settings: Sequence[str],
    indicators: Sequence[Indicator] = HEADLINE,
    stated: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Paired effects of one value of `by` against another, at each setting of a sweep.

    In a sweep every point and arm runs with the same seeds, so two points
    that differ only in `by` pair up replication by replication. Holm's
    adjustment is made over every row of the result (all settings).

    Args:
        kpis: a sweep's KPI table (`sim.store.Results.kpis`).
        by: the column compared: ``"arm"``, or a factor's column.
        control: its value taken as the comparison.
        treated: its value whose effect is measured.
        settings: the columns that make a setting (the other factors).
        indicators: the KPIs, as the report shows them.
        stated: KPI -> an effect size whose required runs are given.

    Returns:
        `effects_table`'s columns, with `scenario` = `treated` and a column
        per setting.
    """
    tables = []
    groups = kpis.groupby(list(settings), sort=True) if settings else [((), kpis)]
    for values, group in groups:
        pair = group[group[by].isin([control, treated])]
        pair = pair.assign(arm=pair[by].map({control: "control", treated: "treated"}))
        table = effects_table(pair, ["control", "treated"], indicators, stated)
        table = table.assign(scenario=treated)
        key = values if isinstance(values, tuple) else (values,)
        tables.append(table.assign(**dict(zip(settings, key, strict=True))))
    joined = pd.concat(tables, ignore_index=True)
    return _flagged(joined.drop(columns=["p_holm", "excludes_zero", "significant"]))


def _runs(effect: float, sd: float) -> float:
    """Paired runs that would detect `effect` at 80% power (NaN where it means nothing)."""
    if not (np.isfinite(effect) and np.isfinite(sd)) or effect == 0 or sd == 0:
        return np.nan
    return float(runs_needed(effect, sd))


def _flagged(table: pd.DataFrame) -> pd.DataFrame:
    """Holm-adjusted p-values over the table's rows, and the flags they give."""
    if table.empty:
        return table.assign(p_holm=[], excludes_zero=[], significant=[])
    excludes = (table["lower"] > 0) | (table["upper"] < 0)
    p_holm = holm(table["p_value"].to_numpy())
    return table.assign(
        p_holm=p_holm, excludes_zero=excludes, significant=np.nan_to_num(p_holm, nan=1) < ALPHA
    )


def cost_table(kpis: pd.DataFrame, order: Sequence[str], seed: int = 0) -> pd.DataFrame:
    """Extra cost per additional unit of each gain, with its 95% interval, ranked.

    The ratio of the paired mean differences (cost over gain) with a
    bootstrap interval (`sim.analysis.paired.ratio_interval`), over the
    replications where both the cost and the gain are defined. It is defined
    only for a gain whose paired interval lies above zero: a cost per unit of
    a gain that may be nil, or of a loss, means nothing. Within each gain the
    defined ratios are ranked, cheapest first.
    """
    baseline, rows = order[0], []
    for position, arm in enumerate(order[1:]):
        for gain_position, gain in enumerate(GAINS):
            both = pd.concat(
                {
                    "cost": _difference(kpis, arm, baseline, COST),
                    "gain": _difference(kpis, arm, baseline, gain.name),
                },
                axis=1,
                join="inner",
            ).dropna()
            cost, gained = both["cost"].to_numpy(), both["gain"].to_numpy()
            effect = paired_difference(gained, np.zeros_like(gained))
            ratio = ratio_interval(cost, gained, seed=seed + 1000 * position + gain_position)
            defined, note = ratio.defined, ratio.reason
            if defined and not effect.lower > 0:
                defined, note = False, "the gain is negative: no cost per extra unit"
            rows.append(
                {
                    "scenario": arm,
                    "gain": gain.label,
                    "unit": gain.unit,
                    "n": len(both),
                    "extra_cost": float(np.mean(cost)) if len(both) else np.nan,
                    "gain_effect": effect.effect,
                    "gain_lower": effect.lower,
                    "gain_upper": effect.upper,
                    "defined": defined,
                    "cost_per_unit": ratio.estimate if defined else np.nan,
                    "lower": ratio.lower if defined else np.nan,
                    "upper": ratio.upper if defined else np.nan,
                    "note": note,
                }
            )
    table = pd.DataFrame(rows)
    if table.empty:
        return table.assign(rank=[])
    ranks = table[table["defined"]].groupby("gain")["cost_per_unit"].rank(method="min")
    return table.assign(rank=ranks.reindex(table.index)).sort_values(
        ["gain", "rank", "scenario"], na_position="last", ignore_index=True
    )


def _difference(kpis: pd.DataFrame, arm: str, baseline: str, column: str) -> pd.Series:
    """The arm's value minus the baseline's, by replication (NaN where either lacks it)."""
    return _by_replication(kpis, arm, column) - _by_replication(kpis, baseline, column)


def group_table(kpis: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Paired effects on each group's final active and member shares (points) and hires.

    Groups: recruiters, candidates, junior and experienced candidates, each
    job domain (its candidates and recruiters; hires are counted by the
    candidate's group), and each cohort (the actors a training, or a control
    in the baseline, picked; hires with a member on either side). Holm's
    adjustment runs over the whole table.
    """
    rows = [
        (Indicator(f"{prefix}_{group}", f"{measure}, {group.replace('_', ' ')}", unit, scale),
         group, measure)
        for group in group_names(kpis)
        for prefix, measure, unit, scale in GROUP_MEASURES
        if f"{prefix}_{group}" in kpis.columns
    ]  # fmt: skip
    table = effects_table(kpis, order, [indicator for indicator, _, _ in rows])
    if table.empty:
        return table
    where = {indicator.name: (group, measure) for indicator, group, measure in rows}
    return table.assign(
        group=table["kpi"].map(lambda kpi: where[kpi][0]),
        measure=table["kpi"].map(lambda kpi: where[kpi][1]),
    )
