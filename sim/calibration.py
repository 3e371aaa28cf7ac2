"""Calibration by history matching: the points of a sweep that survey bands leave plausible.

An experiment's `[calibration]` table names targets, each a band that the mean
over replications of a kept KPI (or of a difference of two, run by run) should
fall in::

    [calibration]
    cutoff = 3.0
    [calibration.targets]
    social_hire_share = { band = [0.03, 0.10] }
    junior_gap = { kpi = "final_share_member_junior", minus = "final_share_member_experienced",
                   band = [0.15, 0.45], required = false }

The implausibility of a design point for a target is

    I = |mean - centre| / sqrt((half_width / BAND_SIGMAS)^2 + se^2)

where `centre` and `half_width` are the band's, `mean` the point's mean over
its runs and `se` the standard error of that mean (run-to-run standard
deviation over sqrt(runs)). The band is read as ± `BAND_SIGMAS` standard
deviations of what the target leaves uncertain (the survey's error and the
model's distance from the world), and the sampling error of the mean adds its
variance to it. A target is met when I <= cutoff; a point is kept when every
required target is met. With the cut-off at 3 = `BAND_SIGMAS`, a mean inside
the band always meets its target, and a mean outside meets it only as far as
its sampling error can explain.

Everything here reads tables (a sweep's KPI table, see `sim.store`) and never
the model; the figures use Matplotlib's object API (PNG through Agg).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiment_spec import ExperimentError, ExperimentSpec

BAND_SIGMAS = 3.0
"""A band's half-width, in standard deviations of the target's uncertainty."""
MIN_REPLICATIONS = 2
"""Fewest runs per point that give a standard error."""


class CalibrationError(ExperimentError):
    """Targets that cannot be evaluated: the message is one line saying where and why."""


@dataclass(frozen=True)
class Target:
    """A band the mean of a quantity should fall in.

    Attributes:
        name: the target's name (a column of the tables).
        kpi: the KPI it reads.
        low: the band's low end.
        high: the band's high end.
        minus: a KPI subtracted from `kpi` run by run ("" for none).
        required: whether it decides which points are kept.
    """

    name: str
    kpi: str
    low: float
    high: float
    minus: str = ""
    required: bool = True

    @property
    def centre(self) -> float:
        """The middle of the band."""
        return (self.low + self.high) / 2

    @property
    def half_width(self) -> float:
        """Half the band's width."""
        return (self.high - self.low) / 2


def targets_of(spec: ExperimentSpec, where: str) -> tuple[tuple[Target, ...], float]:
    """An experiment's targets and cut-off, checked against the KPIs its runs keep.

    Args:
        spec: the experiment's validated contents.
        where: the file, for messages.

    Returns:
        The targets, in the file's order, and the cut-off.

    Raises:
        CalibrationError: no `[calibration]` table, fewer than 2 replications,
            a target reading a KPI the runs do not keep, or a target named
            after a kept KPI it does not read as it is (one line).
    """
    if spec.calibration is None:
        raise CalibrationError(
            f"{where}: no [calibration] table; calibrate needs targets, e.g. "
            "[calibration.targets] social_hire_share = { band = [0.03, 0.10] }"
        )
    if spec.design.replications < MIN_REPLICATIONS:
        raise CalibrationError(
            f"{where}: design.replications = {spec.design.replications}: calibration needs at "
            f"least {MIN_REPLICATIONS} runs per point for the standard error of each mean"
        )
    kept = spec.output.kpis
    targets = []
    for name, target in spec.calibration.targets.items():
        key = f"{where}: calibration.targets.{name}"
        kpi = target.kpi or name
        for field, value in (("kpi", kpi), ("minus", target.minus)):
            if value and value not in kept:
                raise CalibrationError(
                    f"{key}.{field} = {value!r}: not kept by the runs; add it to output.kpis "
                    f"(kept: {', '.join(kept)})"
                )
        if name in kept and (kpi != name or target.minus):
            raise CalibrationError(
                f"{key}: the name of a kept KPI, for a target that reads something else; "
                "rename the target"
            )
        low, high = target.band
        targets.append(Target(name, kpi, low, high, target.minus, target.required))
    return tuple(targets), spec.calibration.cutoff


def implausibility(
    mean: np.ndarray | float, standard_error: np.ndarray | float, target: Target
) -> np.ndarray:
    """|mean - centre| / sqrt((half_width / BAND_SIGMAS)^2 + standard_error^2), elementwise."""
    spread = np.hypot(target.half_width / BAND_SIGMAS, np.asarray(standard_error, dtype=float))
    return np.abs(np.asarray(mean, dtype=float) - target.centre) / spread


def run_values(kpis: pd.DataFrame, targets: Sequence[Target]) -> pd.DataFrame:
    """The runs' table with a column per target (the KPI, less `minus`), run by run."""
    out = kpis.copy()
    for target in targets:
        value = out[target.kpi].astype(float)
        out[target.name] = value - out[target.minus] if target.minus else value
    return out


def point_table(
    kpis: pd.DataFrame,
    targets: Sequence[Target],
    factors: Sequence[str],
    kpi_names: Sequence[str],
    cutoff: float,
) -> pd.DataFrame:
    """Means, standard errors and implausibilities of every design point.

    Args:
        kpis: one row per completed run: `point`, the factor columns and the
            KPI columns (a sweep's `Results.kpis`).
        targets: the targets.
        factors: the factor columns (the parameter vector of each point).
        kpi_names: the KPIs to average (every one kept).
        cutoff: the largest implausibility at which a target is met.

    Returns:
        One row per point, in order: `point`, the factors, `n_runs`, the mean
        of each KPI and target, and per target `se_<t>` (standard error of the
        mean), `I_<t>` and `met_<t>`; then `I_max` (over required targets),
        `kept` (every required target met) and `targets_met` (the names of
        the targets met, space-separated). A point of fewer than 2 runs has
        NaN errors and implausibilities, and meets nothing.
    """
    values = run_values(kpis, targets)
    names = list(dict.fromkeys([*kpi_names, *(t.name for t in targets)]))
    grouped = values.groupby("point", sort=True)
    table = grouped[list(factors)].first() if factors else pd.DataFrame(index=grouped.size().index)
    table["n_runs"] = grouped.size()
    table = table.join(grouped[names].mean())
    errors = grouped[[t.name for t in targets]].std(ddof=1).div(np.sqrt(table["n_runs"]), axis=0)
    for target in targets:
        score = implausibility(table[target.name], errors[target.name], target)
        table[f"se_{target.name}"] = errors[target.name]
        table[f"I_{target.name}"] = score
        table[f"met_{target.name}"] = score <= cutoff  # NaN compares False
    required = [f"I_{t.name}" for t in targets if t.required]
    table["I_max"] = table[required].max(axis=1, skipna=False) if required else 0.0
    table["kept"] = table["I_max"] <= cutoff
    met = table[[f"met_{t.name}" for t in targets]].to_numpy()
    table["targets_met"] = [
        " ".join(t.name for t, ok in zip(targets, row, strict=True) if ok) for row in met
    ]
    return table.reset_index()


def drivers(table: pd.DataFrame, factors: Sequence[str], targets: Sequence[Target]) -> pd.DataFrame:
    """Spearman rank correlation of each factor with each target's mean, over the points.

    Returns:
        One row per factor, one column per target.
    """
    columns = [t.name for t in targets]
    ranks = table[[*factors, *columns]].astype(float).corr(method="spearman")
    return ranks.loc[list(factors), columns].rename_axis("factor")


def plot_parameters(
    table: pd.DataFrame,
    bounds: Mapping[str, tuple[float, float]],
    path: Path,
    marks: Mapping[str, float] | None = None,
) -> None:
    """Histograms of each parameter over its range: every point, and the kept points.

    Args:
        table: the output of `point_table` for a design.
        bounds: factor -> (low, high), the range the design sampled (one panel each).
        path: the PNG file to write.
        marks: factor -> a value drawn as a vertical line (the baseline's), or None.
    """
    keys = list(bounds)
    n_columns = min(3, len(keys))
    n_rows = -(-len(keys) // n_columns)
    fig = Figure(figsize=(4.2 * n_columns, 2.4 * n_rows + 0.6), layout="constrained")
    axes = fig.subplots(n_rows, n_columns, squeeze=False).ravel()
    kept = table["kept"].to_numpy(dtype=bool)
    for axis, key in zip(axes, keys, strict=False):
        low, high = bounds[key]
        edges = np.linspace(low, high, 11)
        values = table[key].to_numpy(dtype=float)
        axis.hist(values, edges, histtype="step", color="0.5", label=f"all ({values.size})")
        axis.hist(values[kept], edges, color="C0", label=f"kept ({kept.sum()})")
        if marks and key in marks:
            axis.axvline(marks[key], color="k", ls="--", lw=1, label="baseline")
        axis.set_xlim(low, high)
        axis.locator_params(axis="x", nbins=5)
        axis.set_title(key, fontsize=9)
        axis.set_ylabel("points")
    for axis in axes[len(keys) :]:
        axis.set_visible(False)
    axes[0].legend(fontsize=7)
    fig.suptitle("Each parameter over its range: all design points and the plausible ones")
    fig.savefig(path, dpi=110)


def plot_targets(
    table: pd.DataFrame,
    targets: Sequence[Target],
    path: Path,
    baseline: pd.DataFrame | None = None,
) -> None:
    """Each target's simulated means, kept and rejected points, against its band.

    Args:
        table: the output of `point_table` for a design.
        targets: the targets.
        path: the PNG file to write.
        baseline: `point_table` of the base scenario (one row), drawn with
            its standard error, or None.
    """
    fig = Figure(figsize=(9.0, 1.5 * len(targets) + 0.8), layout="constrained")
    axes = fig.subplots(len(targets), 1, squeeze=False)[:, 0]
    kept = table["kept"].to_numpy(dtype=bool)
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(table))  # display only
    for axis, target in zip(axes, targets, strict=True):
        values = table[target.name].to_numpy(dtype=float)
        axis.axvspan(target.low, target.high, color="C2", alpha=0.2, label="band")
        axis.scatter(values[~kept], jitter[~kept], s=6, color="0.6", label="rejected")
        axis.scatter(values[kept], 1 + jitter[kept], s=6, color="C0", label="kept")
        ticks, labels = [0, 1], ["rejected", "kept"]
        if baseline is not None:
            row = baseline.iloc[0]
            axis.errorbar(
                row[target.name], 2, xerr=row[f"se_{target.name}"], fmt="D", color="k", ms=4
            )
            ticks, labels = [*ticks, 2], [*labels, "baseline"]
        axis.set_yticks(ticks, labels)
        axis.set_ylim(-0.6, ticks[-1] + 0.6)
        role = "" if target.required else " (reported, not required)"
        axis.set_title(f"{target.name}{role}: band [{target.low:g}, {target.high:g}]", fontsize=9)
    axes[0].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle("Targets: mean over replications at each design point")
    fig.savefig(path, dpi=110)
