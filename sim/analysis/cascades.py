"""Watts (2002) threshold-cascade condition and window on Erdős-Rényi graphs."""

import math

import numpy as np
from scipy import optimize, stats

__all__ = ["cascade_condition", "cascade_window"]


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
