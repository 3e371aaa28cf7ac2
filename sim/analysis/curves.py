"""Bass (1969) diffusion curves and curve summaries.

Closed form and explicit Euler recursion of the Bass model (the mean-field
benchmark for adoption curves) and :func:`crossing_time` (e.g. ``t50``).

Imports only :mod:`math` and NumPy, so it stays cheap to import (``sim.results``
needs :func:`crossing_time` on every ``import sim``); the SciPy-based Bass fit
lives in :mod:`sim.analysis.fitting`.
"""

import math

import numpy as np

__all__ = ["bass_closed_form", "bass_euler", "crossing_time"]


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
