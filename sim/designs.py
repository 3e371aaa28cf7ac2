"""Design points of an experiment: grids, Latin hypercubes, Sobol and Morris samples, given points.

Every design is a list of points, one dict per point mapping a factor's
dotted key to its value, in a fixed order: the position in the list is the
point's index, which Sobol and Morris analyses rely on (they read the
results back in the order SALib sampled them). Continuous samples come from
SALib with the experiment's seed, so a design is the same in any process.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

DESIGN_KINDS = ("grid", "lhs", "sobol", "morris", "points")


@dataclass(frozen=True)
class FactorRange:
    """One factor as a design sees it.

    Attributes:
        key: the parameter's dotted key.
        values: the values of a grid (None for a sampled factor).
        bounds: lower and upper bound of a sampled factor (None for grid values).
        integer: the parameter takes whole numbers (samples are rounded).
    """

    key: str
    values: tuple[Any, ...] | None = None
    bounds: tuple[float, float] | None = None
    integer: bool = False


def problem(factors: Sequence[FactorRange]) -> dict[str, Any]:
    """SALib's description of the sampled factors (names and bounds)."""
    return {
        "num_vars": len(factors),
        "names": [f.key for f in factors],
        "bounds": [list(f.bounds or (0.0, 1.0)) for f in factors],
    }


def design_points(
    kind: str,
    factors: Sequence[FactorRange],
    points: int = 0,
    seed: int = 0,
    levels: int = 4,
    second_order: bool = False,
) -> list[dict[str, Any]]:
    """The points of a design, in the order its analysis expects.

    Args:
        kind: ``grid`` (every combination of the factors' values), ``lhs``
            (Latin hypercube of `points` points), ``sobol`` (Saltelli's scheme
            with `points` base samples, a power of 2: ``points * (D + 2)``
            points, ``points * (2D + 2)`` with `second_order`) or ``morris``
            (`points` trajectories on a `levels`-level grid: ``points * (D + 1)``)
            or ``points`` (given points: the i-th value of every factor together).
        factors: the factors, in the experiment's order.
        points: sample size of a sampled design (unused by a grid).
        seed: seed of the sampler.
        levels: Morris grid levels.
        second_order: Sobol second-order indices wanted.

    Returns:
        One dict per point: factor key -> value (integers rounded for
        integer parameters). A design without factors has one empty point.
    """
    if not factors:
        return [{}]
    if kind == "points":  # the factors' values taken together, row by row
        keys, columns = [f.key for f in factors], [f.values or () for f in factors]
        return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]
    if kind == "grid":
        grids = [f.values or () for f in factors]
        return [
            dict(zip((f.key for f in factors), combo, strict=True))
            for combo in itertools.product(*grids)
        ]
    sample = _sample(kind, problem(factors), points, seed, levels, second_order)
    return [
        {
            f.key: (round(float(x)) if f.integer else float(x))
            for f, x in zip(factors, row, strict=True)
        }
        for row in sample
    ]


def _sample(
    kind: str, spec: Mapping[str, Any], points: int, seed: int, levels: int, second_order: bool
) -> np.ndarray:
    # SALib's samplers take a seed for NumPy's legacy generator; kept to 32 bits.
    salib_seed = int(seed) % 2**32
    if kind == "lhs":
        from SALib.sample import latin

        return latin.sample(dict(spec), points, seed=salib_seed)
    if kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(dict(spec), points, calc_second_order=second_order, seed=salib_seed)
    if kind == "morris":
        from SALib.sample import morris

        return morris.sample(dict(spec), points, num_levels=levels, seed=salib_seed)
    raise ValueError(f"design kind {kind!r}: expected one of {', '.join(DESIGN_KINDS)}")


def n_points(kind: str, n_factors: int, points: int, second_order: bool = False) -> int:
    """How many points a sampled design has (for sizes checked before sampling)."""
    if kind == "sobol":
        return points * (2 * n_factors + 2 if second_order else n_factors + 2)
    if kind == "morris":
        return points * (n_factors + 1)
    return points
