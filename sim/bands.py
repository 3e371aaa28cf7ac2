"""A comparison's time series: each scenario's mean and 95% band over runs, by time.

The bands of the adoption curves and of the hires by channel, and of the
paired difference against the baseline (run r of a scenario minus run r of
the baseline, then the band over runs). Read from stored series
(`sim.store.Results.series`), never from the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim.analysis.intervals import mean_ci

DIFFERENCES = (
    ("share_active_recruiters", "active recruiters (points)", 100.0),
    ("share_active_candidates", "active candidates (points)", 100.0),
    ("cum_hires_social", "social-channel hires", 1.0),
    ("cum_hires", "hires, all channels", 1.0),
)
"""Paired differences over time: column, label, scale."""


BAND = ["scenario", "time", "mean", "lower", "upper"]
"""The columns of a band (with a column saying what it is a band of)."""


def curve_bands(series: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Mean and 95% band over runs of each scenario's aware, member and active shares."""
    frames = []
    for kind in ("recruiters", "candidates"):
        for stage in ("aware", "member", "active"):
            band = _bands(series, order, f"share_{stage}_{kind}")
            frames.append(band.assign(kind=kind, stage=stage))
    return pd.concat(frames, ignore_index=True)


def hires_bands(series: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Mean and 95% band over runs of each scenario's cumulative hires by channel."""
    frames = [
        _bands(series, order, f"cum_hires_{channel}").assign(channel=channel)
        for channel in ("social", "traditional")
    ]
    return pd.concat(frames, ignore_index=True)


def _bands(series: pd.DataFrame, order: Sequence[str], column: str) -> pd.DataFrame:
    frames = []
    for arm in order:
        wide = series[series["arm"] == arm].pivot(
            index="time", columns="replication", values=column
        )
        if wide.empty:  # a scenario none of whose runs completed
            continue
        mean, lower, upper = mean_ci(wide.to_numpy(dtype=float), axis=1)
        frames.append(
            pd.DataFrame(
                {
                    "scenario": arm,
                    "time": wide.index.to_numpy(),
                    "mean": mean,
                    "lower": lower,
                    "upper": upper,
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=BAND)


def difference_bands(series: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Paired difference against the baseline over time, mean and 95% band over runs."""
    series = series.assign(cum_hires=series["cum_hires_social"] + series["cum_hires_traditional"])
    base = series[series["arm"] == order[0]].set_index(["replication", "time"])
    frames = []
    for arm in order[1:]:
        treated = series[series["arm"] == arm].set_index(["replication", "time"])
        for column, label, scale in DIFFERENCES:
            diff = (treated[column] - base[column]).dropna() * scale
            if diff.empty:  # no replication completed in both
                continue
            wide = diff.unstack("replication")
            mean, lower, upper = mean_ci(wide.to_numpy(dtype=float), axis=1)
            frames.append(
                pd.DataFrame(
                    {
                        "scenario": arm,
                        "measure": label,
                        "time": wide.index.to_numpy(),
                        "mean": mean,
                        "lower": lower,
                        "upper": upper,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=BAND)
