"""Cohorts: the actors a cohort reaches, a control group picked alike, and their outcomes."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.scenario import ScenarioError, scenario_from_dict

SECTIONS = {
    "run": {"steps": 60},
    "population": {"candidates": 400, "recruiters": 40, "turnover_per_week": 0.01},
    "initial": {"aware_share": 0.5, "active": 30},
}
REACH = {"cohort": "pilot", "coverage": 0.3, "target": "all", "start": 2, "every": 20}
TRAINING = {"type": "training", "boost": 0.0, "gap_closed": 0.4, **REACH}
CONTROL = {"type": "control", **REACH}


def scenario(*interventions):
    return scenario_from_dict({**SECTIONS, "interventions": list(interventions)})


def test_a_control_picks_the_same_actors_as_the_training_of_its_cohort():
    trained = sim.RecruitingModel(scenario(TRAINING), seed=9)
    control = sim.RecruitingModel(scenario(CONTROL), seed=9)
    for model in (trained, control):
        model.step()
        phases = model.step_by_phase()
        assert next(phases).name == "interventions"  # step 2: the cohort is picked
    members = trained.state.cohorts["pilot"]
    assert members.sum() == round(0.3 * 440)
    np.testing.assert_array_equal(members, control.state.cohorts["pilot"])
    # the training taught them; the control taught nobody
    assert not np.array_equal(trained.actors.foundation, control.actors.foundation)


def test_a_control_changes_nothing_but_its_cohort_columns():
    base = sim.run(scenario(), seed=4).timeseries
    with_control = sim.run(scenario(CONTROL), seed=4).timeseries
    cohort_columns = [c for c in with_control if "cohort_" in c]
    assert len(cohort_columns) == 5
    assert with_control.drop(columns=cohort_columns).equals(base)


def test_cohort_columns_follow_the_members_and_their_hires_step_by_step():
    model = sim.RecruitingModel(scenario(TRAINING), seed=2)
    expected_hires, rows = 0, []
    while model.running:
        model.step()
        members = model.state.cohorts["pilot"]
        recruiters, candidates = model.state.flows.hired
        new = int(np.count_nonzero(members[recruiters] | members[candidates]))
        expected_hires += new
        active = np.count_nonzero(members & model.actors.is_active)
        rows.append((members.sum(), active / max(members.sum(), 1), new, expected_hires))
        # entrants never belong to the cohort
        assert not members[model.state.flows.new_entrants].any()
    frame = model.recorder.timeseries().iloc[1:]
    np.testing.assert_array_equal(frame["n_cohort_pilot"], [r[0] for r in rows])
    started = frame["step"] >= 2
    np.testing.assert_allclose(
        frame["share_active_cohort_pilot"][started], [r[1] for r in rows[1:]], rtol=1e-12
    )
    np.testing.assert_array_equal(frame["new_hires_cohort_pilot"], [r[2] for r in rows])
    np.testing.assert_array_equal(frame["cum_hires_cohort_pilot"], [r[3] for r in rows])
    assert expected_hires > 0
    # refreshers every 20 steps add members; turnover takes some away
    assert frame["n_cohort_pilot"].max() > round(0.3 * 440)
    summary = sim.results.summarize(model.recorder.timeseries())
    assert summary["cum_hires_cohort_pilot"] == expected_hires
    last = frame.iloc[-1]
    assert summary["final_share_active_cohort_pilot"] == last["share_active_cohort_pilot"]


def test_a_control_without_a_cohort_is_refused_at_load():
    with pytest.raises(ScenarioError, match="cohort"):
        scenario({"type": "control"})


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "curriculum"},
        {"type": "platform_policy", "data_safety": 0.9},
        {"type": "awareness_campaign"},
        {"type": "data_incident"},
    ],
)
def test_a_cohort_on_an_intervention_that_picks_nobody_is_refused_at_load(spec):
    with pytest.raises(ScenarioError) as info:
        scenario({**spec, "cohort": "pilot"})
    message = str(info.value)
    assert "picks nobody" in message and "cohort" in message and "\n" not in message
