"""Unit tests for sim.learning: exact values of each phase on hand-built arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.learning import (
    fall_with_use,
    platform_churn,
    relax,
    update_beliefs,
    update_digital,
)

E = math.exp


def test_relax_moves_the_share_one_minus_exp():
    # 0.2 toward 1 at 0.5/week for 2 weeks: 1 - 0.8 e^-1
    assert relax(np.array([0.2]), 1.0, 0.5, 2.0)[0] == pytest.approx(1 - 0.8 * E(-1.0), rel=1e-15)
    # per-element rates and targets
    out = relax(np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.5]), np.array([0.0, 1.0, 3.0]), 1)
    np.testing.assert_allclose(out, [0.0, E(-1.0), 0.5], rtol=1e-15)


def test_relax_is_step_length_independent():
    x = np.array([0.9, 0.1])
    one = relax(x, 0.3, 0.07, 4.0)
    four = x
    for _ in range(4):
        four = relax(four, 0.3, 0.07, 1.0)
    np.testing.assert_allclose(one, four, rtol=1e-13)


def test_platform_churn_erodes_digital_and_adds_complexity():
    digital = np.array([0.8, 0.8, 0.5])
    complexity = np.array([0.4, 0.4, 0.9])
    # churn exposure per membership set (set 0 = no platform); actor i is in set i
    membership = np.array([0, 1, 2], dtype=np.uint16)
    exposure_by_set = np.array([0.0, 0.02, 0.1])
    d, c = platform_churn(
        digital=digital,
        complexity=complexity,
        membership=membership,
        churn_by_set_per_week=exposure_by_set,
        erosion=2.0,
        confusion=0.5,
        dt=3.0,
    )
    np.testing.assert_allclose(d, [0.8, 0.8 * E(-0.12), 0.5 * E(-0.6)], rtol=1e-14)
    np.testing.assert_allclose(c, [0.4, 1 - 0.6 * E(-0.03), 1 - 0.1 * E(-0.15)], rtol=1e-14)
    assert np.all(d <= digital) and np.all(c >= complexity) and np.all(c <= 1)


def test_platform_churn_looks_up_the_set_of_each_actor():
    # two actors share set 3; set 1 has no churn
    membership = np.array([3, 1, 3], dtype=np.uint16)
    exposure_by_set = np.array([0.0, 0.0, 0.5, 1.0])
    d, c = platform_churn(
        digital=np.full(3, 0.5),
        complexity=np.full(3, 0.5),
        membership=membership,
        churn_by_set_per_week=exposure_by_set,
        erosion=1,
        confusion=1,
        dt=1,
    )
    np.testing.assert_allclose(d, [0.5 * E(-1), 0.5, 0.5 * E(-1)], rtol=1e-15)
    np.testing.assert_allclose(c, [1 - 0.5 * E(-1), 0.5, 1 - 0.5 * E(-1)], rtol=1e-15)


def test_update_beliefs_exact_pseudo_counts():
    alpha = np.array([1.0, 3.0, 2.0])
    beta = np.array([9.0, 20.0, 9.0])
    own_s = np.array([0.0, 2.0, 0.0])
    own_f = np.array([0.0, 5.0, 1.0])
    shared_s = np.array([1.0, 0.5, 0.0])
    shared_f = np.array([4.0, 1.5, 2.0])
    sharing = np.array([0.3, 0.3, 0.0])
    a, b = update_beliefs(
        alpha=alpha,
        beta=beta,
        own_successes=own_s,
        own_failures=own_f,
        shared_successes=shared_s,
        shared_failures=shared_f,
        sharing=sharing,
        prior=(1.0, 9.0),
        decay_per_week=0.02,
        dt=2.0,
    )
    k = E(-0.04)
    # actor 0: alpha 1 + 0.3*1 = 1.3, beta 9 + 0.3*4 = 10.2; then decay toward (1, 9)
    # actor 1: alpha 3 + 2 + 0.15 = 5.15, beta 20 + 5 + 0.45 = 25.45
    # actor 2: sharing 0 -> alpha 2, beta 9 + 1 = 10
    np.testing.assert_allclose(a, [1 + 0.3 * k, 1 + 4.15 * k, 1 + 1.0 * k], rtol=1e-14)
    np.testing.assert_allclose(b, [9 + 1.2 * k, 9 + 16.45 * k, 9 + 1.0 * k], rtol=1e-14)


def test_update_beliefs_scalar_sharing_and_no_decay():
    a, b = update_beliefs(
        alpha=np.array([1.0]),
        beta=np.array([9.0]),
        own_successes=np.array([1.0]),
        own_failures=np.array([3.0]),
        shared_successes=np.array([2.0]),
        shared_failures=np.array([2.0]),
        sharing=0.5,
        prior=(1.0, 9.0),
        decay_per_week=0.0,
        dt=1.0,
    )
    assert (a[0], b[0]) == (3.0, 13.0)


def test_update_beliefs_decay_returns_to_prior_without_evidence():
    zeros = np.zeros(1)
    a, b = np.array([11.0]), np.array([29.0])
    for _ in range(50):
        a, b = update_beliefs(
            alpha=a,
            beta=b,
            own_successes=zeros,
            own_failures=zeros,
            shared_successes=zeros,
            shared_failures=zeros,
            sharing=0.3,
            prior=(1.0, 9.0),
            decay_per_week=0.02,
            dt=1.0,
        )
    k = E(-0.02 * 50)
    assert a[0] == pytest.approx(1 + 10 * k, rel=1e-12)
    assert b[0] == pytest.approx(9 + 20 * k, rel=1e-12)


def test_update_digital_practice_and_peers():
    digital = np.array([0.2, 0.2, 0.6, 0.9])
    active = np.array([1.0, 0.0, 1.0, 0.0])
    neighbour = np.array([0.0, 0.7, 0.1, 0.95])
    out = update_digital(
        digital=digital,
        is_active=active,
        neighbour_digital=neighbour,
        practice_per_week=0.1,
        peer_per_week=0.5,
        dt=2.0,
    )
    # actor 0: practice 1 - 0.8 e^-0.2; its peers know less -> no pull
    p0 = 1 - 0.8 * E(-0.2)
    # actor 1: inactive, no practice; pulled toward 0.7: 0.7 - 0.5 e^-1
    p1 = 0.7 - 0.5 * E(-1.0)
    # actor 2: practice 1 - 0.4 e^-0.2, peers 0.1 below -> unchanged by peers
    p2 = 1 - 0.4 * E(-0.2)
    # actor 3: inactive; toward 0.95: 0.95 - 0.05 e^-1
    p3 = 0.95 - 0.05 * E(-1.0)
    np.testing.assert_allclose(out, [p0, p1, p2, p3], rtol=1e-14)


def test_update_digital_practice_then_peers_compose():
    # active actor whose peers know more than its practised skill: practice, then pull
    out = update_digital(
        digital=np.array([0.2]),
        is_active=np.array([1.0]),
        neighbour_digital=np.array([0.9]),
        practice_per_week=0.1,
        peer_per_week=0.5,
        dt=1.0,
    )
    practised = 1 - 0.8 * E(-0.1)
    expected = 0.9 + (practised - 0.9) * E(-0.5)
    assert out[0] == pytest.approx(expected, rel=1e-14)


def test_fall_with_use_exact_and_floor():
    complexity = np.array([0.6, 0.6, 0.6, 0.05, 0.1, 0.3])
    active = np.array([1.0, 0.0, 1.0, 1.0, 1.0, 0.0])
    share = np.array([0.0, 0.5, 0.5, 1.0, 1.0, 0.0])
    sharing = np.array([0.3, 0.4, 0.3, 0.3, 0.3, 0.3])
    out = fall_with_use(
        value=complexity,
        is_active=active,
        share_active_neighbours=share,
        sharing=sharing,
        own_per_week=0.02,
        sharing_per_week=0.1,
        floor=0.1,
        dt=5.0,
    )
    r0 = 0.02
    r1 = 0.1 * 0.4 * 0.5
    r2 = 0.02 + 0.1 * 0.3 * 0.5
    np.testing.assert_allclose(
        out,
        [
            0.1 + 0.5 * E(-r0 * 5),
            0.1 + 0.5 * E(-r1 * 5),
            0.1 + 0.5 * E(-r2 * 5),
            0.05,  # below the floor: unchanged (not pushed up to it)
            0.1,  # at the floor: unchanged
            0.3,  # no use, no shared experience: unchanged
        ],
        rtol=1e-14,
    )
    assert out[3] == 0.05


def test_fall_with_use_never_crosses_the_floor():
    c = np.array([0.9])
    for _ in range(200):
        c = fall_with_use(
            value=c,
            is_active=np.array([1.0]),
            share_active_neighbours=np.array([1.0]),
            sharing=1.0,
            own_per_week=2.0,
            sharing_per_week=2.0,
            floor=0.25,
            dt=1.0,
        )
        assert c[0] >= 0.25
    assert c[0] == pytest.approx(0.25, abs=1e-12)
