"""Mean-field check of learnt risk: the risk memory under safe use and random data incidents.

Everyone is ACTIVE from step 0 (the threshold rule keeps them so) on the
generalist, with no sharing: each actor's risk memory ``m`` then follows
the order of a step in the code. In the intervention phase a random
`data_incident` hits the generalist with probability
``p = 1 - exp(-λ dt)`` and adds ``s`` to every member's memory; in the
learning phase safe use relaxes it toward the floor ``m_f`` by
``k = exp(-ε dt)`` (`sim.learning.fall_with_use`; memories never fall below
the floor here, which they start above)::

    m_t = m_f + (m_(t-1) + s I_t - m_f) k,      I_t ~ Bernoulli(p)

so, from ``m_0 = 1``, ``E[m_t] = μ + (1 - μ) k^t`` with the stationary mean::

    μ = m_f + k s p / (1 - k)

The check compares, over independent runs, each run's time average of the
memory after a burn-in ``b`` (the smallest with ``k^b <= 1e-6``) with μ,
at the family's confidence (`sim.validation.meanfield`). Without incidents
the memory is not random: ``m_t = m_f + (1 - m_f) k^t`` exactly, checked
to rounding. An incident applied after safe use would give
``μ = m_f + s p / (1 - k)``; safe use at ``ε`` rather than ``ε dt`` per step
(dt = 2 here), or relaxation toward 0, would move μ too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.runner import RunResult, replicate_seeds
from sim.validation.core import CaseResult, Plan, Progress, check_row, run_batch
from sim.validation.meanfield import (
    GROUP,
    MEANFIELD_SEED,
    TRANSIENT,
    interval_check,
    market_scenario,
)
from sim.validation.stats import Estimate

SHOCK, INCIDENTS_PER_WEEK = 0.5, 0.05  # s, λ
SAFE_USE_PER_WEEK, FLOOR = 0.1, 0.3  # ε, m_f
EXACT_TOLERANCE = 1e-12  # relative: without incidents only rounding may move the memory

RISK: dict[str, Any] = {
    "name": "meanfield-learnt-risk",
    "description": "Learnt risk: safe use against random data incidents",
    "run": {"dt": 2.0},
    "population": {"candidates": 40, "recruiters": 0, "turnover_per_week": 0.0},
    "network": {"kind": "complete"},
    "initial": {"active": 40, "aware_share": 0.0},
    "decision": {"rule": "threshold"},
    "learning": {"sharing": 0.0, "risk_safe_use_per_week": SAFE_USE_PER_WEEK}
    | {"risk_floor": FLOOR},
    "interventions": [
        {"type": "data_incident", "platform": "generalist", "start": 1}
        | {"shock": SHOCK, "per_week": INCIDENTS_PER_WEEK}
    ],
}


def stationary_memory(floor: float, shock: float, p: float, keep: float) -> float:
    """μ = m_f + k s p / (1 - k): the risk memory's stationary mean."""
    return floor + keep * shock * p / (1.0 - keep)


def risk_case(
    plan: Plan, confidence: float, workers: int = 1, progress: Progress | None = None
) -> CaseResult:
    """Learnt risk: the memory's stationary mean under incidents, and its decay without them.

    Returns:
        Two checks: the time-averaged memory against μ (statistical), and the
        memory of a run without incidents against its exact path.
    """
    dt = RISK["run"]["dt"]
    keep = math.exp(-SAFE_USE_PER_WEEK * dt)
    p = 1.0 - math.exp(-INCIDENTS_PER_WEEK * dt)
    burn_in = math.ceil(math.log(TRANSIENT) / math.log(keep))
    mu = stationary_memory(FLOOR, SHOCK, p, keep)
    column = "mean_risk_memory_candidates"

    def extract(result: RunResult) -> dict[str, Any]:
        return {"memory": float(result.timeseries[column].iloc[burn_in + 1 :].mean())}

    scenario = market_scenario(RISK, burn_in + plan.meanfield_steps)
    seeds = replicate_seeds(MEANFIELD_SEED, plan.meanfield_runs)
    runs = run_batch(scenario, seeds, extract, workers, progress, "Mean field: learnt risk")
    label = (
        f"Learnt risk (dt={dt:g}, ε={SAFE_USE_PER_WEEK:g}, λ={INCIDENTS_PER_WEEK:g}/week, "
        f"s={SHOCK:g}, floor={FLOOR:g})"
    )
    stationary = interval_check(
        f"{label}: mean memory vs m_f + k s p / (1 - k)",
        np.array([r["memory"] for r in runs]),
        mu,
        (mu, mu),
        confidence,
        f"runs (after {burn_in} steps' burn-in)",
    )
    calm = market_scenario(RISK | {"interventions": []}, burn_in)
    (path,) = run_batch(calm, seeds[:1], lambda r: {"memory": r.timeseries[column].to_numpy()})
    steps = np.arange(path["memory"].size)
    exact = FLOOR + (1.0 - FLOOR) * keep**steps
    gap = float(np.max(np.abs(path["memory"] - exact) / exact))
    decay = check_row(
        GROUP,
        f"{label}: without incidents, memory vs m_f + (1 - m_f) k^t at every step",
        0.0,
        "0 (relative gap)",
        Estimate(gap, gap, gap, 1),
    )(EXACT_TOLERANCE, gap <= EXACT_TOLERANCE, "largest relative gap ≤ tol (rounding only)")
    return CaseResult([stationary, decay])
