"""The demo's pure parts: levers, the pair in lockstep, its difference, phase by phase."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.levers import (
    LEVERS,
    apply_levers,
    demo_files,
    read_levers,
    read_presets,
    with_lever,
)
from sim.lockstep import Pair, describe_change, difference, snapshot
from sim.model import RecruitingModel
from sim.network_view import actor_lines, layout, network_svg
from sim.phases import PHASES
from sim.scenario import ScenarioError, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def sides():
    baseline = load_scenario(SCENARIOS / "baseline.toml")
    training = load_scenario(SCENARIOS / "foundations_training.toml")
    start = read_levers(baseline, training)
    return baseline, training, start


def small(sides, **moved):
    baseline, training, start = sides
    levers = start
    for name, value in moved.items():
        levers = with_lever(levers, name, value)
    return apply_levers(baseline, training, start, levers)


def test_levers_start_at_the_scenarios_values(sides):
    _, _, start = sides
    assert start.foundations_coverage == 0.3  # foundations_training.toml
    assert start.digital_coverage == 0.0 and start.certification_coverage == 0.0
    assert (start.sharing, start.risk_aversion_mean) == (0.3, 0.5)
    assert (start.churn_per_week, start.data_safety, start.actors) == (0.02, 0.5, 330)


def test_unmoved_levers_change_nothing_but_the_population(sides):
    baseline, training, _ = sides
    left, right = small(sides)
    for before, after in ((baseline, left), (training, right)):
        assert after.params.population.candidates == 300
        assert after.params.population.recruiters == 30
        scaled = before.with_overrides(
            {"population.candidates": 300, "population.recruiters": 30}
        )
        assert after.hash == scaled.hash


def test_world_levers_act_on_both_sides_and_intervention_levers_on_the_right(sides):
    left, right = small(sides, sharing=0.6, digital_coverage=0.4, churn_per_week=0.04)
    for side in (left, right):
        assert side.params.learning.sharing == 0.6
        assert side.params.platforms.churn_generalist == 0.04
        assert side.params.platforms.churn_specialised == pytest.approx(0.02)  # ratio 1/2 kept
    assert left.params.interventions == ()
    kinds = [(i.type, i.skill, i.coverage) for i in right.params.interventions]
    assert kinds == [("training", "foundation", 0.3), ("training", "digital", 0.4)]


def test_a_coverage_lever_sets_removes_or_adds_its_intervention(sides):
    _, right = small(sides, foundations_coverage=0.7)
    assert [i.coverage for i in right.params.interventions] == [0.7]
    _, right = small(sides, foundations_coverage=0.0)
    assert right.params.interventions == ()
    _, right = small(sides, certification_coverage=0.5)
    added = right.params.interventions[-1]
    assert (added.type, added.coverage, added.risk_reduction) == ("certification", 0.5, 0.5)


def test_data_safety_sets_every_platform_and_bad_values_are_refused(sides):
    left, _ = small(sides, data_safety=0.9)
    platforms = left.params.platforms
    assert platforms.data_safety_generalist == platforms.data_safety_specialised == 0.9
    with pytest.raises(ScenarioError, match="the demo's levers"):
        small(sides, sharing=1.5)


def test_every_lever_is_a_field_of_levers(sides):
    _, _, start = sides
    assert [lever.name for lever in LEVERS] == list(vars(start))


def test_presets_list_each_file_with_its_question():
    presets = {preset.path.name: preset.question for preset in read_presets(SCENARIOS)}
    assert set(presets) == {path.name for path in SCENARIOS.glob("*.toml")}
    assert presets["high_churn.toml"].startswith("How much do tools that never stop changing")
    assert presets["high_churn.toml"].endswith("hold adoption back?")
    assert presets["baseline.toml"].startswith("Baseline:")


def test_demo_files_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RECRUITSIM_DEMO_SCENARIO", str(tmp_path / "a.toml"))
    monkeypatch.setenv("RECRUITSIM_DEMO_COMPARE", str(tmp_path / "b.toml"))
    assert demo_files() == (tmp_path / "a.toml", tmp_path / "b.toml")
    monkeypatch.delenv("RECRUITSIM_DEMO_COMPARE")
    assert demo_files()[1] == tmp_path / "foundations_training.toml"


def test_both_sides_share_random_numbers_until_the_intervention_acts(sides):
    """Training starts at week 26: until then the two sides are the same run."""
    pair = Pair(*small(sides), seed=5)
    for _ in range(40):
        pair.step()
    base, other = pair.timeseries()
    numeric = base.columns.drop([c for c in base.columns if "cohort" in c])
    before = base["step"] < 26
    pd.testing.assert_frame_equal(base.loc[before, numeric], other.loc[before, numeric])
    after = base["step"] >= 26
    assert not base.loc[after, "mean_foundation_candidates"].equals(
        other.loc[after, "mean_foundation_candidates"]
    )
    assert pair.steps == 40


def test_a_pair_steps_each_side_as_its_model_alone(sides):
    left, right = small(sides)
    pair = Pair(left, right, seed=3)
    alone = RecruitingModel(right, 3)
    for _ in range(30):
        pair.step()
        alone.step()
    pd.testing.assert_frame_equal(pair.timeseries()[1], alone.recorder.timeseries())


def test_the_difference_is_intervention_minus_baseline(sides):
    pair = Pair(*small(sides, foundations_coverage=1.0), seed=2)
    for _ in range(80):
        pair.step()
    base, other = pair.timeseries()
    diff = pair.difference()
    assert np.allclose(diff["share_active"], 100 * (other["share_active"] - base["share_active"]))
    expected = other["cum_hires_social"] - base["cum_hires_social"]
    assert (diff["cum_hires_social"] == expected).all()
    assert diff["share_active"].abs().max() > 0  # the training changed something by week 80
    with pytest.raises(ValueError, match="same steps"):
        difference(base, other.iloc[:-1])


def test_stepping_by_phase_gives_the_same_week_as_one_step(sides):
    left, right = small(sides)
    by_phase, whole = Pair(left, right, seed=9), Pair(left, right, seed=9)
    for _ in range(27):
        whole.step()
        reports = [by_phase.step_phase() for _ in PHASES]
        assert [report.phase.name for report in reports] == [phase.name for phase in PHASES]
        assert not by_phase.in_step
    for a, b in zip(by_phase.timeseries(), whole.timeseries(), strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert reports[0].line().startswith("week 27, interventions: scheduled interventions act")


def test_a_step_left_midway_is_finished_by_step(sides):
    left, right = small(sides)
    pair, whole = Pair(left, right, seed=4), Pair(left, right, seed=4)
    pair.step_phase()
    pair.step_phase()
    assert pair.in_step and pair.steps == 0
    pair.step()  # finishes the week begun phase by phase
    whole.step()
    assert pair.steps == 1 and not pair.in_step
    pd.testing.assert_frame_equal(pair.timeseries()[0], whole.timeseries()[0])


def test_a_phase_line_counts_what_changed():
    before = {"unaware": 10, "aware": 2, "belief": 0.1, "digital skill": 0.5}
    after = {"unaware": 7, "aware": 5, "belief": 0.1004, "digital skill": 0.49}
    assert describe_change(before, after) == "-3 unaware, +3 aware, digital skill -0.010"
    assert describe_change(before, before) == "nothing visible"


def test_snapshot_counts_stages_and_market_stocks(sides):
    model = RecruitingModel(small(sides)[0], 1)
    for _ in range(20):
        model.step()
    values = snapshot(model.state)
    a = model.state.actors
    assert values["active"] == np.count_nonzero(a.stage == 3)
    assert sum(values[s] for s in ("unaware", "aware", "member", "active", "lapsed")) == a.n
    assert values["seeking"] == np.count_nonzero(a.is_seeking[a.is_candidate])
    assert values["open vacancies"] == a.vacancies.sum()


def test_the_layout_stays_put_and_every_actor_has_a_tooltip(sides):
    model = RecruitingModel(small(sides)[0], 1)
    view = layout(model.state, seed=1)
    assert np.array_equal(view.actors, layout(model.state, seed=1).actors)
    assert view.ties.shape == (model.state.network.n_edges, 2)
    for _ in range(60):
        model.step()
    svg = network_svg(view, model.state, "baseline", "net")
    lines = actor_lines(model.state)
    assert svg.count("<title>") == model.state.actors.n == len(lines)
    active = int(np.flatnonzero(model.state.actors.stage == 3)[0])
    assert f"{'candidate' if active < 300 else 'recruiter'} {active} (" in lines[active]
    assert ": active;" in lines[active] and f"<title>{lines[active]}</title>" in svg


def test_the_demo_doc_lists_every_lever():
    text = (SCENARIOS.parent / "docs" / "demo.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    for lever in LEVERS:
        side = "both" if lever.side == "both" else "right"
        assert any(row.startswith(f"| {lever.label} | {side} |") for row in rows), lever.label


@pytest.mark.parametrize(
    ("lever", "value", "file"),
    [
        ("foundations_coverage", 0.3, "foundations_training.toml"),
        ("digital_coverage", 0.3, "digital_training.toml"),
        ("certification_coverage", 0.5, "certification.toml"),
    ],
)
def test_a_lever_adds_the_intervention_of_its_scenario_file(lever, value, file):
    baseline = load_scenario(SCENARIOS / "baseline.toml")
    start = read_levers(baseline, baseline)
    _, right = apply_levers(baseline, baseline, start, with_lever(start, lever, value))
    (added,) = right.params.interventions
    (written,) = load_scenario(SCENARIOS / file).params.interventions
    assert added.model_dump(exclude={"name"}) == written.model_dump(exclude={"name"})


def test_a_followed_actor_is_ringed_at_its_position(sides):
    model = RecruitingModel(small(sides)[0], 1)
    view = layout(model.state, seed=1)
    plain = network_svg(view, model.state, "baseline", "net")
    ringed = network_svg(view, model.state, "baseline", "net", highlight=7)
    assert 'id="net-followed"' in ringed and "followed" not in plain
    assert ringed.count("<title>") == plain.count("<title>") == model.state.actors.n
    root = ET.fromstring(ringed)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    (ring,) = root.findall(".//svg:g[@id='net-followed']//svg:path", ns)  # one circle
    points = np.array(re.findall(r"-?\d+\.?\d*", ring.get("d")), dtype=float).reshape(-1, 2)
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    seventh = root.findall(".//svg:g[@id='net-candidates']//svg:use", ns)[7]  # candidates first
    assert centre == pytest.approx([float(seventh.get("x")), float(seventh.get("y"))], abs=0.01)
    assert seventh.find("svg:title", ns).text.startswith("candidate 7 (")
