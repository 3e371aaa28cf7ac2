"""Replication statistics.

Student-t mean intervals and Wilson binomial intervals, computed with
:mod:`scipy.stats` (paired effects are in :mod:`sim.analysis.paired`).

SciPy's t tests warn ("Precision loss ... catastrophic cancellation") when
the values along the axis are (nearly) identical but not zero. The t interval
is location-equivariant, so :func:`mean_ci` shifts each slice by its first
value before calling SciPy and adds it back afterwards: the shifted slice
starts at 0, which keeps SciPy's check quiet, and constant values give an
exactly zero-width interval at the value.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["binomial_ci", "mean_ci"]


def _check_confidence(confidence: float) -> None:
    if not (0.0 < confidence < 1.0):
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def mean_ci(
    values: np.ndarray, confidence: float = 0.95, axis: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample mean and Student-t confidence interval along an axis.

    Interval: ``mean ± t_{(1+c)/2, n-1} * s / sqrt(n)`` with ``s`` the sample
    standard deviation (``ddof=1``) and ``n`` the number of values along
    ``axis``, from ``scipy.stats.ttest_1samp(...).confidence_interval``.
    Typical use: ``values`` of shape ``(runs, steps)`` and ``axis=0`` gives a
    per-step band over replications. NaNs are not skipped (they propagate).
    Constant values give a zero-width interval at the value.

    Args:
        values: Array of observations, any dimensionality (1-D or e.g.
            runs x steps).
        confidence: Two-sided confidence level in ``(0, 1)``.
        axis: Axis holding the replications.

    Returns:
        Tuple ``(mean, lower, upper)`` of arrays with ``axis`` removed (0-d
        arrays for 1-D input). With a single value along ``axis`` the bounds
        are NaN (no variance estimate).

    Raises:
        ValueError: If ``confidence`` is outside ``(0, 1)`` or there are no
            values along ``axis``.
    """
    _check_confidence(confidence)
    arr = np.asarray(values, dtype=float)
    n = arr.shape[axis]
    if n == 0:
        raise ValueError("mean_ci needs at least one value along axis")
    if n < 2:
        mean = np.asarray(np.mean(arr, axis=axis))
        nan = np.full_like(mean, np.nan)
        return mean, nan, nan.copy()
    first = np.take(arr, [0], axis=axis)
    shifted = arr - first
    ci = stats.ttest_1samp(shifted, 0.0, axis=axis).confidence_interval(confidence)
    offset = np.squeeze(first, axis=axis)
    mean = np.asarray(offset + np.mean(shifted, axis=axis))
    return mean, np.asarray(offset + ci.low), np.asarray(offset + ci.high)


def binomial_ci(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    With ``phat = successes / n`` and ``z`` the standard normal
    ``(1 + c)/2`` quantile::

        centre = (phat + z²/(2n)) / (1 + z²/n)
        half   = z sqrt(phat (1 - phat)/n + z²/(4n²)) / (1 + z²/n)

    computed by ``scipy.stats.binomtest(successes, n).proportion_ci(...,
    method="wilson")``, which sets the lower bound to exactly 0 at
    ``successes = 0`` and the upper bound to exactly 1 at ``successes = n``.

    Args:
        successes: Number of successes, ``0 <= successes <= n``.
        n: Number of trials, ``n >= 1``.
        confidence: Two-sided confidence level in ``(0, 1)``.

    Returns:
        ``(lower, upper)`` bounds of the proportion, within ``[0, 1]``.

    Raises:
        ValueError: On ``n < 1``, ``successes`` outside ``[0, n]`` or an
            invalid ``confidence``.
    """
    _check_confidence(confidence)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n!r}")
    if not (0 <= successes <= n):
        raise ValueError(f"successes must be in [0, n], got {successes!r} with n={n!r}")
    ci = stats.binomtest(int(successes), int(n)).proportion_ci(
        confidence_level=confidence, method="wilson"
    )
    return float(ci.low), float(ci.high)
