"""Unit tests for sim.interventions: each intervention on a small hand-built population.

Models are built from small scenarios; state arrays are then set by hand and
either the intervention phase is run alone (`apply_at`, with `state.step` set
to the step being computed) or `model.step()` with `run.recruiting_layers =
false`, so that no other phase touches skills.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.interventions import intervention_phase, stream_names
from sim.population import Kind, Profile, Stage
from sim.scenario import ScenarioError, load_scenario, scenario_from_dict


def make_scenario(interventions=(), *, steps=20, layers=False, **sections) -> sim.Scenario:
    data = {
        "run": {"steps": steps, "recruiting_layers": layers},
        "population": {"candidates": 10, "recruiters": 0, "domains": 1},
        "network": {"kind": "complete"},
        "initial": {"aware_share": 0.0},
        "interventions": list(interventions),
    }
    if not layers:
        data["decision"] = {"rule": "threshold"}  # the utility rule needs the layers
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return scenario_from_dict(data)


def build(interventions=(), *, seed=0, **kwargs) -> sim.RecruitingModel:
    return sim.RecruitingModel(make_scenario(interventions, **kwargs), seed)


def apply_at(model: sim.RecruitingModel, step: int) -> None:
    """Run the intervention phase of the 1-based step `step`."""
    model.state.step = step
    intervention_phase(model.state, model.params)


def changed(before: np.ndarray, after: np.ndarray) -> list[int]:
    return np.flatnonzero(before != after).tolist()


# ---------------------------------------------------------------------------
# training


def test_training_foundation_raises_exactly_the_lowest_skilled_candidates():
    model = build(
        [
            {
                "type": "training",
                "skill": "foundation",
                "boost": 0.2,
                "coverage": 0.3,
                "targeting": "lowest_skill",
                "start": 1,
                "cost_per_person": 10,
                "cost_fixed": 5,
            }
        ],
        population={"candidates": 10, "recruiters": 2},
    )
    a = model.actors
    # candidates 0..9 in a scrambled order of skill; recruiters have the lowest of all
    a.foundation[:] = [0.55, 0.15, 0.75, 0.05, 0.45, 0.95, 0.25, 0.65, 0.35, 0.85, 0.0, 0.01]
    before_f, before_d = a.foundation.copy(), a.digital.copy()
    model.step()
    # the three lowest candidates are 3 (0.05), 1 (0.15) and 6 (0.25); recruiters untouched
    assert changed(before_f, a.foundation) == [1, 3, 6]
    np.testing.assert_allclose(a.foundation[[1, 3, 6]], [0.35, 0.25, 0.45], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(a.digital, before_d)
    training = model.interventions[0]
    assert training.n_reached == 3
    assert training.cost_this_step == 3 * 10 + 5
    assert training.cost_total == 35


def test_training_digital_raises_digital_only():
    model = build(
        [
            {
                "type": "training",
                "skill": "digital",
                "boost": 0.1,
                "coverage": 0.2,
                "targeting": "lowest_skill",
            }
        ]
    )
    a = model.actors
    a.digital[:] = [0.5, 0.4, 0.3, 0.2, 0.9, 0.8, 0.7, 0.6, 0.12, 0.1]
    a.foundation[:] = 0.1  # lowest foundation everywhere: must not matter
    before_f, before_d = a.foundation.copy(), a.digital.copy()
    model.step()
    assert changed(before_d, a.digital) == [8, 9]
    np.testing.assert_allclose(a.digital[[8, 9]], [0.22, 0.2], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(a.foundation, before_f)


def test_training_boost_is_capped_at_one():
    model = build([{"type": "training", "boost": 0.2, "coverage": 1.0}])
    a = model.actors
    start = np.array([0.95, 0.85, 0.5, 1.0, 0.8, 0.79, 0.0, 0.3, 0.99, 0.6])
    a.foundation[:] = start
    model.step()
    np.testing.assert_allclose(a.foundation, np.minimum(start + 0.2, 1.0), rtol=0, atol=1e-15)
    assert a.foundation.max() <= 1.0
    assert a.foundation[[0, 1, 3, 8]].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert model.interventions[0].n_reached == 10  # capped actors are still reached


def test_training_closes_a_share_of_each_trainees_gap_after_its_boost():
    spec = {"type": "training", "boost": 0.2, "gap_closed": 0.5, "coverage": 1.0}
    model = build([spec])
    a = model.actors
    a.foundation[:] = [0.2, 0.5, 0.9, 1.0, 0.0, 0.3, 0.6, 0.7, 0.8, 0.1]
    model.step()
    # x -> min(1, x + 0.2), then half of what is left to 1: 0.2 -> 0.4 -> 0.7
    expected = [0.7, 0.85, 1.0, 1.0, 0.6, 0.75, 0.9, 0.95, 1.0, 0.65]
    np.testing.assert_allclose(a.foundation, expected, rtol=0, atol=1e-15)
    gap_only = build([{**spec, "boost": 0.0, "gap_closed": 0.4}])
    a = gap_only.actors
    start = np.linspace(0.0, 0.9, 10)
    a.foundation[:] = start
    gap_only.step()  # the same share of every gap: 0.4 x (1 - x)
    np.testing.assert_allclose(a.foundation, start + 0.4 * (1 - start), rtol=0, atol=1e-15)


def test_training_with_no_dose_is_refused_at_load():
    with pytest.raises(ScenarioError, match="teach nothing"):
        make_scenario([{"type": "training", "boost": 0.0}])


def test_two_arms_of_one_cohort_train_the_same_people_whatever_the_skill():
    def trained(skill: str, cohort: str, seed: int) -> list[int]:
        spec = {"type": "training", "skill": skill, "coverage": 0.3, "start": 2, "name": skill}
        model = build([spec | {"cohort": cohort}], seed=seed, population={"candidates": 200})
        for _ in range(2):
            model.step()
        return np.flatnonzero(model.interventions[0].boost_left).tolist()

    for seed in (1, 2):
        foundations = trained("foundation", "trial", seed)
        assert len(foundations) == 60
        assert trained("digital", "trial", seed) == foundations
        # without a shared cohort each draws from the stream of its name: other people
        assert trained("digital", "", seed) != trained("foundation", "", seed)
    assert trained("foundation", "trial", 1) != trained("foundation", "trial", 2)


@pytest.mark.parametrize(
    ("coverage", "expected"),
    [(0.04, 0), (0.14, 1), (0.16, 2), (0.34, 3), (0.36, 4), (0.66, 7), (1.0, 10)],
)
def test_training_coverage_is_rounded_share_of_the_group(coverage, expected):
    model = build([{"type": "training", "coverage": coverage}])
    before = model.actors.foundation.copy()
    model.step()
    assert model.interventions[0].n_reached == expected
    assert len(changed(before, model.actors.foundation)) == expected


def test_training_coverage_is_a_share_of_the_filtered_group_not_of_everyone():
    # 7 of 20 candidates in domain 1: coverage 0.3 reaches round(2.1) = 2, not round(6) = 6
    model = build(
        [{"type": "training", "coverage": 0.3, "domain": 1}],
        population={"candidates": 20, "domains": 2},
    )
    a = model.actors
    a.domain[:] = [1] * 7 + [0] * 13
    before = a.foundation.copy()
    model.step()
    idx = changed(before, a.foundation)
    assert len(idx) == 2
    assert all(i < 7 for i in idx)


# Degrees: 0:2 1:2 2:1 3:5 4:1 5:3 6:2 7:2; node 3 then node 5 are the hubs.
HUB_EDGES = """\
# hubs test graph
3 0
3 1
3 2
3 4
3 5
0 1
5 6
5 7
6 7
"""


@pytest.mark.parametrize(("coverage", "expected"), [(0.125, [3]), (0.25, [3, 5])])
def test_training_hubs_picks_the_highest_degree(tmp_path, coverage, expected):
    path = tmp_path / "hubs.txt"
    path.write_text(HUB_EDGES, encoding="utf-8")
    model = build(
        [{"type": "training", "coverage": coverage, "targeting": "hubs"}],
        population={"candidates": 8, "recruiters": 0},
        network={"kind": "edgelist", "path": str(path)},
    )
    assert model.network.degree.tolist() == [2, 2, 1, 5, 1, 3, 2, 2]
    model.actors.foundation[:] = 0.5
    model.step()
    assert np.flatnonzero(model.actors.foundation != 0.5).tolist() == expected
    np.testing.assert_allclose(model.actors.foundation[expected], 0.7, rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    ("coverage", "per_domain"),
    [(0.25, [1, 1, 1]), (0.5, [2, 2, 2]), (0.58, [3, 2, 2]), (0.75, [5, 2, 2])],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_training_per_community_round_robins_over_domains(coverage, per_domain, seed):
    model = build(
        [{"type": "training", "coverage": coverage, "targeting": "per_community"}],
        population={"candidates": 12, "domains": 3},
        seed=seed,
    )
    a = model.actors
    # domain 0 has 8 members, domains 1 and 2 two each, interleaved
    a.domain[:] = [0, 1, 0, 2, 0, 0, 1, 0, 2, 0, 0, 0]
    a.foundation[:] = 0.3
    model.step()
    reached = a.foundation > 0.3
    assert np.bincount(a.domain[reached], minlength=3).tolist() == per_domain


# Hand-built table: kind is set by position (6 candidates, then 2 recruiters).
#        idx:  0    1    2    3    4    5    6    7
FILTER_DOMAIN = [0, 0, 1, 1, 0, 1, 0, 1]
FILTER_PROFILE = ["junior", "experienced", "junior", "experienced", "experienced", "junior"]
FILTER_STAGE = ["unaware", "member", "member", "active", "aware", "aware", "member", "active"]
FILTER_FOUNDATION = [0.2, 0.6, 0.3, 0.7, 0.35, 0.5, 0.25, 0.45]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [0, 1, 2, 3, 4, 5]),
        ({"domain": 1}, [2, 3, 5]),
        ({"profile": "junior"}, [0, 2, 5]),
        ({"profile": "experienced"}, [1, 3, 4]),
        ({"stage": "member"}, [1, 2]),
        ({"skill_below": 0.4}, [0, 2, 4]),
        ({"domain": 0, "profile": "experienced", "skill_below": 0.5}, [4]),
        ({"target": "recruiters"}, [6, 7]),
        ({"target": "recruiters", "domain": 1}, [7]),
        ({"target": "all", "stage": "member"}, [1, 2, 6]),
        ({"target": "all", "skill_below": 0.3}, [0, 6]),
        ({"target": "all", "stage": "lapsed"}, []),
    ],
)
def test_training_subgroup_filters(filters, expected):
    model = build(
        [{"type": "training", "coverage": 1.0, "boost": 0.1, **filters}],
        population={"candidates": 6, "recruiters": 2, "domains": 2},
    )
    a = model.actors
    assert a.kind.tolist() == [Kind.CANDIDATE] * 6 + [Kind.RECRUITER] * 2
    a.domain[:] = FILTER_DOMAIN
    a.profile[:] = [Profile[p.upper()] for p in FILTER_PROFILE] + [Profile.NONE] * 2
    a.stage[:] = [Stage[s.upper()] for s in FILTER_STAGE]
    a.foundation[:] = FILTER_FOUNDATION
    apply_at(model, 1)
    assert changed(np.array(FILTER_FOUNDATION), a.foundation) == expected
    np.testing.assert_allclose(
        a.foundation[expected], np.array(FILTER_FOUNDATION)[expected] + 0.1, rtol=0, atol=1e-15
    )
    assert model.interventions[0].n_reached == len(expected)


def test_training_decay_returns_the_gain_by_exp_minus_decay_dt_per_step():
    decay, dt = 0.1, 2.0
    model = build(
        [
            {
                "type": "training",
                "boost": 0.2,
                "coverage": 0.5,
                "targeting": "lowest_skill",
                "decay_per_week": decay,
                "start": 2,
            }
        ],
        steps=120,
        run={"dt": dt},
    )
    a = model.actors
    pre = np.array([0.1, 0.5, 0.9, 0.3, 0.95, 0.6, 0.7, 0.8, 0.85, 0.75])
    a.foundation[:] = pre
    model.step()  # step 1: before the training
    np.testing.assert_array_equal(a.foundation, pre)
    # step 2 trains the five lowest: 0, 3, 1, 5, 6; the boost is capped for none of them
    gain = np.zeros(10)
    gain[[0, 1, 3, 5, 6]] = 0.2
    factor = math.exp(-decay * dt)
    previous_gain = None
    for step in range(2, 121):
        model.step()
        expected = pre + gain * factor ** (step - 2)
        np.testing.assert_allclose(a.foundation, expected, rtol=1e-12, atol=1e-15)
        assert (a.foundation >= pre - 1e-12).all()  # never below the pre-training value
        now_gain = a.foundation - pre
        if previous_gain is not None and step < 40:
            np.testing.assert_allclose(
                now_gain[gain > 0] / previous_gain[gain > 0], factor, rtol=1e-9
            )
        previous_gain = now_gain
    # untrained actors never moved
    np.testing.assert_array_equal(a.foundation[gain == 0], pre[gain == 0])


def test_training_decay_spares_the_entrants_who_take_a_trained_actors_slot():
    model = build(
        [{"type": "training", "boost": 0.3, "coverage": 1.0, "decay_per_week": 0.2, "start": 1}],
        steps=3,
    )
    a = model.actors
    a.foundation[:] = 0.5
    apply_at(model, 1)  # everyone trained: 0.8
    entrants = np.array([2, 7])
    a.foundation[entrants] = 0.4  # new actors in those slots, with their own foundation
    model.state.flows.new_entrants = entrants
    apply_at(model, 2)
    lost = 0.3 * -math.expm1(-0.2)
    np.testing.assert_allclose(a.foundation[entrants], 0.4, rtol=0, atol=1e-15)
    others = np.setdiff1d(np.arange(a.n), entrants)
    np.testing.assert_allclose(a.foundation[others], 0.8 - lost, rtol=1e-12)


def test_training_decay_of_a_capped_boost_only_takes_back_what_was_gained():
    model = build(
        [{"type": "training", "boost": 0.3, "coverage": 1.0, "decay_per_week": 0.5}], steps=200
    )
    a = model.actors
    pre = np.full(10, 0.9)
    a.foundation[:] = pre
    model.step()
    np.testing.assert_allclose(a.foundation, 1.0, rtol=0, atol=1e-15)
    model.step()
    # only the 0.1 actually gained decays, not the nominal 0.3
    np.testing.assert_allclose(a.foundation, 0.9 + 0.1 * math.exp(-0.5), rtol=1e-12)
    for _ in range(198):
        model.step()
        # never below the pre-training value (up to rounding: the gain is subtracted step by
        # step, which can leave the skill one ulp under it)
        assert (a.foundation >= pre - 1e-12).all()
    np.testing.assert_allclose(a.foundation, pre, rtol=0, atol=1e-12)


def test_training_without_decay_keeps_the_gain():
    model = build([{"type": "training", "boost": 0.2, "coverage": 1.0}], steps=30)
    model.actors.foundation[:] = 0.4
    model.run_model()
    np.testing.assert_allclose(model.actors.foundation, 0.6, rtol=0, atol=1e-15)


# ---------------------------------------------------------------------------
# certification


def certification_model(**spec):
    model = build(
        [
            {
                "type": "certification",
                "coverage": 0.5,
                "boost": 0.1,
                "risk_reduction": 0.5,
                **spec,
            }
        ],
        population={"candidates": 6, "recruiters": 4},
    )
    a = model.actors
    a.foundation[:] = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.5, 0.95, 0.2, 0.4]
    # memberships: none (risk 1), generalist (0.5), generalist+domain_0 (0.45), domain_0 (0.4)
    a.membership[:] = [0, 1, 3, 2, 1, 0, 1, 3, 2, 0]
    return model


def test_certification_labels_recruiters_and_scales_candidates_risk():
    model = certification_model(start=1)
    a = model.actors
    before_f = a.foundation.copy()
    base_risk = model.state.perceived_risk().copy()
    np.testing.assert_allclose(base_risk, [1, 0.5, 0.45, 0.4, 0.5, 1, 0.5, 0.45, 0.4, 1])
    apply_at(model, 1)
    certified = np.flatnonzero(a.is_certified)
    assert len(certified) == 2
    assert set(certified.tolist()) <= {6, 7, 8, 9}
    # certified recruiters +0.1 foundation (capped at 1); nobody else changes
    assert changed(before_f, a.foundation) == certified.tolist()
    np.testing.assert_allclose(
        a.foundation[certified], np.minimum(before_f[certified] + 0.1, 1.0), rtol=0, atol=1e-15
    )
    # candidates: 1 - 0.5 * (2 / 4 certified) = 0.75; recruiters stay at 1
    np.testing.assert_array_equal(model.state.modifiers.risk_factor, [0.75] * 6 + [1.0] * 4)
    np.testing.assert_allclose(
        model.state.perceived_risk(), base_risk * np.array([0.75] * 6 + [1.0] * 4), rtol=1e-15
    )
    assert model.interventions[0].n_reached == 2


def test_certification_before_start_changes_nothing():
    model = certification_model(start=3)
    base_risk = model.state.perceived_risk().copy()
    for step in (1, 2):
        apply_at(model, step)
        assert not model.actors.is_certified.any()
        np.testing.assert_array_equal(model.state.modifiers.risk_factor, np.ones(10))
        np.testing.assert_array_equal(model.state.perceived_risk(), base_risk)
    apply_at(model, 3)
    assert model.actors.is_certified.sum() == 2


def test_certification_repeated_certifies_new_recruiters_until_all_are():
    model = certification_model(start=1, every=1, risk_reduction=0.4)
    apply_at(model, 1)
    first = set(np.flatnonzero(model.actors.is_certified).tolist())
    apply_at(model, 2)
    assert set(np.flatnonzero(model.actors.is_certified).tolist()) == {6, 7, 8, 9} > first
    np.testing.assert_allclose(model.state.modifiers.risk_factor, [0.6] * 6 + [1.0] * 4, rtol=1e-15)
    apply_at(model, 3)  # nobody left to certify
    intervention = model.interventions[0]
    assert intervention.n_reached == 4
    # labels stay after the end of the intervention's window
    apply_at(model, 4)
    np.testing.assert_allclose(model.state.modifiers.risk_factor, [0.6] * 6 + [1.0] * 4, rtol=1e-15)


# ---------------------------------------------------------------------------
# curriculum


def test_curriculum_boosts_this_steps_entrants_only():
    model = build(
        [
            {
                "type": "curriculum",
                "boost": 0.15,
                "start": 2,
                "end": 3,
                "cost_per_person": 50,
                "cost_fixed": 1,
            }
        ]
    )
    a = model.actors
    a.foundation[:] = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.9, 0.1, 0.2, 0.3]
    before = a.foundation.copy()
    model.state.flows.new_entrants = np.array([2, 6, 7])
    curriculum = model.interventions[0]
    apply_at(model, 1)  # not yet in force
    np.testing.assert_array_equal(a.foundation, before)
    assert curriculum.n_reached == 0 and curriculum.cost_this_step == 0
    apply_at(model, 2)
    assert changed(before, a.foundation) == [2, 6, 7]
    np.testing.assert_allclose(a.foundation[[2, 6, 7]], [0.55, 1.0, 0.25], rtol=0, atol=1e-15)
    assert curriculum.n_reached == 3
    assert curriculum.cost_this_step == 3 * 50 + 1
    model.state.flows.new_entrants = np.array([0])
    apply_at(model, 3)
    assert curriculum.n_reached == 4
    np.testing.assert_allclose(a.foundation[0], 0.35, rtol=0, atol=1e-15)
    model.state.flows.new_entrants = np.array([1, 3])
    apply_at(model, 4)  # after the end
    np.testing.assert_allclose(a.foundation[[1, 3]], [0.3, 0.5], rtol=0, atol=1e-15)
    assert curriculum.n_reached == 4
    assert curriculum.cost_total == (3 * 50 + 1) + (50 + 1)


def test_curriculum_in_a_full_run_boosts_each_cohort_of_entrants_once():
    model = build(
        [{"type": "curriculum", "boost": 0.15, "start": 1, "cost_per_person": 2}],
        layers=True,
        steps=8,
        population={"candidates": 60, "recruiters": 6, "turnover_per_week": 0.2},
    )
    a = model.actors
    n_entrants = 0
    for _ in range(8):
        entrants = model.state.flows.new_entrants.copy()
        foundation = a.foundation.copy()
        model.step()
        kept = np.setdiff1d(
            entrants, model.state.flows.new_entrants
        )  # not replaced again this step
        np.testing.assert_allclose(
            a.foundation[kept], np.minimum(foundation[kept] + 0.15, 1.0), rtol=0, atol=1e-15
        )
        others = np.setdiff1d(
            np.arange(a.n), np.concatenate([entrants, model.state.flows.new_entrants])
        )
        np.testing.assert_array_equal(a.foundation[others], foundation[others])
        n_entrants += entrants.size
        assert model.interventions[0].cost_this_step == 2 * entrants.size
    assert n_entrants > 0
    assert model.interventions[0].n_reached == n_entrants


# ---------------------------------------------------------------------------
# coaching

CONTACTS = [2, 1, 0, 3, 1, 0, 2, 0, 1, 0, 4, 1]
SUCCESSES = [1, 1, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0]
FAILED = {0, 3, 8}  # candidates with more contacts than successes (10, 11 are recruiters)


@pytest.mark.parametrize("capacity", [0, 1, 2, 3, 10])
def test_coaching_only_candidates_with_a_failed_contact_within_capacity(capacity):
    model = build(
        [{"type": "coaching", "capacity_per_step": capacity, "boost": 0.1, "cost_per_person": 7}],
        population={"candidates": 10, "recruiters": 2},
    )
    a = model.actors
    a.foundation[:] = 0.5
    model.state.flows.contacts = np.array(CONTACTS)
    model.state.flows.successes = np.array(SUCCESSES)
    apply_at(model, 1)
    coached = set(changed(np.full(12, 0.5), a.foundation))
    assert len(coached) == min(capacity, len(FAILED))
    assert coached <= FAILED
    np.testing.assert_allclose(a.foundation[list(coached)], 0.6, rtol=0, atol=1e-15)
    coaching = model.interventions[0]
    assert coaching.n_reached == len(coached)
    assert coaching.cost_this_step == 7 * len(coached)


def test_coaching_on_a_failed_application_in_either_channel():
    model = build(
        [{"type": "coaching", "capacity_per_step": 10, "on": "failed_application"}],
        population={"candidates": 10, "recruiters": 2},
    )
    a = model.actors
    a.foundation[:] = 0.5
    model.state.flows.contacts = np.array(CONTACTS)
    model.state.flows.successes = np.array(SUCCESSES)
    model.state.flows.failed_applicants = np.array([5, 9])  # no social contact failed
    apply_at(model, 1)
    assert set(changed(np.full(12, 0.5), a.foundation)) == FAILED | {5, 9}
    # the default coaches after a failed social contact only, the same flows given
    only_social = build([{"type": "coaching", "capacity_per_step": 10}],
                        population={"candidates": 10, "recruiters": 2})  # fmt: skip
    only_social.actors.foundation[:] = 0.5
    only_social.state.flows = model.state.flows
    apply_at(only_social, 2)
    assert set(changed(np.full(12, 0.5), only_social.actors.foundation)) == FAILED


def test_coaching_by_gap_reaches_non_adopters_with_the_largest_gaps_first():
    spec = {"type": "coaching", "capacity_per_step": 2, "on": "gap", "stage": "aware",
            "targeting": "lowest_skill", "boost": 0.1}  # fmt: skip
    model = build([spec], population={"candidates": 10, "recruiters": 2})
    a = model.actors
    a.foundation[:] = [0.5, 0.2, 0.3, 0.1, 0.6, 0.4, 0.05, 0.7, 0.8, 0.9, 0.0, 0.0]
    a.stage[:] = Stage.AWARE
    a.stage[[3, 6]] = Stage.ACTIVE  # low foundation, but already adopters
    before = a.foundation.copy()
    apply_at(model, 1)  # no failure anywhere: flows are empty
    assert changed(before, a.foundation) == [1, 2]  # the two lowest among aware candidates
    np.testing.assert_allclose(a.foundation[[1, 2]], [0.3, 0.4], rtol=0, atol=1e-15)


def test_coaching_skips_entrants_in_the_slot_of_a_candidate_who_failed():
    model = build(
        [{"type": "coaching", "capacity_per_step": 10, "boost": 0.1}],
        population={"candidates": 10, "recruiters": 2},
    )
    a = model.actors
    a.foundation[:] = 0.5
    model.state.flows.contacts = np.array(CONTACTS)
    model.state.flows.successes = np.array(SUCCESSES)
    model.state.flows.new_entrants = np.array([3, 5])  # 3 failed, then left the pool
    apply_at(model, 1)
    assert set(changed(np.full(12, 0.5), a.foundation)) == FAILED - {3}


def test_coaching_acts_on_every_step_of_its_window():
    model = build(
        [{"type": "coaching", "capacity_per_step": 2, "boost": 0.1, "start": 2, "end": 3}],
        population={"candidates": 10, "recruiters": 2},
    )
    a = model.actors
    a.foundation[:] = 0.5
    model.state.flows.contacts = np.array(CONTACTS)
    model.state.flows.successes = np.array(SUCCESSES)
    apply_at(model, 1)
    assert (a.foundation == 0.5).all()
    apply_at(model, 2)
    apply_at(model, 3)
    apply_at(model, 4)
    # 2 sessions at steps 2 and 3, none at 1 and 4: 4 sessions among 3 candidates
    assert model.interventions[0].n_reached == 4
    np.testing.assert_allclose(a.foundation.sum(), 12 * 0.5 + 4 * 0.1, rtol=1e-12)
    assert set(changed(np.full(12, 0.5), a.foundation)) <= FAILED


# ---------------------------------------------------------------------------
# community


def test_community_raises_sharing_to_the_weight_for_those_reached():
    model = build(
        [{"type": "community", "target": "all", "coverage": 1.0, "domain": 0, "sharing": 0.8}],
        population={"candidates": 8, "recruiters": 2, "domains": 2},
    )
    a = model.actors
    a.domain[:] = [0, 1, 0, 1, 0, 1, 0, 0, 1, 0]
    base = np.array([0.3, 0.3, 0.95, 0.1, 0.5, 0.3, 0.0, 0.8, 0.3, 0.2])
    model.state.base = dataclasses.replace(model.state.base, sharing=base)
    edges_before = model.network.n_edges
    apply_at(model, 1)
    np.testing.assert_array_equal(
        model.state.modifiers.sharing, [0.8, 0.3, 0.95, 0.1, 0.8, 0.3, 0.8, 0.8, 0.3, 0.8]
    )
    assert model.interventions[0].n_reached == 6
    assert model.network.is_complete and model.network.n_edges == edges_before


def edge_set(network) -> set[tuple[int, int]]:
    coo = network.adjacency.tocoo()
    return {(int(u), int(v)) for u, v in zip(coo.row, coo.col, strict=True) if u < v}


def test_community_ties_are_added_only_within_a_domain_among_members(tmp_path):
    n = 60
    path = tmp_path / "ring.txt"
    path.write_text("".join(f"{i} {(i + 1) % n}\n" for i in range(n)), encoding="utf-8")
    model = build(
        [
            {
                "type": "community",
                "target": "all",
                "coverage": 0.5,
                "sharing": 0.8,
                "ties_per_member": 2,
                "targeting": "per_community",
            }
        ],
        population={"candidates": n, "recruiters": 0, "domains": 2},
        network={"kind": "edgelist", "path": str(path)},
    )
    a = model.actors
    a.domain[:] = np.arange(n) % 2  # every ring tie joins two domains
    model.state.base = dataclasses.replace(model.state.base, sharing=np.full(a.n, 0.3))
    old = edge_set(model.network)
    assert len(old) == n and all(a.domain[u] != a.domain[v] for u, v in old)
    apply_at(model, 1)
    members = set(np.flatnonzero(model.state.modifiers.sharing == 0.8).tolist())
    assert len(members) == 30
    assert np.bincount(a.domain[list(members)]).tolist() == [15, 15]
    new = edge_set(model.network)
    assert old <= new
    added = new - old
    # 2 ties per member: round(2 * 15 / 2) = 15 draws per domain, fewer after dropping
    # self-pairs and repeats
    assert 20 <= len(added) <= 30
    for u, v in added:
        assert a.domain[u] == a.domain[v]
        assert u in members and v in members
    degree = np.zeros(n, dtype=np.int64)
    for u, v in new:
        degree[u] += 1
        degree[v] += 1
    np.testing.assert_array_equal(model.network.degree, degree)
    assert model.network.n_edges == len(new)


# ---------------------------------------------------------------------------
# platform policy

ORIGINAL_SAFETY = [0.5, 0.6, 0.6, 0.6]  # generalist, domain_0, domain_1, juniors
ORIGINAL_CHURN = [0.02, 0.01, 0.01, 0.01]


def test_platform_policy_sets_the_named_platform_in_its_window_and_base_returns():
    model = build(
        [
            {
                "type": "platform_policy",
                "platform": "domain_1",
                "data_safety": 0.95,
                "churn_per_week": 0.0,
                "start": 3,
                "end": 5,
                "cost_per_person": 1,
                "cost_fixed": 10,
            }
        ],
        population={"candidates": 6, "domains": 2},
    )
    a = model.actors
    assert model.platforms.name == ("generalist", "domain_0", "domain_1", "juniors")
    np.testing.assert_array_equal(model.state.modifiers.data_safety, ORIGINAL_SAFETY)
    np.testing.assert_array_equal(model.state.modifiers.churn_per_week, ORIGINAL_CHURN)
    # bit 2 = domain_1: actors 0, 1 and 3 are its members
    a.membership[:] = [0b0100, 0b0101, 0b0001, 0b1100, 0, 0b0010]
    policy = model.interventions[0]
    costs = []
    for step in range(1, 9):
        apply_at(model, step)
        pl = model.state.modifiers
        costs.append(policy.cost_this_step)
        if 3 <= step <= 5:
            np.testing.assert_array_equal(pl.data_safety, [0.5, 0.6, 0.95, 0.6])
            np.testing.assert_array_equal(pl.churn_per_week, [0.02, 0.01, 0.0, 0.01])
            assert model.state.perceived_risk()[0] == pytest.approx(0.05)
        else:
            np.testing.assert_array_equal(pl.data_safety, ORIGINAL_SAFETY)
            np.testing.assert_array_equal(pl.churn_per_week, ORIGINAL_CHURN)
            assert model.state.perceived_risk()[0] == pytest.approx(0.4)
    assert policy.n_reached == 3  # members at the start, counted once
    assert costs == [0, 0, 13, 10, 10, 0, 0, 0]
    assert policy.cost_total == 33


def test_platform_policy_all_platforms_and_data_safety_only():
    model = build(
        [{"type": "platform_policy", "platform": "all", "data_safety": 0.9, "start": 1}],
        population={"candidates": 6, "domains": 2},
    )
    model.actors.membership[:] = [0, 1, 2, 4, 8, 0]
    apply_at(model, 1)
    np.testing.assert_array_equal(model.state.modifiers.data_safety, [0.9] * 4)
    np.testing.assert_array_equal(model.state.modifiers.churn_per_week, ORIGINAL_CHURN)
    assert model.interventions[0].n_reached == 4


@pytest.mark.parametrize("index", [0, 1])
def test_platform_policy_unknown_platform_is_rejected_at_load(index):
    interventions = [{"type": "training", "start": 5}]
    interventions.insert(index, {"type": "platform_policy", "platform": "linkedin"})
    with pytest.raises(ScenarioError) as info:
        make_scenario(interventions, population={"domains": 2})
    message = str(info.value)
    assert "\n" not in message
    assert f"interventions.{index}.platform = 'linkedin'" in message
    allowed = message.split("allowed", 1)[1]
    for name in ("all", "generalist", "domain_0", "domain_1", "juniors"):
        assert name in allowed


def test_overlapping_platform_policies_on_different_platforms_are_independent():
    model = build(
        [
            {"type": "platform_policy", "platform": "generalist", "data_safety": 0.9, "end": 3},
            {
                "type": "platform_policy",
                "platform": "domain_0",
                "data_safety": 0.95,
                "start": 2,
                "end": 6,
            },
        ],
        population={"domains": 2},
    )
    expected = {
        1: [0.9, 0.6, 0.6, 0.6],
        2: [0.9, 0.95, 0.6, 0.6],
        3: [0.9, 0.95, 0.6, 0.6],
        4: [0.5, 0.95, 0.6, 0.6],
        6: [0.5, 0.95, 0.6, 0.6],
        7: [0.5, 0.6, 0.6, 0.6],
    }
    seen = {}
    for step in range(1, 8):
        apply_at(model, step)
        seen[step] = model.state.modifiers.data_safety.tolist()
    assert {k: seen[k] for k in expected} == expected


def test_unknown_platform_error_names_the_scenario_file(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(
        "[run]\nsteps = 2\n[population]\ncandidates = 10\nrecruiters = 1\n"
        '[network]\nkind = "complete"\n'
        '[[interventions]]\ntype = "platform_policy"\nplatform = "linkedin"\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}: interventions.0.platform = 'linkedin'")


# ---------------------------------------------------------------------------
# awareness campaign


def test_awareness_campaign_boost_is_on_in_its_window_and_reach_counted_once():
    model = build(
        [
            {
                "type": "awareness_campaign",
                "media_per_week": 0.05,
                "start": 3,
                "end": 5,
                "cost_per_person": 2,
                "cost_fixed": 100,
            }
        ]
    )
    a = model.actors
    a.stage[:] = [Stage.UNAWARE] * 7 + [Stage.AWARE, Stage.MEMBER, Stage.ACTIVE]
    campaign = model.interventions[0]
    boosts, costs = [], []
    for step in range(1, 9):
        apply_at(model, step)
        boosts.append(model.state.modifiers.media_per_week - model.params.awareness.media_per_week)
        costs.append(campaign.cost_this_step)
    assert boosts == pytest.approx([0.0, 0.0, 0.05, 0.05, 0.05, 0.0, 0.0, 0.0], abs=1e-15)
    assert campaign.n_reached == 7  # the unaware at its start, once
    assert costs == [0, 0, 7 * 2 + 100, 100, 100, 0, 0, 0]


def test_awareness_campaign_raises_the_awareness_hazard_only_in_its_window():
    # no other source of awareness: only the campaign's hazard (100 a week: p = 1) informs
    model = build(
        [{"type": "awareness_campaign", "media_per_week": 100, "start": 3, "end": 4}],
        layers=True,
        steps=6,
        population={"candidates": 30, "recruiters": 5, "turnover_per_week": 0.0},
        awareness={"media_per_week": 0.0, "word_of_mouth_per_week": 0.0},
    )
    a = model.actors

    def n_unaware():
        return int(np.count_nonzero(a.stage == Stage.UNAWARE))

    def forget():
        a.stage[:] = Stage.UNAWARE
        a.membership[:] = 0

    for _ in range(2):
        model.step()
        assert n_unaware() == 35
    model.step()  # step 3: everybody informed
    assert n_unaware() == 0
    forget()
    model.step()  # step 4: still in force
    assert n_unaware() == 0
    forget()
    model.step()  # step 5: over
    assert n_unaware() == 35
    assert model.state.modifiers.media_per_week == 0.0  # the base value again
    assert model.interventions[0].n_reached == 35


# ---------------------------------------------------------------------------
# cost accounting and schedules


def test_costs_per_step_and_in_the_summary():
    scenario = make_scenario(
        [
            {
                "type": "training",
                "coverage": 0.25,
                "start": 2,
                "every": 3,
                "end": 9,
                "cost_per_person": 10,
                "cost_fixed": 100,
            },
            {
                "type": "awareness_campaign",
                "name": "campaign",
                "start": 1,
                "end": 4,
                "cost_per_person": 2,
                "cost_fixed": 7,
            },
        ],
        steps=10,
        layers=True,
        population={"candidates": 20, "recruiters": 2},
    )
    result = sim.run(scenario, seed=3)
    ts, summary = result.timeseries, result.summary
    assert len(ts) == 11
    # training acts at 2, 5 and 8 (5 people, 150 each time); the campaign at 1..4 (7 each)
    # and reaches the 22 actors unaware at step 1 (44)
    expected = [0, 44 + 7, 150 + 7, 7, 7, 150, 0, 0, 150, 0, 0]
    assert ts["new_cost"].tolist() == expected
    assert summary["cum_cost_0_training"] == 450
    assert summary["cum_reached_0_training"] == 15
    assert summary["cum_cost_campaign"] == 44 + 4 * 7
    assert summary["cum_reached_campaign"] == 22
    assert summary["cum_cost"] == sum(expected) == ts["new_cost"].sum()
    assert summary["cum_cost"] == summary["cum_cost_0_training"] + summary["cum_cost_campaign"]


def test_an_intervention_starting_after_the_run_is_refused_at_load():
    base = make_scenario(steps=10, layers=True, population={"candidates": 40, "recruiters": 4})
    training = {"type": "training", "start": 11, "coverage": 1.0, "cost_per_person": 5}
    with pytest.raises(ScenarioError) as info:
        base.with_overrides({"interventions": [{"type": "coaching", "start": 3}, training]})
    message = str(info.value)
    assert "\n" not in message
    assert "interventions.1.start = 11: after the run's last step (run.steps = 10)" in message
    base.with_overrides({"interventions": [{**training, "start": 10}]})  # the last step: fine


@pytest.mark.parametrize(
    ("spec", "acting_steps"),
    [
        ({"type": "training", "start": 2, "every": 3, "end": 9}, [2, 5, 8]),
        ({"type": "training", "start": 2, "every": 3, "end": 8}, [2, 5, 8]),
        ({"type": "training", "start": 1, "every": 4}, [1, 5, 9]),
        ({"type": "training", "start": 3, "end": 8}, [3]),
        ({"type": "training", "start": 4}, [4]),
        ({"type": "community", "start": 3, "every": 5, "end": 12}, [3, 8]),
        ({"type": "certification", "start": 7, "every": 2, "end": 7}, [7]),
        ({"type": "curriculum", "start": 3, "end": 6}, [3, 4, 5, 6]),
        ({"type": "coaching", "start": 9}, [9, 10]),
    ],
)
def test_schedule_acting_steps(spec, acting_steps):
    scenario = make_scenario(
        [{**spec, "cost_fixed": 1}], steps=10, population={"candidates": 10, "recruiters": 2}
    )
    result = sim.run(scenario, seed=0)
    assert np.flatnonzero(result.timeseries["new_cost"].to_numpy()).tolist() == acting_steps
    assert result.summary["cum_cost"] == len(acting_steps)


@pytest.mark.parametrize("kind", ["training", "coaching", "awareness_campaign"])
def test_end_before_start_is_rejected_at_load_in_one_line(kind, tmp_path):
    spec = {"type": kind, "start": 5, "end": 3}
    with pytest.raises(ScenarioError) as info:
        make_scenario([{"type": "training"}, spec])
    message = str(info.value)
    assert "\n" not in message
    assert "interventions.1" in message
    assert "end (3) is before start (5)" in message
    path = tmp_path / "bad.toml"
    path.write_text(f'[[interventions]]\ntype = "{kind}"\nstart = 5\nend = 3\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert "interventions.0" in message and "end (3) is before start (5)" in message


def test_end_equal_to_start_is_accepted():
    model = build([{"type": "training", "start": 4, "end": 4, "coverage": 1.0}])
    assert model.interventions[0].params.end == 4


def test_intervention_start_zero_is_rejected_at_load():
    # steps are 1-based: a one-shot intervention at start = 0 would never act
    with pytest.raises(
        ScenarioError, match=r"interventions\.0\.start = 0: .*greater than or equal to 1"
    ):
        build([{"type": "training", "start": 0, "coverage": 1.0}], steps=5)


def test_interventions_with_the_same_name_are_rejected_at_load():
    # their summary keys cum_cost_<name> / cum_reached_<name> would collide
    with pytest.raises(ScenarioError, match="intervention names must be unique"):
        make_scenario(
            [
                {"type": "training", "name": "x", "start": 1, "cost_fixed": 10},
                {"type": "coaching", "name": "x", "start": 1, "end": 2, "cost_fixed": 1},
            ],
            steps=3,
        )


def test_a_name_that_is_another_interventions_default_label_is_rejected_at_load():
    # `0_training` is the label (and summary key) of the unnamed training at position 0
    with pytest.raises(ScenarioError, match=r"interventions\.1\.name = '0_training'"):
        make_scenario([{"type": "training"}, {"type": "coaching", "name": "0_training"}])
    make_scenario([{"type": "coaching", "name": "0_training"}])  # no such label: accepted


# ---------------------------------------------------------------------------
# common random numbers


def crn_scenario(interventions=()):
    return scenario_from_dict(
        {
            "run": {"steps": 40},
            "population": {"candidates": 300, "recruiters": 30, "domains": 2},
            "network": {"kind": "sbm", "mean_degree": 8},
            "initial": {"aware_share": 0.2, "active": 10},
            "interventions": list(interventions),
        }
    )


def test_an_added_intervention_keeps_common_random_numbers():
    spec = {
        "type": "training",
        "coverage": 0.5,
        "boost": 0.3,
        "targeting": "lowest_skill",
        "start": 30,
        "cost_per_person": 1,
    }
    plain = sim.RecruitingModel(crn_scenario(), 8)
    trained = sim.RecruitingModel(crn_scenario([spec]), 8)
    for step in range(1, 41):
        plain.step()
        trained.step()
        for phase in ("awareness", "membership", "activation", "turnover"):
            np.testing.assert_equal(  # nested dicts holding arrays
                plain.state.streams[phase].bit_generator.state,
                trained.state.streams[phase].bit_generator.state,
                err_msg=f"{phase} at step {step}",
            )
    assert "intervention:training-0" in trained.state.streams
    assert "intervention:training-0" not in plain.state.streams
    a = plain.recorder.timeseries()
    b = trained.recorder.timeseries()
    pd.testing.assert_frame_equal(a.iloc[:30], b.iloc[:30], check_exact=True)
    # from step 30 on the runs differ: the training reached half of the 300 candidates
    assert b.loc[30, "new_cost"] == 150 and a.loc[30, "new_cost"] == 0
    assert b.loc[30, "mean_foundation_candidates"] > a.loc[30, "mean_foundation_candidates"]
    assert not a.iloc[30:].equals(b.iloc[30:])


def test_an_interventions_draws_do_not_depend_on_its_position():
    # a policy that never acts placed before the training shifts its position, not its draws
    training = {"type": "training", "coverage": 0.3, "start": 3, "targeting": "random"}
    idle = {"type": "platform_policy", "data_safety": 0.9, "start": 40}  # after step 5
    alone = sim.RecruitingModel(crn_scenario([training]), 5)
    shifted = sim.RecruitingModel(crn_scenario([idle, training]), 5)
    for _ in range(5):
        alone.step()
        shifted.step()
    assert alone.interventions[0].stream_name == shifted.interventions[1].stream_name
    assert alone.interventions[0].n_reached == shifted.interventions[1].n_reached == 90
    np.testing.assert_array_equal(alone.actors.foundation, shifted.actors.foundation)
    pd.testing.assert_frame_equal(alone.recorder.timeseries(), shifted.recorder.timeseries())


def test_stream_names_are_by_name_or_by_rank_within_a_type():
    specs = make_scenario(
        [
            {"type": "training"},
            {"type": "coaching", "name": "coach"},
            {"type": "training", "skill": "digital"},
            {"type": "coaching"},
        ]
    ).params.interventions
    assert stream_names(specs) == [
        "intervention:training-0",
        "intervention:named:coach",
        "intervention:training-1",
        "intervention:coaching-0",
    ]
