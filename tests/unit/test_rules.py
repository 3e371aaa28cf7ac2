"""Unit tests for sim.rules: each phase on small hand-built arrays with exact values.

Random draws are chosen just below or just above the probability the code
should compute (a relative margin of 1e-9), so each test pins the formula.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import rules
from sim.params import DecisionParams
from sim.population import Stage, members_per_platform, membership_bits

U, A, M, ACT, L = (Stage.UNAWARE, Stage.AWARE, Stage.MEMBER, Stage.ACTIVE, Stage.LAPSED)
BELOW, ABOVE = 1 - 1e-9, 1 + 1e-9


def stages(*values: Stage) -> np.ndarray:
    return np.array([int(v) for v in values], dtype=np.int8)


def hazard(rate: float, dt: float) -> float:
    return 1.0 - math.exp(-rate * dt)


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ---------------------------------------------------------------------------
# Hazards
# ---------------------------------------------------------------------------


def test_hazard_probability_is_one_minus_exp():
    rates = np.array([0.0, 0.1, 0.5, 2.0])
    expected = [0.0, 1 - math.exp(-0.2), 1 - math.exp(-1.0), 1 - math.exp(-4.0)]
    np.testing.assert_allclose(rules.hazard_probability(rates, 2.0), expected, rtol=1e-15)
    assert rules.hazard_probability(0.3, 1.0) == pytest.approx(1 - math.exp(-0.3), rel=1e-15)


def test_hazard_probability_is_accurate_for_tiny_rates_and_saturates():
    # 1 - exp(-x) computed naively loses all digits at x = 1e-12; expm1 keeps them
    assert rules.hazard_probability(1e-12, 1.0) == pytest.approx(1e-12, rel=1e-9)
    assert rules.hazard_probability(100.0, 1.0) == 1.0


def test_hazard_probability_composes_over_steps():
    # two steps of dt survive like one step of 2 dt: (1 - p1)^2 = 1 - p2
    p1 = rules.hazard_probability(0.37, 0.5)
    p2 = rules.hazard_probability(0.37, 1.0)
    assert (1 - p1) ** 2 == pytest.approx(1 - p2, rel=1e-14)


def test_logistic_values_and_no_overflow():
    x = np.array([-1000.0, -2.0, 0.0, 2.0, 1000.0])
    with np.errstate(all="raise"):
        out = rules.logistic(x)
    np.testing.assert_allclose(out, [0.0, logistic(-2), 0.5, logistic(2), 1.0], atol=1e-15)


# ---------------------------------------------------------------------------
# Awareness
# ---------------------------------------------------------------------------


def test_become_aware_draws_below_and_above_the_hazard():
    p_media, q_wom, dt = 0.01, 0.2, 2.0
    share = np.array([0.0, 0.5, 1.0, 0.25])
    probs = np.array([hazard(p_media + q_wom * s, dt) for s in share])
    stage = stages(U, U, U, U)
    kw = dict(
        stage=stage,
        share_informed_neighbours=share,
        media_per_week=p_media,
        word_of_mouth_per_week=q_wom,
        dt=dt,
    )
    below = rules.become_aware(**kw, draws=probs * BELOW)
    above = rules.become_aware(**kw, draws=probs * ABOVE)
    np.testing.assert_array_equal(below, stages(A, A, A, A))
    np.testing.assert_array_equal(above, stages(U, U, U, U))
    assert below.dtype == np.int8


def test_become_aware_leaves_informed_actors_alone():
    stage = stages(A, M, ACT, L, U)
    out = rules.become_aware(
        stage=stage,
        share_informed_neighbours=np.ones(5),
        media_per_week=1.0,
        word_of_mouth_per_week=1.0,
        dt=1.0,
        draws=np.zeros(5),
    )
    np.testing.assert_array_equal(out, stages(A, M, ACT, L, A))


def test_become_aware_media_only():
    # p = 0.05, q irrelevant when no neighbour is informed: P = 1 - e^-0.05
    p = hazard(0.05, 1.0)
    out = rules.become_aware(
        stage=stages(U, U),
        share_informed_neighbours=np.zeros(2),
        media_per_week=0.05,
        word_of_mouth_per_week=9.0,
        dt=1.0,
        draws=np.array([p * BELOW, p * ABOVE]),
    )
    np.testing.assert_array_equal(out, stages(A, U))


# ---------------------------------------------------------------------------
# Membership
# ---------------------------------------------------------------------------


def test_join_rate_table_formula():
    fit = np.array([[0.6, 1.0, 0.1], [0.6, 0.1, 0.5]])
    attractiveness = np.array([1.0, 0.6, 0.6])
    member_share = np.array([0.5, 0.25, 0.0])
    table = rules.join_rate_table(
        fit=fit,
        attractiveness=attractiveness,
        member_share=member_share,
        network_effect=2.0,
        join_per_week=0.03,
    )
    # rate = join * fit * (attr + ne * share): pulls 2.0, 1.1, 0.6
    expected = 0.03 * fit * np.array([2.0, 1.1, 0.6])[None, :]
    np.testing.assert_allclose(table, expected, rtol=1e-15)
    assert table[0, 0] == pytest.approx(0.03 * 0.6 * 2.0)


def test_pick_bit_chooses_in_proportion_to_weight():
    weights = np.array([[1.0, 3.0], [1.0, 3.0], [0.0, 2.0], [2.0, 0.0], [1.0, 1.0], [0, 1.0]])
    draws = np.array([0.24, 0.26, 0.0, 0.999, 0.5, 0.0])
    # cumulative [1, 4]: 0.24*4 = 0.96 -> 0; 0.26*4 = 1.04 -> 1; zero weights never chosen
    np.testing.assert_array_equal(rules.pick_bit(weights, draws), [0, 1, 1, 0, 1, 1])


TWO = membership_bits(2)  # sets: 0 = none, 1 = {0}, 2 = {1}, 3 = {0, 1}


def test_membership_bits_rows():
    np.testing.assert_array_equal(TWO, [[0, 0], [1, 0], [0, 1], [1, 1]])


def test_members_per_platform_counts_each_bit():
    membership = np.array([0, 1, 3, 5, 4, 4, 1 << 11], dtype=np.uint16)
    # platform 0: sets 1, 3, 5; platform 1: set 3; platform 2: sets 5, 4, 4; 11: one
    expected = [3, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    np.testing.assert_array_equal(members_per_platform(membership, 12), expected)
    sets = np.bincount(membership[:6], minlength=8)
    np.testing.assert_array_equal(
        members_per_platform(membership[:6], 3), sets @ membership_bits(3)
    )


def run_memberships(stage, membership, join_draws, leave_draws, skill=None, table=None, **kw):
    n = len(stage)
    table = np.array([[0.2, 0.6]]) if table is None else table
    skill = np.ones(n) if skill is None else np.asarray(skill, dtype=float)
    return rules.update_memberships(
        stage=stage,
        membership=np.asarray(membership, dtype=np.uint16),
        group=np.zeros(n, dtype=np.int64),
        digital=skill,  # with exponent gamma = 1 below: the skill factor itself
        digital_exponent=1.0,
        join_table=table,
        bits=TWO,
        leave_per_week=kw.get("leave_per_week", 0.05),
        dt=kw.get("dt", 2.0),
        draws=np.vstack([join_draws, leave_draws]).astype(float),
    )


def joins_from_nothing(join_draws, **kw):
    """AWARE actors on no platform: d = 0.25, gamma = 2.5, open rates 0.2 + 0.6, dt 2."""
    n = len(join_draws)
    return rules.update_memberships(
        stage=stages(*[A] * n),
        membership=np.zeros(n, np.uint16),
        group=np.zeros(n, np.int64),
        digital=np.full(n, 0.25),
        digital_exponent=2.5,
        join_table=np.array([[0.2, 0.6]]),
        bits=TWO,
        leave_per_week=0.0,
        dt=2.0,
        draws=np.array([join_draws, [1.0] * n]),
        **kw,
    )


def test_join_hazard_uses_digital_skill_to_the_power_gamma():
    # d = 0.25, gamma = 2.5: factor 0.25 ** 2.5 = 1/32; open rates 0.2 + 0.6, dt 2
    p = hazard(0.8 / 32, 2.0)
    st, mem = joins_from_nothing([p * BELOW, p * ABOVE])
    np.testing.assert_array_equal(st, stages(M, A))
    assert mem[0] != 0 and mem[1] == 0


def test_join_hazard_is_skill_factor_times_open_rates():
    # skill factor 0.5, open rates 0.2 + 0.6, dt 2: P = 1 - exp(-0.5 * 0.8 * 2)
    p = hazard(0.5 * 0.8, 2.0)
    stage = stages(A, A)
    st, mem = run_memberships(stage, [0, 0], [p * BELOW, p * ABOVE], [1, 1], skill=[0.5, 0.5])
    np.testing.assert_array_equal(st, stages(M, A))
    assert mem[0] != 0 and mem[1] == 0


def test_joined_platform_is_chosen_in_proportion_to_its_rate():
    # rates 0.2 and 0.6: the draw, rescaled to [0, 1) within p, picks platform 0 below 1/4
    p = hazard(0.8, 2.0)
    st, mem = run_memberships(stages(A, A), [0, 0], [0.2 * p, 0.3 * p], [1, 1])
    np.testing.assert_array_equal(mem, [1, 2])  # {0} and {1}
    np.testing.assert_array_equal(st, stages(M, M))


def test_only_open_platforms_can_be_joined():
    # on platform 0 already: the open rate is 0.6 only, and the join must be platform 1
    p = hazard(0.6, 2.0)
    st, mem = run_memberships(stages(M, M), [1, 1], [p * BELOW, p * ABOVE], [1, 1])
    np.testing.assert_array_equal(mem, [3, 1])
    np.testing.assert_array_equal(st, stages(M, M))
    # on every platform: nothing left to join whatever the draw
    st, mem = run_memberships(stages(M), [3], [0.0], [1.0])
    np.testing.assert_array_equal(mem, [3])


def test_unaware_and_unskilled_actors_never_join():
    st, mem = run_memberships(stages(U, A), [0, 0], [0.0, 0.0], [1, 1], skill=[1.0, 0.0])
    np.testing.assert_array_equal(st, stages(U, A))
    np.testing.assert_array_equal(mem, [0, 0])


def test_member_or_lapsed_losing_last_platform_falls_back_to_aware():
    p_leave = hazard(0.05, 2.0)  # one platform: hazard 1 * leave_per_week
    stage = stages(M, L, M, L)
    leave = np.array([p_leave * BELOW, p_leave * BELOW, p_leave * ABOVE, p_leave * ABOVE])
    st, mem = run_memberships(stage, [2, 1, 2, 1], [1, 1, 1, 1], leave)
    np.testing.assert_array_equal(mem, [0, 0, 2, 1])
    np.testing.assert_array_equal(st, stages(A, A, M, L))


def test_leaving_one_of_two_platforms_keeps_the_member():
    # two platforms: leave hazard 2 * 0.05; the platform left is uniform (draw below 1/2 -> 0)
    p_leave = hazard(0.1, 2.0)
    leave = np.array([0.25 * p_leave, 0.75 * p_leave, p_leave * ABOVE])
    st, mem = run_memberships(stages(M, L, M), [3, 3, 3], [1, 1, 1], leave)
    np.testing.assert_array_equal(mem, [2, 1, 3])
    np.testing.assert_array_equal(st, stages(M, L, M))


def test_active_actors_never_leave_and_aware_cannot_leave():
    st, mem = run_memberships(stages(ACT, ACT, A), [1, 3, 0], [1, 1, 1], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(mem, [1, 3, 0])
    np.testing.assert_array_equal(st, stages(ACT, ACT, A))


def test_active_actor_may_join_another_platform_and_stays_active():
    st, mem = run_memberships(stages(ACT), [1], [0.0], [0.0])
    np.testing.assert_array_equal(mem, [3])
    np.testing.assert_array_equal(st, stages(ACT))


def test_groups_select_rows_of_the_join_table():
    table = np.array([[0.0, 0.0], [0.0, 0.5]])  # group 0 cannot join, group 1 only platform 1
    p = hazard(0.5, 1.0)
    st, mem = rules.update_memberships(
        stage=stages(A, A),
        membership=np.zeros(2, np.uint16),
        group=np.array([0, 1]),
        digital=np.ones(2),
        digital_exponent=2.5,
        join_table=table,
        bits=TWO,
        leave_per_week=0.0,
        dt=1.0,
        draws=np.array([[0.0, p * BELOW], [1.0, 1.0]]),
    )
    np.testing.assert_array_equal(mem, [0, 2])
    np.testing.assert_array_equal(st, stages(A, M))


# ---------------------------------------------------------------------------
# Utility
# ---------------------------------------------------------------------------


def test_effective_skill():
    f = np.array([0.64, 0.64, 0.64, 0.0, 1.0])
    d = np.array([0.25, 0.25, 0.25, 0.9, 0.0])
    omega = np.array([0.5, 1.0, 0.0, 0.5, 0.5])
    out = np.array([rules.effective_skill(f[i], d[i], omega[i]) for i in range(5)])
    np.testing.assert_allclose(out, [0.4, 0.64, 0.25, 0.0, 0.0], atol=1e-15)
    assert rules.effective_skill(0.81, 0.16, 0.25) == pytest.approx(0.81**0.25 * 0.16**0.75)


def test_join_hazard_uses_foundation_to_the_power_phi_beside_digital_skill():
    # d = 0.25, gamma = 2.5: 1/32; f = 0.5, phi = 2: 1/4; open rates 0.2 + 0.6, dt 2
    p = hazard(0.8 / 128, 2.0)
    draws = [p * BELOW, p * ABOVE, hazard(0.8 / 32, 2.0) * BELOW]
    st, _ = joins_from_nothing(draws, foundation=np.full(3, 0.5), foundation_exponent=2.0)
    np.testing.assert_array_equal(st, stages(M, A, A))
    # phi = 0: foundation plays no part, whatever it is (the model before phi)
    st, _ = joins_from_nothing(draws, foundation=np.zeros(3), foundation_exponent=0.0)
    np.testing.assert_array_equal(st, stages(M, M, M))


def test_self_efficacy_scales_the_expected_benefit_by_skill_to_the_sigma():
    args = dict(
        alpha=np.array([1.0, 4.0]),
        beta=np.array([9.0, 16.0]),
        risk_aversion=np.array([0.5, 0.0]),
        perceived_risk=np.zeros(2),
        complexity=np.zeros(2),
        skill=np.array([0.4, 0.25]),
        share_active_neighbours=np.zeros(2),
    )
    plain = DecisionParams(gain=8.0, cost=0.0)
    sd0 = math.sqrt(9 / 1100)
    np.testing.assert_allclose(
        rules.adoption_utility(**args, decision=plain), [8 * (0.1 - 0.5 * sd0), 8 * 0.2]
    )
    # sigma = 2: the mean is scaled by q^2 (0.16 and 0.0625), the uncertainty is not
    efficacious = DecisionParams(gain=8.0, cost=0.0, self_efficacy=2.0)
    np.testing.assert_allclose(
        rules.adoption_utility(**args, decision=efficacious),
        [8 * (0.1 * 0.16 - 0.5 * sd0), 8 * 0.2 * 0.0625],
        rtol=1e-13,
    )


def test_adoption_utility_by_hand():
    alpha = np.array([1.0, 4.0, 2.0])
    beta = np.array([9.0, 16.0, 2.0])
    rho = np.array([0.5, 0.0, 1.0])
    risk = np.array([0.5, 0.4, 0.0])
    complexity = np.array([0.6, 0.3, 1.0])
    skill = np.array([0.4, 1.0, 0.5])
    share = np.array([0.25, 0.0, 1.0])
    out = rules.adoption_utility(
        alpha=alpha,
        beta=beta,
        risk_aversion=rho,
        perceived_risk=risk,
        complexity=complexity,
        skill=skill,
        share_active_neighbours=share,
        decision=DecisionParams(
            gain=8.0, risk_weight=1.0, complexity_weight=1.5, peer_weight=1.0, cost=0.2
        ),
    )
    # actor 0: mean 0.1, sd sqrt(1*9 / (100 * 11)) = 0.0904534
    #   8 (0.1 - 0.5 * 0.0904534) - 0.5*0.5 - 1.5*0.6*0.6 + 0.25 - 0.2 = -0.3018138
    sd0 = math.sqrt(9 / 1100)
    u0 = 8 * (0.1 - 0.5 * sd0) - 0.25 - 0.54 + 0.25 - 0.2
    # actor 1: risk-neutral: 8 * 0.2 - 0 - 0 + 0 - 0.2 = 1.4
    u1 = 1.4
    # actor 2: mean 0.5, sd sqrt(4 / (16 * 5)) = 0.2236068; 8 (0.5 - 0.2236) - 0 - 0.75 + 1 - 0.2
    sd2 = math.sqrt(4 / 80)
    u2 = 8 * (0.5 - sd2) - 0.0 - 1.5 * 1.0 * 0.5 + 1.0 - 0.2
    np.testing.assert_allclose(out, [u0, u1, u2], rtol=1e-13)
    assert out[0] == pytest.approx(-0.3018138, abs=1e-6)


def test_adoption_utility_uncertainty_lowers_utility_for_the_risk_averse():
    # same mean belief 0.1, less evidence -> larger sd -> lower utility when rho > 0 only
    decision = DecisionParams(
        gain=8.0, risk_weight=0.0, complexity_weight=0.0, peer_weight=0.0, cost=0.0
    )
    ones, zeros = np.ones(2), np.zeros(2)
    args = dict(
        alpha=np.array([1.0, 10.0]),
        beta=np.array([9.0, 90.0]),
        perceived_risk=zeros,
        complexity=zeros,
        skill=ones,
        share_active_neighbours=zeros,
        decision=decision,
    )
    averse = rules.adoption_utility(risk_aversion=ones, **args)
    neutral = rules.adoption_utility(risk_aversion=zeros, **args)
    assert averse[0] < averse[1] < 0.8
    np.testing.assert_allclose(neutral, [0.8, 0.8], rtol=1e-15)


def test_activate_utility_hazards_by_hand():
    kappa_on, kappa_off, lam, dt = 0.1, 0.02, 2.0, 1.5
    utility = np.array([0.0, 1.0, 0.0, -1.0])
    stage = stages(M, L, ACT, ACT)
    p_on0 = hazard(kappa_on * 0.5, dt)
    p_on1 = hazard(kappa_on * logistic(2.0), dt)
    p_off0 = hazard(kappa_off * 0.5, dt)
    p_off1 = hazard(kappa_off * logistic(2.0), dt)  # logistic(-lam * -1)
    probs = np.array([p_on0, p_on1, p_off0, p_off1])
    kw = dict(
        stage=stage, utility=utility, kappa_on=kappa_on, kappa_off=kappa_off, steepness=lam, dt=dt
    )
    below = rules.activate_utility(**kw, draws=probs * BELOW)
    above = rules.activate_utility(**kw, draws=probs * ABOVE)
    np.testing.assert_array_equal(below, stages(ACT, ACT, L, L))
    np.testing.assert_array_equal(above, stages(M, L, ACT, ACT))


def test_activate_utility_only_members_and_lapsed_activate():
    stage = stages(U, A, M, L, ACT)
    out = rules.activate_utility(
        stage=stage,
        utility=np.full(5, 100.0),
        kappa_on=50.0,
        kappa_off=0.0,
        steepness=2.0,
        dt=1.0,
        draws=np.zeros(5),
    )
    np.testing.assert_array_equal(out, stages(U, A, ACT, ACT, ACT))


def test_activate_utility_high_utility_lapses_rarely():
    # U = +5, lambda 2: lapse hazard kappa_off * logistic(-10) ~ 0.02 * 4.5e-5
    p_off = hazard(0.02 * logistic(-10.0), 1.0)
    assert p_off < 1e-6
    out = rules.activate_utility(
        stage=stages(ACT),
        utility=np.array([5.0]),
        kappa_on=0.1,
        kappa_off=0.02,
        steepness=2.0,
        dt=1.0,
        draws=np.array([1e-6]),
    )
    np.testing.assert_array_equal(out, stages(ACT))


# ---------------------------------------------------------------------------
# Threshold
# ---------------------------------------------------------------------------


def test_activate_threshold_share_variant():
    stage = stages(M, U, A, U, L, ACT, M, U)
    n_active = np.array([1.0, 2.0, 1.0, 0.0, 0.0, 0.0, 3.0, 1.0])
    degree = np.array([3, 3, 2, 0, 4, 4, 10, 3])
    phi = np.array([0.5, 0.5, 0.5, 0.0, 0.0, 1.0, 0.3, 1 / 3])
    out = rules.activate_threshold(
        stage=stage,
        n_active_neighbours=n_active,
        degree=degree,
        threshold=phi,
        threshold_count=None,
    )
    # 1/3 < .5 no; 2/3 yes; 1/2 == .5 yes (boundary); isolated never (even phi 0);
    # 0/4 >= 0 yes; ACTIVE stays; 3/10 == 0.3 yes; 1/3 == 1/3 yes
    np.testing.assert_array_equal(out, stages(M, ACT, ACT, U, ACT, ACT, ACT, ACT))


def test_activate_threshold_just_below_boundary():
    phi = np.array([np.nextafter(0.5, 1.0)])
    out = rules.activate_threshold(
        stage=stages(M),
        n_active_neighbours=np.array([1.0]),
        degree=np.array([2]),
        threshold=phi,
        threshold_count=None,
    )
    np.testing.assert_array_equal(out, stages(M))


def test_activate_threshold_count_variant():
    stage = stages(M, M, U, A, ACT)
    n_active = np.array([1.0, 2.0, 3.0, 0.0, 0.0])
    degree = np.array([5, 5, 3, 0, 2])
    phi = np.zeros(5)  # ignored when a count is given
    out = rules.activate_threshold(
        stage=stage, n_active_neighbours=n_active, degree=degree, threshold=phi, threshold_count=2
    )
    np.testing.assert_array_equal(out, stages(M, ACT, ACT, A, ACT))


def test_activate_threshold_accepts_integer_counts():
    out = rules.activate_threshold(
        stage=stages(M, M),
        n_active_neighbours=np.array([1, 2]),
        degree=np.array([2, 4]),
        threshold=np.array([0.5, 0.6]),
        threshold_count=None,
    )
    np.testing.assert_array_equal(out, stages(ACT, M))


# ---------------------------------------------------------------------------
# Bass
# ---------------------------------------------------------------------------


def test_activate_bass_probability_by_hand():
    p, q, dt = 0.03, 0.38, 1.0
    share = np.array([0.0, 0.5, 1.0, 1.0])
    probs = np.array([0.03, 0.22, 0.41, 0.41])
    stage = stages(U, A, M, L)
    kw = dict(stage=stage, share_active_neighbours=share, p=p, q=q, dt=dt)
    below = rules.activate_bass(**kw, draws=probs * BELOW)
    above = rules.activate_bass(**kw, draws=probs * ABOVE)
    np.testing.assert_array_equal(below, stages(ACT, ACT, ACT, ACT))
    np.testing.assert_array_equal(above, stage)


def test_activate_bass_scales_with_dt_and_caps_at_one():
    # (0.1 + 0) * 0.5 = 0.05
    out = rules.activate_bass(
        stage=stages(U, U),
        share_active_neighbours=np.zeros(2),
        p=0.1,
        q=0.0,
        dt=0.5,
        draws=np.array([0.0499, 0.0501]),
    )
    np.testing.assert_array_equal(out, stages(ACT, U))
    # (0.5 + 1 * 1) * 2 = 3 -> capped at 1: even a draw of 0.999999 activates
    out = rules.activate_bass(
        stage=stages(U),
        share_active_neighbours=np.ones(1),
        p=0.5,
        q=1.0,
        dt=2.0,
        draws=np.array([0.999999]),
    )
    np.testing.assert_array_equal(out, stages(ACT))


def test_activate_bass_active_is_absorbing():
    out = rules.activate_bass(
        stage=stages(ACT, ACT),
        share_active_neighbours=np.zeros(2),
        p=0.0,
        q=0.0,
        dt=1.0,
        draws=np.array([0.0, 0.99]),
    )
    np.testing.assert_array_equal(out, stages(ACT, ACT))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    kappa_on=st.floats(0.0, 5.0),
    kappa_off=st.floats(0.0, 5.0),
    steepness=st.floats(0.01, 50.0),
    dt=st.floats(0.01, 10.0),
)
def test_no_actor_above_the_kappa_bound_changes_whatever_its_utility(
    seed, kappa_on, kappa_off, steepness, dt
):
    # the model computes utility only for actors whose draw is below this bound (thinning)
    g = np.random.default_rng(seed)
    stage = g.choice([M, ACT, L], size=500).astype(np.int8)
    utility = g.normal(0, 20, size=500)
    draws = g.random(500)
    out = rules.activate_utility(
        stage=stage,
        utility=utility,
        kappa_on=kappa_on,
        kappa_off=kappa_off,
        steepness=steepness,
        dt=dt,
        draws=draws,
    )
    bound = np.where(stage == ACT, hazard(kappa_off, dt), hazard(kappa_on, dt))
    above = draws >= bound
    np.testing.assert_array_equal(out[above], stage[above])
