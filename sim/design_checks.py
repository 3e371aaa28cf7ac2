"""Checks of an experiment's design before any run, and the points a `points` design reads.

`sim.experiment.load_experiment` calls them; each problem is one line
naming the file and the key (`ExperimentError`).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from sim.designs import FactorRange, n_points
from sim.experiment_spec import ExperimentError, ExperimentSpec, FactorSpec

MAX_RUNS = 10_000_000
"""Largest experiment accepted (its design table alone would fill gigabytes beyond)."""


def read_points(path: Path, spec: ExperimentSpec) -> dict[str, FactorSpec]:
    """Each factor of a `points` design with its column of `design.file` as its values."""
    where = f"{path}: design.file"
    if not spec.design.file:
        raise ExperimentError(f"{where}: a points design needs the CSV file of its points")
    if not spec.factors:
        raise ExperimentError(f"{path}: factors: a points design needs the factors to read")
    for key, factor in spec.factors.items():
        if factor.model_fields_set:
            raise ExperimentError(
                f"{path}: factors.{key}: a points design reads its values from design.file; "
                "write the factor as {}"
            )
    file = path.parent / spec.design.file
    try:
        table = pd.read_csv(file)
    except (OSError, ValueError) as err:
        raise ExperimentError(f"{where} = {spec.design.file!r}: cannot be read ({err})") from None
    missing = [key for key in spec.factors if key not in table.columns]
    if missing or table.empty:
        what = f"no column {missing[0]!r}" if missing else "no rows"
        raise ExperimentError(f"{where} = {spec.design.file!r}: {what}")
    return {key: FactorSpec(values=tuple(table[key].tolist())) for key in spec.factors}


def check_design(
    path: Path, spec: ExperimentSpec, factors: tuple[FactorRange, ...], n_arms: int
) -> None:
    """Refuse a design its kind cannot run, or one too large (one line naming the key)."""
    design = spec.design
    where = f"{path}: design"
    n_factors = len(factors)
    if design.kind != "points" and design.file is not None:
        raise ExperimentError(f"{where}.file: only a points design reads a file; remove it")
    unused = {"levels", "second_order"} - {"morris": {"levels"}, "sobol": {"second_order"}}.get(
        design.kind, set()
    )
    for name in sorted(unused & design.model_fields_set):
        raise ExperimentError(f"{where}.{name}: not used by a {design.kind} design; remove it")
    if design.kind in ("grid", "points") and design.points is not None:
        raise ExperimentError(
            f"{where}.points: a {design.kind} design has no sample size (its factors give "
            "the values)"
        )
    if design.kind == "grid":
        size = math.prod(len(f.values or ()) for f in factors)
    elif design.kind == "points":
        size = len(factors[0].values or ())
    else:
        size = n_points(design.kind, n_factors, design.points or 0, design.second_order)
    if size * n_arms * design.replications > MAX_RUNS:
        raise ExperimentError(
            f"{where}: {size} points x {n_arms} arms x {design.replications} replications "
            f"is more than {MAX_RUNS:,} runs; split the experiment"
        )
    if design.kind in ("grid", "points"):
        return
    if n_factors == 0:
        raise ExperimentError(
            f"{where}.kind = {design.kind!r}: needs at least one factor with bounds"
        )
    if design.points is None:
        raise ExperimentError(f"{where}.points: a {design.kind} design needs its sample size")
    if design.kind == "sobol" and design.points & (design.points - 1):
        good = 2 ** round(math.log2(design.points))
        raise ExperimentError(
            f"{where}.points = {design.points}: Sobol sampling needs a power of 2 (e.g. {good})"
        )
    if design.kind == "morris" and design.levels % 2:
        raise ExperimentError(
            f"{where}.levels = {design.levels}: Morris needs an even number of levels"
        )
    if (
        design.kind in ("sobol", "morris")
        and n_points(design.kind, n_factors, design.points, design.second_order) < 2
    ):
        raise ExperimentError(f"{where}.points: too few points for {design.kind} indices")
