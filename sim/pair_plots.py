"""Curves of one side and the difference between two sides, as the demo and animations draw them.

Everything is drawn from recorded timeseries (see `sim.results`), so the
same functions serve the live demo, the animations and any saved run.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from sim.network_view import STAGE_COLOURS
from sim.population import Stage

SHARE_STAGES = (("aware", Stage.AWARE), ("member", Stage.MEMBER), ("active", Stage.ACTIVE))
KINDS = (("candidates", "-"), ("recruiters", "--"))
CHANNELS = (
    ("cum_hires_social", "social", "#e6550d"),
    ("cum_hires_traditional", "traditional", "#636363"),
)


def draw_shares(axis: Axes, timeseries: pd.DataFrame, weeks: float | None = None) -> None:
    """Aware, member and active shares of candidates (solid) and recruiters (dashed).

    Args:
        axis: where to draw (cleared first).
        timeseries: one run's recorded rows.
        weeks: the time axis' end (default: the last recorded time).
    """
    axis.clear()
    for kind, style in KINDS:
        for stage, code in SHARE_STAGES:
            axis.plot(
                timeseries["time"],
                timeseries[f"share_{stage}_{kind}"],
                ls=style,
                color=STAGE_COLOURS[code],
                label=f"{stage}, {kind}",
            )
    axis.set_ylim(0, 1)
    _finish(axis, timeseries, weeks, "share of the group")
    axis.legend(fontsize="x-small", ncol=2, loc="upper left")


def draw_hires(axis: Axes, timeseries: pd.DataFrame, weeks: float | None = None) -> None:
    """Cumulative hires by channel (social, traditional)."""
    axis.clear()
    for column, label, colour in CHANNELS:
        axis.plot(timeseries["time"], timeseries[column], color=colour, label=label)
    _finish(axis, timeseries, weeks, "hires since week 0")
    axis.legend(fontsize="x-small", loc="upper left")


def draw_difference(
    axis: Axes, hires: Axes, difference: pd.DataFrame, weeks: float | None = None
) -> None:
    """Intervention minus baseline: active share (points, left axis) and social hires (right).

    Args:
        axis: where to draw the active share (cleared first).
        hires: its twin (`axis.twinx()`), for the social hires (cleared first).
        difference: `sim.lockstep.difference` of the two sides.
        weeks: the time axis' end (default: the last recorded time).
    """
    axis.clear()
    hires.clear()
    axis.axhline(0, color="#999999", lw=0.8)
    axis.plot(
        difference["time"],
        difference["share_active"],
        color=STAGE_COLOURS[Stage.ACTIVE],
        label="active share (points, left)",
    )
    hires.plot(
        difference["time"],
        difference["cum_hires_social"],
        color="#08519c",
        label="social hires (right)",
    )
    _finish(axis, difference, weeks, "active share, points")
    hires.yaxis.set_label_position("right")  # `clear()` puts a twin's labels on the left
    hires.yaxis.tick_right()
    hires.set_ylabel("social hires")
    _symmetric(axis, difference["share_active"])
    _symmetric(hires, difference["cum_hires_social"])
    lines = axis.get_lines()[1:] + hires.get_lines()
    axis.legend(lines, [line.get_label() for line in lines], fontsize="x-small", loc="upper left")
    axis.set_title("intervention minus baseline", fontsize="medium")


def _finish(axis: Axes, frame: pd.DataFrame, weeks: float | None, ylabel: str) -> None:
    end = weeks if weeks is not None else float(frame["time"].iloc[-1])
    axis.set_xlim(0, max(end, 1.0))
    axis.set_xlabel("weeks")
    axis.set_ylabel(ylabel)
    axis.grid(alpha=0.3)


def _symmetric(axis: Axes, values: pd.Series) -> None:
    """Centre the axis on zero, at least +-1."""
    top = max(float(values.abs().max()) * 1.1, 1.0)
    axis.set_ylim(-top, top)
