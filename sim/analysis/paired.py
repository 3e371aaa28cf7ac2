"""Paired comparison of scenarios simulated with common seeds (run ``i`` of each, one seed).

Effects, MDE and runs needed from per-seed differences; Holm adjustment; cost
per unit of gain (the rule for adding runs is in `sim.analysis.precision`).
As in :mod:`sim.analysis.intervals`, samples are shifted by their first
value before SciPy's t tests see them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestPower

from sim.analysis.intervals import mean_ci

_NAN = float("nan")


def _check_levels(**levels: float) -> None:
    for name, level in levels.items():
        if not (0.0 < level < 1.0):
            raise ValueError(f"{name} must be in (0, 1), got {level!r}")


def _complete_pairs(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("paired samples must be 1-D arrays of equal length")
    keep = ~(np.isnan(a) | np.isnan(b))
    return a[keep], b[keep]


@functools.lru_cache(maxsize=4096)
def _mde_size(n_pairs: int, alpha: float, power: float) -> float:
    """MDE of a two-sided paired t test in sd units (the solver may return -d)."""
    size = TTestPower().solve_power(nobs=n_pairs, alpha=alpha, power=power)
    return abs(float(np.squeeze(size)))


@dataclass(frozen=True)
class PairedEffect:
    """Paired effect of a treatment over the baseline; see :func:`paired_difference`."""

    n: int
    mean_treatment: float
    mean_baseline: float
    effect: float
    lower: float
    upper: float
    sd_difference: float
    unpaired_lower: float
    unpaired_upper: float
    p_value: float
    mde: float


def paired_difference(
    treatment: np.ndarray, baseline: np.ndarray, confidence: float = 0.95, power: float = 0.8
) -> PairedEffect:
    """Mean per-seed difference ``treatment - baseline`` with paired statistics.

    Bounds: paired t interval (as ``scipy.stats.ttest_rel``, via :func:`mean_ci`
    of the differences); ``p_value``: two-sided paired t test; ``unpaired_*``:
    Welch interval (``ttest_ind(equal_var=False)``) of the same values taken as
    independent, i.e. without common seeds; ``mde``: smallest true difference a
    two-sided paired t test at ``alpha = 1 - confidence`` detects with
    probability ``power`` (statsmodels ``TTestPower``, sd units x sd).

    Args:
        treatment: Outcome per seed in the treatment arm, 1-D.
        baseline: Outcome per seed in the baseline arm, same seed order.
        confidence: Two-sided confidence level in ``(0, 1)``.
        power: Power for ``mde``, in ``(0, 1)``.

    Returns:
        :class:`PairedEffect`; pairs with a NaN in either arm are dropped
        together. With ``n < 2``, bounds, sd, p and mde are NaN (all with
        ``n == 0``). With sd 0: zero-width intervals at ``effect``, mde 0, p 1.0
        if ``effect`` is 0 else 0.0.

    Raises:
        ValueError: If the arms are not 1-D of equal length, or on a bad level.
    """
    _check_levels(confidence=confidence, power=power)
    treat, base = _complete_pairs(treatment, baseline)
    n = int(treat.size)
    if n < 2:  # no variance estimate; with n == 0 not even a mean
        single = (float(treat[0]), float(base[0]), float(treat[0] - base[0])) if n else [_NAN] * 3
        return PairedEffect(n, *single, *([_NAN] * 7))
    diff = treat - base
    effect, lower, upper = (float(x) for x in mean_ci(diff, confidence=confidence))
    sd = float(np.std(diff - diff[0], ddof=1))
    welch = stats.ttest_ind(treat - treat[0], base - base[0], equal_var=False)
    welch_ci = welch.confidence_interval(confidence)  # each arm shifted by its first value
    if sd == 0.0:
        p_value = 1.0 if effect == 0.0 else 0.0
    else:  # H0 mean(diff) = 0 is mean(diff - diff[0]) = -diff[0]
        p_value = float(stats.ttest_1samp(diff - diff[0], -diff[0]).pvalue)
    offset = float(treat[0] - base[0])
    welch_low, welch_high = offset + float(welch_ci.low), offset + float(welch_ci.high)
    mde = _mde_size(n, 1.0 - confidence, power) * sd if sd > 0.0 else 0.0
    means = float(np.mean(treat)), float(np.mean(base))
    return PairedEffect(n, *means, effect, lower, upper, sd, welch_low, welch_high, p_value, mde)


def runs_needed(
    effect: float, sd_difference: float, confidence: float = 0.95, power: float = 0.8
) -> int:
    """Pairs a two-sided paired t test needs to detect ``effect`` with ``power``.

    The smallest ``n >= 2`` whose MDE (as in :func:`paired_difference`) is at
    most ``|effect|``, by doubling then bisection on ``n`` (statsmodels' own
    solve for ``nobs`` fails with NaN for large effects). For the ``mde`` of
    ``n`` pairs it gives ``n``, or ``n + 1`` if ``mde / sd`` rounds down.

    Args:
        effect: True mean difference to detect, in the outcome's unit.
        sd_difference: Standard deviation of the per-seed differences.
        confidence: Two-sided confidence level in ``(0, 1)``.
        power: Probability of detecting ``effect``, in ``(0, 1)``.

    Returns:
        Number of pairs, at least 2 (2 when ``sd_difference`` is 0).

    Raises:
        ValueError: If ``effect`` is 0 or not finite, ``sd_difference`` < 0 or
            not finite, or on a bad level.
    """
    _check_levels(confidence=confidence, power=power)
    if not math.isfinite(effect) or effect == 0.0:
        raise ValueError(f"effect must be finite and non-zero, got {effect!r}")
    if not (math.isfinite(sd_difference) and sd_difference >= 0.0):
        raise ValueError(f"sd_difference must be finite and >= 0, got {sd_difference!r}")
    size, alpha = abs(effect) / sd_difference if sd_difference else math.inf, 1.0 - confidence
    low, high = 1, 2  # invariant: MDE(low) > size >= MDE(high), MDE(1) being infinite
    while _mde_size(high, alpha, power) > size:
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if _mde_size(middle, alpha, power) <= size else (middle, high)
    return high


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (statsmodels ``multipletests``).

    Args:
        p_values: Raw p-values in ``[0, 1]``, any shape; NaN marks a test that
            could not be run.

    Returns:
        Adjusted p-values, same shape; NaNs stay NaN and are not in the family.

    Raises:
        ValueError: If a non-NaN p-value is outside ``[0, 1]``.
    """
    p = np.asarray(p_values, dtype=float)
    valid = ~np.isnan(p)
    if np.any((p[valid] < 0.0) | (p[valid] > 1.0)):
        raise ValueError("p-values must be in [0, 1] (or NaN)")
    adjusted = np.full(p.shape, np.nan)
    if valid.any():
        adjusted[valid] = multipletests(p[valid], method="holm")[1]
    return adjusted


@dataclass(frozen=True)
class RatioInterval:
    """Cost per additional unit of gain; see :func:`ratio_interval`."""

    n: int
    mean_cost_difference: float
    mean_gain_difference: float
    estimate: float
    lower: float
    upper: float
    defined: bool
    reason: str


def _ratio_angle(cost: np.ndarray, gain: np.ndarray, axis: int = -1) -> np.ndarray:
    """``arctan(mean(cost) / mean(gain))`` without dividing; pi/2 (ratio +inf) at gain 0."""
    c, g = np.mean(cost, axis=axis), np.mean(gain, axis=axis)
    return np.where(g == 0.0, np.pi / 2, np.arctan2(c * np.sign(g), np.abs(g)))


def ratio_interval(
    cost_difference: np.ndarray,
    gain_difference: np.ndarray,
    confidence: float = 0.95,
    seed: int | np.random.Generator = 0,
    n_resamples: int = 2000,
) -> RatioInterval:
    """Cost per additional unit of gain from paired per-seed differences.

    Estimate ``mean(cost_difference) / mean(gain_difference)`` (e.g. extra cost
    per additional hire), defined only if the paired t interval of the mean
    gain excludes 0 (else the ratio is unbounded, as Fieller's interval would
    be). Interval: ``scipy.stats.bootstrap(paired=True)`` (seeds resampled with
    their cost and gain), percentile method: BCa's acceleration is degenerate
    (NaN, warning) when cost is proportional to gain, and Polsky et al. (1997,
    Health Econ. 6:243-252) found the percentile bootstrap and Fieller's method
    accurate for cost-effectiveness ratios. Percentiles commute with monotone
    maps, so they are taken of ``arctan(ratio)``: finite even for a resample
    with mean gain 0, which counts as ``+inf``.

    Args:
        cost_difference: Per-seed ``treatment - baseline`` cost, 1-D.
        gain_difference: Per-seed ``treatment - baseline`` gain, same seeds.
        confidence: Two-sided confidence level in ``(0, 1)``.
        seed: Seed (or generator) for ``np.random.default_rng``.
        n_resamples: Bootstrap resamples, at least 1.

    Returns:
        :class:`RatioInterval`; pairs with a NaN are dropped together. If not
        ``defined`` (under 2 pairs, or a gain interval including 0), estimate
        and bounds are NaN and ``reason`` (else "") says why.

    Raises:
        ValueError: On inputs not 1-D of equal length, a bad ``confidence`` or
            ``n_resamples < 1``.
    """
    _check_levels(confidence=confidence)
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples!r}")
    cost, gain = _complete_pairs(cost_difference, gain_difference)
    n = int(cost.size)
    means = (float(np.mean(cost)), float(np.mean(gain))) if n else (_NAN, _NAN)
    reason = f"needs at least 2 complete pairs, got {n}" if n < 2 else ""
    if n >= 2:
        _, low, high = (float(x) for x in mean_ci(gain, confidence=confidence))
        if low <= 0.0 <= high:
            reason = f"the {confidence:.0%} interval of the gain [{low:.4g}, {high:.4g}] includes 0"
    if reason:
        return RatioInterval(n, *means, _NAN, _NAN, _NAN, False, reason)
    angles = stats.bootstrap(
        (cost, gain),
        _ratio_angle,
        n_resamples=n_resamples,
        vectorized=True,
        paired=True,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    ).confidence_interval
    low, high = (math.inf if a >= math.pi / 2 else math.tan(a) for a in angles)
    return RatioInterval(n, *means, means[0] / means[1], low, high, True, "")
