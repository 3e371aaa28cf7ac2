"""Replication statistics.

Student-t mean intervals, Wilson binomial intervals and paired
(common-random-numbers) effects.
"""

import math

import numpy as np
from scipy import stats

__all__ = ["binomial_ci", "mean_ci", "paired_effect"]


def _check_confidence(confidence: float) -> None:
    if not (0.0 < confidence < 1.0):
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def mean_ci(
    values: np.ndarray, confidence: float = 0.95, axis: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample mean and Student-t confidence interval along an axis.

    Interval: ``mean ± t_{(1+c)/2, n-1} * s / sqrt(n)`` with ``s`` the sample
    standard deviation (``ddof=1``) and ``n`` the number of values along
    ``axis``. Typical use: ``values`` of shape ``(runs, steps)`` and
    ``axis=0`` gives a per-step band over replications. NaNs are not
    skipped (they propagate).

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
    mean = np.asarray(np.mean(arr, axis=axis))
    if n < 2:
        nan = np.full_like(mean, np.nan)
        return mean, nan, nan.copy()
    sem = np.asarray(np.std(arr, axis=axis, ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf(0.5 * (1.0 + confidence), n - 1)) * sem
    return mean, mean - half, mean + half


def binomial_ci(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    With ``phat = successes / n`` and ``z`` the standard normal
    ``(1 + c)/2`` quantile::

        centre = (phat + z²/(2n)) / (1 + z²/n)
        half   = z sqrt(phat (1 - phat)/n + z²/(4n²)) / (1 + z²/n)

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
    z = float(stats.norm.ppf(0.5 * (1.0 + confidence)))
    phat = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (phat + z2 / (2.0 * n)) / denom
    half = z * math.sqrt(phat * (1.0 - phat) / n + z2 / (4.0 * n * n)) / denom
    # Analytically lower = 0 at successes = 0 and upper = 1 at successes = n;
    # set these exactly instead of relying on cancellation in floating point.
    lower = 0.0 if successes == 0 else max(0.0, centre - half)
    upper = 1.0 if successes == n else min(1.0, centre + half)
    return lower, upper


def paired_effect(
    treatment: np.ndarray, baseline: np.ndarray, confidence: float = 0.95
) -> dict[str, float | int]:
    """Mean paired difference ``treatment - baseline`` with a t interval.

    Intended for common-random-numbers designs where run ``i`` of both arms
    used the same seed. NaNs propagate (filter incomplete pairs beforehand if
    that is the intended policy).

    Args:
        treatment: Outcome per seed in the treatment arm, 1-D.
        baseline: Outcome per seed in the baseline arm, same shape and seed
            order as ``treatment``.
        confidence: Two-sided confidence level in ``(0, 1)``.

    Returns:
        Dict with ``effect`` (mean difference, in the outcome's unit),
        ``lower`` / ``upper`` (Student-t bounds on ``n - 1`` degrees of
        freedom, NaN when ``n == 1``) and ``n`` (number of pairs).

    Raises:
        ValueError: If the arms differ in shape, are not 1-D or are empty.
    """
    treat = np.asarray(treatment, dtype=float)
    base = np.asarray(baseline, dtype=float)
    if treat.shape != base.shape or treat.ndim != 1:
        raise ValueError("treatment and baseline must be 1-D arrays of equal length")
    if treat.size == 0:
        raise ValueError("paired_effect needs at least one pair")
    mean, lower, upper = mean_ci(treat - base, confidence=confidence, axis=0)
    return {
        "effect": float(mean),
        "lower": float(lower),
        "upper": float(upper),
        "n": int(treat.size),
    }
