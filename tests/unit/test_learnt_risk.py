"""Learnt risk: the risk memory, safe use that lowers it, data incidents that raise it.

Small hand-built populations: state arrays are set by hand, then one phase
(or the intervention phase) is run and the result compared with the formula
of docs/ODD.md.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.interventions import intervention_phase
from sim.learning import learning_phase
from sim.population import Stage
from sim.scenario import ScenarioError, scenario_from_dict


def make_model(interventions=(), *, seed=0, **sections) -> sim.RecruitingModel:
    data = {
        "run": {"steps": 2000},
        "population": {"candidates": 6, "recruiters": 0, "domains": 1},
        "network": {"kind": "complete"},
        "initial": {"aware_share": 0.0},
        "interventions": list(interventions),
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return sim.RecruitingModel(scenario_from_dict(data), seed)


def test_risk_memory_starts_at_one_and_multiplies_perceived_risk():
    model = make_model()
    state, a = model.state, model.actors
    np.testing.assert_array_equal(a.risk_memory, np.ones(6))
    a.membership[:] = 1  # the generalist alone: data safety 0.5, risk 0.5
    a.risk_memory[:] = [1.0, 2.0, 0.5, 0.25, 3.0, 0.0]
    np.testing.assert_allclose(
        state.perceived_risk(), [0.5, 1.0, 0.25, 0.125, 1.5, 0.0], rtol=0, atol=1e-15
    )
    np.testing.assert_allclose(state.perceived_risk(np.array([1, 4])), [1.0, 1.5], atol=1e-15)


def test_safe_use_lowers_the_risk_memory_toward_its_floor():
    model = make_model(
        learning={"risk_safe_use_per_week": 0.1, "risk_sharing_per_week": 0.2, "sharing": 0.5},
        run={"steps": 10, "dt": 2.0},
    )
    state, a = model.state, model.actors
    a.stage[:] = [Stage.ACTIVE, Stage.MEMBER, Stage.MEMBER, Stage.ACTIVE, Stage.AWARE, Stage.AWARE]
    a.risk_memory[:] = [1.0, 1.0, 0.4, 0.3, 1.0, 2.0]
    state.share_active_neighbours = np.array([0.0, 0.4, 0.4, 0.0, 0.0, 1.0])
    learning_phase(state, model.params)
    floor = 0.5
    own, shared = 0.1 * 2.0, 0.2 * 0.5 * 2.0  # rate x dt, shared x sharing
    np.testing.assert_allclose(
        a.risk_memory,
        [
            floor + (1.0 - floor) * math.exp(-own),  # own safe use
            floor + (1.0 - floor) * math.exp(-shared * 0.4),  # neighbours' safe use
            0.4,  # below the floor: unchanged
            0.3,
            1.0,  # neither uses nor sees anyone use it
            floor + (2.0 - floor) * math.exp(-shared * 1.0),
        ],
        rtol=1e-13,
    )


def test_with_risk_rates_at_zero_the_risk_memory_never_moves():
    model = make_model(
        run={"steps": 60},
        population={"candidates": 200, "recruiters": 20},
        initial={"aware_share": 0.5, "active": 30},
    )
    model.run_model()
    np.testing.assert_array_equal(model.actors.risk_memory, np.ones(220))


def test_learnt_risk_changes_a_run_and_zero_rates_recover_the_baseline():
    sections = {"run": {"steps": 80}, "population": {"candidates": 300, "recruiters": 30}}
    base = sim.run(scenario_from_dict(sections), seed=4)
    zero = scenario_from_dict(
        {**sections, "learning": {"risk_safe_use_per_week": 0.0, "risk_floor": 0.2}}
    )
    learnt = scenario_from_dict({**sections, "learning": {"risk_safe_use_per_week": 0.2}})
    assert sim.run(zero, seed=4).timeseries.equals(base.timeseries)
    assert not sim.run(learnt, seed=4).timeseries.equals(base.timeseries)


def incident(**spec):
    return {"type": "data_incident", "start": 3, **spec}


def test_a_scheduled_incident_hits_members_and_their_neighbours_through_sharing(tmp_path):
    # a path 0-1-2-3-4-5; the generalist's members are 1 and 4
    edges = tmp_path / "path.csv"
    edges.write_text("\n".join(f"{i},{i + 1}" for i in range(5)) + "\n")
    scenario_file = tmp_path / "s.toml"
    scenario_file.write_text(
        f"""
[run]
steps = 10
[population]
candidates = 6
recruiters = 0
domains = 1
[network]
kind = "edgelist"
path = "{edges.name}"
[initial]
aware_share = 0.0
[learning]
sharing = 0.4
[[interventions]]
type = "data_incident"
platform = "generalist"
shock = 0.5
start = 3
cost_fixed = 7.0
"""
    )
    model = sim.RecruitingModel(sim.load_scenario(scenario_file), seed=0)
    a, state = model.actors, model.state
    a.membership[:] = [0, 1, 2, 0, 1, 0]  # actor 2 is on another platform only
    for step in (1, 2):
        state.step = step
        intervention_phase(state, model.params)
    np.testing.assert_array_equal(a.risk_memory, np.ones(6))
    state.step = 3
    intervention_phase(state, model.params)
    # shares of neighbours hit: 0 -> 1/1, 1 -> 0/2, 2 -> 1/2, 3 -> 1/2, 4 -> 0/2, 5 -> 1/1
    hit = np.array([0, 1, 0, 0, 1, 0])
    shared = np.array([1.0, 0.0, 0.5, 0.5, 0.0, 1.0])
    np.testing.assert_allclose(a.risk_memory, 1.0 + 0.5 * (hit + 0.4 * shared), rtol=1e-15)
    (event,) = state.interventions
    assert event.n_reached == 2
    assert state.flows.cost == 7.0
    state.step = 4
    intervention_phase(state, model.params)  # once: no `every`
    np.testing.assert_allclose(a.risk_memory, 1.0 + 0.5 * (hit + 0.4 * shared), rtol=1e-15)


def test_random_incidents_hit_each_platform_at_their_weekly_hazard():
    steps, per_week, dt = 3000, 0.02, 0.5
    model = make_model(
        [incident(per_week=per_week, start=1, shock=1.0)],
        run={"steps": steps, "dt": dt},
        learning={"sharing": 0.0},
    )
    a, state = model.actors, model.state
    a.membership[:] = [1, 1, 1, 2, 2, 2]  # generalist 0-2, domain_0 3-5
    hit_steps: dict[int, list[int]] = {0: [], 3: []}
    for step in range(1, steps + 1):
        before = a.risk_memory.copy()
        state.step = step
        intervention_phase(state, model.params)
        for actor, steps_hit in hit_steps.items():
            if a.risk_memory[actor] > before[actor]:
                steps_hit.append(step)
    counts = a.risk_memory - 1.0  # one unit per incident on one's platform
    assert counts[0] == counts[1] == counts[2] and counts[3] == counts[4] == counts[5]
    p = 1.0 - math.exp(-per_week * dt)
    # binomial count over `steps` draws: 4 standard deviations (two-sided 6e-5)
    tolerance = 4.0 * math.sqrt(steps * p * (1.0 - p))
    for platform_count in (counts[0], counts[3]):
        assert abs(platform_count - steps * p) < tolerance
    # platforms are hit independently: not on the same steps
    assert hit_steps[0] != hit_steps[3]


def test_incidents_raise_perceived_risk_and_slow_adoption_in_a_run():
    sections = {
        "run": {"steps": 150},
        "population": {"candidates": 600, "recruiters": 60},
        "initial": {"aware_share": 0.3},
    }
    calm = sim.run(scenario_from_dict(sections), seed=2).summary
    shocked = scenario_from_dict({**sections, "interventions": [incident(shock=3.0, every=10)]})
    hit = sim.run(shocked, seed=2).summary
    assert hit["final_share_active"] < calm["final_share_active"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"per_week": 0.1, "every": 4}, r"either random \(per_week\) or scheduled \(every\)"),
        ({"platform": "nowhere"}, "no such platform"),
        ({"shock": 0.0}, "greater than 0"),
    ],
)
def test_bad_incidents_are_refused_at_load(spec, message):
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict({"interventions": [incident(**spec)]})


# ---------------------------------------------------------------------------
# certification through contacts, and candidates' preference for certified recruiters


def certified_model(**spec) -> tuple[sim.RecruitingModel, int, int]:
    certification = {"type": "certification", "coverage": 0.5, "start": 1, **spec}
    model = make_model([certification], population={"candidates": 6, "recruiters": 2})
    model.state.step = 1
    intervention_phase(model.state, model.params)
    certified, other = (6, 7) if model.actors.is_certified[6] else (7, 6)
    return model, certified, other


def test_certification_through_contacts_reassures_only_the_candidates_it_met_once():
    model, certified, other = certified_model(reaches="contacts", risk_reduction=0.4)
    state, a = model.state, model.actors
    assert a.is_certified.sum() == 1
    state.flows.contacted = (np.array([certified, other, certified]), np.array([0, 1, 2]))
    state.step = 2
    intervention_phase(state, model.params)
    np.testing.assert_allclose(a.risk_memory, [0.6, 1.0, 0.6, 1.0, 1.0, 1.0, 1.0, 1.0])
    # no risk factor for everyone: the modifier keeps its base value
    np.testing.assert_array_equal(state.modifiers.risk_factor, np.ones(8))
    state.step = 3  # the same contacts again: once per programme
    intervention_phase(state, model.params)
    np.testing.assert_allclose(a.risk_memory[:3], [0.6, 1.0, 0.6])
    # a new entrant in slot 0 starts afresh and can be reassured in its turn
    a.risk_memory[0] = 1.0
    state.flows.new_entrants = np.array([0])
    state.flows.contacted = (np.array([certified]), np.array([0]))
    state.step = 4
    intervention_phase(state, model.params)
    np.testing.assert_allclose(a.risk_memory[:3], [0.6, 1.0, 0.6])


def test_certification_for_everyone_keeps_its_risk_factor_and_leaves_memories_alone():
    model, certified, _ = certified_model(risk_reduction=0.4)
    state, a = model.state, model.actors
    state.flows.contacted = (np.array([certified]), np.array([0]))
    state.step = 2
    intervention_phase(state, model.params)
    np.testing.assert_array_equal(a.risk_memory, np.ones(8))
    expected = np.where(a.is_candidate, 1.0 - 0.4 * 0.5, 1.0)  # half the recruiters certified
    np.testing.assert_allclose(state.modifiers.risk_factor, expected, rtol=1e-15)


def test_preference_raises_the_appeal_of_certified_recruiters_only():
    model, certified, other = certified_model(preference=0.5)
    appeal = model.state.modifiers.appeal
    assert appeal[certified] == 1.5 and appeal[other] == 1.0
    np.testing.assert_array_equal(appeal[:6], np.ones(6))
    model, _, _ = certified_model()  # no preference: the base appeal
    assert model.state.modifiers.appeal is model.state.base.appeal
