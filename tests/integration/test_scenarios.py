"""The scenario library: every file loads and runs, is documented, and the CLI runs one."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.population import KIND_NAMES, Stage
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
FILES = sorted(SCENARIOS.glob("*.toml"))
COUNT_COLUMNS = [
    f"n_{kind}_{stage.name.lower()}" for kind in KIND_NAMES.values() for stage in Stage
]


def test_the_library_is_not_empty():
    names = {f.name for f in FILES}
    assert {"baseline.toml", "foundations_training.toml"} <= names
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_scenario_file_loads_and_runs_ten_steps(path):
    # ten steps after the last intervention starts, so that every intervention acts
    starts = [spec.start for spec in load_scenario(path).params.interventions]
    steps = max(starts, default=0) + 10
    scenario = load_scenario(path, {"run.steps": steps})
    assert scenario.params.run.steps == steps
    population = scenario.params.population.n_actors
    result = sim.run(scenario, seed=0)
    ts, summary = result.timeseries, result.summary
    assert len(ts) == steps + 1
    assert ts["step"].tolist() == list(range(steps + 1))
    np.testing.assert_array_equal(ts[COUNT_COLUMNS].sum(axis=1).to_numpy(), population)
    cost = summary["cum_cost"]
    assert math.isfinite(cost) and cost >= 0
    assert cost == pytest.approx(ts["new_cost"].sum())
    per_intervention = [v for k, v in summary.items() if k.startswith("cum_cost_")]
    assert len(per_intervention) == len(scenario.params.interventions)
    assert cost == pytest.approx(sum(per_intervention))
    assert result.scenario_hash == scenario.hash


def test_readme_lists_every_scenario_file_and_no_missing_one():
    text = (SCENARIOS / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`([\w.-]+\.toml)`", text))
    # a table row per file
    rows = set(re.findall(r"^\|\s*`([\w.-]+\.toml)`", text, flags=re.MULTILINE))
    files = {f.name for f in FILES}
    assert rows == files
    assert listed <= files, f"README mentions missing files: {sorted(listed - files)}"


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_scenario_file_starts_with_a_comment_header(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("#")
    assert len(first.lstrip("# ").strip()) > 0  # says something


def test_cli_run_writes_all_outputs(tmp_path):
    out = tmp_path / "out"
    settings = ["run.steps=27", "population.candidates=200", "population.recruiters=20"]
    args = ["run", str(SCENARIOS / "foundations_training.toml")]
    for setting in settings:
        args += ["--set", setting]
    args += ["--runs", "2", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} >= {
        "timeseries.parquet",
        "summary.csv",
        "manifest.json",
        "adoption.png",
    }
    seeds = sim.replicate_seeds(0, 2)

    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 2
    assert summary["seed"].tolist() == seeds
    assert "cum_cost" in summary.columns
    # week 26: the 30% lowest-skilled of the 200 candidates trained, at 300 each
    assert (summary["cum_reached_0_training"] == 60).all()
    assert (summary["cum_cost"] == 60 * 300).all()
    assert (summary["cum_cost_0_training"] == summary["cum_cost"]).all()

    timeseries = pd.read_parquet(out / "timeseries.parquet")
    assert len(timeseries) == 2 * 28
    assert sorted(set(timeseries["seed"])) == sorted(seeds)
    np.testing.assert_array_equal(timeseries[COUNT_COLUMNS].sum(axis=1).to_numpy(), 220)

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    expected = load_scenario(
        SCENARIOS / "foundations_training.toml",
        {"run.steps": 27, "population.candidates": 200, "population.recruiters": 20},
    )
    assert manifest["scenario_hash"] == expected.hash
    assert manifest["seeds"] == seeds
    assert manifest["packages"]["numpy"] == np.__version__
    assert manifest["packages"]["pandas"] == pd.__version__
    assert manifest["scenario"]["run"]["steps"] == 27
    assert manifest["scenario"]["population"]["candidates"] == 200

    assert (out / "adoption.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_equal_dose_arms_train_the_same_people_and_close_the_same_share_of_gaps():
    small = {"population.candidates": 300, "population.recruiters": 30, "run.steps": 30}
    trained, models = {}, {}
    for skill in ("foundation", "digital"):
        scenario = sim.load_scenario(SCENARIOS / f"{skill}_equal_dose.toml", small)
        model = sim.RecruitingModel(scenario, seed=3)
        for _ in range(25):
            model.step()
        before = getattr(model.actors, skill).copy()
        phases = model.step_by_phase()  # week 26: the training acts, in the first phase
        assert next(phases).name == "interventions"
        gained = getattr(model.actors, skill) - before
        for _ in phases:  # the rest of the week (learning moves skills too)
            pass
        chosen = np.flatnonzero(model.interventions[0].boost_left)
        trained[skill], models[skill] = chosen, model
        # each trainee closed 40% of their own gap, in the skill trained
        np.testing.assert_allclose(gained[chosen], 0.4 * (1 - before[chosen]), atol=1e-12)
    assert len(trained["foundation"]) == round(0.3 * 330)
    np.testing.assert_array_equal(trained["foundation"], trained["digital"])
    kinds = models["foundation"].actors.kind[trained["foundation"]]
    assert len(set(kinds.tolist())) == 2  # candidates and recruiters


def test_foundations_routes_at_zero_are_the_model_without_them():
    small = {"population.candidates": 300, "population.recruiters": 30, "run.steps": 60}
    base = sim.run(sim.load_scenario(SCENARIOS / "baseline.toml", small), seed=5).timeseries
    off = {"decision.self_efficacy": 0.0, "platforms.foundation_exponent": 0.0}
    same = sim.run(sim.load_scenario(SCENARIOS / "baseline.toml", small | off), seed=5)
    pd.testing.assert_frame_equal(same.timeseries, base)
    for key, value in (("decision.self_efficacy", 1.0), ("platforms.foundation_exponent", 1.0)):
        on = sim.run(sim.load_scenario(SCENARIOS / "baseline.toml", small | {key: value}), seed=5)
        assert not on.timeseries["share_member"].equals(base["share_member"]), key
