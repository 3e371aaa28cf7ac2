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


def signed(value: float) -> str:
    """`number` with a plus sign for a positive value."""
    return ("+" if value > 0 else "") + number(value)


def effect_item(row: pd.Series) -> str:
    """An effect the summary states (Holm keeps it): signed, with unit and interval."""
    return (
        f"{row['scenario']} {signed(row['effect'])}{_unit(row)} "
        f"{interval(row['lower'], row['upper'])}"
    )


def null_item(row: pd.Series) -> str:
    """An effect the runs cannot tell from zero, with what they could have detected."""
    if row["lower"] == row["upper"] == 0:
        return f"{row['scenario']} (identical in every pair)"
    text = f"{row['scenario']} {signed(row['effect'])} {interval(row['lower'], row['upper'])}"
    if math.isfinite(row["mde"]):
        text += f", detectable {number(row['mde'])}{_unit(row)}"
    if math.isfinite(row["runs_for_observed"]):
        text += f", {row['runs_for_observed']:,.0f} runs for an effect this size"
    return text


def indicator_line(rows: pd.DataFrame) -> str:
    """One indicator across scenarios: the effects Holm keeps, largest first, then the rest."""
    first = rows.iloc[0]
    label = first["label"][0].upper() + first["label"][1:]
    shares = first["unit"] == "points"  # effects on a share in %, in points
    text = f"{label} (baseline {number(first['mean_baseline'])}{'%' if shares else _unit(first)}): "
    shown = rows[rows["significant"]].sort_values("effect", ascending=False)
    parts = []
    if len(shown):
        parts.append(", ".join(effect_item(row) for _, row in shown.iterrows()))
    nulls = rows[~rows["significant"]]
    if len(nulls):
        parts.append(
            "Cannot be told from zero: " + "; ".join(null_item(row) for _, row in nulls.iterrows())
        )
    return text + ". ".join(parts) + "."


def summary_lines(
    effects: pd.DataFrame,
    costs: pd.DataFrame,
    groups: pd.DataFrame,
    n_runs: int,
    precision_note: str = "",
    n_missing: int = 0,
) -> list[str]:
    """The summary, a list of short paragraphs (plain text).

    First the key indicators across scenarios, then each scenario's other
    headline effects, the costs per extra unit and the groups.
    """
    lines = [
        f"Each scenario ran {n_runs} times with the same seeds as the baseline. Every effect "
        "below is a paired difference with its 95% interval; an effect is stated only where "
        "Holm's adjustment over all the scenarios and indicators keeps p below 0.05, and "
        "otherwise said to be indistinguishable from zero, with the smallest effect the runs "
        "detect at 80% power."
    ]
    if n_missing:
        lines.append(f"{n_missing} runs are missing or failed: the tables use the complete pairs.")
    if precision_note:
        lines.append(precision_note[0].upper() + precision_note[1:] + ".")
    for kpi in KEY_KPIS:
        rows = effects[effects["kpi"] == kpi]
        if len(rows):
            lines.append(indicator_line(rows))
    others = effects[~effects["kpi"].isin(KEY_KPIS)]
    for scenario, rows in others.groupby("scenario", sort=False):
        shown = rows[rows["significant"]]
        nulls = rows[~rows["significant"]]
        text = f"Other effects of {scenario}: "
        text += (
            "; ".join(
                f"{row['label']} {signed(row['effect'])}{_unit(row)} "
                f"{interval(row['lower'], row['upper'])}"
                for _, row in shown.iterrows()
            )
            or "none that can be told from zero"
        )
        if len(nulls):
            names = "; ".join(
                f"{row['label']} (detectable {number(row['mde'])}{_unit(row)})"
                for _, row in nulls.iterrows()
            )
            text += f". Cannot be told from zero: {names}"
        lines.append(text + ".")
    lines += _stated_lines(effects)
    lines += _cost_lines(costs)
    lines += _group_lines(groups)
    return lines


def _stated_lines(effects: pd.DataFrame) -> list[str]:
    """For each stated effect size: the runs it needs, and whether those made suffice."""
    if "stated_effect" not in effects.columns:
        return []
    lines = []
    stated = effects[effects["stated_effect"].notna()]
    for (label, size), rows in stated.groupby(["label", "stated_effect"], sort=False):
        parts = []
        for _, row in rows.iterrows():
            needed = row["runs_for_stated"]
            enough = "enough" if needed <= row["n"] else f"{row['n']} made: too few"
            parts.append(f"{row['scenario']} {needed:,.0f} ({enough})")
        lines.append(
            f"Paired runs that detect an effect of {number(size)} on {label} at 80% power: "
            + "; ".join(parts)
            + "."
        )
    return lines


def _cost_lines(costs: pd.DataFrame) -> list[str]:
    lines = []
    for gain, rows in costs.groupby("gain", sort=False):
        ranked = rows[rows["defined"]].sort_values("rank")
        if ranked.empty:
            lines.append(
                f"Cost per {gain}: not defined for any scenario (no gain is told to be above zero)."
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
