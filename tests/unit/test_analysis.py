"""Unit tests for sim.analysis (pure analytical benchmarks and statistics)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis.cascades import cascade_condition, cascade_window
from sim.analysis.curves import bass_closed_form, bass_euler, crossing_time
from sim.analysis.fitting import fit_bass
from sim.analysis.intervals import binomial_ci, mean_ci

P, Q = 0.03, 0.38


# ---------------------------------------------------------------------------
# Bass closed form
# ---------------------------------------------------------------------------


def test_bass_closed_form_boundary_values():
    assert bass_closed_form(np.array([0.0]), P, Q)[0] == 0.0
    assert bass_closed_form(np.array([200.0]), P, Q)[0] == pytest.approx(1.0, abs=1e-12)


def test_bass_closed_form_pure_innovation_is_exponential():
    # q = 0: F(t) = 1 - exp(-p t); at t = 10, p = 0.1 -> 1 - e^-1 = 0.6321205588
    f = bass_closed_form(np.array([10.0]), 0.1, 0.0)
    assert f[0] == pytest.approx(0.6321205588285577, abs=1e-12)


def test_bass_closed_form_hand_value_t1():
    # t = 1: e^-0.41 = 0.6636502501363194
    # F = (1 - 0.66365025) / (1 + (0.38/0.03) * 0.66365025) = 0.33634975 / 9.40623651 = 0.0357581
    f = bass_closed_form(np.array([1.0]), P, Q)[0]
    assert f == pytest.approx(0.33634974986368 / 9.406236501726713, rel=1e-12)
    assert f == pytest.approx(0.0357581, abs=1e-7)


def test_bass_closed_form_initial_slope_is_p():
    h = 1e-7
    f = bass_closed_form(np.array([h]), P, Q)[0]
    assert f / h == pytest.approx(P, rel=1e-5)


def test_bass_closed_form_solves_the_ode():
    t = np.linspace(0.5, 30.0, 40)
    h = 1e-5
    deriv = (bass_closed_form(t + h, P, Q) - bass_closed_form(t - h, P, Q)) / (2 * h)
    f = bass_closed_form(t, P, Q)
    np.testing.assert_allclose(deriv, (P + Q * f) * (1 - f), rtol=1e-7, atol=1e-10)


def test_bass_closed_form_t50_and_inflection():
    t = np.linspace(0.0, 40.0, 40001)
    f = bass_closed_form(t, P, Q)
    # F(t50) = 1/2  <=>  e^{-(p+q)t} = p / (2p + q)  <=>  t50 = ln(2 + q/p) / (p + q)
    # = ln(14.6667) / 0.41 = 2.685577 / 0.41 = 6.5502
    t50 = math.log(2 + Q / P) / (P + Q)
    assert t50 == pytest.approx(6.5502, abs=1e-4)
    assert bass_closed_form(np.array([t50]), P, Q)[0] == pytest.approx(0.5, abs=1e-12)
    assert crossing_time(t, f, 0.5) == pytest.approx(t50, abs=1e-6)
    # Peak adoption rate (inflection) at t* = ln(q/p)/(p+q) = 6.1926, where F = (q-p)/(2q)
    t_star = math.log(Q / P) / (P + Q)
    assert t_star == pytest.approx(6.1926, abs=1e-4)
    f_star = bass_closed_form(np.array([t_star]), P, Q)[0]
    assert f_star == pytest.approx((Q - P) / (2 * Q), abs=1e-12)  # 0.4605263
    rate = (P + Q * f) * (1 - f)
    assert t[np.argmax(rate)] == pytest.approx(t_star, abs=1e-3)


def test_bass_closed_form_keeps_shape():
    t = np.arange(6.0).reshape(2, 3)
    assert bass_closed_form(t, P, Q).shape == (2, 3)


@pytest.mark.parametrize(("p", "q"), [(0.0, 0.3), (-0.1, 0.3), (0.03, -0.1), (math.nan, 0.3)])
def test_bass_closed_form_rejects_bad_rates(p, q):
    with pytest.raises(ValueError):
        bass_closed_form(np.array([1.0]), p, q)


@settings(max_examples=50, deadline=None)
@given(
    p=st.floats(min_value=1e-4, max_value=0.5),
    q=st.floats(min_value=0.0, max_value=2.0),
)
def test_bass_closed_form_monotone_and_bounded(p, q):
    f = bass_closed_form(np.linspace(0.0, 100.0, 201), p, q)
    assert np.all(f >= 0.0)
    assert np.all(f <= 1.0)
    assert np.all(np.diff(f) >= -1e-15)


# ---------------------------------------------------------------------------
# Bass Euler
# ---------------------------------------------------------------------------


def test_bass_euler_first_steps_by_hand():
    f = bass_euler(3, P, Q)
    assert f.shape == (4,)
    assert f[0] == 0.0
    # F1 = 0 + (0.03 + 0) * 1 = 0.03
    assert f[1] == pytest.approx(0.03, abs=1e-15)
    # F2 = 0.03 + (0.03 + 0.38*0.03) * 0.97 = 0.03 + 0.0414*0.97 = 0.070158
    assert f[2] == pytest.approx(0.070158, abs=1e-15)
    # F3 = 0.070158 + (0.03 + 0.38*0.070158) * 0.929842 = 0.070158 + 0.05666004*0.929842
    #    = 0.070158 + 0.05268488... = 0.12284288...
    assert f[3] == pytest.approx(0.070158 + 0.05666004 * 0.929842, abs=1e-14)


def test_bass_euler_dt_scales_step():
    # F1 = p * dt
    f = bass_euler(1, P, Q, dt=0.5)
    assert f[1] == pytest.approx(P * 0.5, abs=1e-15)


def test_bass_euler_zero_steps():
    np.testing.assert_array_equal(bass_euler(0, P, Q), np.array([0.0]))


def test_bass_euler_t50_dt1():
    f = bass_euler(20, P, Q)
    # F7 = 0.4776090, F8 = 0.5880902 (iterating the recursion by hand)
    assert f[7] == pytest.approx(0.4776090, abs=1e-7)
    assert f[8] == pytest.approx(0.5880902, abs=1e-7)
    # t50 = 7 + (0.5 - 0.4776090) / (0.5880902 - 0.4776090) = 7 + 0.022391/0.1104812 = 7.2027
    t50 = crossing_time(np.arange(21.0), f, 0.5)
    assert t50 == pytest.approx(7.2027, abs=1e-4)
    assert round(t50, 2) == 7.20


def test_bass_euler_converges_first_order_to_closed_form():
    exact = bass_closed_form(np.array([10.0]), P, Q)[0]
    err_coarse = abs(bass_euler(100, P, Q, dt=0.1)[-1] - exact)
    err_fine = abs(bass_euler(200, P, Q, dt=0.05)[-1] - exact)
    assert err_fine < 1e-2
    assert err_coarse / err_fine == pytest.approx(2.0, rel=0.05)


@pytest.mark.parametrize(("n", "dt"), [(-1, 1.0), (3, 0.0), (3, -1.0), (2.5, 1.0)])
def test_bass_euler_rejects_bad_arguments(n, dt):
    with pytest.raises(ValueError):
        bass_euler(n, P, Q, dt=dt)


# ---------------------------------------------------------------------------
# fit_bass
# ---------------------------------------------------------------------------


def test_fit_bass_recovers_noiseless_parameters():
    t = np.arange(0.0, 30.0)
    p_hat, q_hat = fit_bass(t, bass_closed_form(t, P, Q))
    assert p_hat == pytest.approx(P, abs=1e-4)
    assert q_hat == pytest.approx(Q, abs=1e-4)


@pytest.mark.parametrize(("p", "q"), [(0.01, 0.5), (0.1, 0.05), (0.002, 0.9)])
def test_fit_bass_recovers_other_parameters(p, q):
    t = np.linspace(0.0, 60.0, 61)
    p_hat, q_hat = fit_bass(t, bass_closed_form(t, p, q))
    assert p_hat == pytest.approx(p, abs=1e-4)
    assert q_hat == pytest.approx(q, abs=1e-4)


def test_fit_bass_noisy_curve_within_tolerance():
    rng = np.random.default_rng(12345)
    t = np.arange(0.0, 30.0)
    noisy = bass_closed_form(t, P, Q) + rng.normal(0.0, 0.01, t.size)
    p_hat, q_hat = fit_bass(t, noisy)
    assert p_hat == pytest.approx(P, abs=0.005)
    assert q_hat == pytest.approx(Q, abs=0.03)


def test_fit_bass_ignores_unsorted_order_and_nans():
    t = np.arange(0.0, 30.0)
    f = bass_closed_form(t, P, Q)
    perm = np.random.default_rng(0).permutation(t.size)
    t2, f2 = t[perm], f[perm].copy()
    f2[3] = np.nan
    p_hat, q_hat = fit_bass(t2, f2)
    assert p_hat == pytest.approx(P, abs=1e-4)
    assert q_hat == pytest.approx(Q, abs=1e-4)


def test_fit_bass_rejects_mismatched_inputs():
    with pytest.raises(ValueError):
        fit_bass(np.arange(5.0), np.arange(4.0))
    with pytest.raises(ValueError):
        fit_bass(np.array([1.0]), np.array([0.1]))


# ---------------------------------------------------------------------------
# crossing_time
# ---------------------------------------------------------------------------


def test_crossing_time_hand_interpolation():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    s = np.array([0.0, 0.2, 0.6, 0.9])
    # between (1, 0.2) and (2, 0.6): 1 + (0.5 - 0.2) / 0.4 = 1.75
    assert crossing_time(t, s, 0.5) == pytest.approx(1.75, abs=1e-12)
    # exact hit on a sample
    assert crossing_time(t, s, 0.6) == pytest.approx(2.0, abs=1e-12)
    # between (2, 0.6) and (3, 0.9): 2 + 0.2/0.3 = 2.6667
    assert crossing_time(t, s, 0.8) == pytest.approx(2 + 2 / 3, abs=1e-12)


def test_crossing_time_non_uniform_times():
    t = np.array([0.0, 10.0, 30.0])
    s = np.array([0.0, 0.25, 0.75])
    # 10 + (0.5 - 0.25) / 0.5 * 20 = 20
    assert crossing_time(t, s, 0.5) == pytest.approx(20.0, abs=1e-12)


def test_crossing_time_first_sample_already_above():
    t = np.array([5.0, 6.0, 7.0])
    assert crossing_time(t, np.array([0.7, 0.8, 0.9]), 0.5) == 5.0
    assert crossing_time(t, np.array([0.5, 0.8, 0.9]), 0.5) == 5.0


def test_crossing_time_never_reached_is_nan():
    t = np.array([0.0, 1.0, 2.0])
    assert math.isnan(crossing_time(t, np.array([0.1, 0.2, 0.3]), 0.5))


def test_crossing_time_uses_first_crossing_of_non_monotone_curve():
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    s = np.array([0.0, 1.0, 0.0, 0.0, 1.0])
    assert crossing_time(t, s, 0.5) == pytest.approx(0.5, abs=1e-12)


def test_crossing_time_rejects_mismatched_lengths():
    with pytest.raises(ValueError):
        crossing_time(np.arange(3.0), np.arange(4.0), 0.5)


# ---------------------------------------------------------------------------
# Watts cascade window
# ---------------------------------------------------------------------------


def _condition_by_explicit_sum(z: float, phi: float) -> float:
    # sum_k k (k-1) p_k over vulnerable degrees k <= K* = floor(1/phi), divided by z
    k_star = math.floor(1 / phi)
    total = sum(k * (k - 1) * math.exp(-z) * z**k / math.factorial(k) for k in range(0, k_star + 1))
    return total / z


@pytest.mark.parametrize("z", [0.5, 1.0, 2.0, 3.7, 5.0, 8.0])
@pytest.mark.parametrize("phi", [0.18, 0.25, 0.1, 0.4])
def test_cascade_condition_matches_degree_sum(z, phi):
    assert cascade_condition(z, phi) == pytest.approx(_condition_by_explicit_sum(z, phi), 1e-12)


def test_cascade_condition_hand_value():
    # phi = 0.18 -> K* = 5, sum j = 0..3: at z = 1, e^-1 (1 + 1 + 1/2 + 1/6) = 0.9810118
    assert cascade_condition(1.0, 0.18) == pytest.approx(math.exp(-1) * (8 / 3), rel=1e-12)
    assert cascade_condition(1.0, 0.18) == pytest.approx(0.9810118, abs=1e-7)


def test_cascade_condition_edge_cases():
    assert cascade_condition(0.0, 0.18) == 0.0
    assert cascade_condition(3.0, 0.6) == 0.0  # K* = 1: no vulnerable degree >= 2
    # phi = 1/6 must give K* = 6 (sum up to j = 4) despite float rounding of 1/phi
    z = 2.0
    expected = z * math.exp(-z) * sum(z**j / math.factorial(j) for j in range(5))
    assert cascade_condition(z, 1 / 6) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError):
        cascade_condition(-1.0, 0.18)
    with pytest.raises(ValueError):
        cascade_condition(1.0, 0.0)


def test_cascade_window_phi_018():
    lower, upper = cascade_window(0.18)
    assert lower == pytest.approx(1.02, abs=0.01)
    assert upper == pytest.approx(5.77, abs=0.01)
    assert cascade_condition(lower, 0.18) == pytest.approx(1.0, abs=1e-10)
    assert cascade_condition(upper, 0.18) == pytest.approx(1.0, abs=1e-10)
    # inside / outside the window
    assert cascade_condition(3.0, 0.18) > 1.0
    assert cascade_condition(lower - 0.01, 0.18) < 1.0
    assert cascade_condition(upper + 0.01, 0.18) < 1.0


def test_cascade_window_narrows_with_threshold():
    lo_10, hi_10 = cascade_window(0.10)
    lo_25, hi_25 = cascade_window(0.25)
    assert lo_10 < lo_25 and hi_10 > hi_25
    for phi, (lo, hi) in [(0.10, (lo_10, hi_10)), (0.25, (lo_25, hi_25))]:
        assert cascade_condition(lo, phi) == pytest.approx(1.0, abs=1e-10)
        assert cascade_condition(hi, phi) == pytest.approx(1.0, abs=1e-10)


def test_cascade_window_empty_when_condition_never_holds():
    # phi = 0.3 -> K* = 3: max of z e^-z (1 + z) is 0.839 at z = 1.618 < 1
    assert all(math.isnan(x) for x in cascade_window(0.3))
    assert all(math.isnan(x) for x in cascade_window(0.6))


def test_cascade_window_upper_clipped_at_z_max():
    lower, upper = cascade_window(0.05, z_max=10.0)
    assert upper == 10.0
    assert cascade_condition(lower, 0.05) == pytest.approx(1.0, abs=1e-10)


# ---------------------------------------------------------------------------
# mean_ci
# ---------------------------------------------------------------------------


def test_mean_ci_tiny_array_by_hand():
    mean, lower, upper = mean_ci(np.array([1.0, 2.0, 3.0, 4.0]))
    # mean 2.5, s = sqrt(5/3) = 1.2909944, sem = s/2 = 0.6454972, t_{0.975,3} = 3.1824463
    half = stats.t.ppf(0.975, 3) * math.sqrt(5 / 3) / 2
    assert stats.t.ppf(0.975, 3) == pytest.approx(3.1824463, abs=1e-7)
    assert float(mean) == pytest.approx(2.5)
    assert float(lower) == pytest.approx(2.5 - half, abs=1e-12)
    assert float(upper) == pytest.approx(2.5 + half, abs=1e-12)
    assert float(lower) == pytest.approx(0.4457397, abs=1e-7)


def test_mean_ci_other_confidence():
    _, lower, upper = mean_ci(np.array([1.0, 2.0, 3.0, 4.0]), confidence=0.9)
    half = stats.t.ppf(0.95, 3) * math.sqrt(5 / 3) / 2  # 2.3533634 * 0.6454972
    assert float(upper) - 2.5 == pytest.approx(half, abs=1e-12)
    assert float(upper) - float(lower) == pytest.approx(2 * 2.3533634 * 0.6454972, abs=1e-6)


def test_mean_ci_2d_runs_by_steps():
    values = np.array([[1.0, 2.0], [3.0, 5.0], [4.0, 9.0]])  # 3 runs x 2 steps
    mean, lower, upper = mean_ci(values, axis=0)
    assert mean.shape == (2,)
    np.testing.assert_allclose(mean, [8 / 3, 16 / 3])
    # column sds: sqrt(7/3), sqrt(37/3); t_{0.975,2} = 4.3026527
    sds = np.sqrt([7 / 3, 37 / 3])
    half = stats.t.ppf(0.975, 2) * sds / math.sqrt(3)
    np.testing.assert_allclose(lower, mean - half, rtol=1e-12)
    np.testing.assert_allclose(upper, mean + half, rtol=1e-12)
    # axis=1 transposed gives the same result
    m2, l2, u2 = mean_ci(values.T, axis=1)
    np.testing.assert_allclose(m2, mean)
    np.testing.assert_allclose(l2, lower)
    np.testing.assert_allclose(u2, upper)


def test_mean_ci_single_value_gives_nan_bounds():
    mean, lower, upper = mean_ci(np.array([3.0]))
    assert float(mean) == 3.0
    assert math.isnan(float(lower)) and math.isnan(float(upper))
    mean2, lower2, upper2 = mean_ci(np.array([[1.0, 2.0]]))
    np.testing.assert_array_equal(mean2, [1.0, 2.0])
    assert np.all(np.isnan(lower2)) and np.all(np.isnan(upper2))


def test_mean_ci_constant_values_zero_width():
    mean, lower, upper = mean_ci(np.full(5, 0.25))
    assert float(lower) == float(mean) == float(upper) == 0.25


def test_mean_ci_rejects_bad_confidence():
    with pytest.raises(ValueError):
        mean_ci(np.array([1.0, 2.0]), confidence=1.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=2, max_size=30))
def test_mean_ci_brackets_mean(xs):
    mean, lower, upper = mean_ci(np.array(xs))
    assert float(lower) <= float(mean) + 1e-9
    assert float(mean) <= float(upper) + 1e-9


# ---------------------------------------------------------------------------
# binomial_ci (Wilson)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "expected"),
    [
        # Newcombe (1998), Stat. Med. 17:857, Table I, method 3 (Wilson score)
        (81, 263, (0.2553, 0.3662)),
        (15, 148, (0.0624, 0.1605)),
        (0, 20, (0.0, 0.1611)),
        (1, 29, (0.0061, 0.1718)),
    ],
)
def test_binomial_ci_matches_published_wilson_values(successes, n, expected):
    lower, upper = binomial_ci(successes, n)
    assert lower == pytest.approx(expected[0], abs=5e-5)
    assert upper == pytest.approx(expected[1], abs=5e-5)


def test_binomial_ci_half_by_hand():
    # 5/10, z = 1.959964: centre 0.5, half = z sqrt(0.025 + z^2/400) / (1 + z^2/10)
    z = 1.959963984540054
    half = z * math.sqrt(0.025 + z * z / 400) / (1 + z * z / 10)
    lower, upper = binomial_ci(5, 10)
    assert lower == pytest.approx(0.5 - half, abs=1e-12)
    assert upper == pytest.approx(0.5 + half, abs=1e-12)
    assert (lower, upper) == pytest.approx((0.2366, 0.7634), abs=1e-4)


def test_binomial_ci_all_successes_and_bad_input():
    lower, upper = binomial_ci(20, 20)
    assert upper == 1.0
    assert lower == pytest.approx(1 - 0.1611, abs=5e-5)  # mirror of 0/20
    with pytest.raises(ValueError):
        binomial_ci(3, 0)
    with pytest.raises(ValueError):
        binomial_ci(5, 4)


@settings(max_examples=50, deadline=None)
@given(
    st.integers(min_value=1, max_value=500).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    )
)
def test_binomial_ci_contains_point_estimate(pair):
    s, n = pair
    lower, upper = binomial_ci(s, n)
    assert 0.0 <= lower <= s / n <= upper <= 1.0
