"""Mean-field checks: the market's and belief learning's mechanics against their expectations.

Where the published cases check the adoption rules, these check the
recruiting layers against what their own rules imply in expectation,
derived below from the order of events in the code: the two market cases
here and belief learning in `sim.validation.meanfield_beliefs`. The family
is the tuple `sim.validation.suite.MEANFIELD_CASES` of `MeanFieldCase`
entries, run by `run_family`; a further check of a mechanism is one more
entry there, with its number of statistical comparisons.

**Traditional channel alone** (`MARKET_TRADITIONAL`). Nobody is aware
(``initial.aware_share = 0``, ``awareness.media_per_week = 0``, so no word
of mouth either): no recruiter searches on a platform and every hire is
traditional. With ``market.foundation_traditional = 0`` the quality factor
is 1. In `sim.market.market_step` a recruiter's step is: arrivals
``A ~ Poisson(λ dt)`` join its ``V`` open vacancies, then each of the
``V + A`` meets one seeker and fills with probability
``p = 1 - exp(-r dt)`` (``λ = vacancies_per_week``,
``r = traditional_fill_per_week``). Leaving aside two vacancies drawing the
same seeker (below), ``V' | V, A ~ Binomial(V + A, 1 - p)``, so
``E[V'] = (1 - p) (E[V] + λ dt)``; from ``V_0 = 0``,
``E[V_t] = m (1 - (1 - p)^t)`` with::

    m = (1 - p) λ dt / p = λ dt / (exp(r dt) - 1)

(thinning keeps ``V_t`` Poisson). A vacancy fills at its K-th draw,
``K ~ Geometric(p)`` on {1, 2, ...}, and is open at ``K - 1`` step ends;
counted as the recorder counts it (open vacancies x dt at each step end,
per hire: ``mean_weeks_to_fill``), the mean time to fill is::

    W = (1 - p) dt / p = dt / (exp(r dt) - 1),      m = λ W (Little's law)

both tending to ``λ / r`` and ``1 / r`` as dt → 0. The set-up has
``r dt = 1`` (dt = 2 weeks, r = 0.5, λ = 0.25 per week), so
``m = 0.5 / (e - 1) = 0.2910`` and ``W = 2 / (e - 1) = 1.1640`` weeks. A
fill probability of ``r dt`` would give ``p = 1`` and ``m = W = 0``;
filling before arrivals, ``m = λ dt / p = 0.791``; arrivals of λ rather
than λ dt per step, ``m / 2``. Burn-in: the first ``b`` steps are dropped,
``b`` the smallest with ``(1 - p)^b <= 1e-6`` (14 steps), so the transient
left is below 1e-6 m. Two vacancies may draw the same seeker; the later
success in the random order is then lost. With ``M`` vacancies and ``S``
seekers, a success is kept with probability ``E[1/(K+1)]``,
``K ~ Binomial(M - 1, p/S)``, at least ``1 - ε``, ``ε = (M - 1) p / (2 S)``
(`stats.conflict_share`, its largest value over the measured steps). Each
vacancy then fills with a probability between ``p (1 - ε)`` and ``p``, and
m and W lie between their values at those two: that interval is the
reference.

**Social channel** (`MARKET_SOCIAL`). Everyone is ACTIVE from step 0 (the
threshold rule keeps them so) on the one platform, the generalist, with fit
``g`` for all; candidates seek but send no contacts
(``candidate_contacts_per_week = 0``), and the traditional channel is off. At the
end of each step's market phase (`RecruitingModel.step_by_phase`), recruiter
j has made ``C_j`` contacts and ``S_j`` hires, so it had ``V_j = V'_j + S_j``
open vacancies when it searched; the pool was the active candidates on the
platform seeking then (those still seeking, and those it hired). A contact
draws a candidate uniformly from the pool and becomes an offer with
probability ``p_h q_j g q_i g`` (``q = f^ω d^(1-ω)``); over the draw this is
``π_j = p_h q_j g · mean_pool(q_i g)``, independently from contact to
contact. So ``X_j ~ Binomial(C_j, π_j)`` offers, of which recruiter j keeps at
most ``V_j``: the expected hires are ``Σ_j E[min(X_j, V_j)]``
(`stats.expected_kept`; ``≈ Σ_j C_j π_j``, contacts x mean success
probability, when ``V_j`` rarely binds), exactly, unless a candidate
receives two offers. A hire is lost only to such a pair, and the expected
number of pairs is at most ``O² Σw² / (2 (Σw)²)`` for ``O`` expected offers
and ``w_i = q_i g`` (`stats.collision_bound`), so the ratio of realised to
expected hires lies in ``[1 - ε, 1]``, ε the bound over the expected hires.
The contacts are checked too: ``C_j ~ Poisson(c V_j dt)``
(``c = contacts_per_vacancy_week``), so ``Σ C / Σ c V dt = 1``.

**Statistics.** The market checks compare the mean over independent runs
(seeds `replicate_seeds(MEANFIELD_SEED, n)`) of a per-run figure; the belief
checks the mean over independent actors (each with its own draws). A check
passes when that mean lies within ``t_{n-1} · sd / √n`` of its reference
interval, the t quantile at confidence ``1 - 0.05 / K``: Bonferroni over the
family's ``K`` comparisons, so that a correct model fails one with
probability at most 5%.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from sim.model import RecruitingModel
from sim.params import ScenarioParams
from sim.population import RECRUITER
from sim.rules import effective_skill
from sim.runner import RunResult, replicate_seeds
from sim.scenario import Scenario, scenario_from_dict
from sim.state import State
from sim.validation.core import CaseResult, Plan, Progress, check_row, run_batch
from sim.validation.stats import (
    FAMILY_ERROR,
    Estimate,
    burn_in_steps,
    collision_bound,
    conflict_share,
    expected_kept,
    fill_probability,
    open_vacancies,
    weeks_to_fill,
)

GROUP = "mean-field"
MEANFIELD_SEED = 1961  # root seed: the year of Little's law, which the time to fill uses
TRANSIENT = 1e-6  # relative transient left after a burn-in

# The traditional channel alone: nobody aware, abundant seekers, r dt = 1.
MARKET_TRADITIONAL: dict[str, Any] = {
    "name": "meanfield-market-traditional",
    "description": "Traditional channel only: open vacancies and time to fill at r dt = 1",
    "run": {"dt": 2.0},
    "population": {"candidates": 20_000, "recruiters": 100, "turnover_per_week": 0.0},
    "network": {"kind": "erdos_renyi", "mean_degree": 2.0},
    "initial": {"active": 0, "aware_share": 0.0},
    "awareness": {"media_per_week": 0.0},
    "market": {"vacancies_per_week": 0.25, "traditional_fill_per_week": 0.5}
    | {"foundation_traditional": 0.0, "reseek_per_week": 1.0, "initial_seeking_share": 1.0},
}

# The social channel alone: everyone active on the generalist, recruiters contact
# candidates (candidates send none), the traditional channel off.
MARKET_SOCIAL: dict[str, Any] = {
    "name": "meanfield-market-social",
    "description": "Social channel only: hires against contacts x success probability",
    "run": {"dt": 2.0},
    "population": {"candidates": 20_000, "recruiters": 40, "turnover_per_week": 0.0},
    "network": {"kind": "erdos_renyi", "mean_degree": 2.0},
    "initial": {"active": 20_040, "aware_share": 0.0},
    "decision": {"rule": "threshold"},
    "platforms": {"specialised_by_domain": False, "specialised_by_profile": False}
    | {"fit_generalist": 0.8},
    "market": {"vacancies_per_week": 1.0, "contacts_per_vacancy_week": 1.0}
    | {"candidate_contacts_per_week": 0.0, "traditional_fill_per_week": 0.0}
    | {"reseek_per_week": 1.0, "initial_seeking_share": 1.0},
}


def market_scenario(data: dict[str, Any], steps: int) -> Scenario:
    """A mean-field set-up with `steps` steps."""
    return scenario_from_dict(data | {"run": data["run"] | {"steps": steps}}, data["name"])


def interval_check(
    case: str,
    values: np.ndarray,
    reference: float,
    bounds: tuple[float, float],
    confidence: float,
    what: str,
) -> dict[str, Any]:
    """Pass when the mean of `values` is within ``t sd / √n`` (at `confidence`) of `bounds`."""
    estimate = Estimate.of_mean(values)
    quantile = float(stats.t.ppf(0.5 + confidence / 2.0, estimate.n - 1))
    tol = quantile * estimate.sd / math.sqrt(estimate.n)
    low, high = bounds
    where = f"{low:.4g}" if math.isclose(low, high) else f"[{low:.4g}, {high:.4g}]"
    return check_row(GROUP, case, reference, f"{reference:.4g} (analytic)", estimate)(
        tol,
        bool(low - tol <= estimate.value <= high + tol),
        f"mean over {estimate.n} {what} within t·sd/√n ({confidence:.2%}) of {where}",
    )


def market_traditional_case(
    plan: Plan, confidence: float, workers: int = 1, progress: Progress | None = None
) -> CaseResult:
    """Traditional channel alone: steady-state open vacancies and mean time to fill.

    Returns:
        Two checks: open vacancies per recruiter against m, weeks to fill against W.
    """
    market, population = MARKET_TRADITIONAL["market"], MARKET_TRADITIONAL["population"]
    rate, arrivals = market["traditional_fill_per_week"], market["vacancies_per_week"]
    dt, n_recruiters = MARKET_TRADITIONAL["run"]["dt"], population["recruiters"]
    p = fill_probability(rate, dt)
    burn_in = burn_in_steps(p, TRANSIENT)
    scenario = market_scenario(MARKET_TRADITIONAL, burn_in + plan.meanfield_steps)

    def extract(result: RunResult) -> dict[str, Any]:
        steady = result.timeseries.iloc[burn_in + 1 :]
        open_, hires = steady["n_vacancies_open"], steady["new_hires_traditional"]
        return {
            "open": open_.mean() / n_recruiters,
            "weeks": dt * open_.sum() / hires.sum(),
            "conflict": conflict_share(open_ + hires, steady["n_seeking"] + hires, p),
            "traditional_only": result.summary["cum_hires_social"] == 0
            and result.timeseries["share_aware"].max() == 0,
        }

    seeds = replicate_seeds(MEANFIELD_SEED, plan.meanfield_runs)
    runs = run_batch(scenario, seeds, extract, workers, progress, "Mean field: traditional")
    # with seekers drawn twice, a vacancy fills with a probability in [low, p]
    low = p * (1.0 - max(r["conflict"] for r in runs))
    traditional_only = all(r["traditional_only"] for r in runs)
    label = f"Market, traditional only (dt={dt:g}, r={rate:g}, λ={arrivals:g}/week)"
    rows = []
    for key, name, formula, exact, conflicted in (
        (
            "open",
            "open vacancies per recruiter",
            "λ dt / (e^(r dt) - 1)",
            open_vacancies(arrivals * dt, p),
            open_vacancies(arrivals * dt, low),
        ),
        (
            "weeks",
            "mean weeks to fill",
            "dt / (e^(r dt) - 1)",
            weeks_to_fill(p, dt),
            weeks_to_fill(low, dt),
        ),
    ):
        row = interval_check(
            f"{label}: {name} vs {formula}",
            np.array([r[key] for r in runs]),
            exact,
            (exact, conflicted),
            confidence,
            f"runs (after {burn_in} steps' burn-in)",
        )
        row["passed"] = row["passed"] and traditional_only  # no social hire, nobody aware
        rows.append(row)
    return CaseResult(rows)


def social_step(state: State, params: ScenarioParams) -> tuple[float, float, float, float, float]:
    """What one step's social channel did and was expected to do, read after the market phase.

    Returns:
        (hires, expected hires, bound on hires lost to candidates with two
        offers, contacts, expected contacts).
    """
    a, flows, market = state.actors, state.flows, params.market
    if state.platforms.n != 1:
        raise ValueError("the social mean-field check needs a single platform")
    weight = effective_skill(a.foundation, a.digital, params.decision.omega)
    weight = weight * state.fit_table[state.group, 0]
    on_platform = a.is_active & (a.membership != 0)
    recruiters = (on_platform & (a.kind == RECRUITER)).nonzero()[0]
    hired = flows.successes > 0
    pool = on_platform & (a.kind != RECRUITER) & (a.is_seeking | hired)
    pool_weights = weight[pool]
    contacts = flows.contacts[recruiters]
    room = a.vacancies[recruiters] + flows.successes[recruiters]
    success = market.p_hire_social * weight[recruiters] * pool_weights.mean()
    offers = float(np.sum(contacts * success))
    return (
        float(flows.hires_social),
        expected_kept(contacts, success, room),
        collision_bound(offers, pool_weights),
        float(contacts.sum()),
        float(market.contacts_per_vacancy_week * room.sum() * state.dt_weeks),
    )


def market_social_case(
    plan: Plan, confidence: float, workers: int = 1, progress: Progress | None = None
) -> CaseResult:
    """Social channel alone: hires and contacts against their expectations given the state.

    Runs in this process, step by step (`workers` is not used).

    Returns:
        Two checks: realised / expected hires, realised / expected contacts.
    """
    scenario = market_scenario(MARKET_SOCIAL, plan.meanfield_steps)
    seeds = replicate_seeds(MEANFIELD_SEED, plan.meanfield_runs)
    totals = np.zeros((len(seeds), 5))
    for i, seed in enumerate(seeds):
        model = RecruitingModel(scenario, seed=seed)
        for _ in range(plan.meanfield_steps):
            for phase in model.step_by_phase():
                if phase.name == "market":
                    totals[i] += social_step(model.state, scenario.params)
        if progress:
            progress("Mean field: social", i + 1, len(seeds))
    hires, expected, lost, contacts, expected_contacts = totals.T
    lowest = 1.0 - float(np.max(lost / expected))
    market = MARKET_SOCIAL["market"]
    label = (
        f"Market, social only (dt={MARKET_SOCIAL['run']['dt']:g}, "
        f"c={market['contacts_per_vacancy_week']:g}/vacancy-week)"
    )
    what = f"runs of {plan.meanfield_steps} steps"
    return CaseResult(
        [
            interval_check(
                f"{label}: hires / Σ_j E[min(Binomial(C_j, π_j), V_j)]",
                hires / expected,
                1.0,
                (lowest, 1.0),
                confidence,
                what,
            ),
            interval_check(
                f"{label}: contacts / (c x open vacancies x dt)",
                contacts / expected_contacts,
                1.0,
                (1.0, 1.0),
                confidence,
                what,
            ),
        ]
    )


@dataclass(frozen=True)
class MeanFieldCase:
    """One mean-field case: how it runs and how many statistical comparisons it makes.

    Attributes:
        run: ``run(plan, confidence, workers, progress)`` returns its checks.
        comparisons: its comparisons that count toward the family's
            Bonferroni correction.
    """

    run: Callable[[Plan, float, int, Progress | None], CaseResult]
    comparisons: int


def run_family(
    plan: Plan,
    cases: Sequence[MeanFieldCase],
    workers: int = 1,
    progress: Progress | None = None,
) -> list[CaseResult]:
    """Run the mean-field cases, each comparison at ``1 - 0.05 / K`` (Bonferroni over K)."""
    confidence = 1.0 - FAMILY_ERROR / sum(case.comparisons for case in cases)
    return [case.run(plan, confidence, workers, progress) for case in cases]
