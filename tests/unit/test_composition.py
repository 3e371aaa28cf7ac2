"""Interventions compose: each writes its own contribution, the rule of each modifier combines them.

The rules (docs/ODD.md, "Interventions"): campaigns add to the media hazard,
certifications multiply candidates' perceived risk, communities raise
sharing weights to the largest, and on each platform the latest-started
policy in force sets data safety and churn, the base value returning when
none is in force.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import sim
from sim.intervention_params import INTERVENTION_TYPES
from sim.interventions import intervention_phase
from sim.population import Kind
from sim.scenario import scenario_from_dict

BASE_SAFETY = 0.5  # the generalist's default data safety


def scenario(interventions, *, steps=60, **sections):
    data = {
        "run": {"steps": steps},
        "population": {"candidates": 40, "recruiters": 10, "domains": 2},
        "network": {"kind": "erdos_renyi", "mean_degree": 6},
        "initial": {"aware_share": 0.5, "active": 5},
        "interventions": list(interventions),
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return scenario_from_dict(data)


def generalist_safety(state):
    return float(state.modifiers.data_safety[0])


def test_two_policies_on_one_platform_the_latest_started_in_force_wins():
    a = {"type": "platform_policy", "platform": "generalist", "data_safety": 0.8}
    b = {**a, "data_safety": 0.9}
    sc = scenario([{**a, "start": 10, "end": 30}, {**b, "start": 20, "end": 50}])
    model = sim.RecruitingModel(sc, seed=1, extra_columns={"safety": generalist_safety})
    model.run_model()
    safety = model.recorder.timeseries().set_index("step")["safety"]
    expected = {5: BASE_SAFETY, 10: 0.8, 15: 0.8, 19: 0.8, 20: 0.9, 30: 0.9, 35: 0.9, 50: 0.9}
    expected |= {51: BASE_SAFETY, 55: BASE_SAFETY, 60: BASE_SAFETY}
    assert {step: safety[step] for step in expected} == expected
    # an actor on the generalist platform alone perceives 1 - its data safety
    model.actors.membership[0] = 1
    assert model.state.perceived_risk(np.array([0]))[0] == pytest.approx(1 - BASE_SAFETY)


def test_a_policy_started_later_but_ended_earlier_hands_back_to_the_one_still_in_force():
    a = {"type": "platform_policy", "platform": "generalist", "start": 5, "end": 40}
    b = {"type": "platform_policy", "platform": "generalist", "start": 10, "end": 20}
    sc = scenario([{**a, "data_safety": 0.7}, {**b, "data_safety": 0.95}], steps=45)
    model = sim.RecruitingModel(sc, seed=1, extra_columns={"safety": generalist_safety})
    model.run_model()
    safety = model.recorder.timeseries().set_index("step")["safety"]
    expected = {4: BASE_SAFETY, 5: 0.7, 10: 0.95, 20: 0.95, 21: 0.7, 40: 0.7, 41: BASE_SAFETY}
    assert {step: safety[step] for step in expected} == expected


def risk_factor_of_candidates(state):
    return float(state.modifiers.risk_factor[0])  # actor 0 is a candidate


@pytest.mark.parametrize("second_reduction", [0.0, 0.3])
def test_two_certifications_multiply_their_risk_factors(second_reduction):
    first = {"type": "certification", "coverage": 0.4, "start": 2, "risk_reduction": 0.5}
    second = {"type": "certification", "coverage": 0.5, "start": 4}
    second["risk_reduction"] = second_reduction
    sc = scenario([first, second], steps=8)
    model = sim.RecruitingModel(sc, seed=3, extra_columns={"risk": risk_factor_of_candidates})
    model.run_model()
    risk = model.recorder.timeseries().set_index("step")["risk"]
    # 10 recruiters: the first labels 4 (factor 1 - 0.5 x 0.4 = 0.8), the second 5 of the
    # 6 left (factor 1 - r x 0.5); labels stay, so the factors hold to the end
    assert model.actors.is_certified.sum() == 9
    assert risk[1] == 1.0
    assert risk[2] == risk[3] == pytest.approx(0.8, abs=1e-15)
    expected = 0.8 * (1 - second_reduction * 0.5)
    assert risk[4] == risk[8] == pytest.approx(expected, abs=1e-15)
    recruiters = model.actors.kind == Kind.RECRUITER
    np.testing.assert_array_equal(model.state.modifiers.risk_factor[recruiters], 1.0)


def test_two_campaigns_add_to_the_media_hazard_while_each_is_in_force():
    base = 0.005
    campaigns = [
        {"type": "awareness_campaign", "media_per_week": 0.02, "start": 2, "end": 6},
        {"type": "awareness_campaign", "media_per_week": 0.03, "start": 4, "end": 8},
    ]
    sc = scenario(campaigns, steps=10, awareness={"media_per_week": base})
    model = sim.RecruitingModel(
        sc, seed=0, extra_columns={"media": lambda state: state.modifiers.media_per_week}
    )
    model.run_model()
    media = model.recorder.timeseries().set_index("step")["media"]
    expected = [base, base, base + 0.02, base + 0.02, base + 0.05, base + 0.05, base + 0.05]
    expected += [base + 0.03, base + 0.03, base, base]
    np.testing.assert_allclose(media.to_numpy(), expected, rtol=0, atol=1e-15)


def test_two_communities_give_each_member_its_largest_sharing_weight():
    communities = [
        {"type": "community", "target": "all", "coverage": 1.0, "domain": 0, "sharing": 0.6},
        {"type": "community", "target": "all", "coverage": 0.5, "sharing": 0.9, "start": 2},
    ]
    sc = scenario(communities, steps=3, population={"turnover_per_week": 0.0})
    model = sim.RecruitingModel(sc, seed=2)
    model.run_model()
    second = model.interventions[1].sharing == 0.9  # the actors the second one reached
    domain_0 = model.actors.domain == 0
    assert second.sum() == 25 and 0 < (second & domain_0).sum() < domain_0.sum()
    expected = np.where(second, 0.9, np.where(domain_0, 0.6, 0.3))  # 0.3: the base weight
    np.testing.assert_array_equal(model.state.modifiers.sharing, expected)


def test_an_entrant_in_a_community_members_slot_starts_with_the_base_weight():
    community = {"type": "community", "target": "all", "coverage": 1.0, "sharing": 0.9}
    sc = scenario([community], steps=12, population={"turnover_per_week": 0.1})
    model = sim.RecruitingModel(sc, seed=4)
    replaced = np.zeros(model.actors.n, dtype=bool)
    for _ in range(12):
        model.step()  # turnover ends the step; the next step's interventions see the entrants
        replaced[model.state.flows.new_entrants] = True
    model.state.step += 1
    intervention_phase(model.state, model.params)
    assert 0 < replaced.sum() < model.actors.n
    expected = np.where(replaced, 0.3, 0.9)  # 0.3: the base weight
    np.testing.assert_array_equal(model.state.modifiers.sharing, expected)


def test_two_trainings_add_their_gains_capped_at_one():
    trainings = [
        {"type": "training", "coverage": 1.0, "boost": 0.3, "start": 2},
        {"type": "training", "coverage": 1.0, "boost": 0.4, "start": 2},
    ]
    sc = scenario(trainings, steps=2, run={"recruiting_layers": False}, decision={"rule": "bass"})
    model = sim.RecruitingModel(sc, seed=2)
    model.step()
    before = model.actors.foundation[model.actors.kind == Kind.CANDIDATE].copy()
    model.step()
    after = model.actors.foundation[model.actors.kind == Kind.CANDIDATE]
    np.testing.assert_allclose(after, np.minimum(before + 0.7, 1.0), rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------
# every pair of intervention types, checked against the rules written out here


SPECS = {
    "training": {"coverage": 0.3, "boost": 0.2, "every": 3, "end": 9},
    "certification": {"coverage": 0.3, "risk_reduction": 0.6, "every": 4},
    "curriculum": {"boost": 0.1},
    "coaching": {"capacity_per_step": 3},
    "community": {"target": "all", "coverage": 0.4, "sharing": 0.7, "ties_per_member": 1.0},
    "platform_policy": {"platform": "generalist", "data_safety": 0.8, "churn_per_week": 0.005},
    "awareness_campaign": {"media_per_week": 0.03},
    "data_incident": {"every": 2, "shock": 0.3},
    "control": {"cohort": "group", "coverage": 0.3, "every": 3},
}
SECOND = {  # the second of a same-type pair differs where it can
    "certification": {"risk_reduction": 0.2},
    "community": {"sharing": 0.9},
    "platform_policy": {"platform": "all", "data_safety": 0.95, "churn_per_week": 0.0},
    "awareness_campaign": {"media_per_week": 0.01},
    "data_incident": {"platform": "generalist", "every": None, "per_week": 2.0},
}
PAIRS = list(itertools.combinations_with_replacement(sorted(INTERVENTION_TYPES), 2))


def pair_specs(first: str, second: str) -> list[dict]:
    one = {"type": first, "start": 2, "end": 7, **SPECS[first]}
    two = {"type": second, "start": 4, "end": 11, **SPECS[second]}
    if first == second:
        two |= SECOND.get(second, {})
    return [one, two]


def in_force(spec, step: int) -> bool:
    return spec.start <= step <= spec.end


def expected_modifiers(model) -> dict[str, np.ndarray]:
    """Each modifier from the base and each intervention's own values, element by element."""
    state, params = model.state, model.params
    step = state.step
    n, n_platforms = model.actors.n, model.platforms.n
    candidate = model.actors.kind == Kind.CANDIDATE
    n_recruiters = int(np.count_nonzero(~candidate))
    media = params.awareness.media_per_week
    risk = [1.0] * n
    sharing = [params.learning.sharing] * n
    policies = {"data_safety": list(state.base.data_safety)}
    policies["churn_per_week"] = list(state.base.churn_per_week)
    # policies in order of start, then position: the later one overwrites
    order = sorted(model.interventions, key=lambda i: (i.params.start, i.index))
    for intervention in order:
        p = intervention.params
        if p.type == "awareness_campaign" and in_force(p, step):
            media += p.media_per_week
        elif p.type == "certification" and step >= p.start:
            share = np.count_nonzero(intervention.certified) / n_recruiters
            for i in range(n):
                if candidate[i]:
                    risk[i] *= 1 - p.risk_reduction * share
        elif p.type == "community" and intervention.sharing is not None:
            for i in range(n):
                if intervention.sharing[i] == p.sharing:
                    sharing[i] = max(sharing[i], p.sharing)
        elif p.type == "platform_policy" and in_force(p, step):
            for name in policies:
                if getattr(p, name) is not None:
                    for k in range(n_platforms):
                        if p.platform in ("all", model.platforms.name[k]):
                            policies[name][k] = getattr(p, name)
    return {"media_per_week": media, "risk_factor": risk, "sharing": sharing, **policies}


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=["+".join(p) for p in PAIRS])
def test_every_pair_of_intervention_types_composes_by_the_rules(first, second):
    sc = scenario(
        pair_specs(first, second),
        steps=12,
        population={"turnover_per_week": 0.05},
        initial={"aware_share": 0.5, "active": 25},
        market={"vacancies_per_week": 0.5, "contacts_per_vacancy_week": 2.0},
    )
    model = sim.RecruitingModel(sc, seed=11)
    for _ in range(12):
        model.step()
        for name, expected in expected_modifiers(model).items():
            actual = getattr(model.state.modifiers, name)
            np.testing.assert_allclose(actual, expected, rtol=1e-14, err_msg=name)
        a = model.actors
        for skill in ("foundation", "digital"):
            values = getattr(a, skill)
            assert np.all((values >= 0) & (values <= 1)), skill
    # certifications label disjoint sets of recruiters, and only recruiters
    certifications = [i for i in model.interventions if i.params.type == "certification"]
    if certifications:
        labelled = sum(i.certified.astype(int) for i in certifications if i.certified is not None)
        assert labelled.max() <= 1
        np.testing.assert_array_equal(labelled.astype(bool), model.actors.is_certified)
        assert not np.any(model.actors.is_certified & (model.actors.kind == Kind.CANDIDATE))
    # every intervention acted on someone: the rules above were exercised
    assert all(i.n_reached > 0 for i in model.interventions)
