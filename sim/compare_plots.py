"""Figures for a report comparing scenarios run with the same seeds.

Every figure is drawn from a tidy table (one row per scenario, series and
time, or per scenario and KPI) and a `scenarios` order whose first entry is
the baseline. Colours are assigned by position in that order, so a scenario
has the same colour in every figure: the baseline is black (its bands grey),
the others take the default colour cycle without its grey.

Figures use Matplotlib's object API (`Figure`, PNG through Agg): no backend
is selected and pyplot's global state is not touched. They are sized for a
report (900 px wide at 100 dpi); the caller saves them with `save_figure`.
"""

from __future__ import annotations

import math
import os
import tempfile
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

DPI = 100
WIDTH = 9.0  # inches: 900 px at DPI
BASELINE_COLOUR = "black"
# The default cycle without its grey (C7), which would read as the baseline.
PALETTE = ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "C8", "C9")
BAND_ALPHA = 0.2
KINDS = (("recruiters", "recruiters"), ("candidates", "candidates"))
STAGES = ("aware", "member", "active")
CHANNELS = (("social", "social channel"), ("traditional", "traditional channel"))
MAX_COLUMNS = 3
BAND_NOTE = "mean over runs, 95% interval"


def scenario_colours(scenarios: Sequence[str]) -> dict[str, str]:
    """The colour of each scenario, by its position in `scenarios`.

    Args:
        scenarios: scenario names, the baseline first.

    Returns:
        A Matplotlib colour per scenario: black for the baseline, then the
        colour cycle (without grey), repeating after nine scenarios.

    Raises:
        ValueError: no scenario, or a name given twice.
    """
    if not scenarios:
        raise ValueError("no scenario: the first one is the baseline")
    if len(set(scenarios)) != len(scenarios):
        raise ValueError(f"a scenario is named twice in {list(scenarios)}")
    others = {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(scenarios[1:])}
    return {scenarios[0]: BASELINE_COLOUR, **others}


def adoption_figure(bands: pd.DataFrame, scenarios: list[str]) -> Figure:
    """Aware, member and active shares of recruiters and candidates over time.

    Args:
        bands: columns `scenario`, `kind` ("recruiters"/"candidates"),
            `stage` ("aware"/"member"/"active"), `time` (weeks), `mean`,
            `lower`, `upper` (shares of actors in [0, 1], a 95% interval).
        scenarios: scenario names, the baseline first.

    Returns:
        A 2 x 3 figure (rows: recruiters, candidates; columns: stages) with
        shared axes, a line and a band per scenario and one legend.

    Raises:
        ValueError: a missing column, or a scenario not in `scenarios`.
    """
    colours = _checked(bands, ["kind", "stage", "time", "mean", "lower", "upper"], scenarios)
    fig = Figure(figsize=(WIDTH, 5.8), layout="constrained")
    axes = fig.subplots(len(KINDS), len(STAGES), sharex=True, sharey=True, squeeze=False)
    for row, (kind, kind_label) in enumerate(KINDS):
        for column, stage in enumerate(STAGES):
            axis = axes[row, column]
            selected = bands[(bands["kind"] == kind) & (bands["stage"] == stage)]
            _draw_bands(axis, selected, scenarios, colours)
            if row == 0:
                axis.set_title(stage)
            if row == len(KINDS) - 1:
                axis.set_xlabel("weeks")
            if column == 0:
                axis.set_ylabel(f"{kind_label}\nshare of actors")
    axes[0, 0].set_ylim(0, 1)
    _legend(fig, bands, scenarios, colours)
    fig.suptitle(f"Adoption by stage ({BAND_NOTE})")
    return fig


def hires_figure(bands: pd.DataFrame, scenarios: list[str]) -> Figure:
    """Cumulative hires through the social and the traditional channel over time.

    Args:
        bands: columns `scenario`, `channel` ("social"/"traditional"), `time`
            (weeks), `mean`, `lower`, `upper` (cumulative hires, a 95% interval).
        scenarios: scenario names, the baseline first.

    Returns:
        A figure of two panels (social, traditional) with a line and a band
        per scenario and one legend.

    Raises:
        ValueError: a missing column, or a scenario not in `scenarios`.
    """
    colours = _checked(bands, ["channel", "time", "mean", "lower", "upper"], scenarios)
    fig = Figure(figsize=(WIDTH, 4.2), layout="constrained")
    axes = fig.subplots(1, len(CHANNELS), sharex=True, squeeze=False)[0]
    for axis, (channel, title) in zip(axes, CHANNELS, strict=True):
        _draw_bands(axis, bands[bands["channel"] == channel], scenarios, colours)
        axis.set_title(title)
        axis.set_xlabel("weeks")
        axis.set_ylabel("cumulative hires")
        axis.set_ylim(bottom=0)
    _legend(fig, bands, scenarios, colours)
    fig.suptitle(f"Cumulative hires by channel ({BAND_NOTE})")
    return fig


def difference_figure(bands: pd.DataFrame, scenarios: list[str]) -> Figure:
    """Paired difference of each scenario against the baseline over time.

    Args:
        bands: columns `scenario` (never the baseline), `measure` (a readable
            label with its unit, e.g. "social hires"), `time` (weeks), `mean`,
            `lower`, `upper` (the mean paired difference and its 95% interval).
        scenarios: scenario names, the baseline first.

    Returns:
        One panel per measure (in order of first appearance, up to three per
        row) with a zero line, a line and a band per scenario, one legend.

    Raises:
        ValueError: a missing column, a scenario not in `scenarios`, rows of
            the baseline, or no row.
    """
    colours = _checked(bands, ["measure", "time", "mean", "lower", "upper"], scenarios)
    _check_no_baseline(bands, scenarios)
    measures = list(pd.unique(bands["measure"]))
    fig, axes = _grid(len(measures), panel_height=3.0)
    for axis, measure in zip(axes, measures, strict=True):
        axis.axhline(0.0, color=BASELINE_COLOUR, lw=0.8)
        _draw_bands(axis, bands[bands["measure"] == measure], scenarios, colours)
        axis.set_title(str(measure), fontsize=10)
        axis.set_xlabel("weeks")
        axis.set_ylabel(f"difference from {scenarios[0]}")
    _legend(fig, bands, scenarios, colours)
    fig.suptitle(f"Paired difference against {scenarios[0]} ({BAND_NOTE})")
    return fig


def forest_figure(effects: pd.DataFrame, scenarios: list[str]) -> Figure:
    """Each scenario's effect on each KPI against the baseline, with its interval.

    Args:
        effects: columns `scenario` (never the baseline), `kpi_label` (the
            KPI with its unit), `effect`, `lower`, `upper` (the paired
            difference and its 95% interval) and `significant` (bool). Rows
            whose effect is NaN are left out.
        scenarios: scenario names, the baseline first.

    Returns:
        One panel per KPI (in order of first appearance, up to three per row)
        with the scenarios on the y axis, a point and interval per effect
        (filled when significant, hollow otherwise) and a zero line.

    Raises:
        ValueError: a missing column, a scenario not in `scenarios`, rows of
            the baseline, or no row.
    """
    columns = ["kpi_label", "effect", "lower", "upper", "significant"]
    colours = _checked(effects, columns, scenarios)
    _check_no_baseline(effects, scenarios)
    kpis = list(pd.unique(effects["kpi_label"]))
    others = scenarios[1:]
    fig, axes = _grid(len(kpis), panel_height=0.9 + 0.35 * len(others))
    for position, (axis, kpi) in enumerate(zip(axes, kpis, strict=True)):
        axis.axvline(0.0, color=BASELINE_COLOUR, lw=0.8)
        rows = effects[(effects["kpi_label"] == kpi) & effects["effect"].notna()]
        for row in rows.itertuples(index=False):
            y = others.index(row.scenario)
            colour = colours[row.scenario]
            axis.plot([row.lower, row.upper], [y, y], color=colour, lw=2)
            axis.plot(
                [row.effect],
                [y],
                marker="o",
                markersize=7,
                color=colour,
                markerfacecolor=colour if bool(row.significant) else "white",
                linestyle="none",
            )
        if rows.empty:
            axis.text(0.5, 0.5, "no estimate", transform=axis.transAxes, ha="center")
        first_column = position % MAX_COLUMNS == 0  # scenario names on the left only
        axis.set_yticks(range(len(others)), others if first_column else [])
        axis.set_ylim(len(others) - 0.5, -0.5)  # the first scenario on top
        axis.set_title(textwrap.fill(str(kpi), 34), fontsize=9)
        axis.grid(axis="x", alpha=0.3)
    fig.suptitle(
        f"Effect against {scenarios[0]}: paired difference, 95% interval (filled: significant)"
    )
    return fig


def save_figure(fig: Figure, path: Path | str) -> None:
    """Write a figure as PNG atomically, then close it.

    The PNG is written to a temporary file in the same folder and moved over
    `path`, so a reader never sees a partial file. Closing clears the
    figure's artists (figures of this module are not registered with
    pyplot), so it must not be reused.

    Args:
        fig: the figure to write.
        path: the PNG file to write (its folder must exist).
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        fig.savefig(temporary, format="png", dpi=DPI)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        fig.clear()


def _checked(frame: pd.DataFrame, columns: list[str], scenarios: Sequence[str]) -> dict[str, str]:
    """The scenarios' colours, once `frame` has the columns and only known scenarios."""
    colours = scenario_colours(scenarios)
    missing = [c for c in ["scenario", *columns] if c not in frame.columns]
    if missing:
        raise ValueError(f"the table has no column {', '.join(map(repr, missing))}")
    unknown = sorted(set(frame["scenario"]) - set(scenarios))
    if unknown:
        raise ValueError(f"scenarios {unknown} are not in the order given ({list(scenarios)})")
    return colours


def _check_no_baseline(frame: pd.DataFrame, scenarios: Sequence[str]) -> None:
    if frame.empty:
        raise ValueError("the table has no row")
    if (frame["scenario"] == scenarios[0]).any():
        raise ValueError(f"rows of the baseline {scenarios[0]!r}: a difference is against it")


def _draw_bands(
    axis: Axes, frame: pd.DataFrame, scenarios: Sequence[str], colours: dict[str, str]
) -> None:
    """A line per scenario (in order) with its 95% band where the band is known."""
    for name in scenarios:
        rows = frame[frame["scenario"] == name].sort_values("time")
        if rows.empty:
            continue
        time = rows["time"].to_numpy(dtype=float)
        lower, upper = rows["lower"].to_numpy(dtype=float), rows["upper"].to_numpy(dtype=float)
        baseline = name == scenarios[0]
        axis.plot(time, rows["mean"], color=colours[name], lw=2.0 if baseline else 1.6)
        known = np.isfinite(lower) & np.isfinite(upper)
        if known.any():
            axis.fill_between(
                time, lower, upper, where=known, color=colours[name], alpha=BAND_ALPHA, lw=0
            )
    axis.grid(alpha=0.3)


def _legend(
    fig: Figure, frame: pd.DataFrame, scenarios: Sequence[str], colours: dict[str, str]
) -> None:
    """One legend below the panels for the scenarios present in `frame`."""
    handles = [
        Line2D([], [], color=colours[name], lw=2, label=_legend_name(name, k == 0))
        for k, name in enumerate(scenarios)
        if (frame["scenario"] == name).any()
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4))


def _legend_name(name: str, is_baseline: bool) -> str:
    """A scenario's legend entry: the baseline says so, unless its name does."""
    return f"{name} (baseline)" if is_baseline and name != "baseline" else name


def _grid(n_panels: int, panel_height: float) -> tuple[Figure, list[Axes]]:
    """A figure of `n_panels` panels, up to three per row, without empty panels."""
    n_columns = min(n_panels, MAX_COLUMNS)
    n_rows = math.ceil(n_panels / n_columns)
    fig = Figure(figsize=(WIDTH, 1.2 + panel_height * n_rows), layout="constrained")
    axes = list(fig.subplots(n_rows, n_columns, squeeze=False).flat)
    for axis in axes[n_panels:]:
        fig.delaxes(axis)
    return fig, axes[:n_panels]
