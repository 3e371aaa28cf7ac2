"""Analytical benchmarks and statistics for simulation results.

This module is deliberately independent of the rest of the ``sim`` package: it
never imports other ``sim`` modules and only operates on plain numbers, NumPy
arrays (or array-likes such as pandas Series). Everything here is pure.

Contents:

* Bass (1969) diffusion model: closed form, explicit Euler recursion and a
  least-squares fit, used as the mean-field benchmark for adoption curves.
* :func:`crossing_time`: first time an adoption curve reaches a level
  (e.g. ``t50``), linearly interpolated between samples.
* Watts (2002) threshold-cascade window on Erdős-Rényi graphs.
* Replication statistics: Student-t mean intervals, Wilson binomial
  intervals and paired (common-random-numbers) effects.

Conventions: adoption "share" is the cumulative fraction of the eventual
market that has adopted, in ``[0, 1]``; time is in simulation steps (or any
unit, as long as ``p`` and ``q`` are rates per that unit).
"""

import math

import numpy as np
from scipy import optimize, stats

__all__ = [
    "bass_closed_form",
    "bass_euler",
    "binomial_ci",
    "cascade_condition",
    "cascade_window",
    "crossing_time",
    "fit_bass",
    "mean_ci",
    "paired_effect",
]


# ---------------------------------------------------------------------------
# Bass diffusion model
# ---------------------------------------------------------------------------


def _check_bass_params(p: float, q: float) -> None:
    if not (np.isfinite(p) and p > 0.0):
        raise ValueError(f"p must be a finite positive rate, got {p!r}")
    if not (np.isfinite(q) and q >= 0.0):
        raise ValueError(f"q must be a finite non-negative rate, got {q!r}")


def bass_closed_form(t: np.ndarray, p: float, q: float) -> np.ndarray:
    """Cumulative adoption share of the Bass (1969) model.

    ``F(t) = (1 - exp(-(p+q) t)) / (1 + (q/p) exp(-(p+q) t))``, the solution of
    ``dF/dt = (p + q F)(1 - F)`` with ``F(0) = 0``.

    Args:
        t: Times (same unit as the rates, e.g. steps), any shape; ``t >= 0``
            is the meaningful range.
        p: Coefficient of innovation (external influence), rate per time
            unit, ``p > 0``.
        q: Coefficient of imitation (internal influence), rate per time unit,
            ``q >= 0``.

    Returns:
        Array of the same shape as ``t`` with the adopted share in ``[0, 1)``
        for ``t >= 0``.

    Raises:
        ValueError: If ``p <= 0`` or ``q < 0`` (or either is not finite).
    """
    _check_bass_params(p, q)
    t_arr = np.asarray(t, dtype=float)
    decay = np.exp(-(p + q) * t_arr)
    return (1.0 - decay) / (1.0 + (q / p) * decay)


def bass_euler(n_steps: int, p: float, q: float, dt: float = 1.0) -> np.ndarray:
    """Explicit Euler discretisation of the Bass model.

    ``F[k+1] = F[k] + (p + q F[k]) (1 - F[k]) dt`` with ``F[0] = 0``. With
    ``dt = 1`` this is the discrete-time mean-field model that a synchronous
    agent-based simulation with per-step adoption hazard ``p + q F``
    approximates. No clipping is applied: for ``(p + q) dt > 1`` the recursion
    can overshoot 1, which is a property of the scheme.

    Args:
        n_steps: Number of Euler steps, ``n_steps >= 0``.
        p: Coefficient of innovation per time unit, ``p > 0``.
        q: Coefficient of imitation per time unit, ``q >= 0``.
        dt: Step length in time units, ``dt > 0``.

    Returns:
        Array of length ``n_steps + 1``; index ``k`` is the share at time
        ``k * dt`` (index 0 is ``t = 0`` with value 0).

    Raises:
        ValueError: On negative ``n_steps``, non-positive ``dt`` or invalid
            rates.
    """
    _check_bass_params(p, q)
    if int(n_steps) != n_steps or n_steps < 0:
        raise ValueError(f"n_steps must be a non-negative integer, got {n_steps!r}")
    if not (np.isfinite(dt) and dt > 0.0):
        raise ValueError(f"dt must be a finite positive step, got {dt!r}")
    out = np.empty(int(n_steps) + 1, dtype=float)
    f = 0.0
    out[0] = f
    for k in range(1, int(n_steps) + 1):
        f = f + (p + q * f) * (1.0 - f) * dt
        out[k] = f
    return out


def _bass_start(t: np.ndarray, share: np.ndarray) -> tuple[float, float]:
    """Starting values from Bass's discrete regression (finite differences).

    ``dF/dt ≈ a + b F + c F²`` with ``a = p``, ``c = -q``. Falls back to
    generic values when the regression is degenerate or gives invalid rates.
    """
    fallback = (0.01, 0.3)
    if t.size < 4:
        return fallback
    dt = np.diff(t)
    if np.any(dt <= 0):
        return fallback
    rate = np.diff(share) / dt
    mid = 0.5 * (share[1:] + share[:-1])
    design = np.column_stack([np.ones_like(mid), mid, mid**2])
    try:
        coef, *_ = np.linalg.lstsq(design, rate, rcond=None)
    except np.linalg.LinAlgError:
        return fallback
    p0, q0 = float(coef[0]), float(-coef[2])
    if not (np.isfinite(p0) and np.isfinite(q0) and p0 > 0 and q0 > 0):
        return fallback
    return p0, q0


def fit_bass(t: np.ndarray, share: np.ndarray) -> tuple[float, float]:
    """Least-squares fit of the Bass closed form to an adoption curve.

    Minimises ``sum_i (F(t_i; p, q) - share_i)^2`` over ``p > 0, q >= 0`` with
    :func:`scipy.optimize.least_squares` (trust-region reflective, bounded).
    The market size is fixed to 1, so ``share`` must be the fraction of the
    eventual adopter population. The starting point comes from Bass's
    finite-difference regression, with ``(0.01, 0.3)`` as fallback; both are
    tried and the better fit is kept.

    Args:
        t: Sample times (same unit as the fitted rates), 1-D, at least 2
            finite points.
        share: Observed cumulative adoption share at ``t``, values in
            ``[0, 1]``.

    Returns:
        Tuple ``(p, q)`` of fitted innovation and imitation rates per time
        unit.

    Raises:
        ValueError: If the inputs have different shapes, are not 1-D, or
            contain fewer than two finite pairs.
    """
    t_arr = np.asarray(t, dtype=float)
    s_arr = np.asarray(share, dtype=float)
    if t_arr.shape != s_arr.shape or t_arr.ndim != 1:
        raise ValueError("t and share must be 1-D arrays of equal length")
    keep = np.isfinite(t_arr) & np.isfinite(s_arr)
    t_arr, s_arr = t_arr[keep], s_arr[keep]
    if t_arr.size < 2:
        raise ValueError("need at least two finite (t, share) pairs to fit p and q")
    order = np.argsort(t_arr, kind="stable")
    t_arr, s_arr = t_arr[order], s_arr[order]

    def residuals(x: np.ndarray) -> np.ndarray:
        return bass_closed_form(t_arr, x[0], x[1]) - s_arr

    lower = np.array([1e-10, 0.0])
    upper = np.array([np.inf, np.inf])
    best: optimize.OptimizeResult | None = None
    starts = {_bass_start(t_arr, s_arr), (0.01, 0.3)}
    for start in sorted(starts):
        x0 = np.clip(np.asarray(start, dtype=float), lower * 10, None)
        res = optimize.least_squares(
            residuals,
            x0,
            bounds=(lower, upper),
            method="trf",
            x_scale="jac",
            ftol=1e-14,
            xtol=1e-14,
            gtol=1e-14,
            max_nfev=10_000,
        )
        if best is None or res.cost < best.cost:
            best = res
    assert best is not None
    return float(best.x[0]), float(best.x[1])


# ---------------------------------------------------------------------------
# Curve summaries
# ---------------------------------------------------------------------------


def crossing_time(t: np.ndarray, share: np.ndarray, level: float) -> float:
    """First time a sampled curve reaches ``level``.

    Finds the first index ``i`` with ``share[i] >= level`` and linearly
    interpolates between samples ``i - 1`` and ``i``. If the first sample
    already reaches the level, ``t[0]`` is returned. NaN samples never count
    as reaching the level. Samples are used in the given order (``t`` is
    expected to be increasing).

    Args:
        t: Sample times, 1-D, increasing (any time unit).
        share: Curve values at ``t`` (e.g. adoption share in ``[0, 1]``).
        level: Level to reach (e.g. ``0.5`` for ``t50``).

    Returns:
        Interpolated crossing time in the unit of ``t``, or NaN if the curve
        never reaches ``level``.

    Raises:
        ValueError: If ``t`` and ``share`` are not 1-D arrays of equal length.
    """
    t_arr = np.asarray(t, dtype=float)
    s_arr = np.asarray(share, dtype=float)
    if t_arr.shape != s_arr.shape or t_arr.ndim != 1:
        raise ValueError("t and share must be 1-D arrays of equal length")
    reached = np.flatnonzero(s_arr >= level)
    if reached.size == 0:
        return math.nan
    i = int(reached[0])
    if i == 0:
        return float(t_arr[0])
    s0, s1 = s_arr[i - 1], s_arr[i]
    t0, t1 = t_arr[i - 1], t_arr[i]
    if not np.isfinite(s0):
        # Previous sample missing: cannot interpolate, report the sample time.
        return float(t1)
    return float(t0 + (level - s0) / (s1 - s0) * (t1 - t0))


# ---------------------------------------------------------------------------
# Watts (2002) cascade window
# ---------------------------------------------------------------------------


def _k_star(phi: float) -> int:
    if not (np.isfinite(phi) and phi > 0.0):
        raise ValueError(f"phi must be a finite positive threshold, got {phi!r}")
    # Tiny tolerance so that e.g. phi = 1/6 still gives K* = 6 despite rounding.
    return math.floor(1.0 / phi * (1.0 + 1e-12))


def cascade_condition(z: float, phi: float) -> float:
    """Left-hand side of the Watts (2002) global-cascade condition.

    On an Erdős-Rényi graph with mean degree ``z`` (Poisson degrees
    ``p_k = e^{-z} z^k / k!``) and uniform threshold ``phi``, a node of degree
    ``k`` is vulnerable (activated by one active neighbour) iff
    ``k <= K* = floor(1/phi)``. Cascades are possible iff
    ``sum_k k (k-1) p_k [k <= K*] > z``. Since
    ``k (k-1) p_k = z^2 e^{-z} z^{k-2} / (k-2)!``, dividing by ``z`` gives

    ``G(z) = z e^{-z} sum_{j=0}^{K*-2} z^j / j! = z * P(Poisson(z) <= K* - 2)``

    and the condition is ``G(z) > 1``. The Poisson CDF form is used for
    numerical stability at large ``K*``.

    Args:
        z: Mean degree of the Erdős-Rényi graph, ``z >= 0``.
        phi: Uniform adoption threshold (fraction of active neighbours),
            ``phi > 0``; ``phi > 1/2`` means no vulnerable nodes of degree
            ``>= 2`` and ``G = 0``.

    Returns:
        ``G(z)``; a global cascade is possible where it exceeds 1.

    Raises:
        ValueError: If ``z < 0`` or ``phi <= 0`` (or either is not finite).
    """
    if not (np.isfinite(z) and z >= 0.0):
        raise ValueError(f"z must be a finite non-negative mean degree, got {z!r}")
    k_star = _k_star(phi)
    if k_star < 2 or z == 0.0:
        return 0.0
    return float(z * stats.poisson.cdf(k_star - 2, z))


def cascade_window(phi: float, z_max: float = 20.0) -> tuple[float, float]:
    """Cascade window of Watts (2002) on Erdős-Rényi graphs.

    Returns the range of mean degrees ``z`` where
    :func:`cascade_condition` exceeds 1. ``G(z)`` is unimodal in ``z`` (its
    derivative ``e^{-z}(S_m(z) - z^{m+1}/m!)`` with ``m = K* - 2`` changes sign
    once), so the peak is located first by root finding on the derivative and
    the two bounds are then found with :func:`scipy.optimize.brentq` on each
    side of it.

    Args:
        phi: Uniform adoption threshold, ``phi > 0``.
        z_max: Largest mean degree searched, ``z_max > 0``. If the condition
            still holds at ``z_max`` the upper bound is clipped to ``z_max``.

    Returns:
        ``(z_lower, z_upper)``; ``(nan, nan)`` if the condition never holds on
        ``(0, z_max]``.

    Raises:
        ValueError: If ``phi <= 0`` or ``z_max <= 0``.
    """
    if not (np.isfinite(z_max) and z_max > 0.0):
        raise ValueError(f"z_max must be a finite positive mean degree, got {z_max!r}")
    k_star = _k_star(phi)
    nan_pair = (math.nan, math.nan)
    if k_star < 2:
        return nan_pair
    m = k_star - 2

    def excess(z: float) -> float:
        return cascade_condition(z, phi) - 1.0

    def slope_sign(z: float) -> float:
        # Exact derivative G'(z) = e^{-z} (S_m(z) - z^{m+1}/m!)
        #                      = P(Poisson(z) <= m) - (m+1) P(Poisson(z) = m+1).
        return float(stats.poisson.cdf(m, z) - (m + 1) * stats.poisson.pmf(m + 1, z))

    if slope_sign(z_max) >= 0.0:
        z_peak = z_max
    else:
        z_peak = optimize.brentq(slope_sign, 1e-12, z_max, xtol=1e-14, rtol=1e-14)
    if excess(z_peak) <= 0.0:
        return nan_pair
    # G(z) -> 0 as z -> 0, so the lower bracket is always valid.
    lower = optimize.brentq(excess, 1e-12, z_peak, xtol=1e-14, rtol=1e-14)
    if excess(z_max) >= 0.0:
        upper = float(z_max)
    else:
        upper = optimize.brentq(excess, z_peak, z_max, xtol=1e-14, rtol=1e-14)
    return float(lower), float(upper)


# ---------------------------------------------------------------------------
# Replication statistics
# ---------------------------------------------------------------------------


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
