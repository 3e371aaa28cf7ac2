"""The comparison's tables and written summary, on hand-made runs with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from sim.bands import curve_bands, difference_bands
from sim.comparison import (
    Indicator,
    cost_table,
    effects_by_setting,
    effects_table,
    headline_table,
)
from sim.findings import summary_lines

HIRES = Indicator("cum_hires_social", "social-channel hires", "hires")
SHARE = Indicator("final_share_active_candidates", "active candidates", "% of candidates", 100.0)


def runs(arm: str, **columns: list[float]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    keys = [f"{arm}{i}" for i in range(n)]
    return pd.DataFrame({"arm": arm, "replication": range(n), "key": keys} | columns)


BASE = [10.0, 12.0, 9.0, 14.0, 11.0]
SHIFT = [3.0, 2.5, 3.5, 3.0, 2.0]  # paired differences: mean 2.8, sd 0.570


def two_arms() -> pd.DataFrame:
    treated = [b + d for b, d in zip(BASE, SHIFT, strict=True)]
    shares = [0.10, 0.12, 0.11, 0.13, 0.09]
    return pd.concat([
        runs("base", cum_hires_social=BASE, final_share_active_candidates=shares),
        runs("train", cum_hires_social=treated,
             final_share_active_candidates=[s + 0.001 * (-1) ** i for i, s in enumerate(shares)]),
    ])  # fmt: skip


def test_the_headline_is_a_student_t_interval_per_scenario():
    table = headline_table(two_arms(), ["base", "train"], [HIRES]).set_index("scenario")
    half = stats.t.ppf(0.975, 4) * np.std(BASE, ddof=1) / math.sqrt(5)
    assert table.loc["base", "mean"] == pytest.approx(11.2)
    assert table.loc["base", "lower"] == pytest.approx(11.2 - half)
    assert table.loc["base", "n"] == 5


def test_effects_are_paired_differences_by_replication_and_flagged_after_holm():
    table = effects_table(two_arms(), ["base", "train"], [HIRES, SHARE]).set_index("kpi")
    hires = table.loc["cum_hires_social"]
    half = stats.t.ppf(0.975, 4) * np.std(SHIFT, ddof=1) / math.sqrt(5)
    assert hires["effect"] == pytest.approx(2.8)
    assert (hires["lower"], hires["upper"]) == pytest.approx((2.8 - half, 2.8 + half))
    # pairing: the unpaired interval of the same runs is far wider (5.49 against 1.42)
    assert hires["unpaired_upper"] - hires["unpaired_lower"] > 3 * (hires["upper"] - hires["lower"])
    assert bool(hires["significant"]) and bool(hires["excludes_zero"])
    share = table.loc["final_share_active_candidates"]  # +-0.1 points alternating: no effect
    assert share["effect"] == pytest.approx(0.02) and share["unit"] == "points"
    assert not share["significant"] and share["lower"] < 0 < share["upper"]
    p = table["p_value"].to_numpy()
    assert table["p_holm"].to_numpy() == pytest.approx(multipletests(p, method="holm")[1])


def test_a_run_missing_in_one_arm_or_undefined_leaves_its_pair_out():
    kpis = two_arms()
    kpis.loc[(kpis["arm"] == "train") & (kpis["replication"] == 4), "cum_hires_social"] = np.nan
    row = effects_table(kpis, ["base", "train"], [HIRES]).iloc[0]
    assert row["n"] == 4 and row["effect"] == pytest.approx(np.mean(SHIFT[:4]))


def test_cost_per_extra_unit_is_defined_only_for_a_gain_told_from_zero():
    base = runs("base", cum_cost=[0.0] * 6, final_n_active=[50.0] * 6,
                cum_hires_social=[10.0] * 6, cum_hires=[100.0] * 6)  # fmt: skip
    cheap = runs("cheap", cum_cost=[300.0] * 6, final_n_active=[52.0, 53, 51, 52, 52, 52],
                 cum_hires_social=[11.0, 9, 10, 11, 9, 10], cum_hires=[100.0] * 6)  # fmt: skip
    dear = runs("dear", cum_cost=[900.0] * 6, final_n_active=[52.0, 53, 51, 52, 52, 52],
                cum_hires_social=[10.0] * 6, cum_hires=[101.0, 102, 101, 100, 102, 102],
                )  # fmt: skip
    table = cost_table(pd.concat([base, cheap, dear]), ["base", "cheap", "dear"], seed=4)
    adopters = table[table["gain"] == "additional active adopter"].set_index("scenario")
    assert adopters.loc["cheap", "cost_per_unit"] == pytest.approx(150.0)  # 300 / 2
    assert adopters.loc["dear", "cost_per_unit"] == pytest.approx(450.0)
    assert adopters.loc["cheap", "lower"] <= 150 <= adopters.loc["cheap", "upper"]
    assert (adopters.loc["cheap", "rank"], adopters.loc["dear", "rank"]) == (1, 2)
    social = table[table["gain"] == "additional social-channel hire"].set_index("scenario")
    assert not social["defined"].any() and social["cost_per_unit"].isna().all()
    hires = table[table["gain"] == "additional hire"].set_index("scenario")
    assert hires.loc["dear", "defined"] and not hires.loc["cheap", "defined"]


def test_a_gain_told_from_zero_but_negative_has_no_cost_per_unit():
    base = runs("base", cum_cost=[0.0] * 5, final_n_active=[50.0] * 5,
                cum_hires_social=[10.0] * 5, cum_hires=[100.0] * 5)  # fmt: skip
    # one replication lacks its count: cost and gain are paired on the other four
    losing = runs("losing", cum_cost=[300.0] * 5, final_n_active=[47.0, 48, 46, 47, np.nan],
                  cum_hires_social=[10.0] * 5, cum_hires=[100.0] * 5)  # fmt: skip
    table = cost_table(pd.concat([base, losing]), ["base", "losing"])
    row = table[table["gain"] == "additional active adopter"].iloc[0]
    assert row["n"] == 4 and row["gain_effect"] == pytest.approx(-3.0)
    assert row["gain_upper"] < 0 and not row["defined"] and np.isnan(row["cost_per_unit"])
    assert "negative" in row["note"] and np.isnan(row["rank"])


def test_effects_by_setting_pair_points_that_differ_only_in_the_factor():
    rows = []
    for setting, gain in ((0.3, 4.0), (0.6, 0.0)):
        for value in (0.0, 0.9):
            rows.append(runs(
                "base", cum_hires_social=[b + (gain + d - 3 if value else 0) for b, d in
                                          zip(BASE, SHIFT, strict=True)],
            ).assign(**{"learning.sharing": value, "market.p_hire_social": setting}))  # fmt: skip
    table = effects_by_setting(
        pd.concat(rows), "learning.sharing", 0.0, 0.9, ["market.p_hire_social"], [HIRES]
    ).set_index("market.p_hire_social")
    assert table.loc[0.3, "effect"] == pytest.approx(3.8)  # 4 + mean(SHIFT) - 3
    assert table.loc[0.6, "effect"] == pytest.approx(-0.2)
    assert table.loc[0.3, "significant"] and not table.loc[0.6, "significant"]
    assert table["p_holm"].to_numpy() == pytest.approx(
        multipletests(table["p_value"].to_numpy(), method="holm")[1]
    )


def test_difference_bands_follow_each_replications_own_baseline():
    series = []
    for arm, extra in (("base", 0.0), ("train", 0.05)):
        for replication in range(3):
            series.append(pd.DataFrame({
                "arm": arm, "replication": replication, "time": [0.0, 1.0, 2.0],
                "share_active_recruiters": [0.1 * replication] * 3,
                "share_active_candidates": [0.2 * replication + extra * t for t in range(3)],
                "cum_hires_social": [replication] * 3, "cum_hires_traditional": [0] * 3,
            }))  # fmt: skip
    bands = difference_bands(pd.concat(series), ["base", "train", "failed"])
    candidates = bands[bands["measure"] == "active candidates (points)"]
    assert candidates["mean"].to_numpy() == pytest.approx([0.0, 5.0, 10.0])
    assert candidates["upper"].to_numpy() == pytest.approx(candidates["mean"].to_numpy())
    # a scenario none of whose runs completed has no band, and breaks nothing
    assert set(bands["scenario"]) == {"train"}
    shares = {f"share_{stage}_{kind}": 0.5 for stage in ("aware", "member", "active")
              for kind in ("candidates", "recruiters")}  # fmt: skip
    curves = curve_bands(pd.concat(series).assign(**shares), ["base", "failed"])
    assert set(curves["scenario"]) == {"base"} and len(curves) == 6 * 3


def effects_rows() -> pd.DataFrame:
    base = {"scenario": "train", "unit": "hires", "n": 20, "mean_baseline": 10.0, "mde": 2.0,
            "runs_for_observed": 50.0, "p_value": 0.01}  # fmt: skip
    return pd.DataFrame([
        base | {"kpi": "cum_hires_social", "label": "social hires", "effect": 3.0,
                "lower": 1.0, "upper": 5.0, "p_holm": 0.02, "significant": True},
        # excludes zero, but not after Holm's adjustment: not claimed
        base | {"kpi": "cum_hires", "label": "all hires", "effect": 2.0, "lower": 0.1,
                "upper": 3.9, "p_holm": 0.09, "significant": False},
        base | {"kpi": "final_share_active_candidates", "label": "active candidates",
                "unit": "points", "effect": -1.0, "lower": -2.5, "upper": 0.5, "p_holm": 0.4,
                "significant": False},
    ])  # fmt: skip


def test_the_summary_claims_only_the_effects_holm_keeps():
    costs = pd.DataFrame(columns=["gain", "scenario", "defined", "rank", "cost_per_unit",
                                  "lower", "upper"])  # fmt: skip
    groups = pd.DataFrame(columns=["scenario", "group", "measure", "significant"])
    text = " ".join(summary_lines(effects_rows(), costs, groups, 20))
    assert "Social hires (baseline 10.0): train +3.00 [1.00, 5.00]." in text
    # excludes zero before Holm's adjustment, not after: not stated
    assert (
        "All hires (baseline 10.0): Cannot be told from zero: train +2.00 [0.10, 3.90], "
        "detectable 2.00, 50 runs for an effect this size." in text
    )
    # a share's baseline is in %, its effects in points
    assert "Active candidates (baseline 10.0%): Cannot be told from zero: train -1.00" in text
    assert "ran 20 times" in text
    assert "Paired runs that detect" not in text  # no effect size stated


def test_the_summary_says_when_the_runs_are_too_few_for_a_stated_effect():
    effects = effects_rows().assign(stated_effect=np.nan, runs_for_stated=np.nan)
    effects.loc[0, ["stated_effect", "runs_for_stated"]] = (5.0, 30.0)
    empty = pd.DataFrame(columns=["gain", "scenario", "defined", "rank"])
    groups = pd.DataFrame(columns=["scenario", "group", "measure", "significant"])
    text = " ".join(summary_lines(effects, empty, groups, 20))
    assert (
        "Paired runs that detect an effect of 5.00 on social hires at 80% power: "
        "train 30 (20 made: too few)." in text
    )
