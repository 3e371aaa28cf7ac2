"""The written summary of a comparison, generated from its tables.

The rules it keeps: an effect is stated as an effect only where its Holm-
adjusted p-value is below the family-wise level, so its 95% interval
excludes zero; every other effect is said to be indistinguishable from zero,
with the smallest effect the runs could have detected; a cost per extra unit
is given only where it is defined. Nothing here reads anything but the
tables (`sim.comparison`).
"""

from __future__ import annotations

import math

import pandas as pd

KEY_KPIS = (
    "cum_hires_social",
    "cum_hires",
    "final_share_active_candidates",
    "final_share_active_recruiters",
)
"""The indicators whose null results the summary spells out, scenario by scenario."""


def number(value: float) -> str:
    """A value with about three significant figures, the sign kept; "n/a" if undefined."""
    if value is None or not math.isfinite(value):
        return "n/a"
    size = abs(value)
    digits = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 0.1 else 3
    return f"{value:,.{digits}f}"


def interval(lower: float, upper: float) -> str:
    """``[lower, upper]`` with `number`'s digits."""
    return f"[{number(lower)}, {number(upper)}]"


def _unit(row: pd.Series) -> str:
    return "" if row["unit"] in ("", "hires") else f" {row['unit']}"


def p_text(p_value: float) -> str:
    """A p-value as a report prints it."""
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}"


def effect_sentence(row: pd.Series) -> str:
    """One effect, as the summary states it (its interval excludes zero)."""
    verb = "raises" if row["effect"] > 0 else "lowers"
    return (
        f"{row['label']}: {verb} it by {number(abs(row['effect']))}{_unit(row)} "
        f"{interval(row['lower'], row['upper'])} (from {number(row['mean_baseline'])}; "
        f"Holm-adjusted {p_text(row['p_holm'])})"
    )


def null_item(row: pd.Series) -> str:
    """An effect the runs cannot tell from zero, with what they could have detected."""
    if row["lower"] == row["upper"] == 0:
        return f"{row['label']} (identical in every pair)"
    text = f"{row['label']} {number(row['effect'])} {interval(row['lower'], row['upper'])}"
    if math.isfinite(row["mde"]):
        text += f", detectable {number(row['mde'])}{_unit(row)}"
    if math.isfinite(row["runs_for_observed"]):
        text += f", {row['runs_for_observed']:,.0f} runs for an effect this size"
    return text


def summary_lines(
    effects: pd.DataFrame,
    costs: pd.DataFrame,
    groups: pd.DataFrame,
    n_runs: int,
    precision_note: str = "",
    n_missing: int = 0,
) -> list[str]:
    """The summary, a list of short paragraphs (plain text)."""
    lines = [
        f"Each scenario ran {n_runs} times with the same seeds as the baseline; every effect "
        "below is a paired difference with its 95% interval. Effects are claimed only where "
        "Holm's adjustment over all the scenarios and indicators keeps p below 0.05."
    ]
    if n_missing:
        lines.append(f"{n_missing} runs are missing or failed: the tables use the complete pairs.")
    if precision_note:
        lines.append(precision_note[0].upper() + precision_note[1:] + ".")
    for scenario, rows in effects.groupby("scenario", sort=False):
        shown = rows[rows["significant"]]
        nulls = rows[~rows["significant"] & rows["kpi"].isin(KEY_KPIS)]
        if len(shown):
            text = (
                f"{scenario}, against the baseline: "
                + "; ".join(effect_sentence(row) for _, row in shown.iterrows())
                + "."
            )
        else:
            text = f"{scenario}: no effect on the headline indicators can be told from zero."
        if len(nulls):
            text += (
                " Cannot be told from zero (effect [95% interval], then the smallest effect "
                "these runs detect at 80% power): "
                + "; ".join(null_item(row) for _, row in nulls.iterrows())
                + "."
            )
        lines.append(text)
    lines += _cost_lines(costs)
    lines += _group_lines(groups)
    return lines


def _cost_lines(costs: pd.DataFrame) -> list[str]:
    lines = []
    for gain, rows in costs.groupby("gain", sort=False):
        ranked = rows[rows["defined"]].sort_values("rank")
        if ranked.empty:
            lines.append(
                f"Cost per {gain}: not defined for any scenario (no gain can be told from zero)."
            )
            continue
        best = "; ".join(
            f"{row['scenario']} {number(row['cost_per_unit'])} "
            f"{interval(row['lower'], row['upper'])}"
            for _, row in ranked.iterrows()
        )
        undefined = rows[~rows["defined"]]["scenario"].tolist()
        tail = f" Not defined for {', '.join(undefined)}." if undefined else ""
        lines.append(f"Cost per {gain}, cheapest first: {best}.{tail}")
    return lines


def _group_lines(groups: pd.DataFrame) -> list[str]:
    if groups.empty:
        return []
    shown = groups[groups["significant"] & (groups["measure"] == "active")]
    if shown.empty:
        return ["By group: no effect on a group's final active share can be told from zero."]
    parts = [
        f"{row['scenario']} on {row['group'].replace('_', ' ')} "
        f"{number(row['effect'])} points {interval(row['lower'], row['upper'])}"
        for _, row in shown.iterrows()
    ]
    return [
        "By group, effects on the final active share (Holm over the group table): "
        + "; ".join(parts)
        + "."
    ]
