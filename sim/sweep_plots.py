"""Figures of a sweep's KPI table: a heat map over two factors, a KPI against one.

Both figures are drawn from `summary_by_point`, the mean of a KPI over the
replications of each combination of factor values with its 95% Student-t
interval, so a report can write that table as CSV and redraw the figure from
it. A cell or point that would mix design points (a third factor varying, or
two arms) is refused rather than averaged over silently.

Figures use Matplotlib's object API (`Figure`, PNG through Agg): no backend
is selected and pyplot's global state is not touched.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from scipy import stats

CONFIDENCE = 0.95
# A heat map is for a grid's few values per factor; a sampled design (Latin
# hypercube, Sobol) has a distinct value at nearly every point.
MAX_VALUES_PER_AXIS = 40


def summary_by_point(kpis: pd.DataFrame, factors: Sequence[str], kpi: str) -> pd.DataFrame:
    """Mean of a KPI and its 95% t-interval over the runs at each factor combination.

    The interval is `mean ± t_{0.975, n-1} sd / sqrt(n)` over the `n` runs
    (replications) sharing the factors' values; with one run it is NaN. A
    combination where any run's KPI is NaN (a time never reached) has a NaN
    mean: the mean of the runs that reached it would be biased.

    Args:
        kpis: one row per run, with `point`, `arm`, the factor columns and the
            KPI column.
        factors: the columns to group by (factor keys, or `arm`).
        kpi: the KPI column.

    Returns:
        One row per combination, sorted by the factors: the factors' values,
        `n` (runs), `n_nan` (runs whose KPI is NaN), `n_points` (distinct
        (arm, point) pairs: 1 when the combination is one design point),
        `mean`, `lower`, `upper` (in the KPI's units).

    Raises:
        ValueError: a factor, the KPI, `point` or `arm` missing from `kpis`.
    """
    factors = list(factors)
    _check_columns(kpis, [*factors, kpi, "point", "arm"])
    groups = kpis.assign(_design_point=_design_points(kpis)).groupby(factors, sort=True)
    table = groups.agg(
        n=(kpi, "size"),
        n_values=(kpi, "count"),
        n_points=("_design_point", "nunique"),
        mean=(kpi, "mean"),
        sd=(kpi, "std"),
    ).reset_index()
    n = table["n"].to_numpy()
    n_nan = n - table["n_values"].to_numpy()
    mean = np.where(n_nan > 0, np.nan, table["mean"].to_numpy(dtype=float))
    with np.errstate(invalid="ignore"):  # t with 0 degrees of freedom: NaN, as wanted
        t = stats.t.ppf(0.5 * (1.0 + CONFIDENCE), n - 1)
    half = t * table["sd"].to_numpy(dtype=float) / np.sqrt(n)
    return table[factors].assign(
        n=n,
        n_nan=n_nan,
        n_points=table["n_points"],
        mean=mean,
        lower=mean - half,
        upper=mean + half,
    )


def plot_heatmap(
    kpis: pd.DataFrame, x: str, y: str, kpi: str, path: Path, arm: str | None = None
) -> None:
    """Heat map of a KPI's mean over replications on a grid of two factors.

    Args:
        kpis: one row per run of a grid design over `x` and `y`.
        x: factor on the horizontal axis.
        y: factor on the vertical axis.
        kpi: the KPI whose mean colours the cells (annotated in each cell).
        path: PNG file to write.
        arm: the arm to show; may be left out when `kpis` holds one arm.

    Raises:
        ValueError: a missing column or arm, several arms and no `arm`, more
            than 40 values of a factor, or a cell holding more than one design
            point.
    """
    _check_columns(kpis, [x, y, kpi, "arm"])
    kpis = _one_arm(kpis, arm)
    for factor in (x, y):
        n_values = kpis[factor].nunique()
        if n_values > MAX_VALUES_PER_AXIS:
            raise ValueError(
                f"{factor} takes {n_values} values: a heat map needs a grid design's few"
                f" values (at most {MAX_VALUES_PER_AXIS}); plot a sampled design against one factor"
            )
    table = summary_by_point(kpis, [x, y], kpi)
    _check_one_point_each(table, [x, y])
    grid = table.pivot(index=y, columns=x, values="mean")
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    fig = Figure(
        figsize=(max(5.5, 2.5 + 0.9 * grid.shape[1]), max(4.0, 1.5 + 0.6 * grid.shape[0])),
        layout="constrained",
    )
    axis = fig.subplots()
    cmap = colormaps["viridis"].with_extremes(bad="lightgrey")  # NaN cells: grey, "n/a"
    image = axis.imshow(values, cmap=cmap, origin="lower", aspect="auto")
    fig.colorbar(image, ax=axis, label=f"{kpi} (mean)")
    lo, hi = image.norm.vmin, image.norm.vmax
    for (row, column), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        bright = not np.isnan(value) and hi > lo and (value - lo) / (hi - lo) > 0.6
        text = "n/a" if np.isnan(value) else f"{value:.3g}"
        axis.text(
            column,
            row,
            text,
            ha="center",
            va="center",
            fontsize=8,
            color="black" if bright or np.isnan(value) else "white",
        )
    axis.set_xticks(range(grid.shape[1]), [_label(v) for v in grid.columns])
    axis.set_yticks(range(grid.shape[0]), [_label(v) for v in grid.index])
    axis.set_xlabel(x)
    axis.set_ylabel(y)
    note = "; n/a: no run, or a run without a value" if np.ma.getmaskarray(values).any() else ""
    subtitle = f"mean of {_runs_note(table)} per cell{note}"
    axis.set_title(f"{kpi}" + (f", arm {arm}" if arm else "") + f"\n{subtitle}", fontsize=10)
    fig.savefig(path, dpi=110)


def plot_against(kpis: pd.DataFrame, x: str, kpi: str, path: Path, by: str | None = None) -> None:
    """A KPI's mean against one factor, with its 95% t-interval over replications.

    Args:
        kpis: one row per run.
        x: factor on the horizontal axis.
        kpi: the KPI on the vertical axis.
        path: PNG file to write.
        by: a column (`arm`, or a second factor) drawing one line per value.

    Raises:
        ValueError: a missing column, or a point of a line holding more than
            one design point (another factor varies, or several arms and no
            `by`).
    """
    factors = [x] if by is None else [by, x]
    table = summary_by_point(kpis, factors, kpi)
    _check_one_point_each(table, factors, hint=" or pass by=" if by is None else "")
    fig = Figure(figsize=(7.0, 4.5), layout="constrained")
    axis = fig.subplots()
    lines = [(None, table)] if by is None else table.groupby(by, sort=True)
    for k, (value, line) in enumerate(lines):
        colour = f"C{k % 10}"
        label = None if by is None else f"{by} = {_label(value)}"
        axis.plot(line[x], line["mean"], marker="o", color=colour, label=label)
        axis.fill_between(line[x], line["lower"], line["upper"], color=colour, alpha=0.25, lw=0)
    axis.set_xlabel(x)
    axis.set_ylabel(f"{kpi} (mean)")
    axis.set_title(f"{kpi} against {x}\nmean of {_runs_note(table)}, 95% t-interval", fontsize=10)
    axis.grid(alpha=0.3)
    if by is not None:
        axis.legend(fontsize=8)
    fig.savefig(path, dpi=110)


def _check_columns(kpis: pd.DataFrame, columns: Sequence[str]) -> None:
    for column in columns:
        if column not in kpis.columns:
            close = difflib.get_close_matches(column, [str(c) for c in kpis.columns], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"the KPI table has no column {column!r}{hint}")


def _design_points(kpis: pd.DataFrame) -> pd.Series:
    """One label per (arm, point): runs with the same label are replications."""
    return kpis["arm"].astype(str) + "/" + kpis["point"].astype(str)


def _one_arm(kpis: pd.DataFrame, arm: str | None) -> pd.DataFrame:
    arms = sorted(kpis["arm"].astype(str).unique())
    if arm is None:
        if len(arms) > 1:
            raise ValueError(f"the KPI table has {len(arms)} arms ({', '.join(arms)}): pass arm=")
        return kpis
    if arm not in arms:
        raise ValueError(f"no arm {arm!r} in the KPI table (arms: {', '.join(arms)})")
    return kpis[kpis["arm"] == arm]


def _check_one_point_each(table: pd.DataFrame, factors: list[str], hint: str = "") -> None:
    mixed = table[table["n_points"] > 1]
    if not mixed.empty:
        first = mixed.iloc[0]
        where = ", ".join(f"{f} = {_label(first[f])}" for f in factors)
        raise ValueError(
            f"{where} holds runs of {int(first['n_points'])} design points or arms: filter the"
            f" KPI table to one value of the other factors and one arm{hint}"
        )


def _runs_note(table: pd.DataFrame) -> str:
    low, high = int(table["n"].min()), int(table["n"].max())
    return f"{low} runs" if low == high else f"{low} to {high} runs"


def _label(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float | np.number) else str(value)
