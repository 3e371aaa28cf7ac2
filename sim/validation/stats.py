"""Statistics of the validation suite: tolerances, binomial and trend tests, Watts' roots.

Pure functions of numbers and arrays (no model): how a tolerance grows for
fewer runs, Newcombe's interval for the difference of two binomial
proportions, a one-sided Spearman trend test, and the roots of Watts' (2002)
cascade condition computed term by term.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from sim.analysis.intervals import binomial_ci, mean_ci

Z95 = float(stats.norm.ppf(0.975))  # two-sided 95% normal quantile, 1.96
ROUNDING = 0.005  # half a unit of the second decimal the references are given to
FAMILY_ERROR = 0.05  # family-wise error rate of a family of comparisons (Bonferroni)


def widened(tolerance: float, sd: float, n_runs: int, n_full: int) -> float:
    """Tolerance for `n_runs` runs, given the issue's tolerance for `n_full` runs.

    ``sqrt(tolerance² + (1.96 sd)² (1/n_runs - 1/n_full))``: the extra
    sampling error of the mean over fewer runs, added in quadrature. Equal to
    `tolerance` when ``n_runs >= n_full``.
    """
    extra = max(0.0, 1.0 / n_runs - 1.0 / n_full)
    sd = 0.0 if not np.isfinite(sd) else sd
    return math.sqrt(tolerance**2 + (Z95 * sd) ** 2 * extra)


def newcombe_allowance(
    successes: int,
    n: int,
    reference: float,
    n_reference: int,
    side: float,
    confidence: float = 0.95,
) -> float:
    """Largest difference (simulated - reference) on `side` compatible with two binomials.

    Newcombe's hybrid score interval (method 10) for the difference of two
    proportions, from the Wilson intervals of each, plus `ROUNDING`.

    Args:
        successes: simulated count (e.g. global cascades).
        n: simulated runs.
        reference: reference proportion.
        n_reference: runs behind the reference.
        side: sign of the observed difference (>= 0: upper side).
        confidence: two-sided level of the Wilson intervals (and of the
            difference's interval).

    Returns:
        The allowed absolute difference on that side.
    """
    p1, p2 = successes / n, reference
    l1, u1 = binomial_ci(successes, n, confidence)
    l2, u2 = binomial_ci(round(reference * n_reference), n_reference, confidence)
    if side >= 0:
        half = math.hypot(p1 - l1, u2 - p2)
    else:
        half = math.hypot(u1 - p1, p2 - l2)
    return half + ROUNDING


def spearman_fall(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """Spearman's rho of y on x, its 95% interval and the one-sided p-value of rho < 0.

    The interval uses Fisher's transform with the standard error
    ``1.03 / sqrt(n - 3)`` of Fieller, Hartley & Pearson (1957).
    """
    result = stats.spearmanr(x, y, alternative="less")
    rho, p_value = float(result.statistic), float(result.pvalue)
    if not np.isfinite(rho):
        return rho, math.nan, math.nan, 1.0
    half = Z95 * 1.03 / math.sqrt(max(len(x) - 3, 1))
    centre = math.atanh(float(np.clip(rho, -0.999999, 0.999999)))
    return rho, math.tanh(centre - half), math.tanh(centre + half), p_value


def watts_window_roots(phi: float) -> tuple[float, float]:
    """Roots in z of Watts' (2002) cascade condition on Erdős-Rényi graphs, from its sum.

    Evaluates ``sum_{k=2}^{K*} k (k - 1) p_k - z`` term by term with Poisson
    ``p_k`` and ``K* = floor(1/phi)`` (nodes of degree ``k <= K*`` are
    vulnerable), independently of `sim.analysis.cascades.cascade_window`, and brackets
    the two roots on either side of the maximum of the sum over z.
    """
    k_star = math.floor(1.0 / phi * (1.0 + 1e-12))
    k = np.arange(2, k_star + 1)

    def excess(z: float) -> float:
        log_pk = -z + k * math.log(z) - np.array([math.lgamma(i + 1.0) for i in k])
        return float(np.sum(k * (k - 1) * np.exp(log_pk)) - z)

    grid = np.linspace(0.05, 3.0 * k_star, 2000)
    peak = float(grid[np.argmax([excess(z) for z in grid])])
    lower = optimize.brentq(excess, 0.05, peak, xtol=1e-14)
    upper = optimize.brentq(excess, peak, 3.0 * k_star, xtol=1e-14)
    return float(lower), float(upper)


@dataclass(frozen=True)
class Estimate:
    """A simulated figure: value, 95% interval, number of runs and sd across runs."""

    value: float
    lower: float
    upper: float
    n: int
    sd: float = math.nan

    @classmethod
    def of_mean(cls, values: np.ndarray) -> Estimate:
        """Mean of per-run values with its Student-t 95% interval (NaN if no values)."""
        values = np.asarray(values, dtype=float)
        if values.size == 0:
            return cls(math.nan, math.nan, math.nan, 0)
        mean, lower, upper = mean_ci(values)
        sd = float(np.std(values, ddof=1)) if values.size > 1 else math.nan
        return cls(float(mean), float(lower), float(upper), int(values.size), sd)


def bass_euler_sd(n_steps: int, p: float, q: float, dt: float, n_actors: int) -> np.ndarray:
    """Run-to-run sd of the share of the stochastic Bass process, step by step.

    Linear noise approximation around the Euler recursion: each step, the
    ``N (1 - F)`` non-active actors activate independently with probability
    ``h = (p + q F) dt``, a binomial draw of variance ``(1 - F) h (1 - h) / N``
    in share units, and earlier deviations are carried by the derivative of
    the recursion, ``1 + (q (1 - F) - (p + q F)) dt``:
    ``V[k+1] = g'(F[k])² V[k] + (1 - F[k]) h[k] (1 - h[k]) / N``.

    Returns:
        Array of length ``n_steps + 1`` (0 at step 0).
    """
    share, variance = 0.0, 0.0
    out = np.zeros(n_steps + 1)
    for k in range(1, n_steps + 1):
        h = min((p + q * share) * dt, 1.0)
        slope = 1.0 + (q * (1.0 - share) - (p + q * share)) * dt
        variance = slope**2 * variance + (1.0 - share) * h * (1.0 - h) / n_actors
        share += h * (1.0 - share)
        out[k] = math.sqrt(variance)
    return out


def cascade_frequency_mean_field(z: float, phi: float) -> float:
    """Mean-field probability that one random seed triggers a global cascade (n → ∞).

    On an Erdős-Rényi graph with Poisson(z) degrees and a uniform threshold
    phi, a node reached along a tie passes the cascade on if it is vulnerable
    (degree ``k <= K* = floor(1/phi)``) and one of its ``k - 1`` other ties
    does. With ``u`` the probability that a tie does *not* lead into the
    infinite vulnerable cluster (the smallest root of
    ``u = 1 - sum_{k=1}^{K*} (k p_k / z) (1 - u^(k-1))``), the seed triggers
    a global cascade unless none of its ties does: ``1 - exp(-z (1 - u))``.
    This is the tree-like, infinite-network limit: it ignores non-vulnerable
    nodes tipped by several neighbours and finite-size effects, which matter
    near the edges of the window.
    """
    if z <= 0:
        return 0.0
    k_star = math.floor(1.0 / phi * (1.0 + 1e-12))
    k = np.arange(1, k_star + 1)
    log_pk = -z + k * math.log(z) - np.array([math.lgamma(i + 1.0) for i in k])
    excess = k * np.exp(log_pk) / z  # probability a tie reaches a vulnerable node of degree k

    def gap(u: float) -> float:
        return 1.0 - float(np.sum(excess * (1.0 - u ** (k - 1)))) - u

    top = 1.0 - 1e-12  # u = 1 is always a root; look for one below it
    if gap(top) >= 0.0:
        return 0.0  # subcritical: no infinite vulnerable cluster
    u = optimize.brentq(gap, 0.0, top, xtol=1e-15)
    return 1.0 - math.exp(-z * (1.0 - u))
