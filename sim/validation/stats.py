"""Statistics of the validation suite: tolerances, binomial and trend tests, Watts' roots.

Pure functions of numbers and arrays (no model): how a tolerance grows for
fewer runs, Newcombe's interval for the difference of two binomial
proportions, a one-sided Spearman trend test, the roots of Watts' (2002)
cascade condition computed term by term, and the mean-field expectations of
the market and of belief learning (derived in `sim.validation.meanfield`).
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


# ---------------------------------------------------------------------------
# Mean-field expectations of the market and of belief learning
# (derivations: `sim.validation.meanfield`)
# ---------------------------------------------------------------------------


def fill_probability(fill_per_week: float, dt: float) -> float:
    """Chance that an open vacancy fills in a step of `dt` weeks: ``1 - exp(-r dt)``."""
    return -math.expm1(-fill_per_week * dt)


def open_vacancies(arrivals_per_step: float, fill: float) -> float:
    """Steady-state mean open vacancies per recruiter at the end of a step.

    Arrivals (mean ``λ dt`` a step), then fills, each open vacancy filling
    with probability ``p``: ``m = (1 - p) λ dt / p``; with
    ``p = 1 - exp(-r dt)``, ``m = λ dt / (exp(r dt) - 1)``.
    """
    return (1.0 - fill) * arrivals_per_step / fill


def weeks_to_fill(fill: float, dt: float) -> float:
    """Mean weeks a vacancy is held open at step ends before it fills.

    The number of step ends it is open at is geometric on {0, 1, ...} with
    mean ``(1 - p) / p``: ``W = (1 - p) dt / p``, with ``p = 1 - exp(-r dt)``
    ``W = dt / (exp(r dt) - 1)``, ``1 / r`` as dt → 0. Little's law:
    ``m = λ W``.
    """
    return (1.0 - fill) * dt / fill


def burn_in_steps(fill: float, residual: float) -> int:
    """Steps after which the mean open vacancies, from none, is within `residual` of m (relative).

    From empty, ``E[V_t] = m (1 - (1 - p)^t)``: the smallest t with
    ``(1 - p)^t <= residual``.
    """
    return math.ceil(math.log(residual) / math.log1p(-fill))


def conflict_share(slots: np.ndarray, seekers: np.ndarray, fill: float) -> float:
    """Largest share of a vacancy's fill probability lost to applicants drawn twice.

    With ``M`` open vacancies each meeting one of ``S`` seekers (uniformly)
    and filling with probability ``p``, a success is lost when another
    success on the same seeker comes first in the random order: with ``K``
    such others, ``Binomial(M - 1, p / S)``, the success is kept with
    probability ``E[1 / (K + 1)] >= 1 - E[K] / 2``. Returns the largest
    ``(M - 1) p / (2 S)`` over the steps given.
    """
    slots, seekers = np.asarray(slots, dtype=float), np.asarray(seekers, dtype=float)
    return float(np.max(np.maximum(slots - 1.0, 0.0) * fill / (2.0 * seekers)))


def expected_kept(contacts: np.ndarray, success: np.ndarray, room: np.ndarray) -> float:
    """Expected hires when recruiter j's offers are ``Binomial(C_j, π_j)`` and it keeps ``V_j``.

    ``sum_j E[min(X_j, V_j)]`` with ``E[min(X, V)] = sum_{k=0}^{V-1} P(X > k)``.
    """
    contacts, room = np.asarray(contacts), np.asarray(room)
    k = np.arange(max(int(contacts.max(initial=0)), 1))[None, :]
    tail = stats.binom.sf(k, contacts[:, None], np.asarray(success)[:, None])
    return float(np.sum(tail * (k < room[:, None])))


def collision_bound(expected_offers: float, weights: np.ndarray) -> float:
    """Upper bound on the expected hires lost to candidates receiving two offers.

    Offers land on candidate i with probability proportional to
    ``weights[i]`` (its skill times fit, the candidate drawn uniformly); a
    lost hire needs a pair of offers on one candidate, and the expected
    number of such pairs among offers totalling `expected_offers` in
    expectation is at most ``O² Σw² / (2 (Σw)²)``.
    """
    weights = np.asarray(weights, dtype=float)
    return float(expected_offers**2 * np.sum(weights**2) / (2.0 * np.sum(weights) ** 2))


def belief_fixed_point(
    prior: tuple[float, float],
    success_rate: float,
    contacts_per_step: float,
    decay_per_week: float,
    dt: float,
) -> tuple[float, float]:
    """Fixed point of the expected Beta belief under steady outcomes (`learning.update_beliefs`).

    Each step ``alpha ← alpha0 + (alpha + S - alpha0) k`` with ``k = exp(-δ dt)`` and
    ``E[S] = s n`` (n contacts per step), so ``alpha* = alpha0 + k s n / (1 - k)``;
    likewise ``beta* = beta0 + k (1 - s) n / (1 - k)``.

    Returns:
        ``(alpha*, beta*)``; the mean belief there is ``alpha* / (alpha* + beta*)``.
    """
    keep = math.exp(-decay_per_week * dt)
    gain = keep * contacts_per_step / -math.expm1(-decay_per_week * dt)
    return prior[0] + gain * success_rate, prior[1] + gain * (1.0 - success_rate)


def belief_after(
    prior: tuple[float, float],
    success_rate: float,
    contacts_per_step: float,
    decay_per_week: float,
    dt: float,
    steps: int,
) -> tuple[float, float]:
    """Expected Beta belief `steps` steps after starting at the prior (see `belief_fixed_point`).

    The expectation relaxes geometrically: ``E[alpha_t] = alpha* + (alpha0 - alpha*) k^t``,
    likewise beta; ``alpha_t + beta_t`` is not random when every step has the same
    number of contacts.
    """
    left = math.exp(-decay_per_week * dt * steps)
    fixed = belief_fixed_point(prior, success_rate, contacts_per_step, decay_per_week, dt)
    return fixed[0] + (prior[0] - fixed[0]) * left, fixed[1] + (prior[1] - fixed[1]) * left
