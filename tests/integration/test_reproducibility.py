"""Reproducibility: same scenario and seed give identical results in any process;
different seeds differ; an added intervention leaves the rows before it unchanged
(common random numbers)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import sim
from sim.scenario import load_scenario

SCENARIO = """
name = "repro"

[run]
steps = 60

[population]
candidates = 400
recruiters = 60

[network]
kind = "sbm"
mean_degree = 8

[initial]
active = 10
aware_share = 0.2

[awareness]
media_per_week = 0.05

[platforms]
join_per_week = 0.3

[market]
vacancies_per_week = 0.5
"""


def frame_hash(frame: pd.DataFrame) -> str:
    values = pd.util.hash_pandas_object(frame, index=True).to_numpy()
    return hashlib.sha256(values.tobytes() + ",".join(frame.columns).encode()).hexdigest()


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "repro.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def test_same_seed_same_frame_in_process(scenario_file):
    sc = load_scenario(scenario_file)
    a = sim.run(sc, seed=11)
    b = sim.run(load_scenario(scenario_file), seed=11)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    assert a.summary.keys() == b.summary.keys()
    for key, value in a.summary.items():
        assert value == b.summary[key] or (np.isnan(value) and np.isnan(b.summary[key])), key
    # the run did something worth comparing
    assert a.timeseries["new_hires_traditional"].sum() > 0
    assert a.timeseries["share_active"].iloc[-1] != a.timeseries["share_active"].iloc[0]


def test_same_seed_same_frame_in_a_separate_process(scenario_file):
    expected = frame_hash(sim.run(load_scenario(scenario_file), seed=11).timeseries)
    code = textwrap.dedent(
        """
        import hashlib, sys
        import pandas as pd
        import sim
        frame = sim.run(sim.load_scenario(sys.argv[1]), seed=11).timeseries
        values = pd.util.hash_pandas_object(frame, index=True).to_numpy()
        print(hashlib.sha256(values.tobytes() + ",".join(frame.columns).encode()).hexdigest())
        """
    )
    for hash_seed in ("0", "12345"):  # string hashing must not leak into results
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code, str(scenario_file)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=300,
        )
        assert out.stdout.strip() == expected


def test_process_pool_matches_serial(scenario_file):
    sc = load_scenario(scenario_file)
    seeds = [3, 4, 5]
    serial = sim.run_many(sc, seeds, workers=1)
    pooled = sim.run_many(sc, seeds, workers=2)
    assert [r.seed for r in pooled] == seeds
    for s, p in zip(serial, pooled, strict=True):
        pd.testing.assert_frame_equal(s.timeseries, p.timeseries, check_exact=True)
        assert s.scenario_hash == p.scenario_hash == sc.hash


def test_different_seeds_differ(scenario_file):
    sc = load_scenario(scenario_file)
    a = sim.run(sc, seed=1).timeseries
    b = sim.run(sc, seed=2).timeseries
    assert not a.equals(b)
    # already the initial state differs (traits, network, seeding)
    assert a.iloc[0]["mean_foundation_candidates"] != b.iloc[0]["mean_foundation_candidates"]


def test_replicate_seeds_extend():
    assert sim.replicate_seeds(7, 5)[:3] == sim.replicate_seeds(7, 3)
    assert len(set(sim.replicate_seeds(7, 50))) == 50


def test_adding_an_intervention_keeps_common_random_numbers(scenario_file):
    base = load_scenario(scenario_file)
    trained = base.with_overrides(
        {
            "interventions": [
                {"type": "training", "target": "candidates", "skill": "digital", "start": 50}
            ]
        }
    )
    assert trained.hash != base.hash
    a = sim.run(base, seed=21).timeseries
    b = sim.run(trained, seed=21).timeseries
    # rows 0..49 (up to the step before the training acts) are identical
    pd.testing.assert_frame_equal(a.iloc[:50], b.iloc[:50], check_exact=True)
    # at step 50 the training has raised candidates' digital skill
    assert b.loc[50, "mean_digital_candidates"] > a.loc[50, "mean_digital_candidates"]
    # a digital-skill training leaves foundations alone
    assert b.loc[50, "mean_foundation_candidates"] == a.loc[50, "mean_foundation_candidates"]


def recruiter_contacts(state) -> float:
    """An extra column: social contacts made by recruiters during the step."""
    return float(state.flows.contacts[~state.actors.is_candidate].sum())


def test_extra_columns_travel_to_worker_processes(scenario_file):
    scenario = load_scenario(scenario_file)
    seeds = sim.replicate_seeds(3, 2)
    columns = {"new_contacts": recruiter_contacts}
    serial = sim.run_many(scenario, seeds, workers=1, extra_columns=columns)
    pooled = sim.run_many(scenario, seeds, workers=2, extra_columns=columns)
    for a, b in zip(serial, pooled, strict=True):
        pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
        assert a.timeseries["new_contacts"].sum() > 0
        # every social hire was a contact: contacts bound hires step by step
        assert np.all(a.timeseries["new_contacts"] >= a.timeseries["new_hires_social"])
    plain = sim.run(scenario, seeds[0]).timeseries
    pd.testing.assert_frame_equal(serial[0].timeseries.drop(columns="new_contacts"), plain)
