"""Property tests: invariants of RecruitingModel over small random scenarios.

Each example builds a scenario of at most a few hundred actors with a random
rule, network, step length, parameters and up to two interventions, steps it
5-20 times and checks,
after every step, that no actor is lost, that stages only move along legal
paths, and that every state variable stays in its domain.

Legal stage changes within ONE step are compositions of the phases in order
(awareness U->A, membership A->M and M/L->A, activation, turnover any->U for
candidates), so e.g. U->M (aware, then joins) is legal in one step:
- utility rule: activation M->ACTIVE, L->ACTIVE, ACTIVE->L;
- threshold / bass: any non-active -> ACTIVE, and ACTIVE is absorbing
  (turnover spares active candidates);
- recruiting_layers = false (threshold or bass only): only activation runs.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.population import KIND_NAMES, Kind, Stage
from sim.scenario import scenario_from_dict

U, A, M, ACT, L = (int(s) for s in Stage)
ALL = {U, A, M, ACT, L}


def legal_moves(rule: str, layers: bool) -> dict[int, set[int]]:
    """Stages reachable in one step from each stage (turnover to U handled separately)."""
    if not layers:  # threshold or bass only
        return {s: ({s, ACT} if s != ACT else {ACT}) for s in ALL}
    if rule == "utility":
        return {
            U: {U, A, M, ACT},
            A: {A, M, ACT},
            M: {M, A, ACT},
            L: {L, A, ACT},
            ACT: {ACT, L},
        }
    return {
        U: {U, A, M, ACT},
        A: {A, M, ACT},
        M: {M, A, ACT},
        L: {L, A, ACT},
        ACT: {ACT},
    }


@st.composite
def interventions(draw):
    """One scheduled intervention of a random type."""
    kind = draw(
        st.sampled_from(
            ["training", "certification", "curriculum", "coaching", "community",
             "platform_policy", "awareness_campaign"]
        )
    )  # fmt: skip
    unit = st.floats(0.0, 1.0)
    spec = {
        "type": kind,
        "start": draw(st.integers(1, 5)),  # runs have at least 5 steps
        "coverage": draw(unit),
        "targeting": draw(st.sampled_from(["random", "lowest_skill", "hubs", "per_community"])),
    }
    if kind in ("training", "certification", "community") and draw(st.booleans()):
        spec["every"] = draw(st.integers(1, 4))  # the others act on every step of their window
    if kind in ("training", "curriculum", "coaching", "community"):
        spec["target"] = draw(st.sampled_from(["candidates", "recruiters", "all"]))
    if kind in ("training", "curriculum", "coaching"):
        spec["boost"] = draw(st.floats(0.01, 1.0))
    if kind == "training":
        spec["skill"] = draw(st.sampled_from(["foundation", "digital"]))
        spec["decay_per_week"] = draw(st.floats(0.0, 1.0))
    elif kind == "certification":
        spec["risk_reduction"] = draw(unit)
    elif kind == "coaching":
        spec["capacity_per_step"] = draw(st.integers(0, 20))
    elif kind == "community":
        spec["sharing"] = draw(unit)
        spec["ties_per_member"] = draw(st.floats(0.0, 3.0))
    elif kind == "platform_policy":
        spec["data_safety"] = draw(unit)
        spec["churn_per_week"] = draw(st.floats(0.0, 0.5))
        spec["end"] = spec["start"] + draw(st.integers(0, 5))
    elif kind == "awareness_campaign":
        spec["media_per_week"] = draw(st.floats(0.0, 1.0))
        spec["end"] = spec["start"] + draw(st.integers(0, 5))
    return spec


@st.composite
def scenarios(draw):
    rule = draw(st.sampled_from(["utility", "threshold", "bass"]))
    layers = rule == "utility" or draw(st.booleans())  # utility needs the layers
    candidates = draw(st.integers(20, 250))
    recruiters = draw(st.integers(0, 60))
    n = candidates + recruiters
    kind = draw(
        st.sampled_from(["complete", "erdos_renyi", "watts_strogatz", "barabasi_albert", "sbm"])
    )
    kappa_on = draw(st.floats(0.0, 2.0))
    unit = st.floats(0.0, 1.0)
    decision = {
        "rule": rule,
        "p": draw(st.floats(0.0, 0.3)),
        "q": draw(st.floats(0.0, 2.0)),
        "threshold": draw(unit),
        "kappa_on": kappa_on,
        "kappa_off": kappa_on * draw(unit),
        "steepness": draw(st.floats(0.1, 10.0)),
        "cost": draw(st.floats(-2.0, 2.0)),
        "omega": draw(unit),
    }
    if draw(st.booleans()):
        decision["threshold_count"] = draw(st.integers(1, 3))
    return {
        "interventions": draw(st.lists(interventions(), max_size=2)),
        "run": {
            "steps": draw(st.integers(5, 20)),
            "dt": draw(st.sampled_from([0.25, 0.5, 1.0, 2.0, 4.0])),
            "recruiting_layers": layers,
        },
        "population": {
            "candidates": candidates,
            "recruiters": recruiters,
            "domains": draw(st.integers(1, 4)),
            "foundation_mean_candidates": draw(st.sampled_from([0.0, 0.3, 0.5, 1.0])),
            "digital_mean_juniors": draw(unit),
            "risk_aversion_mean": draw(unit),
            "complexity_initial": draw(unit),
            "turnover_per_week": draw(st.sampled_from([0.0, 0.01, 0.2])),
        },
        "network": {
            "kind": kind,
            "mean_degree": draw(st.floats(1.0, 12.0)),
            "rewire": draw(unit),
            "homophily": draw(unit),
        },
        "initial": {
            "active": draw(st.integers(0, min(10, n))),
            "seeding": draw(st.sampled_from(["random", "hubs", "neighbourhood"])),
            "aware_share": draw(unit),
        },
        "decision": decision,
        "awareness": {
            "media_per_week": draw(st.floats(0.0, 0.5)),
            "word_of_mouth_per_week": draw(st.floats(0.0, 2.0)),
        },
        "platforms": {
            "specialised_by_domain": draw(st.booleans()),
            "specialised_by_profile": draw(st.booleans()),
            "churn_generalist": draw(st.floats(0.0, 0.5)),
            "join_per_week": draw(st.floats(0.0, 2.0)),
            "leave_per_week": draw(st.floats(0.0, 0.5)),
            "digital_exponent": draw(st.floats(0.0, 4.0)),
        },
        "market": {
            "vacancies_per_week": draw(st.floats(0.0, 2.0)),
            "contacts_per_vacancy_week": draw(st.floats(0.0, 5.0)),
            "p_hire_social": draw(unit),
            "traditional_fill_per_week": draw(st.floats(0.0, 1.0)),
            "foundation_traditional": draw(st.sampled_from([0.0, 0.5, 1.0])),
            "reseek_per_week": draw(st.floats(0.0, 0.2)),
            "initial_seeking_share": draw(unit),
        },
        "learning": {
            "sharing": draw(unit),
            "decay_per_week": draw(st.floats(0.0, 0.5)),
            "practice_per_week": draw(st.floats(0.0, 0.5)),
            "peer_per_week": draw(st.floats(0.0, 0.5)),
            "complexity_floor": draw(st.floats(0.0, 0.5)),
        },
    }


def check_state(model: sim.RecruitingModel, n: int, kind: np.ndarray) -> None:
    a = model.actors
    assert a.n == n
    np.testing.assert_array_equal(a.kind, kind)  # nobody changes kind, nobody is lost
    assert set(np.unique(a.stage).tolist()) <= ALL
    for name in ("foundation", "digital", "complexity", "risk_aversion", "threshold"):
        values = getattr(a, name)
        assert np.all((values >= 0.0) & (values <= 1.0)), name
    sharing = model.state.modifiers.sharing
    assert np.all((sharing >= 0.0) & (sharing <= 1.0))
    risk = model.state.perceived_risk()
    assert np.all((risk >= 0.0) & (risk <= 1.0))
    assert np.all(np.isfinite(a.alpha) & (a.alpha > 0))
    assert np.all(np.isfinite(a.beta) & (a.beta > 0))
    assert np.all(a.vacancies >= 0)
    assert not np.any(a.vacancies[kind == Kind.CANDIDATE])
    assert not np.any(a.is_seeking[kind == Kind.RECRUITER])
    assert np.all(a.membership < (1 << model.platforms.n))
    # stage and membership agree: members and lapsed users have a platform, the
    # unaware and aware have none
    has_platform = a.membership != 0
    assert np.all(has_platform[(a.stage == M) | (a.stage == L)])
    assert not np.any(has_platform[(a.stage == U) | (a.stage == A)])
    if model.params.decision.rule == "utility":
        assert np.all(has_platform[a.stage == ACT])
    active = a.stage == ACT
    assert np.all((a.t_active[active] >= 0) & (a.t_active[active] <= model.steps))


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(scenarios(), st.integers(0, 2**31 - 1))
def test_model_invariants(data, seed):
    sc = scenario_from_dict(data)
    model = sim.RecruitingModel(sc, seed=seed)
    n = model.actors.n
    kind = model.actors.kind.copy()
    rule, layers = sc.params.decision.rule, sc.params.run.recruiting_layers
    moves = legal_moves(rule, layers)
    turnover = layers and sc.params.population.turnover_per_week > 0
    check_state(model, n, kind)
    while model.running:
        before = model.actors.stage.copy()
        t_active_before = model.actors.t_active.copy()
        model.step()
        after = model.actors.stage
        check_state(model, n, kind)
        for old in ALL:
            was = before == old
            legal = np.isin(after, sorted(moves[old]))
            if turnover and not (rule != "utility" and old == ACT):
                # a candidate who leaves the pool is replaced by an UNAWARE entrant
                legal |= (after == U) & (kind == Kind.CANDIDATE)
            bad = np.flatnonzero(was & ~legal)
            assert bad.size == 0, (
                f"step {model.steps}: illegal {Stage(old).name} -> "
                f"{[Stage(int(s)).name for s in after[bad[:5]]]} ({rule}, layers={layers})"
            )
        if rule != "utility":
            assert np.all(after[before == ACT] == ACT)
        first = (t_active_before < 0) & (after == ACT)
        assert np.all(model.actors.t_active[first] == model.steps)
    frame = model.recorder.timeseries()
    assert len(frame) == sc.params.run.steps + 1
    # counts by stage sum to the population every step, for each kind
    n_kind = {name: int(np.count_nonzero(kind == k)) for k, name in KIND_NAMES.items()}
    for kind_name, size in n_kind.items():
        columns = [f"n_{kind_name}_{s.name.lower()}" for s in Stage]
        np.testing.assert_array_equal(frame[columns].sum(axis=1), np.full(len(frame), size))
    assert np.all(frame["n_vacancies_open"] >= 0)
    assert np.all(frame[["new_hires_social", "new_hires_traditional"]] >= 0)
    if not layers:
        assert frame["new_hires_social"].sum() == frame["new_hires_traditional"].sum() == 0
    # arrivals are non-negative: open vacancies fall by at most the hires of a step
    vac = frame["n_vacancies_open"].to_numpy()
    hires = (frame["new_hires_social"] + frame["new_hires_traditional"]).to_numpy()
    assert np.all(vac[1:] + hires[1:] >= vac[:-1])
    # seekers fall by at most the hires (re-seeking and entrants only add)
    seeking = frame["n_seeking"].to_numpy()
    assert np.all(seeking[1:] + hires[1:] >= seeking[:-1])
    assert np.all((frame["share_active"] >= 0) & (frame["share_active"] <= 1))
