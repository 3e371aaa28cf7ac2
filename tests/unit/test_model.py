"""Unit tests for sim.model.RecruitingModel on small scenarios."""

from __future__ import annotations

import math
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

import sim
from sim.agents import Candidate, Platform, Recruiter
from sim.demography import turnover_phase
from sim.initial import choose_initial_adopters
from sim.network import from_edges
from sim.params import ThresholdDistribution
from sim.phases import PHASES, phases_for
from sim.population import KIND_NAMES, Profile, Stage, draw_thresholds
from sim.scenario import scenario_from_dict

STAGE_NAMES = {s: s.name.lower() for s in Stage}


def scenario(**sections):
    base = {
        "run": {"steps": 10},
        "population": {"candidates": 120, "recruiters": 30, "domains": 2},
        "network": {"kind": "erdos_renyi", "mean_degree": 6},
    }
    for key, value in sections.items():
        if isinstance(value, dict):
            base[key] = {**base.get(key, {}), **value}
        else:
            base[key] = value
    return scenario_from_dict(base)


# An edge list whose threshold-0.5 cascade from node 0 is worked out by hand:
#   degrees 0:4 1:2 2:2 3:3 4:3 5:2 6:1 7:1 8:1 9:0 10:0 11:1 (node 0 is the unique hub)
CASCADE_EDGES = """\
# hand-made cascade graph
0 1
0 2
0 3
0 11
1 4
2 4
4 5
5 8
3 6
3 7
9 9
10 10
"""


def cascade_scenario(tmp_path: Path, **decision) -> sim.Scenario:
    path = tmp_path / "cascade.txt"
    path.write_text(CASCADE_EDGES, encoding="utf-8")
    return scenario_from_dict(
        {
            "run": {"steps": 10, "recruiting_layers": False},
            "population": {"candidates": 12, "recruiters": 0},
            "network": {"kind": "edgelist", "path": str(path)},
            "initial": {"active": 1, "seeding": "hubs", "aware_share": 0.0},
            "decision": {"rule": "threshold", "threshold": 0.5, **decision},
        }
    )


def expected_row(model: sim.RecruitingModel) -> dict[str, float]:
    """Indicators recomputed from the model's arrays, independently of the recorder."""
    a = model.actors
    row: dict[str, float] = {
        "step": model.steps,
        "time": model.steps * model.params.run.dt,
        "share_active": np.mean(a.stage == Stage.ACTIVE),
        "share_aware": np.mean(a.stage != Stage.UNAWARE),
        "share_member": np.mean(a.membership != 0),
        "new_hires_social": model.state.flows.hires_social,
        "new_hires_traditional": model.state.flows.hires_traditional,
        "n_vacancies_open": a.vacancies.sum(),
        "n_seeking": np.count_nonzero(a.is_seeking),
    }
    for kind, kind_name in KIND_NAMES.items():
        of_kind = a.kind == kind
        for stage, stage_name in STAGE_NAMES.items():
            row[f"n_{kind_name}_{stage_name}"] = np.count_nonzero(of_kind & (a.stage == stage))
        row[f"share_active_{kind_name}"] = np.mean(a.stage[of_kind] == Stage.ACTIVE)
        row[f"mean_foundation_{kind_name}"] = a.foundation[of_kind].mean()
        row[f"mean_belief_{kind_name}"] = (a.alpha / (a.alpha + a.beta))[of_kind].mean()
    for k, name in enumerate(model.platforms.name):
        row[f"n_members_{name}"] = np.count_nonzero((a.membership >> k) & 1)
    return row


def assert_row_matches(frame, index: int, expected: dict[str, float]) -> None:
    for column, value in expected.items():
        assert frame[column].iloc[index] == pytest.approx(value, rel=1e-12, abs=1e-12), (
            f"row {index} column {column}"
        )


# ---------------------------------------------------------------------------
# Initial state and seeding
# ---------------------------------------------------------------------------


def test_step_zero_row_is_the_initial_state():
    sc = scenario(initial={"active": 7, "aware_share": 0.3})
    model = sim.RecruitingModel(sc, seed=3)
    frame = model.recorder.timeseries()
    assert len(frame) == 1
    assert_row_matches(frame, 0, expected_row(model))
    assert frame["step"].iloc[0] == 0 and frame["time"].iloc[0] == 0.0
    assert frame["new_hires_social"].iloc[0] == frame["new_hires_traditional"].iloc[0] == 0
    assert frame["share_active"].iloc[0] == pytest.approx(7 / 150)
    # initial adopters are ACTIVE since step 0 and on the generalist platform (bit 0)
    active = model.actors.stage == Stage.ACTIVE
    assert np.count_nonzero(active) == 7
    assert np.all(model.actors.t_active[active] == 0)
    assert np.all(model.actors.t_active[~active] == -1)
    assert np.all(model.actors.membership[active] & 1)
    assert not np.any(model.actors.membership[~active])
    # awareness is drawn for all 150 (Binomial(150, 0.3): mean 45, sd 5.6), then the 7
    # adopters are set ACTIVE, removing at most 7 of the aware: 5 sd plus that shift
    n_aware = np.count_nonzero(model.actors.stage == Stage.AWARE)
    assert abs(n_aware - 0.3 * 150) < 5 * math.sqrt(150 * 0.3 * 0.7) + 7
    # only candidates seek, recruiters start without vacancies
    assert not model.actors.is_seeking[model.actors.kind == 1].any()
    assert model.actors.vacancies.sum() == 0


def test_seeding_random_picks_exactly_that_many():
    for seed in range(3):
        model = sim.RecruitingModel(scenario(initial={"active": 11}), seed=seed)
        assert np.count_nonzero(model.actors.stage == Stage.ACTIVE) == 11


def test_seeding_hubs_picks_the_highest_degree_actors():
    sc = scenario(
        network={"kind": "barabasi_albert", "mean_degree": 4},
        initial={"active": 10, "seeding": "hubs"},
    )
    model = sim.RecruitingModel(sc, seed=5)
    active = model.actors.stage == Stage.ACTIVE
    degree = model.network.degree
    assert np.count_nonzero(active) == 10
    assert degree[active].min() >= degree[~active].max()
    top = np.sort(degree)[::-1][:10]
    np.testing.assert_array_equal(np.sort(degree[active])[::-1], top)


def test_seeding_hubs_on_the_hand_graph(tmp_path):
    model = sim.RecruitingModel(cascade_scenario(tmp_path), seed=0)
    np.testing.assert_array_equal(np.flatnonzero(model.actors.stage == Stage.ACTIVE), [0])


def test_seeding_neighbourhood_is_a_node_and_its_neighbours():
    for seed in range(5):
        sc = scenario(initial={"active": 4, "seeding": "neighbourhood"})
        model = sim.RecruitingModel(sc, seed=seed)
        chosen = set(np.flatnonzero(model.actors.stage == Stage.ACTIVE).tolist())
        assert 1 <= len(chosen) <= 4
        # some chosen actor is the centre: the others are its neighbours, and there are
        # as many of them as asked for, or all its neighbours if it has fewer
        centres = [
            c
            for c in chosen
            if chosen - {c} <= set(model.network.neighbours(c).tolist())
            and len(chosen) == min(4, model.network.degree[c] + 1)
        ]
        assert centres, f"seed {seed}: {chosen} is not a node plus its neighbours"


def test_choose_initial_adopters_neighbourhood_on_a_star():
    # star: centre 0 with leaves 1..5; leaves have one neighbour (the centre)
    net = from_edges(6, np.zeros(5, int), np.arange(1, 6))
    rng = np.random.default_rng(0)
    for _ in range(20):
        chosen = set(choose_initial_adopters(net, 3, "neighbourhood", rng).tolist())
        # either the centre and two leaves, or one leaf and the centre
        assert 0 in chosen
        assert len(chosen) in (2, 3)
    hubs = choose_initial_adopters(net, 1, "hubs", rng)
    np.testing.assert_array_equal(hubs, [0])
    assert choose_initial_adopters(net, 0, "random", rng).size == 0


def test_edgelist_initial_active_above_population_is_a_scenario_error(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text("a b\nb c\n", encoding="utf-8")
    sc = scenario_from_dict(
        {
            "population": {"candidates": 10, "recruiters": 0},
            "network": {"kind": "edgelist", "path": str(path)},
            "initial": {"active": 5},
        }
    )
    with pytest.raises(sim.ScenarioError, match=r"initial\.active = 5.*3"):
        sim.RecruitingModel(sc)


def test_draw_thresholds():
    rho = np.array([0.0, 0.5, 1.0, 0.25])
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(draw_thresholds(0.3, rho, rng), [0.3] * 4)
    tied = ThresholdDistribution(dist="risk_aversion", low=0.1, high=0.5)
    np.testing.assert_allclose(draw_thresholds(tied, rho, rng), [0.1, 0.3, 0.5, 0.2])
    uniform = ThresholdDistribution(dist="uniform", low=0.2, high=0.4)
    values = draw_thresholds(uniform, np.zeros(1000), rng)
    assert values.min() >= 0.2 and values.max() < 0.4
    # mean of U(0.2, 0.4) is 0.3 with sd 0.2 / sqrt(12 * 1000) = 0.0018
    assert abs(values.mean() - 0.3) < 5 * 0.2 / math.sqrt(12 * 1000)
    wide = ThresholdDistribution(dist="normal", mean=0.5, sd=2.0)
    values = draw_thresholds(wide, np.zeros(1000), rng)
    assert values.min() == 0.0 and values.max() == 1.0  # clipped to [0, 1]


def test_scenario_threshold_distribution_reaches_the_actors():
    sc = scenario(
        decision={
            "rule": "threshold",
            "threshold": {"dist": "risk_aversion", "low": 0.1, "high": 0.3},
        }
    )
    model = sim.RecruitingModel(sc, seed=0)
    np.testing.assert_allclose(
        model.actors.threshold, 0.1 + 0.2 * model.actors.risk_aversion, rtol=1e-15
    )
    assert np.ptp(model.actors.threshold) > 0.05


# ---------------------------------------------------------------------------
# Mesa agents as live views
# ---------------------------------------------------------------------------


def test_agents_are_one_view_per_actor_and_platform():
    model = sim.RecruitingModel(scenario(), seed=1)
    candidates = model.agents_by_type[Candidate]
    recruiters = model.agents_by_type[Recruiter]
    platforms = model.agents_by_type[Platform]
    assert len(model.agents) == 150 + model.platforms.n
    assert sorted(a.index for a in candidates) == list(range(120))
    assert sorted(a.index for a in recruiters) == list(range(120, 150))
    assert sorted(p.name for p in platforms) == sorted(model.platforms.name)
    # 2 domains: generalist, one per domain, juniors
    assert sorted(model.platforms.name) == ["domain_0", "domain_1", "generalist", "juniors"]


def test_agent_attributes_follow_the_arrays_live():
    sc = scenario(
        run={"steps": 30},
        initial={"active": 20, "aware_share": 0.5},
        awareness={"media_per_week": 0.2},
        platforms={"join_per_week": 0.5},
        market={"vacancies_per_week": 1.0},
    )
    model = sim.RecruitingModel(sc, seed=2)
    views = {a.index: a for a in model.agents if not isinstance(a, Platform)}
    platforms = list(model.agents_by_type[Platform])
    for _ in range(6):
        model.step()
    a = model.actors
    assert len(set(a.stage.tolist())) >= 3  # the state did move
    for i, view in views.items():
        assert view.stage == Stage(int(a.stage[i]))
        assert view.foundation == a.foundation[i]
        assert view.digital == a.digital[i]
        assert view.complexity == a.complexity[i]
        assert view.belief == pytest.approx(a.alpha[i] / (a.alpha[i] + a.beta[i]), rel=1e-15)
        names = [n for k, n in enumerate(model.platforms.name) if (int(a.membership[i]) >> k) & 1]
        assert view.platforms == names
        if isinstance(view, Recruiter):
            assert view.vacancies == a.vacancies[i]
        else:
            assert view.is_seeking == bool(a.is_seeking[i])
    for p in platforms:
        assert p.n_members == np.count_nonzero((a.membership >> p.index) & 1)
    assert sum(p.n_members for p in platforms) > 20
    # writes to the arrays show through immediately
    a.stage[0] = Stage.LAPSED
    a.foundation[0] = 0.123
    assert views[0].stage == Stage.LAPSED and views[0].foundation == 0.123


# ---------------------------------------------------------------------------
# Threshold cascade by hand
# ---------------------------------------------------------------------------

# threshold 0.5 from node 0: step 1 adds 1 (1/2), 2 (1/2), 11 (1/1); node 3 has 1/3.
# step 2 adds 4 (2/3); step 3 adds 5 (1/2); step 4 adds 8 (1/1); then nothing changes.
CASCADE_T_ACTIVE = [0, 1, 1, -1, 2, 3, -1, -1, 4, -1, -1, 1]
CASCADE_COUNTS = [1, 4, 5, 6, 7, 7]


def test_threshold_cascade_by_hand(tmp_path):
    model = sim.RecruitingModel(cascade_scenario(tmp_path), seed=0)
    model.run_model()
    frame = model.recorder.timeseries()
    assert len(frame) == 11
    counts = frame["n_candidates_active"].tolist()
    assert counts == CASCADE_COUNTS + [7] * 5
    np.testing.assert_array_equal(model.actors.t_active, CASCADE_T_ACTIVE)
    np.testing.assert_allclose(frame["share_active"], np.array(counts) / 12)


def test_threshold_count_cascade_by_hand(tmp_path):
    # one active neighbour suffices: 0 -> {1,2,3,11} -> {4,6,7} -> {5} -> {8}; 9, 10 isolated
    model = sim.RecruitingModel(cascade_scenario(tmp_path, threshold_count=1), seed=0)
    model.run_model()
    counts = model.recorder.timeseries()["n_candidates_active"].tolist()
    assert counts[:6] == [1, 5, 8, 9, 10, 10]
    np.testing.assert_array_equal(model.actors.t_active, [0, 1, 1, 1, 2, 3, 2, 2, 4, -1, -1, 1])


def test_stop_when_stable_ends_the_threshold_cascade(tmp_path):
    sc = cascade_scenario(tmp_path).with_overrides({"run.stop_when_stable": True})
    model = sim.RecruitingModel(sc, seed=0)
    model.run_model()
    frame = model.recorder.timeseries()
    assert frame["step"].tolist() == [0, 1, 2, 3, 4, 5]  # step 5 changed nobody
    assert frame["n_candidates_active"].tolist() == CASCADE_COUNTS
    assert model.steps == 5 and not model.running


def test_stop_when_stable_run_result(tmp_path):
    sc = cascade_scenario(tmp_path).with_overrides({"run.stop_when_stable": True})
    result = sim.run(sc, seed=0)
    assert len(result.timeseries) == 6
    assert result.summary["final_share_active"] == pytest.approx(7 / 12)


def test_threshold_cascade_is_the_same_with_recruiting_layers(tmp_path):
    sc = cascade_scenario(tmp_path).with_overrides(
        {"run.recruiting_layers": True, "population.turnover_per_week": 0.0}
    )
    model = sim.RecruitingModel(sc, seed=0)
    model.run_model()
    np.testing.assert_array_equal(model.actors.t_active, CASCADE_T_ACTIVE)


def test_turnover_entrants_keep_the_scenario_threshold():
    sc = scenario(
        run={"steps": 5},
        population={"candidates": 300, "recruiters": 0, "turnover_per_week": 1.0},
        network={"kind": "erdos_renyi", "mean_degree": 6},
        decision={"rule": "threshold", "threshold": 0.5},
        initial={"active": 0},
    )
    model = sim.RecruitingModel(sc, seed=3)
    model.run_model()
    # nobody was active, so nobody can reach a share of 0.5 active neighbours
    np.testing.assert_array_equal(model.actors.threshold, np.full(300, 0.5))
    assert np.count_nonzero(model.actors.stage == Stage.ACTIVE) == 0


# ---------------------------------------------------------------------------
# recruiting_layers = false
# ---------------------------------------------------------------------------


def test_without_recruiting_layers_only_activation_changes_state():
    sc = scenario(
        run={"steps": 8, "recruiting_layers": False},
        network={"kind": "complete"},
        decision={"rule": "bass", "p": 0.05, "q": 0.5},
        initial={"active": 3, "aware_share": 0.4},
        market={"vacancies_per_week": 2.0},
        population={"turnover_per_week": 0.5},
    )
    model = sim.RecruitingModel(sc, seed=4)
    a = model.actors
    stage0 = a.stage.copy()
    frozen = {
        name: getattr(a, name).copy()
        for name in ("membership", "digital", "complexity", "alpha", "beta", "foundation",
                     "vacancies", "is_seeking", "profile", "kind")
    }  # fmt: skip
    for _ in range(8):
        model.step()
        stage = model.actors.stage
        assert np.all((stage == stage0) | (stage == Stage.ACTIVE))
        assert np.all(stage[stage0 == Stage.ACTIVE] == Stage.ACTIVE)
    assert np.count_nonzero(stage != stage0) > 20  # the bass rule did activate people
    for name, values in frozen.items():
        np.testing.assert_array_equal(getattr(model.actors, name), values, err_msg=name)
    frame = model.recorder.timeseries()
    assert frame["new_hires_social"].sum() == frame["new_hires_traditional"].sum() == 0


# ---------------------------------------------------------------------------
# Timeseries and summary
# ---------------------------------------------------------------------------


def test_every_row_records_the_state_after_its_step():
    sc = scenario(
        run={"steps": 12, "dt": 0.5},
        initial={"active": 15, "aware_share": 0.5},
        awareness={"media_per_week": 0.1},
        platforms={"join_per_week": 0.4},
        market={"vacancies_per_week": 0.5},
    )
    model = sim.RecruitingModel(sc, seed=6)
    rows = [expected_row(model)]
    while model.running:
        model.step()
        rows.append(expected_row(model))
    frame = model.recorder.timeseries()
    assert len(frame) == 13
    for index, row in enumerate(rows):
        assert_row_matches(frame, index, row)
    np.testing.assert_array_equal(frame["step"], np.arange(13))
    np.testing.assert_allclose(frame["time"], np.arange(13) * 0.5)
    for column in ["step", "n_candidates_active", "n_members_generalist", "new_hires_social"]:
        assert frame[column].dtype == np.int64
    assert frame["new_hires_traditional"].sum() > 0
    assert frame["n_members_generalist"].iloc[-1] > 0
    # running totals are the cumulative sums of the flows
    for flow in ("hires_social", "hires_traditional", "cost"):
        np.testing.assert_array_equal(frame[f"cum_{flow}"], frame[f"new_{flow}"].cumsum())


def test_switches_of_active_status_are_counted_from_the_stage_arrays():
    sc = scenario(
        run={"steps": 30, "dt": 0.5},
        initial={"active": 40, "aware_share": 0.6},
        decision={"kappa_off": 0.08},
        platforms={"join_per_week": 0.5},
    )
    model = sim.RecruitingModel(sc, seed=3)
    was_active = model.actors.is_active.copy()
    counts = []
    while model.running:
        model.step()
        counts.append(int(np.count_nonzero(model.actors.is_active != was_active)))
        was_active = model.actors.is_active.copy()
    frame = model.recorder.timeseries()
    np.testing.assert_array_equal(frame["new_switches_active"], [0, *counts])
    np.testing.assert_array_equal(frame["cum_switches_active"], np.cumsum([0, *counts]))
    assert sum(counts) > 20  # lapses and activations both happen here
    summary = sim.results.summarize(frame)
    n = model.actors.n
    assert summary["switching_per_week"] == pytest.approx(sum(counts) / (n * 15.0), rel=1e-12)
    assert summary["max_share_switching"] == max(counts) / n


def test_steps_past_the_run_length_are_recorded():
    # an app's Step button keeps stepping after `run.steps`: the recorder grows
    model = sim.RecruitingModel(scenario(run={"steps": 3}), seed=2)
    model.run_model()
    assert not model.running and model.steps == 3
    for _ in range(10):
        model.step()
        assert model.recorder.n_rows == model.steps + 1
        assert_row_matches(model.recorder.timeseries(), model.steps, expected_row(model))
    frame = model.recorder.timeseries()
    np.testing.assert_array_equal(frame["step"], np.arange(14))
    assert not model.running


def test_extra_columns_are_recorded_after_every_step():
    def n_certified(state):
        return int(state.actors.is_certified.sum())

    def mean_risk(state):
        return float(state.perceived_risk().mean())

    sc = scenario(
        run={"steps": 6},
        interventions=[{"type": "certification", "coverage": 0.5, "start": 2, "every": 2}],
    )
    columns = {"n_cert": n_certified, "risk": mean_risk}
    model = sim.RecruitingModel(sc, seed=4, extra_columns=columns)
    expected_cert, expected_risk = [0], [mean_risk(model.state)]
    while model.running:
        model.step()
        expected_cert.append(n_certified(model.state))
        expected_risk.append(mean_risk(model.state))
    frame = model.recorder.timeseries()
    assert frame["n_cert"].tolist() == expected_cert
    assert expected_cert[1] == 0 and expected_cert[-1] > expected_cert[2] > 0
    np.testing.assert_array_equal(frame["risk"], expected_risk)
    assert frame["risk"].dtype == np.float64


def test_extra_columns_may_not_replace_built_in_ones():
    def half(state):
        return 0.5

    with pytest.raises(ValueError, match=r"\['share_active'\] would replace built-in"):
        sim.RecruitingModel(scenario(), seed=0, extra_columns={"share_active": half})
    # a float column named like a count is kept as it is, not cast to an integer
    model = sim.RecruitingModel(scenario(run={"steps": 1}), seed=0, extra_columns={"n_x": half})
    model.run_model()
    assert model.recorder.timeseries()["n_x"].tolist() == [0.5, 0.5]


def test_timeseries_columns():
    model = sim.RecruitingModel(scenario(run={"steps": 2}), seed=0)
    model.run_model()
    columns = set(model.recorder.timeseries().columns)
    required = {"step", "time", "share_active", "share_member", "share_aware", "new_hires_social",
                "new_hires_traditional", "cum_hires_social", "cum_hires_traditional",
                "n_vacancies_open", "n_seeking", "new_cost", "cum_cost"}  # fmt: skip
    for kind in ("candidates", "recruiters"):
        required |= {f"n_{kind}_{s}" for s in ("unaware", "aware", "member", "active", "lapsed")}
        required |= {f"share_active_{kind}", f"share_member_{kind}"}
    required |= {f"n_members_{name}" for name in model.platforms.name}
    assert required <= columns


def crossing(time: np.ndarray, share: np.ndarray, level: float) -> float:
    """First time share reaches level, linear between samples (independent re-implementation)."""
    for i, value in enumerate(share):
        if value >= level:
            if i == 0:
                return float(time[0])
            s0, s1, t0, t1 = share[i - 1], value, time[i - 1], time[i]
            return float(t0 + (level - s0) / (s1 - s0) * (t1 - t0))
    return math.nan


def same(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(
    "sections",
    [
        # fast bass diffusion with the market on: crosses 10/50/90%, hires in both channels
        {
            "run": {"steps": 30, "dt": 0.5},
            "network": {"kind": "complete"},
            "decision": {"rule": "bass", "p": 0.05, "q": 0.8},
            "initial": {"active": 5, "aware_share": 0.5},
            "awareness": {"media_per_week": 0.5},
            "platforms": {"join_per_week": 1.0},
            "market": {"vacancies_per_week": 0.5, "p_hire_social": 0.8},
        },
        # slow utility adoption: t50 and t90 never reached
        {"run": {"steps": 15}, "initial": {"active": 10}},
    ],
)
def test_summary_is_consistent_with_the_timeseries(sections):
    result = sim.run(scenario(**sections), seed=7)
    frame, summary = result.timeseries, result.summary
    time = frame["time"].to_numpy()
    share = frame["share_active"].to_numpy()
    for level in (10, 50, 90):
        assert same(summary[f"t{level}"], crossing(time, share, level / 100)), level
    assert same(summary["t_half_final"], crossing(time, share, share[-1] / 2))
    for kind in ("candidates", "recruiters"):
        kind_share = frame[f"share_active_{kind}"].to_numpy()
        assert same(summary[f"t_half_final_{kind}"], crossing(time, kind_share, kind_share[-1] / 2))
        assert summary[f"final_share_active_{kind}"] == kind_share[-1]
    assert summary["final_share_active"] == share[-1]
    assert summary["final_share_member"] == frame["share_member"].iloc[-1]
    social = int(frame["new_hires_social"].sum())
    traditional = int(frame["new_hires_traditional"].sum())
    assert summary["cum_hires"] == social + traditional
    assert summary["cum_hires_social"] == social
    assert summary["social_hire_share"] == pytest.approx(social / (social + traditional))
    assert result.scenario_hash == scenario(**sections).hash
    # Little's law over the run: open vacancy-weeks, and seeking candidate-weeks, per hire
    dt = sections["run"].get("dt", 1.0)
    hires = social + traditional
    open_weeks = frame["n_vacancies_open"].iloc[1:].sum() * dt
    assert summary["mean_weeks_to_fill"] == pytest.approx(open_weeks / hires, rel=1e-12)
    seeking_weeks = frame["n_seeking"].iloc[1:].sum() * dt
    assert summary["mean_weeks_searching"] == pytest.approx(seeking_weeks / hires, rel=1e-12)
    assert summary["mean_match_quality"] == pytest.approx(
        frame["new_match_quality"].sum() / hires, rel=1e-12
    )
    assert 0 < summary["mean_match_quality"] <= 1
    # hires by group add up to all hires, step by step and over the run
    new = frame["new_hires_social"] + frame["new_hires_traditional"]
    assert (frame["new_hires_junior"] + frame["new_hires_experienced"]).equals(new)
    domains = [c for c in frame if c.startswith("new_hires_domain_")]
    n_domains = scenario(**sections).params.population.domains
    assert frame[domains].sum(axis=1).equals(new) and len(domains) == n_domains
    assert summary["cum_hires_junior"] == frame["new_hires_junior"].sum()
    if sections["run"]["steps"] == 30:
        assert not math.isnan(summary["t90"]) and summary["t10"] < summary["t50"] < summary["t90"]
        assert social > 0 and traditional > 0
    else:
        assert math.isnan(summary["t90"])


# ---------------------------------------------------------------------------
# Perceived risk
# ---------------------------------------------------------------------------


def test_perceived_risk_is_one_minus_mean_data_safety():
    sc = scenario(platforms={"data_safety_generalist": 0.5, "data_safety_specialised": 0.8})
    model = sim.RecruitingModel(sc, seed=0)
    model.actors.membership[:4] = [0, 1, 3, 0b1111]  # none, {gen}, {gen, d0}, all four
    risk = model.state.perceived_risk()[:4]
    np.testing.assert_allclose(risk, [1.0, 0.5, 1 - 0.65, 1 - (0.5 + 3 * 0.8) / 4], rtol=1e-14)


def test_released_model_is_garbage_collected():
    # Mesa 3.3 keeps models alive in mesa.Agent._ids (mesa#3179); release() must undo that
    import gc
    import weakref

    from sim.runner import release

    model = sim.RecruitingModel(
        scenario_from_dict(
            {"run": {"steps": 2}, "population": {"candidates": 50, "recruiters": 5}}
        ),
        seed=0,
    )
    model.run_model()
    assert len(model.agents) == 50 + 5 + 6  # views made on first use: actors, 6 platforms
    ref = weakref.ref(model)
    release(model)
    assert len(model.agents) == 0
    del model
    gc.collect()
    assert ref() is None


def test_cached_fit_groups_follow_turnover_and_ageing():
    scenario = scenario_from_dict(
        {
            "run": {"steps": 30},
            "population": {
                "candidates": 300,
                "recruiters": 20,
                "turnover_per_week": 0.05,
                "junior_to_experienced_per_week": 0.05,
            },
        }
    )
    model = sim.RecruitingModel(scenario, seed=4)
    juniors_before = np.count_nonzero(model.actors.profile == 0)
    model.run_model()
    assert model.state.flows.new_entrants.size > 0  # turnover happened
    assert np.count_nonzero(model.actors.profile == 0) != juniors_before
    np.testing.assert_array_equal(model.state.group, model.actors.group)


@pytest.mark.parametrize("rule", ["utility", "threshold"])
def test_turnover_leaving_and_ageing_keep_their_probabilities(rule):
    """One draw serves both events; each keeps its own probability.

    With rates of 1/52 a week and dt = 52 weeks, p = 1 - e^-1 = 0.632 for each:
    candidates leave with p, and juniors who stay age with p (not p / (1 - p),
    and not always, as splitting [0, 1) naively would give). 20,000 candidates:
    the binomial standard error is at most 0.0035 for leaving and 0.006 for the
    ~7,000 juniors who stay; the tolerance is 5 of them.
    """
    n = 20_000
    sc = scenario(
        run={"steps": 1, "dt": 52.0},
        population={
            "candidates": n,
            "recruiters": 0,
            "junior_share": 1.0,
            "turnover_per_week": 1 / 52,
            "junior_to_experienced_per_week": 1 / 52,
        },
        network={"kind": "erdos_renyi", "mean_degree": 2},
        decision={"rule": rule},
    )
    model = sim.RecruitingModel(sc, seed=8)
    assert np.all(model.actors.profile == Profile.JUNIOR)
    turnover_phase(model.state, model.params)
    p = 1 - math.exp(-1)
    left = np.zeros(n, dtype=bool)
    left[model.state.flows.new_entrants] = True
    stayed_aged = np.count_nonzero(model.actors.profile[~left] == Profile.EXPERIENCED)
    assert abs(left.mean() - p) < 5 * math.sqrt(p * (1 - p) / n)
    n_stayed = np.count_nonzero(~left)
    assert abs(stayed_aged / n_stayed - p) < 5 * math.sqrt(p * (1 - p) / n_stayed)


def test_a_batch_run_creates_no_agent_views_and_views_read_the_state():
    policy = {"type": "platform_policy", "platform": "generalist", "data_safety": 0.9}
    model = sim.RecruitingModel(scenario(run={"steps": 3}, interventions=[policy]), seed=0)
    model.run_model()
    assert len(mesa.Model.agents.fget(model)) == 0  # Mesa's own registry, untouched
    platforms = model.agents_by_type[Platform]
    assert len(model.agents) == model.actors.n + model.platforms.n
    generalist = next(p for p in platforms if p.name == "generalist")
    assert generalist.data_safety == 0.9  # the value in force, not the base 0.5
    assert model.platforms.data_safety[0] == 0.5
    candidate = model.agents_by_type[Candidate][0]
    model.actors.foundation[candidate.index] = 0.123
    assert candidate.foundation == 0.123


def test_phase_list_without_the_recruiting_layers():
    layers = scenario(run={"steps": 3})
    diffusion = scenario(run={"steps": 3, "recruiting_layers": False}, decision={"rule": "bass"})
    assert [p.name for p in phases_for(layers.params)] == [p.name for p in PHASES]
    assert [p.name for p in phases_for(diffusion.params)] == ["interventions", "activation"]
    assert [p.name for p in sim.RecruitingModel(diffusion, seed=0).phases] == [
        "interventions",
        "activation",
    ]


def test_modifiers_and_their_base_cannot_be_written_in_place():
    model = sim.RecruitingModel(scenario(run={"steps": 2}), seed=0)
    model.run_model()
    for name in ("risk_factor", "sharing", "data_safety", "churn_per_week"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(model.state.modifiers, name)[0] = 0.0
        with pytest.raises(ValueError, match="read-only"):
            getattr(model.state.base, name)[0] = 0.0


def test_a_step_phase_by_phase_is_the_same_step():
    sc = scenario(
        run={"steps": 6},
        interventions=[{"type": "training", "coverage": 0.4, "start": 2}],
    )
    whole = sim.RecruitingModel(sc, seed=5)
    by_phase = sim.RecruitingModel(sc, seed=5)
    for _ in range(6):
        whole.step()
        rows = by_phase.recorder.n_rows
        names = []
        for phase in by_phase.step_by_phase():
            names.append(phase.name)
            assert by_phase.recorder.n_rows == rows  # recorded only after the last phase
        assert names == [p.name for p in PHASES]
        assert by_phase.steps == whole.steps and by_phase.recorder.n_rows == rows + 1
    assert not by_phase.running
    pd.testing.assert_frame_equal(
        whole.recorder.timeseries(), by_phase.recorder.timeseries(), check_exact=True
    )


def test_a_step_left_unfinished_is_finished_before_the_next_one():
    model = sim.RecruitingModel(scenario(run={"steps": 4}), seed=1)
    reference = sim.RecruitingModel(scenario(run={"steps": 4}), seed=1)
    phases = model.step_by_phase()
    assert next(phases).name == "interventions"
    assert next(phases).name == "platform_churn"
    assert model.recorder.n_rows == 1  # step 1 not recorded yet
    model.step()  # finishes step 1, then runs step 2
    assert model.recorder.n_rows == 3 and model.steps == 2
    again = model.step_by_phase()
    next(again)
    model.finish_step()  # step 3
    assert list(phases) == [] and list(again) == []  # both walk-throughs are over
    model.step()  # step 4
    for _ in range(4):
        reference.step()
    pd.testing.assert_frame_equal(
        model.recorder.timeseries(), reference.recorder.timeseries(), check_exact=True
    )


def test_contacts_since_entering_are_the_sum_of_each_steps_contacts():
    sc = scenario(
        run={"steps": 40},
        initial={"active": 60, "aware_share": 0.6},
        population={"turnover_per_week": 0.02},
        market={"contacts_per_vacancy_week": 2.0, "candidate_contacts_per_week": 0.5},
    )
    model = sim.RecruitingModel(sc, seed=5)
    expected = np.zeros(model.actors.n, dtype=np.int64)
    for _ in range(40):
        model.step()
        expected += model.state.flows.contacts
        expected[model.state.flows.new_entrants] = 0  # turnover ends the step
    np.testing.assert_array_equal(model.actors.n_contacts, expected)
    frame = model.recorder.timeseries()
    candidates = model.actors.is_candidate
    assert frame["share_contacted_candidates"].iloc[-1] == pytest.approx(
        np.count_nonzero(expected[candidates]) / candidates.sum(), rel=1e-12
    )
    assert 0 < frame["share_contacted_candidates"].iloc[-1] < 1


@pytest.mark.parametrize(
    ("switch", "rate"), [("candidate_contacts_per_week", 0.5), ("referrals_per_week", 1.0)]
)
def test_candidates_who_act_reach_more_candidates_and_zero_recovers_the_model(switch, rate):
    # applications on the platforms, or asks to one's ties
    sections = {
        "run": {"steps": 120},
        "population": {"candidates": 600, "recruiters": 60},
        "initial": {"active": 40, "aware_share": 0.5},
    }
    base = sim.run(scenario(**sections), seed=3)
    zero = sim.run(scenario(**sections, market={switch: 0.0}), seed=3)
    assert zero.timeseries.equals(base.timeseries)
    acting = sim.run(scenario(**sections, market={switch: rate}), seed=3)
    contacted = "final_share_contacted_candidates"
    assert acting.summary[contacted] > base.summary[contacted]
    assert acting.summary["cum_hires_social"] > base.summary["cum_hires_social"]
