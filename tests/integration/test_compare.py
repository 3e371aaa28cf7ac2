"""`recruitsim compare`: paired runs, the report's files and numbers, resume, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_helpers import ROOT, recruitsim

from sim.analysis.precision import Precision
from sim.compare import compare, load_plan
from sim.comparison import group_table
from sim.findings import interval, number
from sim.runner import replicate_seeds
from sim.store import load_results

SMALL = """extends = "{base}"
[run]
steps = 40
[population]
candidates = 240
recruiters = 24
"""


def small(folder: Path, name: str, extra: str = "") -> Path:
    """A short, small copy of a library scenario (its interventions start at week 26).

    `extra` is TOML put in its `[run]` table (a table of its own may follow).
    """
    path = folder / f"{name}.toml"
    text = SMALL.format(base=ROOT / "scenarios" / f"{name}.toml")
    path.write_text(text.replace("[population]", f"{extra}[population]"))
    return path


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A comparison of foundations training with the baseline, 4 paired runs."""
    folder = tmp_path_factory.mktemp("compare")
    small(folder, "baseline")
    small(folder, "foundations_training")
    args = ("compare", "baseline.toml", "foundations_training.toml", "--runs", "4")
    done = recruitsim(*args, "--seed", "7", "--out", "out", "--workers", "2", cwd=folder)
    return folder, done


def test_every_scenario_runs_with_the_baselines_seeds(made):
    folder, done = made
    assert done.returncode == 0, done.stderr
    kpis = load_results(folder / "out" / "runs").kpis
    expected = replicate_seeds(7, 4)
    for arm in ("baseline", "foundations_training"):
        assert kpis[kpis["arm"] == arm].sort_values("replication")["seed"].tolist() == expected


def test_the_effects_are_paired_differences_of_the_stored_runs(made):
    folder, _ = made
    kpis = load_results(folder / "out" / "runs").kpis.set_index(["arm", "replication"])
    effects = pd.read_csv(folder / "out" / "effects.csv").set_index("kpi")
    for kpi, scale in (("cum_hires", 1.0), ("final_share_active_candidates", 100.0)):
        diff = (kpis.loc["foundations_training", kpi] - kpis.loc["baseline", kpi]) * scale
        half = 3.182446305284263 * diff.std(ddof=1) / 2.0  # t(0.975, 3) sd / sqrt(4)
        row = effects.loc[kpi]
        assert row["effect"] == pytest.approx(diff.mean(), abs=1e-9)
        assert row["lower"] == pytest.approx(diff.mean() - half, abs=1e-9)
        assert row["upper"] == pytest.approx(diff.mean() + half, abs=1e-9)
    cost = effects.loc["cum_cost"]  # 30% of 240 candidates trained at 300
    assert cost["effect"] == pytest.approx(0.3 * 240 * 300) and cost["significant"]


def test_the_report_holds_each_section_and_the_numbers_of_its_tables(made):
    folder, done = made
    out = folder / "out"
    page = (out / "report.html").read_text()
    for section in (
        "summary", "headline-indicators", "effects-against-the-baseline", "cost-effectiveness",
        "effects-by-group", "adoption-over-time", "hires-by-channel",
        "paired-difference-over-time", "provenance",
    ):  # fmt: skip
        assert f'<section id="{section}">' in page
    assert page.count('src="data:image/png;base64,') == 4  # figures embedded, nothing fetched
    assert not re.search(r'(src|href)="(?!data:)', page)
    headline = pd.read_csv(out / "headline.csv")
    for row in headline.itertuples():
        assert f"{number(row.mean)} {interval(row.lower, row.upper)}" in page
    effects = pd.read_csv(out / "effects.csv")
    for row in effects.itertuples():
        assert f"{number(row.effect)} {interval(row.lower, row.upper)}" in page
    groups = pd.read_csv(out / "groups.csv")
    assert {"recruiters", "candidates", "junior", "experienced", "domain_0"} <= set(groups["group"])
    for name in ("adoption", "hires_by_channel", "difference", "forest"):
        assert (out / f"{name}.png").stat().st_size > 10_000
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"] == replicate_seeds(7, 4) and manifest["runs"] == 4
    assert set(manifest["scenarios"]) == {"baseline", "foundations_training"}
    assert manifest["scenarios"]["baseline"]["scenario"]["population"]["candidates"] == 240
    # the console shows the headline table and where the report is
    assert "Headline indicators" in done.stdout and "report: out/report.html" in done.stdout
    cost = headline[(headline.scenario == "foundations_training") & (headline.kpi == "cum_cost")]
    assert number(cost["mean"].item()) in done.stdout


def test_more_runs_extend_the_same_folder_and_keep_the_first(made, tmp_path):
    folder, _ = made
    before = load_results(folder / "out" / "runs").kpis
    again = recruitsim(
        "compare", "baseline.toml", "foundations_training.toml", "--runs", "6", "--seed", "7",
        "--out", "out", "--workers", "1", cwd=folder,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    manifest = json.loads((folder / "out" / "manifest.json").read_text())
    assert manifest["run_time"].startswith("4 runs made now") and manifest["runs"] == 6
    after = load_results(folder / "out" / "runs").kpis
    kept = after[after["replication"] < 4].drop(columns="seconds").reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, before.drop(columns="seconds"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.toml"], "missing.toml"),
        (["bad.toml"], "learning.sharing"),
        (["other_size.toml"], "population.candidates = 300, but the baseline"),
        (["stops.toml"], "run.stop_when_stable"),
        (["foundations_training.toml", "--runs", "1"], "at least 2 paired runs"),
        (["foundations_training.toml", "--precision", "5 hires"], "invalid precision"),
        (["foundations_training.toml", "--precision", "5%", "--runs", "3"], "give one"),
        (["foundations_training.toml", "--precision", "t90=5"], "not a headline indicator"),
        (["foundations_training.toml", "--detect", "cum_hires"], "KPI=SIZE"),
        (["foundations_training.toml", "--detect", "cum_hires=inf"], "KPI=SIZE"),
        (["foundations_training.toml", "--max-runs", "50"], "only with --precision"),
        (["foundations_training.toml", "--out", "swept"], "did not start"),
        (["foundations_training.toml", "--out", "notes"], "did not write"),
        (["foundations_training.toml", "--out", "file.txt"], "not a folder"),
        ([], "at least one scenario"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_any_run(tmp_path, args, message):
    small(tmp_path, "baseline")
    small(tmp_path, "foundations_training")
    small(tmp_path, "sharing", "[learning]\nsharing = 2.0\n").rename(tmp_path / "bad.toml")
    small(tmp_path, "sharing", "stop_when_stable = true\n").rename(tmp_path / "stops.toml")
    other = small(tmp_path, "sharing").read_text().replace("240", "300")
    (tmp_path / "sharing.toml").rename(tmp_path / "other_size.toml").write_text(other)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("mine")
    (tmp_path / "swept" / "runs").mkdir(parents=True)  # a sweep's folder put there by hand
    (tmp_path / "swept" / "runs" / "experiment.json").write_text(
        '{"hash": "0123456789abcdef", "experiment": {"name": "mine"}}'
    )
    (tmp_path / "file.txt").write_text("mine")
    before = sorted(p.name for p in tmp_path.iterdir())
    done = recruitsim("compare", "baseline.toml", *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
    assert (tmp_path / "notes" / "mine.txt").read_text() == "mine"


def test_another_comparison_in_the_same_folder_is_one_line_and_leaves_it_whole(made):
    folder, _ = made
    before = sorted(p.name for p in (folder / "out").iterdir())
    report = (folder / "out" / "report.html").read_bytes()
    other = recruitsim(
        "compare", "baseline.toml", "foundations_training.toml", "--runs", "4", "--seed", "8",
        "--out", "out", "--workers", "1", cwd=folder,
    )  # fmt: skip
    assert other.returncode == 2 and other.stderr.count("\n") == 1, other.stderr
    assert "--force-new" in other.stderr
    assert sorted(p.name for p in (folder / "out").iterdir()) == before
    assert (folder / "out" / "report.html").read_bytes() == report


def test_runs_are_added_until_the_precision_target_or_the_ceiling(tmp_path):
    paths = [small(tmp_path, "baseline"), small(tmp_path, "foundations_training")]
    hopeless = Precision(1e-6, kpis=("cum_hires",))
    plan = load_plan(paths, precision=hopeless, max_runs=9, seed=3, first_runs=3)
    outcome = compare(plan, tmp_path / "a")
    assert outcome.n_runs == 9 and len(outcome.batches) >= 2
    assert outcome.precision_note.startswith("precision not reached at the ceiling of 9")
    assert len(outcome.results.kpis) == 18
    easy = Precision(10.0, relative=True)  # +-1000% of the baseline's mean: met at once
    plan = load_plan(paths, precision=easy, max_runs=9, seed=3, first_runs=3)
    outcome = compare(plan, tmp_path / "a")
    assert outcome.n_runs == 3 and len(outcome.batches) == 1
    assert outcome.precision_note.startswith("precision reached with 3 paired runs")
    kpis = outcome.results.kpis
    assert np.array_equal(np.sort(kpis["replication"].unique()), [0, 1, 2])


def test_trainees_are_set_against_the_same_people_untrained(tmp_path):
    # the control picks the equal-dose trainees and teaches them nothing
    paths = [small(tmp_path, "equal_dose_control"), small(tmp_path, "foundation_equal_dose")]
    plan = load_plan(paths, runs=3, seed=5)
    outcome = compare(plan, tmp_path / "c")
    kpis = outcome.results.kpis.set_index(["arm", "replication"])
    for arm in ("equal_dose_control", "foundation_equal_dose"):
        assert kpis.loc[arm, "cum_hires_cohort_equal_dose"].notna().all()
    groups = group_table(outcome.results.kpis, plan.names).set_index(["group", "measure"])
    row = groups.loc[("cohort_equal_dose", "hires")]
    trained = kpis.loc["foundation_equal_dose", "cum_hires_cohort_equal_dose"]
    untrained = kpis.loc["equal_dose_control", "cum_hires_cohort_equal_dose"]
    assert row["effect"] == pytest.approx((trained - untrained).mean(), abs=1e-9)
    active = groups.loc[("cohort_equal_dose", "active")]
    diff = kpis.loc["foundation_equal_dose", "final_share_active_cohort_equal_dose"]
    diff = diff - kpis.loc["equal_dose_control", "final_share_active_cohort_equal_dose"]
    assert active["effect"] == pytest.approx(100.0 * diff.mean(), abs=1e-9)
