"""Sobol and Morris sensitivity indices of a sweep's KPIs, and their figure.

A sweep gives its design (the dict stored in its manifest) and a KPI table:
one row per completed run with `point` (the row of the design sample), `arm`,
`replication`, `seed`, one column per factor (named by its dotted key) and
one float column per KPI. The indices are computed with SALib on the mean
over replications at each design point, separately for each arm.

The estimators need the whole sample in SALib's row order: Sobol's every row
of the Saltelli sample (`N (D + 2)` rows, `N (2D + 2)` with second-order
indices, `N` = the design's `points`), Morris's every point of its `N`
trajectories (`N (D + 1)` rows). A sweep with missing points is refused, not
analysed on a partial sample, which would silently pair the wrong rows.

Reproducible intervals: SALib's `sobol.analyze` bootstraps with the global
NumPy generator when its `seed` is falsy, so seed 0 would not reproduce; the
seed is passed as a `SeedSequence` (never falsy, and the same stream as the
integer). `morris.analyze` takes the integer as it is.

Figures use Matplotlib's object API (`Figure`, PNG through Agg): no backend
is selected and pyplot's global state is not touched.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from SALib.analyze import morris, sobol

COLUMNS = ["arm", "kpi", "factor", "factor2", "method", "index", "value", "conf"]
# Bootstrap resamples behind each interval (SALib's default): the width itself
# is then uncertain by about 7% (1/sqrt(2 x 100)); 1000 would take five times
# as long (3 s a KPI for 10 factors, N = 1024, second order).
N_RESAMPLES = 100


class SensitivityError(ValueError):
    """Results that cannot give sensitivity indices; the message is one line."""


def sensitivity_indices(
    design: Mapping[str, Any],
    kpis: pd.DataFrame,
    kpi_names: Sequence[str],
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Sobol or Morris indices of each KPI for each factor, per arm.

    Args:
        design: the sweep's design as stored in its manifest: `kind`
            ("sobol" or "morris"), `factors` (`key`, `bounds`), `points`
            (SALib's `N`), `second_order` (sobol), `levels` (morris).
        kpis: one row per completed run (`point`, `arm`, the factor columns,
            the KPI columns); every design point needs at least one run.
        kpi_names: the KPI columns to analyse.
        confidence: level of the intervals, in (0, 1).
        seed: seed of SALib's bootstrap (same seed, same intervals).

    Returns:
        Long table with columns `arm, kpi, factor, factor2, method, index,
        value, conf`: `index` is "S1", "ST" (and "S2", whose second factor is
        `factor2`) for Sobol, "mu_star", "mu", "sigma" for Morris; `value` in
        the KPI's units per factor range for Morris (elementary effects of a
        step across the whole range), a share of the variance for Sobol;
        `conf` the half-width of the interval at `confidence`, NaN where SALib
        gives none (Morris `mu`, `sigma`).

    Raises:
        SensitivityError: a design that is not sobol or morris or whose
            recorded `n_points` disagrees with its settings, points without a
            result or outside the design, unknown KPI names, a KPI that is
            NaN or constant, or a Morris point whose runs disagree on a
            factor's value.
    """
    kind = design.get("kind")
    if kind not in ("sobol", "morris"):
        raise SensitivityError(f"{kind} design: sensitivity indices need a sobol or morris design")
    if not 0.0 < confidence < 1.0:
        raise SensitivityError(f"confidence must be in (0, 1), got {confidence!r}")
    names = [factor["key"] for factor in _setting(design, "factors")]
    n_points = _n_points(design, len(names))
    required = ["arm", "point", *(names if kind == "morris" else [])]
    _check_columns(kpis, required, "")
    _check_columns(kpis, kpi_names, "KPI ")
    if kpis.empty:
        raise SensitivityError(
            f"{n_points} of {n_points} design points have no result: run or resume the sweep"
        )
    rows: list[tuple] = []
    for arm, runs in kpis.groupby("arm", sort=True):
        _check_points(runs, n_points, arm)
        means = runs.groupby("point", sort=True)[list(kpi_names)].mean()
        inputs = _morris_inputs(runs, names) if kind == "morris" else None
        for kpi in kpi_names:
            _check_values(runs[["point", kpi]], means[kpi], kpi, arm)
            outputs = means[kpi].to_numpy(dtype=float)
            problem = _problem(design)
            if kind == "sobol":
                rows += _sobol_rows(design, problem, outputs, confidence, seed, (arm, kpi))
            else:
                rows += _morris_rows(design, problem, inputs, outputs, confidence, seed, (arm, kpi))
    # factor2 is NaN outside S2 rows, whether or not the table has any
    return pd.DataFrame(rows, columns=COLUMNS).astype({"factor2": "string"})


def _setting(design: Mapping[str, Any], key: str) -> Any:
    if key not in design:
        raise SensitivityError(f"{design['kind']} design has no {key!r} setting")
    return design[key]


def _n_points(design: Mapping[str, Any], n_factors: int) -> int:
    """Rows of the design's sample, as SALib's samplers generate them."""
    n = int(_setting(design, "points"))
    if design["kind"] == "morris":
        rows = n * (n_factors + 1)
    else:
        rows = n * (2 * n_factors + 2 if _setting(design, "second_order") else n_factors + 2)
    if design.get("n_points", rows) != rows:  # the manifest's count, where it gives one
        raise SensitivityError(
            f"{design['kind']} design of {n} base points and {n_factors} factors has {rows}"
            f" points, not the {design['n_points']} the manifest records"
        )
    return rows


def _problem(design: Mapping[str, Any]) -> dict[str, Any]:
    """A fresh SALib problem (`morris.analyze` adds keys to the one it is given)."""
    factors = design["factors"]
    return {
        "num_vars": len(factors),
        "names": [factor["key"] for factor in factors],
        "bounds": [[float(b) for b in factor["bounds"]] for factor in factors],
    }


def _check_columns(kpis: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    for column in columns:
        if column not in kpis.columns:
            close = difflib.get_close_matches(column, [str(c) for c in kpis.columns], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SensitivityError(f"unknown {what}column {column!r} in the KPI table{hint}")


def _check_points(runs: pd.DataFrame, n_points: int, arm: Any) -> None:
    points = set(runs["point"].astype(int))
    outside = sorted(p for p in points if not 0 <= p < n_points)
    if outside:
        raise SensitivityError(
            f"arm {arm!r}: point {outside[0]} is outside the design's {n_points} points"
            f" (rows 0 to {n_points - 1}): the KPI table belongs to another design"
        )
    missing = n_points - len(points)
    if missing:
        raise SensitivityError(
            f"arm {arm!r}: {missing} of {n_points} design points have no result:"
            " resume the sweep to complete them before computing sensitivity indices"
        )


def _check_values(runs: pd.DataFrame, means: pd.Series, kpi: str, arm: Any) -> None:
    nan = runs[kpi].isna()
    if nan.any():
        n_at = runs.loc[nan, "point"].nunique()
        raise SensitivityError(
            f"arm {arm!r}: KPI {kpi!r} is NaN in {int(nan.sum())} runs at {n_at} of"
            f" {len(means)} design points (a time never reached?): fill the NaNs"
            " (e.g. with the run length) or leave the KPI out"
        )
    if np.ptp(means.to_numpy(dtype=float)) == 0.0:
        raise SensitivityError(
            f"arm {arm!r}: KPI {kpi!r} is {means.iloc[0]:g} at every design point:"
            " no factor moves it; leave it out (or widen the factors' bounds)"
        )


def _morris_inputs(runs: pd.DataFrame, names: list[str]) -> np.ndarray:
    """The design's X: the factor values of each point, in point order."""
    values = runs.groupby("point", sort=True)[names]
    varying = values.nunique() > 1
    if varying.to_numpy().any():
        point, name = varying.stack().loc[lambda v: v].index[0]
        raise SensitivityError(
            f"point {point}: the runs give factor {name!r} different values;"
            " one design point must have one value per factor"
        )
    return values.first().to_numpy(dtype=float)


def _sobol_rows(
    design: Mapping[str, Any],
    problem: dict[str, Any],
    outputs: np.ndarray,
    confidence: float,
    seed: int,
    where: tuple[Any, str],
) -> list[tuple]:
    second_order = bool(design["second_order"])
    result = sobol.analyze(
        problem,
        outputs,
        calc_second_order=second_order,
        num_resamples=N_RESAMPLES,
        conf_level=confidence,
        seed=np.random.SeedSequence(seed),
    )
    names = problem["names"]
    rows = [
        (*where, name, None, "sobol", index, float(result[index][j]), float(result[conf][j]))
        for index, conf in (("S1", "S1_conf"), ("ST", "ST_conf"))
        for j, name in enumerate(names)
    ]
    if second_order:
        rows += [
            (*where, a, b, "sobol", "S2", float(result["S2"][j, k]), float(result["S2_conf"][j, k]))
            for j, a in enumerate(names)
            for k, b in enumerate(names)
            if k > j
        ]
    return rows


def _morris_rows(
    design: Mapping[str, Any],
    problem: dict[str, Any],
    inputs: np.ndarray,
    outputs: np.ndarray,
    confidence: float,
    seed: int,
    where: tuple[Any, str],
) -> list[tuple]:
    result = morris.analyze(
        problem,
        inputs,
        outputs,
        num_resamples=N_RESAMPLES,
        conf_level=confidence,
        num_levels=int(_setting(design, "levels")),
        seed=seed,
    )
    rows = []
    for j, name in enumerate(problem["names"]):
        conf = float(result["mu_star_conf"][j])
        for index, half_width in (("mu_star", conf), ("mu", np.nan), ("sigma", np.nan)):
            rows.append((*where, name, None, "morris", index, float(result[index][j]), half_width))
    return rows


def plot_sensitivity(table: pd.DataFrame, path: Path) -> None:
    """Bar chart of the indices: one panel per KPI (rows) and arm (columns).

    Sobol: first-order (S1) and total (ST) index of each factor, error bars
    the interval. Morris: mu* (mean absolute elementary effect) with its
    interval, and sigma (spread of the effects: interactions, non-linearity).

    Args:
        table: the output of `sensitivity_indices`.
        path: PNG file to write.

    Raises:
        ValueError: an empty table.
    """
    shown = table[table["index"].isin(["S1", "ST", "mu_star", "sigma"])]
    if shown.empty:
        raise ValueError("no Sobol S1/ST or Morris mu*/sigma rows to plot")
    kpis = list(dict.fromkeys(shown["kpi"]))
    arms = sorted(shown["arm"].unique(), key=str)
    n_factors = shown["factor"].nunique()
    fig = Figure(
        figsize=(max(8.0, 6.5 * len(arms)), (1.3 + 0.45 * n_factors) * len(kpis)),
        layout="constrained",
    )
    axes = fig.subplots(len(kpis), len(arms), squeeze=False)
    for row, kpi in enumerate(kpis):
        for column, arm in enumerate(arms):
            panel = shown[(shown["kpi"] == kpi) & (shown["arm"] == arm)]
            _bars(axes[row, column], panel, f"{kpi} (arm {arm})" if len(arms) > 1 else kpi)
    methods = " and ".join(sorted(shown["method"].unique()))
    fig.suptitle(f"{methods.capitalize()} sensitivity (error bars: bootstrap interval)")
    fig.savefig(path, dpi=110)


def _bars(axis: Any, panel: pd.DataFrame, title: str) -> None:
    method = panel["method"].iloc[0]
    indices = ("S1", "ST") if method == "sobol" else ("mu_star", "sigma")
    labels = {"S1": "first order S1", "ST": "total ST", "mu_star": "mu*", "sigma": "sigma"}
    factors = list(dict.fromkeys(panel["factor"]))
    y = np.arange(len(factors))
    height = 0.38
    for k, index in enumerate(indices):
        rows = panel[panel["index"] == index].set_index("factor").reindex(factors)
        conf = rows["conf"].to_numpy(dtype=float)
        axis.barh(
            y + (k - 0.5) * height,
            rows["value"].to_numpy(dtype=float),
            height,
            xerr=None if np.isnan(conf).all() else conf,
            capsize=3,
            label=labels[index],
            color=f"C{k}",
        )
    axis.set_yticks(y, factors)
    axis.invert_yaxis()  # the first factor on top, as listed in the design
    axis.axvline(0.0, color="grey", lw=0.6)
    if method == "sobol":
        axis.set_xlabel("Sobol index (share of the KPI's variance)")
    else:
        axis.set_xlabel("elementary effect (KPI units per factor range)")
    axis.set_ylabel("factor")
    axis.set_title(title)
    axis.grid(axis="x", alpha=0.3)
    axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # clear of the bars
