"""Unit tests for sim.analysis.paired (paired comparison statistics)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.intervals import mean_ci
from sim.analysis.paired import holm, paired_difference, ratio_interval, runs_needed
from sim.analysis.precision import (
    Precision,
    half_width_reached,
    next_batch_size,
    parse_precision,
)

TREAT = np.array([3.0, 5.0, 4.0, 7.0])
BASE = np.array([1.0, 2.0, 2.0, 4.0])


# ---------------------------------------------------------------------------
# paired_difference
# ---------------------------------------------------------------------------


def test_paired_interval_by_hand():
    res = paired_difference(TREAT, BASE)
    # differences 2, 3, 2, 3: mean 2.5, s = sqrt(1/3), se = s / 2, t_{0.975,3} = 3.1824463
    half = 3.182446305284263 * math.sqrt(1 / 3) / 2
    assert res.n == 4
    assert (res.mean_treatment, res.mean_baseline) == (4.75, 2.25)
    assert res.effect == pytest.approx(2.5, abs=1e-12)
    assert res.sd_difference == pytest.approx(math.sqrt(1 / 3), abs=1e-12)
    # tolerance 1e-12: same formula, only floating-point rounding differs
    assert res.lower == pytest.approx(2.5 - half, abs=1e-12)
    assert res.upper == pytest.approx(2.5 + half, abs=1e-12)
    assert res.lower == pytest.approx(1.5813068, abs=1e-7)  # printed value, 7 decimals


def test_paired_matches_scipy_ttest_rel():
    rng = np.random.default_rng(11)
    base = rng.normal(10.0, 3.0, 25)
    treat = base + rng.normal(0.4, 1.0, 25)
    res = paired_difference(treat, base, confidence=0.9)
    ref = stats.ttest_rel(treat, base)
    ci = ref.confidence_interval(0.9)
    # tolerance 1e-10: the shift by the first difference changes rounding only
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert (res.lower, res.upper) == pytest.approx((ci.low, ci.high), abs=1e-10)


def test_unpaired_welch_interval_by_hand():
    res = paired_difference(TREAT, BASE)
    # treatment: mean 4.75, var 8.75/3; baseline: mean 2.25, var 4.75/3; n = 4 each
    v1, v2 = 8.75 / 3 / 4, 4.75 / 3 / 4  # squared standard errors
    se = math.sqrt(v1 + v2)  # = sqrt(1.125)
    df = (v1 + v2) ** 2 / (v1**2 / 3 + v2**2 / 3)  # Welch-Satterthwaite, about 5.5158
    assert df == pytest.approx(5.5158, abs=1e-4)
    half = stats.t.ppf(0.975, df) * se
    # tolerance 1e-10: same formula, rounding only
    assert res.unpaired_lower == pytest.approx(2.5 - half, abs=1e-10)
    assert res.unpaired_upper == pytest.approx(2.5 + half, abs=1e-10)


def test_pairing_narrows_the_interval_when_arms_are_correlated():
    rng = np.random.default_rng(5)
    seed_effect = rng.normal(100.0, 20.0, 30)  # shared by both arms of a seed
    base = seed_effect + rng.normal(0.0, 1.0, 30)
    treat = seed_effect + 2.0 + rng.normal(0.0, 1.0, 30)
    res = paired_difference(treat, base)
    paired_width = res.upper - res.lower
    unpaired_width = res.unpaired_upper - res.unpaired_lower
    # correlation ~0.998: the paired sd is ~sqrt(2) vs ~20 sqrt(2) unpaired, so a
    # factor of 5 is a loose bound on the expected factor of about 20
    assert paired_width * 5 < unpaired_width
    # both intervals are centred on the same mean difference, so narrower means nested
    assert res.unpaired_lower < res.lower and res.upper < res.unpaired_upper


@pytest.mark.filterwarnings("error")
def test_identical_arms_give_exact_zero_width_and_no_warning():
    base = np.array([0.1, 0.7, 0.3, 0.9])
    res = paired_difference(base.copy(), base)
    assert (res.effect, res.lower, res.upper) == (0.0, 0.0, 0.0)
    assert res.p_value == 1.0 and res.mde == 0.0 and res.sd_difference == 0.0


@pytest.mark.filterwarnings("error")
def test_constant_nonzero_differences_are_exact():
    base = np.array([10.0, 20.0, 30.0, 40.0])
    res = paired_difference(base + 1.0, base)
    assert (res.effect, res.lower, res.upper) == (1.0, 1.0, 1.0)
    assert res.p_value == 0.0 and res.mde == 0.0


def test_nan_pairs_are_dropped_together():
    res = paired_difference(np.array([1.0, np.nan, 3.0, 4.0]), np.array([0.0, 1.0, np.nan, 2.0]))
    assert res.n == 2  # pairs (1, 0) and (4, 2)
    assert res.effect == pytest.approx(1.5) and res.mean_treatment == pytest.approx(2.5)


@pytest.mark.filterwarnings("error")
def test_fewer_than_two_pairs_give_nan_statistics():
    one = paired_difference(np.array([2.0]), np.array([1.5]))
    assert one.n == 1 and one.effect == 0.5
    for value in (one.lower, one.upper, one.sd_difference, one.p_value, one.mde):
        assert math.isnan(value)
    none = paired_difference(np.array([np.nan]), np.array([1.0]))
    assert none.n == 0 and math.isnan(none.effect) and math.isnan(none.mean_baseline)
    with pytest.raises(ValueError):
        paired_difference(np.array([1.0, 2.0]), np.array([1.0]))
    with pytest.raises(ValueError):
        paired_difference(TREAT, BASE, confidence=1.0)


@pytest.mark.filterwarnings("error")
def test_mean_ci_constant_nonzero_values_no_warning():
    # SciPy's ttest_1samp warns on np.ones(4); the shifted computation must not
    mean, lower, upper = mean_ci(np.full(4, 0.1))
    assert float(lower) == float(mean) == float(upper) == 0.1


# ---------------------------------------------------------------------------
# MDE and runs_needed
# ---------------------------------------------------------------------------


def _alternating(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs whose differences are -1, +1, ...: mean 0, a known non-zero sd."""
    diff = np.where(np.arange(n) % 2 == 0, -1.0, 1.0)
    return diff, np.zeros(n)


def test_mde_matches_the_textbook_n_34_for_d_one_half():
    # Standard table (Cohen 1988; G*Power "one-sample t"): a paired / one-sample
    # two-sided t test at alpha 0.05 needs n = 34 for d = 0.5 at 80% power, the
    # exact answer 33.37 rounded up. So MDE(34) <= 0.5 sd < MDE(33).
    res34 = paired_difference(*_alternating(34))
    res33 = paired_difference(*_alternating(33))
    d34 = res34.mde / res34.sd_difference
    d33 = res33.mde / res33.sd_difference
    assert d34 <= 0.5 < d33
    assert d34 == pytest.approx(0.50, abs=0.01)  # tolerance: table d is given to 2 decimals
    assert runs_needed(0.5, 1.0) == 34
    assert runs_needed(-0.5, 1.0) == 34  # two-sided: the sign does not matter


@pytest.mark.parametrize("n", [2, 3, 5, 10, 34, 100, 1000])
def test_runs_needed_inverts_the_mde(n):
    res = paired_difference(*_alternating(n))
    # runs_needed returns the smallest n' with MDE(n') <= |effect|. For effect =
    # MDE(n) that is n, unless mde / sd rounds one ulp below MDE(n): then n + 1.
    # Never n - 1, since MDE(n - 1) > MDE(n) by far more than rounding.
    assert runs_needed(res.mde, res.sd_difference) in {n, n + 1}


def test_runs_needed_edge_cases():
    assert runs_needed(3.0, 0.0) == 2  # no noise: the fewest pairs with a variance
    assert runs_needed(50.0, 1.0) == 2  # statsmodels' own nobs solver returns NaN here
    # monotone: smaller effects need more runs; normal approximation for d = 0.1:
    # ((1.96 + 0.8416) / 0.1)^2 + 1.96^2 / 2 = 786.9, so 787 or 788 (tolerance 1 run)
    assert runs_needed(0.1, 1.0) in {787, 788}
    assert runs_needed(0.1, 1.0) > runs_needed(0.2, 1.0) > runs_needed(0.4, 1.0)
    for effect, sd in [(0.0, 1.0), (math.nan, 1.0), (math.inf, 1.0), (1.0, -1.0), (1.0, math.nan)]:
        with pytest.raises(ValueError):
            runs_needed(effect, sd)


# ---------------------------------------------------------------------------
# holm
# ---------------------------------------------------------------------------


def test_holm_wikipedia_worked_example():
    # Wikipedia "Holm-Bonferroni method", example with four p-values at alpha 0.05.
    # Sorted: 0.005 * 4 = 0.02, 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, 0.04 * 1 = 0.04,
    # then the running maximum makes the last 0.06. Back in input order:
    raw = np.array([0.01, 0.04, 0.03, 0.005])
    expected = np.array([0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(holm(raw), expected, rtol=1e-12)  # exact arithmetic
    assert list(holm(raw) <= 0.05) == [True, False, False, True]


def test_holm_nan_is_left_out_of_the_family():
    raw = np.array([0.01, np.nan, 0.04, 0.03, 0.005])
    adjusted = holm(raw)
    assert math.isnan(adjusted[1])
    np.testing.assert_allclose(adjusted[[0, 2, 3, 4]], [0.03, 0.06, 0.06, 0.02], rtol=1e-12)
    assert np.isnan(holm(np.array([np.nan, np.nan]))).all()
    assert holm(np.array([[0.2, 0.01], [np.nan, 0.5]])).shape == (2, 2)
    with pytest.raises(ValueError):
        holm(np.array([0.5, 1.5]))


# ---------------------------------------------------------------------------
# ratio_interval
# ---------------------------------------------------------------------------


def test_ratio_constant_ratio_is_exact():
    gain = np.array([1.0, 2.0, 3.0, 4.0])
    res = ratio_interval(2.0 * gain, gain)
    assert res.defined and res.reason == ""
    assert res.estimate == 2.0  # sums 20 / 10: exact in floating point
    # every resample has ratio exactly 2; the bounds go through tan(arctan(2)): 1 ulp or so
    assert (res.lower, res.upper) == pytest.approx((2.0, 2.0), abs=1e-12)


@pytest.mark.filterwarnings("error")
def test_ratio_resamples_with_zero_mean_gain_raise_no_warning():
    # integer gains whose interval excludes 0 (about [0.12, 1.21]) but where some
    # resamples, e.g. all zeros, average exactly 0: those count as +inf, without warnings
    gain = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    res = ratio_interval(np.arange(6.0), gain, seed=0)
    assert res.defined and res.estimate == pytest.approx(3.75)
    assert res.lower < res.estimate < res.upper < math.inf


def test_ratio_interval_contains_the_true_ratio_of_a_known_model():
    # gain ~ N(2, 1), cost = 3 gain + N(0, 1): E[cost] / E[gain] = 3
    rng = np.random.default_rng(2024)
    gain = rng.normal(2.0, 1.0, 60)
    cost = 3.0 * gain + rng.normal(0.0, 1.0, 60)
    res = ratio_interval(cost, gain, seed=1)
    assert res.defined and res.lower < 3.0 < res.upper
    assert res.estimate == pytest.approx(np.mean(cost) / np.mean(gain), rel=1e-15)


def test_ratio_interval_coverage_on_a_known_model():
    # 200 replications of the model above with 40 pairs: nominal coverage 0.95,
    # binomial sd sqrt(0.95 * 0.05 / 200) = 0.015; accept >= 0.89 (4 sd below)
    rng = np.random.default_rng(7)
    hits = 0
    for replication in range(200):
        gain = rng.normal(2.0, 1.0, 40)
        cost = 3.0 * gain + rng.normal(0.0, 1.0, 40)
        res = ratio_interval(cost, gain, seed=replication, n_resamples=999)
        hits += res.lower <= 3.0 <= res.upper
    assert hits / 200 >= 0.89


def test_ratio_undefined_when_the_gain_straddles_zero():
    gain = np.array([1.0, -1.0, 2.0, -2.0, 0.5])
    res = ratio_interval(np.ones(5), gain)
    assert not res.defined and "includes 0" in res.reason
    assert math.isnan(res.estimate) and math.isnan(res.lower) and math.isnan(res.upper)
    assert res.mean_gain_difference == pytest.approx(0.1)
    short = ratio_interval(np.array([1.0, np.nan]), np.array([1.0, 2.0]))
    assert not short.defined and short.n == 1 and "2 complete pairs" in short.reason


def test_ratio_interval_is_reproducible_with_a_seed():
    rng = np.random.default_rng(3)
    gain = rng.normal(1.0, 0.5, 20)
    cost = 10.0 * gain + rng.normal(0.0, 2.0, 20)
    first, again = ratio_interval(cost, gain, seed=42), ratio_interval(cost, gain, seed=42)
    other = ratio_interval(cost, gain, seed=43)
    assert first == again
    assert (first.lower, first.upper) != (other.lower, other.upper)


# ---------------------------------------------------------------------------
# precision and stopping rule
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.5", Precision(3.5, False, None)),
        ("5%", Precision(0.05, True, None)),
        (" 2e-1 ", Precision(0.2, False, None)),
        ("cum_hires_social=3.5", Precision(3.5, False, ("cum_hires_social",))),
        ("cum_hires_social=5%", Precision(0.05, True, ("cum_hires_social",))),
    ],
)
def test_parse_precision_valid(text, expected):
    assert parse_precision(text) == expected


@pytest.mark.parametrize(
    "text", ["", "abc", "0", "-1", "5%%", "=3", "a=b=3", "nan", "inf", "3 %", "a b=3", "1x=3"]
)
def test_parse_precision_invalid(text):
    with pytest.raises(ValueError) as info:
        parse_precision(text)
    message = str(info.value)
    assert repr(text) in message and "cum_hires_social=5%" in message and "\n" not in message


def test_precision_rejects_bad_values():
    with pytest.raises(ValueError):
        Precision(0.0)
    with pytest.raises(ValueError):
        Precision(1.0, kpis=())


EFFECTS = pd.DataFrame(
    {
        "scenario": ["A", "A", "B", "B"],
        "kpi": ["hires", "cost", "hires", "cost"],
        "lower": [8.0, -1.0, 9.0, 0.0],
        "upper": [12.0, 5.0, 10.0, 2.0],  # half-widths 2, 3, 0.5, 1
        "mean_baseline": [100.0, 0.0, 100.0, 0.0],
    }
)


def _widest(check):
    return (check.scenario, check.kpi, check.widest_half_width, check.target_half_width)


def test_stopping_rule_absolute():
    # half / target with target 2.5: 0.8, 1.2, 0.2, 0.4 -> (A, cost) limits
    check = half_width_reached(EFFECTS, Precision(2.5))
    assert not check.reached and check.n_checked == 4 and check.skipped == ()
    assert _widest(check) == ("A", "cost", 3.0, 2.5)
    assert check.describe() == (
        "widest cost in A: half-width 3 for a target of 2.5 (4 effects checked)"
    )
    assert half_width_reached(EFFECTS, parse_precision("3")).reached  # 3 <= 3 counts


def test_stopping_rule_relative_skips_zero_baselines():
    # 5% of 100 = 5: hires ratios 0.4 and 0.1; cost has baseline 0 -> skipped
    check = half_width_reached(EFFECTS, parse_precision("5%"))
    assert check.reached and check.n_checked == 2
    assert check.skipped == (("A", "cost"), ("B", "cost"))
    assert _widest(check) == ("A", "hires", 2.0, 5.0)
    assert "skipped (relative target, baseline mean 0): cost in A, cost in B" in check.describe()
    # nothing checkable: reached vacuously, and the description says so
    only_cost = half_width_reached(EFFECTS, parse_precision("cost=5%"))
    assert only_cost.reached and only_cost.n_checked == 0 and only_cost.kpi is None
    assert math.isnan(only_cost.widest_half_width) and math.isnan(only_cost.target_half_width)
    assert only_cost.describe().startswith("no effect could be checked; skipped")


def test_stopping_rule_one_kpi_and_nan():
    # hires only, 1% of 100 = 1 -> ratios 2.0 (A) and 0.5; cost rows are not targeted
    check = half_width_reached(EFFECTS, parse_precision("hires=1%"))
    assert not check.reached and check.n_checked == 2 and check.skipped == ()
    assert _widest(check) == ("A", "hires", 2.0, 1.0)
    # cost only, absolute 3.5: ratios 3 / 3.5 and 1 / 3.5 -> reached
    check = half_width_reached(EFFECTS, Precision(3.5, kpis=("cost",)))
    assert check.reached and _widest(check) == ("A", "cost", 3.0, 3.5)
    unknown = EFFECTS.assign(lower=[np.nan, -1.0, 9.0, 0.0])  # e.g. a single run
    check = half_width_reached(unknown, Precision(100.0))
    assert not check.reached and (check.scenario, check.kpi) == ("A", "hires")
    assert math.isnan(check.widest_half_width)


def test_stopping_rule_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown KPI"):
        half_width_reached(EFFECTS, parse_precision("hirse=3"))
    with pytest.raises(ValueError, match="mean_baseline"):
        half_width_reached(EFFECTS.drop(columns="mean_baseline"), Precision(1.0))


def test_next_batch_size_by_hand():
    # n = 10, h = 2, target 1: need t_{N-1} / sqrt(N) <= 0.5 t_{0.975,9} / sqrt(10) = 0.35768.
    # N = 32: 2.0395 / 5.6569 = 0.36054 (no); N = 33: 2.0369 / 5.7446 = 0.35458 (yes).
    assert next_batch_size(10, 2.0, 1.0, max_runs=1000) == 23
    limit = 0.5 * stats.t.ppf(0.975, 9) / math.sqrt(10)
    assert stats.t.ppf(0.975, 31) / math.sqrt(32) > limit >= stats.t.ppf(0.975, 32) / math.sqrt(33)
    # (the plain sqrt(n) rule, ignoring t, would say 10 * 2^2 = 40 pairs: 30 more)
    assert next_batch_size(10, 2.0, 1.0, max_runs=20) == 10  # budget caps the batch
    # n = 100, h = 1.01: N = 102 suffices (1.01 * t_101 / t_99 * sqrt(100/102) = 0.99987),
    # a shortfall of 2, raised to the minimum batch of 5
    assert next_batch_size(100, 1.01, 1.0, max_runs=1000) == 5
    assert next_batch_size(100, 1.01, 1.0, max_runs=1000, min_batch=1) == 2


def test_next_batch_size_edges():
    assert next_batch_size(10, 0.9, 1.0, max_runs=100) == 0  # already within target
    assert next_batch_size(50, 3.0, 1.0, max_runs=50) == 0  # budget spent
    assert next_batch_size(1, math.nan, 1.0, max_runs=100) == 5  # width unknown
    assert next_batch_size(1, math.nan, 1.0, max_runs=3) == 2  # ... within budget
    for kwargs in [{"target_half_width": 0.0}, {"min_batch": 0}, {"confidence": 1.5}]:
        arguments = {"target_half_width": 1.0, "min_batch": 5, "confidence": 0.95} | kwargs
        with pytest.raises(ValueError):
            next_batch_size(10, 2.0, max_runs=100, **arguments)
