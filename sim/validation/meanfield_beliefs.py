"""Mean-field check of belief learning: the Beta belief's fixed point under steady outcomes.

`sim.learning.update_beliefs` is driven directly, with binomial outcomes,
for many actors at once (independent replicas), one setting of
`BELIEF_SETTINGS` at a time; the check statistics are those of
`sim.validation.meanfield`.

An actor with ``n``
contacts a step (``n = contacts_per_week · dt``), each a success with
probability s, and no shared outcomes has
``alpha ← alpha0 + (alpha + S - alpha0) k`` with ``S ~ Binomial(n, s)`` and
``k = exp(-δ dt)``; likewise beta with ``n - S``. In expectation::

    alpha* = alpha0 + k s n / (1 - k),     beta* = beta0 + k (1 - s) n / (1 - k)

and ``alpha + beta`` is not random: it equals ``alpha* + beta*`` once settled, so the
mean belief ``alpha / (alpha + beta)`` has expectation ``alpha* / (alpha* + beta*)``, whose gap
to s, ``(alpha0 - s (alpha0 + beta0)) (1 - k) / ((alpha0 + beta0) (1 - k) + k n)``, vanishes
as n grows or δ → 0. Each setting of `BELIEF_SETTINGS` is driven for the
``T`` steps after which ``k^T <= 1e-6``, starting at the prior; the check
uses the expectation at ``T`` and at the fixed point (1e-6 apart,
relatively) as its reference interval. Without the decay alpha and beta would
grow without bound; with ``1 - δ dt`` for ``exp(-δ dt)`` (δ dt = 1 in the
first settings), ``k = 0`` and the belief would stay at the prior.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.learning import update_beliefs
from sim.validation.core import CaseResult, Plan, Progress, check_row
from sim.validation.meanfield import GROUP, MEANFIELD_SEED, TRANSIENT, interval_check
from sim.validation.stats import Estimate, belief_after, belief_fixed_point

# Belief learning: (contacts per week, decay per week); n grows, then δ falls.
BELIEF_SETTINGS = ((1, 0.5), (8, 0.5), (64, 0.5), (8, 0.05), (8, 0.005))
BELIEF_SUCCESS = 0.3  # s, the success rate of every contact
BELIEF_PRIOR = (1.0, 9.0)  # the default prior_alpha, prior_beta
BELIEF_DT = 2.0
STOCK_TOLERANCE = 1e-9  # relative: alpha + beta is not random, only rounding may move it


def drive_beliefs(
    n_actors: int, contacts: int, decay_per_week: float, steps: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Beliefs of `n_actors` after `steps` steps of `contacts` Binomial(., s) outcomes each.

    Returns:
        (alpha, beta) per actor, updated by `sim.learning.update_beliefs`.
    """
    alpha, beta = np.full(n_actors, BELIEF_PRIOR[0]), np.full(n_actors, BELIEF_PRIOR[1])
    nothing = np.zeros(n_actors)
    for _ in range(steps):
        successes = rng.binomial(contacts, BELIEF_SUCCESS, n_actors)
        alpha, beta = update_beliefs(
            alpha=alpha,
            beta=beta,
            own_successes=successes,
            own_failures=contacts - successes,
            shared_successes=nothing,
            shared_failures=nothing,
            sharing=0.0,
            prior=BELIEF_PRIOR,
            decay_per_week=decay_per_week,
            dt=BELIEF_DT,
        )
    return alpha, beta


def belief_case(
    plan: Plan, confidence: float, workers: int = 1, progress: Progress | None = None
) -> CaseResult:
    """Belief learning under a fixed success rate: fixed point, evidence stock, approach to s.

    Runs in this process (`workers` is not used).

    Returns:
        One check per setting of `BELIEF_SETTINGS` (mean belief against the
        fixed point), one of the evidence stock alpha + beta in every setting, and
        one that the mean belief approaches s.
    """
    rows: list[dict[str, Any]] = []
    gaps: list[float] = []
    stock: list[float] = []
    s = BELIEF_SUCCESS
    for i, (per_week, decay) in enumerate(BELIEF_SETTINGS):
        contacts = round(per_week * BELIEF_DT)
        keep = math.exp(-decay * BELIEF_DT)
        steps = math.ceil(math.log(TRANSIENT) / math.log(keep))
        expectation = (BELIEF_PRIOR, s, contacts, decay, BELIEF_DT)
        alpha_star, beta_star = belief_fixed_point(*expectation)
        alpha_end, beta_end = belief_after(*expectation, steps)  # 1e-6 of the gap left
        mean_star = alpha_star / (alpha_star + beta_star)
        total_end = alpha_end + beta_end
        mean_end = alpha_end / total_end
        rng = np.random.default_rng([MEANFIELD_SEED, i])
        alpha, beta = drive_beliefs(plan.belief_actors, contacts, decay, steps, rng)
        belief = alpha / (alpha + beta)
        gaps.append(abs(float(belief.mean()) - s))
        stock.append(float(np.max(np.abs(alpha + beta - total_end))) / total_end)
        rows.append(
            interval_check(
                f"Beliefs n={per_week:g}/week, δ={decay:g}/week (s={s:g}, dt={BELIEF_DT:g}): "
                "mean belief vs alpha*/(alpha*+beta*)",
                belief,
                mean_star,
                (min(mean_star, mean_end), max(mean_star, mean_end)),
                confidence,
                f"actors after {steps} steps",
            )
        )
        if progress:
            progress("Mean field: beliefs", i + 1, len(BELIEF_SETTINGS))
    largest = max(stock)
    rows.append(
        check_row(
            GROUP,
            "Beliefs: evidence stock alpha + beta (not random) vs its exact value, every setting",
            0.0,
            "0 (relative gap)",
            Estimate(largest, largest, largest, plan.belief_actors),
        )(
            STOCK_TOLERANCE,
            largest <= STOCK_TOLERANCE,
            "largest |alpha + beta - E| / E ≤ tol in every actor and setting, "
            "E = alpha* + beta* + (alpha0 + beta0 - alpha* - beta*) k^T (rounding only)",
        )
    )
    rows.append(approach_check(gaps, plan.belief_actors))
    return CaseResult(rows)


def approach_check(gaps: Sequence[float], n_actors: int) -> dict[str, Any]:
    """Pass when |mean belief - s| falls along n (settings 0, 1, 2) and along δ (1, 3, 4)."""
    along_n, along_decay = gaps[0:3], [gaps[1], gaps[3], gaps[4]]
    falls = all(x > y for seq in (along_n, along_decay) for x, y in itertools.pairwise(seq))
    per_week, decay = BELIEF_SETTINGS[-1]
    alpha_star, beta_star = belief_fixed_point(
        BELIEF_PRIOR, BELIEF_SUCCESS, round(per_week * BELIEF_DT), decay, BELIEF_DT
    )
    reference = abs(alpha_star / (alpha_star + beta_star) - BELIEF_SUCCESS)
    return check_row(
        GROUP,
        "Beliefs: mean belief approaches s as n grows and as δ → 0",
        reference,
        f"|alpha*/(alpha*+beta*) - s| = {reference:.2g} at the last setting",
        Estimate(gaps[-1], gaps[-1], gaps[-1], n_actors),
    )(
        0.0,
        falls,
        "|mean belief - s| falls at each step of n = 1, 8, 64 (δ = 0.5) "
        "and of δ = 0.5, 0.05, 0.005 (n = 8)",
    )
