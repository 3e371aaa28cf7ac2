"""The mean-field formulas of the validation suite, against values worked out by hand.

The market's set-up has r dt = 1, so its expectations are simple functions
of e: p = 1 - 1/e, m = λ dt / (e - 1), W = dt / (e - 1). The belief's fixed
point is checked by hand and against one step of `sim.learning.update_beliefs`
fed its expected outcomes, which must leave it where it is.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.learning import update_beliefs
from sim.validation.core import QUICK, CaseResult
from sim.validation.meanfield import MeanFieldCase, interval_check, run_family
from sim.validation.meanfield_risk import stationary_memory
from sim.validation.stats import (
    belief_after,
    belief_fixed_point,
    burn_in_steps,
    collision_bound,
    conflict_share,
    expected_kept,
    fill_probability,
    open_vacancies,
    weeks_to_fill,
)

E = math.e


# ---------------------------------------------------------------------------
# Traditional channel
# ---------------------------------------------------------------------------


def test_fill_probability_is_one_minus_exp_of_rate_times_dt() -> None:
    assert fill_probability(0.5, 2.0) == pytest.approx(1.0 - 1.0 / E, rel=1e-15)
    assert fill_probability(0.5, 2.0) != pytest.approx(0.5 * 2.0)  # not r dt
    assert fill_probability(0.0, 2.0) == 0.0


def test_open_vacancies_and_weeks_to_fill_at_r_dt_one() -> None:
    p = 1.0 - 1.0 / E
    # m = (1 - p) λ dt / p = (1/e) 0.5 / (1 - 1/e) = 0.5 / (e - 1)
    assert open_vacancies(0.25 * 2.0, p) == pytest.approx(0.5 / (E - 1.0), rel=1e-14)
    assert open_vacancies(0.25 * 2.0, p) == pytest.approx(0.2909883534, rel=1e-9)
    # W = (1 - p) dt / p = 2 / (e - 1) weeks
    assert weeks_to_fill(p, 2.0) == pytest.approx(1.1639534137, rel=1e-9)
    # a half chance a step: one vacancy left per arrival, one step end open on average
    assert open_vacancies(1.0, 0.5) == 1.0
    assert weeks_to_fill(0.5, 3.0) == 3.0


def test_littles_law_and_the_continuous_limit() -> None:
    for rate, arrivals, dt in ((0.5, 0.25, 2.0), (0.12, 0.1, 1.0), (3.0, 2.0, 0.1)):
        p = fill_probability(rate, dt)
        assert open_vacancies(arrivals * dt, p) == pytest.approx(
            arrivals * weeks_to_fill(p, dt), rel=1e-12
        )
    # dt -> 0: W -> 1/r, m -> λ/r
    p = fill_probability(0.5, 1e-6)
    assert weeks_to_fill(p, 1e-6) == pytest.approx(2.0, rel=1e-5)
    assert open_vacancies(0.25 * 1e-6, p) == pytest.approx(0.5, rel=1e-5)


def test_the_checks_set_up_tells_wrong_mechanisms_apart() -> None:
    p = fill_probability(0.5, 2.0)
    m = open_vacancies(0.5, p)
    assert open_vacancies(0.5, min(0.5 * 2.0, 1.0)) == 0.0  # fill chance r dt
    assert 0.5 / p == pytest.approx(2.718 * m, rel=1e-3)  # fills before arrivals: m e
    assert open_vacancies(0.25, p) == pytest.approx(m / 2)  # arrivals without dt


def test_burn_in_leaves_at_most_the_residual() -> None:
    # (1 - p)^t = e^-t: e^-13 = 2.3e-6 > 1e-6 >= e^-14 = 8.3e-7
    assert burn_in_steps(1.0 - 1.0 / E, 1e-6) == 14
    assert burn_in_steps(0.5, 0.25) == 2
    assert burn_in_steps(0.5, 0.24) == 3


def test_conflict_share_is_the_largest_over_steps() -> None:
    # (M - 1) p / (2 S): (3 - 1) 0.5 / 20 = 0.05 and (5 - 1) 0.5 / 200 = 0.005
    assert conflict_share(np.array([3, 5]), np.array([10, 100]), 0.5) == pytest.approx(0.05)
    assert conflict_share(np.array([1, 0]), np.array([10, 10]), 0.5) == 0.0


# ---------------------------------------------------------------------------
# Social channel
# ---------------------------------------------------------------------------


def test_expected_kept_caps_binomial_offers_at_the_room() -> None:
    # X ~ Binomial(2, 1/2): E[min(X, 1)] = P(X >= 1) = 3/4; E[min(X, 2)] = E[X] = 1
    assert expected_kept(np.array([2]), np.array([0.5]), np.array([1])) == pytest.approx(0.75)
    assert expected_kept(np.array([2]), np.array([0.5]), np.array([2])) == pytest.approx(1.0)
    # X ~ Binomial(3, 1/2): P(X > 0) + P(X > 1) = 7/8 + 4/8
    assert expected_kept(np.array([3]), np.array([0.5]), np.array([2])) == pytest.approx(11 / 8)
    # recruiters add up; no contacts, or no room, keep nothing
    both = expected_kept(
        np.array([3, 2, 0, 4]), np.array([0.5, 0.5, 0.9, 0.9]), np.array([2, 1, 3, 0])
    )
    assert both == pytest.approx(11 / 8 + 3 / 4)
    assert expected_kept(np.array([0]), np.array([0.5]), np.array([1])) == 0.0


def test_collision_bound_by_hand() -> None:
    # O^2 Σw² / (2 (Σw)²): 2² x 4 / (2 x 16) = 0.5 for four equal candidates
    assert collision_bound(2.0, np.ones(4)) == pytest.approx(0.5)
    # one heavy candidate among two: 3² x (9 + 1) / (2 x 16) = 2.8125
    assert collision_bound(3.0, np.array([3.0, 1.0])) == pytest.approx(2.8125)


# ---------------------------------------------------------------------------
# Belief learning
# ---------------------------------------------------------------------------


def test_belief_fixed_point_by_hand() -> None:
    # k = e^-1, k / (1 - k) = 1 / (e - 1); n = 16 contacts a step, s = 0.3
    alpha, beta = belief_fixed_point((1.0, 9.0), 0.3, 16, 0.5, 2.0)
    assert alpha == pytest.approx(1.0 + 4.8 / (E - 1.0), rel=1e-14)  # 3.79351
    assert beta == pytest.approx(9.0 + 11.2 / (E - 1.0), rel=1e-14)  # 15.51815
    assert alpha / (alpha + beta) == pytest.approx(0.1964353, rel=1e-6)
    # no contacts: the prior
    assert belief_fixed_point((1.0, 9.0), 0.3, 0, 0.5, 2.0) == (1.0, 9.0)


def test_belief_fixed_point_is_where_update_beliefs_stays() -> None:
    alpha, beta = belief_fixed_point((1.0, 9.0), 0.3, 16, 0.05, 2.0)
    kept = update_beliefs(
        alpha=np.array([alpha]),
        beta=np.array([beta]),
        own_successes=np.array([0.3 * 16]),
        own_failures=np.array([0.7 * 16]),
        shared_successes=np.zeros(1),
        shared_failures=np.zeros(1),
        sharing=0.0,
        prior=(1.0, 9.0),
        decay_per_week=0.05,
        dt=2.0,
    )
    np.testing.assert_allclose(np.concatenate(kept), [alpha, beta], rtol=1e-14)


def test_belief_after_relaxes_geometrically_from_the_prior() -> None:
    args = ((1.0, 9.0), 0.3, 16, 0.5, 2.0)
    alpha, beta = belief_fixed_point(*args)
    assert belief_after(*args, 0) == pytest.approx((1.0, 9.0))
    one = belief_after(*args, 1)  # alpha0 + k s n = 1 + 4.8 / e
    assert one == pytest.approx((1.0 + 4.8 / E, 9.0 + 11.2 / E), rel=1e-14)
    assert belief_after(*args, 40) == pytest.approx((alpha, beta), rel=1e-15)


def test_mean_belief_approaches_s_with_more_contacts_or_slower_decay() -> None:
    def gap(n: int, decay: float) -> float:
        alpha, beta = belief_fixed_point((1.0, 9.0), 0.3, n, decay, 2.0)
        return 0.3 - alpha / (alpha + beta)

    # (alpha0 - s (alpha0 + beta0)) (1 - k) / ((alpha0 + beta0) (1 - k) + k n) with alpha0 - 3 = -2
    k = math.exp(-1.0)
    assert gap(16, 0.5) == pytest.approx(2.0 * (1 - k) / (10.0 * (1 - k) + 16 * k), rel=1e-12)
    assert gap(2, 0.5) > gap(16, 0.5) > gap(128, 0.5) > 0
    assert gap(16, 0.5) > gap(16, 0.05) > gap(16, 0.005) > 0
    assert gap(16, 1e-7) < 1e-5


# ---------------------------------------------------------------------------
# The checks and the family
# ---------------------------------------------------------------------------


def test_interval_check_tolerance_is_t_sd_over_root_n() -> None:
    # values 1, 2, 3: mean 2, sd 1; t(2) at 95% = 4.302653, so tol = 4.302653 / sqrt(3)
    row = interval_check("c", np.array([1.0, 2.0, 3.0]), 4.0, (4.0, 4.0), 0.95, "runs")
    assert row["tolerance"] == pytest.approx(4.302653 / math.sqrt(3), rel=1e-6)
    assert row["passed"]  # 4 - 2 = 2 <= 2.484
    row = interval_check("c", np.array([1.0, 2.0, 3.0]), 5.0, (5.0, 5.0), 0.95, "runs")
    assert not row["passed"]  # 3 > 2.484
    row = interval_check("c", np.array([1.0, 2.0, 3.0]), 5.0, (4.6, 5.0), 0.95, "runs")
    assert not row["passed"]  # the interval's lower end, 4.6, is 2.6 away
    assert row["group"] == "mean-field" and row["n_runs"] == 3


def test_family_runs_each_case_at_the_bonferroni_confidence() -> None:
    seen = []

    def case(plan, confidence, workers, progress) -> CaseResult:
        seen.append((plan, confidence, workers))
        return CaseResult()

    results = run_family(QUICK, (MeanFieldCase(case, 3), MeanFieldCase(case, 2)), workers=2)
    assert len(results) == 2
    assert seen == [(QUICK, pytest.approx(0.99), 2)] * 2  # 1 - 0.05 / 5


def test_stationary_risk_memory_by_hand():
    # m_f + k s p / (1 - k) with k = 0.5, s = 2, p = 0.25, floor 0.1: 0.1 + 0.25 / 0.5
    assert stationary_memory(0.1, 2.0, 0.25, 0.5) == pytest.approx(0.6, rel=1e-15)
    # the recursion m = m_f + (m + s p - m_f) k, iterated in expectation, reaches it
    m = 1.0
    for _ in range(200):
        m = 0.1 + (m + 2.0 * 0.25 - 0.1) * 0.5
    assert m == pytest.approx(0.6, rel=1e-12)
