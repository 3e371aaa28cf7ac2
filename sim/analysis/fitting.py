"""Least-squares fit of the Bass (1969) closed form to an adoption curve."""

import numpy as np
from scipy import optimize

from sim.analysis.curves import bass_closed_form

__all__ = ["fit_bass"]


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
