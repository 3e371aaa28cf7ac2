"""Figures drawn from result tables (never from the model).

Figures are drawn with Matplotlib's object API (`Figure`, PNG through Agg),
so importing or using this module neither selects a backend nor touches
pyplot's global state.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.intervals import mean_ci

SHARES = (("share_aware", "aware"), ("share_member", "member"), ("share_active", "active"))
HIRES = (("cum_hires_social", "social channel"), ("cum_hires_traditional", "traditional channel"))


def band(
    timeseries: pd.DataFrame, column: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Time, mean and 95% interval of the mean of a column over runs (by `seed`).

    Runs are aligned by step; with one run the interval is empty (NaN).
    """
    wide = timeseries.pivot(index="time", columns="seed", values=column)
    mean, lower, upper = mean_ci(wide.to_numpy(), axis=1)
    return wide.index.to_numpy(), mean, lower, upper


def plot_run(timeseries: pd.DataFrame, title: str, path: Path) -> None:
    """Aware/member/active shares and cumulative hires by channel over time.

    Args:
        timeseries: long frame with a `seed` column (one or more runs).
        title: figure title.
        path: PNG file to write.
    """
    if "seed" not in timeseries:
        timeseries = timeseries.assign(seed=0)
    n_runs = timeseries["seed"].nunique()
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    for axis, frame, series, ylabel in (
        (left, timeseries, SHARES, "share of all actors"),
        (right, timeseries, HIRES, "cumulative hires"),
    ):
        for column, label in series:
            time, mean, lower, upper = band(frame, column)
            (line,) = axis.plot(time, mean, label=label)
            if n_runs > 1:
                axis.fill_between(time, lower, upper, color=line.get_color(), alpha=0.25)
        axis.set_xlabel("weeks")
        axis.set_ylabel(ylabel)
        axis.grid(alpha=0.3)
        axis.legend()
    left.set_ylim(0, 1)
    note = f"mean of {n_runs} runs, 95% interval of the mean" if n_runs > 1 else "one run"
    fig.suptitle(f"{title} ({note})")
    fig.savefig(path, dpi=110)
