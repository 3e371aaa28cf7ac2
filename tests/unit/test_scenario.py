"""Unit tests for sim.scenario: TOML loading, `extends`, overrides, one-line errors, hash."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.params import ThresholdDistribution
from sim.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    parse_override,
    scenario_from_dict,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, overrides: dict | None = None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    message = str(info.value)
    assert "\n" not in message, f"error spans several lines: {message!r}"
    return message


BASE = """
name = "base"
description = "the base"

[run]
steps = 100
dt = 0.5

[population]
candidates = 40
recruiters = 10

[network]
kind = "erdos_renyi"
mean_degree = 6

[[interventions]]
type = "training"
skill = "foundation"
start = 5

[[interventions]]
type = "training"
skill = "digital"
start = 7
"""


# ---------------------------------------------------------------------------
# Loading and inheritance
# ---------------------------------------------------------------------------


def test_load_scenario_reads_values_and_fills_defaults(tmp_path):
    sc = load_scenario(write(tmp_path / "base.toml", BASE))
    p = sc.params
    assert p.name == "base"
    assert p.run.steps == 100
    assert p.run.dt == 0.5
    assert p.population.candidates == 40
    assert p.population.recruiters == 10
    assert p.population.n_actors == 50
    assert p.network.kind == "erdos_renyi"
    assert p.network.mean_degree == 6.0
    assert [i.skill for i in p.interventions] == ["foundation", "digital"]
    assert [i.start for i in p.interventions] == [5, 7]
    # untouched sections keep the documented defaults
    assert p.decision.rule == "utility"
    assert p.decision.kappa_on == 0.1
    assert p.learning.prior_alpha == 1.0 and p.learning.prior_beta == 9.0
    assert sc.source == (tmp_path / "base.toml").resolve()
    assert sc.base_dir == tmp_path.resolve()


def test_extends_merges_tables_and_replaces_arrays(tmp_path):
    write(tmp_path / "base.toml", BASE)
    child = write(
        tmp_path / "sub" / "child.toml",
        """
name = "child"
extends = "../base.toml"

[network]
mean_degree = 8

[[interventions]]
type = "training"
skill = "digital"
start = 30
""",
    )
    p = load_scenario(child).params
    assert p.name == "child"
    assert p.description == "the base"  # inherited top-level key
    assert p.network.kind == "erdos_renyi"  # inherited inside a merged table
    assert p.network.mean_degree == 8.0  # overridden inside the table
    assert p.run.steps == 100 and p.run.dt == 0.5  # untouched table inherited whole
    # arrays are replaced, not appended
    assert len(p.interventions) == 1
    assert p.interventions[0].start == 30


def test_extends_chain_of_three_applies_nearest_last(tmp_path):
    write(tmp_path / "a.toml", '[run]\nsteps = 10\ndt = 2.0\n[network]\nkind = "complete"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n[run]\nsteps = 20\n')
    c = write(tmp_path / "c.toml", 'extends = "b.toml"\n[run]\ndt = 0.25\n')
    p = load_scenario(c).params
    assert (p.run.steps, p.run.dt, p.network.kind) == (20, 0.25, "complete")


def test_extends_cycle_is_detected(tmp_path):
    a = write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n')
    message = error_of(a)
    assert "cycle" in message
    assert "a.toml" in message and "b.toml" in message


def test_extends_self_is_a_cycle(tmp_path):
    a = write(tmp_path / "self.toml", 'extends = "self.toml"\n')
    assert "cycle" in error_of(a)


def test_extends_missing_parent_names_the_parent(tmp_path):
    a = write(tmp_path / "a.toml", 'extends = "nowhere.toml"\n')
    message = error_of(a)
    assert "nowhere.toml" in message and "not found" in message


def test_extends_must_be_a_string(tmp_path):
    a = write(tmp_path / "a.toml", "extends = 3\n")
    message = error_of(a)
    assert str(a) in message and "extends" in message and "3" in message


# ---------------------------------------------------------------------------
# Overrides
# ---------------------------------------------------------------------------


def test_dotted_overrides_apply_after_extends(tmp_path):
    write(tmp_path / "base.toml", BASE)
    child = write(tmp_path / "child.toml", 'extends = "base.toml"\n[run]\nsteps = 50\n')
    p = load_scenario(
        child,
        overrides={"run.steps": 7, "network.kind": "complete", "learning.sharing": 0.75},
    ).params
    assert p.run.steps == 7
    assert p.network.kind == "complete"
    assert p.network.mean_degree == 6.0  # the rest of the table survives
    assert p.learning.sharing == 0.75


def test_override_creates_missing_tables(tmp_path):
    path = write(tmp_path / "s.toml", 'name = "x"\n')
    p = load_scenario(path, overrides={"market.p_hire_social": 0.5}).params
    assert p.market.p_hire_social == 0.5
    assert p.market.vacancies_per_week == 0.1  # default kept


def test_override_through_a_scalar_is_an_error(tmp_path):
    path = write(tmp_path / "s.toml", BASE)
    message = error_of(path, {"run.steps.x": 1})
    assert str(path) in message and "run.steps.x" in message and "not a table" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("run.steps=10", ("run.steps", 10)),
        ("run.dt=0.5", ("run.dt", 0.5)),
        ("learning.sharing = 1e-1", ("learning.sharing", 0.1)),
        ("run.stop_when_stable=true", ("run.stop_when_stable", True)),
        ("run.recruiting_layers=false", ("run.recruiting_layers", False)),
        ("network.kind=complete", ("network.kind", "complete")),
        ('name="two words"', ("name", "two words")),
        ("name=a=b", ("name", "a=b")),
    ],
)
def test_parse_override_reads_toml_values_else_strings(text, expected):
    key, value = parse_override(text)
    assert (key, value) == expected
    assert type(value) is type(expected[1])  # 10 is an int, true a bool, not strings


@pytest.mark.parametrize("text", ["novalue", "=5", "  =x"])
def test_parse_override_without_key_is_an_error(text):
    with pytest.raises(ScenarioError, match="KEY=VALUE"):
        parse_override(text)


def test_parsed_overrides_feed_load_scenario(tmp_path):
    path = write(tmp_path / "s.toml", BASE)
    overrides = dict(parse_override(t) for t in ["run.steps=12", "network.kind=sbm", "run.dt=2"])
    p = load_scenario(path, overrides).params
    assert (p.run.steps, p.network.kind, p.run.dt) == (12, "sbm", 2.0)


def test_with_overrides_returns_validated_copy(tmp_path):
    sc = load_scenario(write(tmp_path / "s.toml", BASE))
    other = sc.with_overrides({"run.steps": 8, "decision.rule": "bass"})
    assert other.params.run.steps == 8 and other.params.decision.rule == "bass"
    assert sc.params.run.steps == 100  # the original is unchanged
    assert other.source == sc.source
    with pytest.raises(ScenarioError, match=r"decision\.rule = 'ringo'"):
        sc.with_overrides({"decision.rule": "ringo"})


# ---------------------------------------------------------------------------
# One-line errors: file, dotted key, value given, what is allowed
# ---------------------------------------------------------------------------


def test_unknown_key_suggests_the_close_one(tmp_path):
    path = write(tmp_path / "s.toml", '[network]\nkindd = "sbm"\n')
    message = error_of(path)
    assert str(path) in message
    assert "'network.kindd'" in message
    assert "did you mean 'kind'" in message
    # and lists what is allowed there
    for field in ("kind", "mean_degree", "rewire", "homophily", "path"):
        assert field in message


def test_unknown_key_inside_an_array_of_tables(tmp_path):
    path = write(tmp_path / "s.toml", '[[interventions]]\ntype = "training"\nbost = 0.1\n')
    message = error_of(path)
    assert str(path) in message
    assert "interventions.0.bost" in message
    assert "did you mean 'boost'" in message


def test_unknown_top_level_key_lists_the_sections(tmp_path):
    path = write(tmp_path / "s.toml", "netwrk = 3\n")
    message = error_of(path)
    assert "'netwrk'" in message and "did you mean 'network'" in message
    assert "population" in message and "decision" in message


def test_unknown_key_far_from_any_field_has_no_suggestion(tmp_path):
    path = write(tmp_path / "s.toml", "[run]\nzzzzzz = 1\n")
    message = error_of(path)
    assert "run.zzzzzz" in message and "did you mean" not in message
    assert "steps" in message  # allowed keys still listed


def test_unknown_key_message_shows_the_value_given(tmp_path):
    path = write(tmp_path / "s.toml", '[network]\nkindd = "sbm-typo-value"\n')
    assert "sbm-typo-value" in error_of(path)


def test_wrong_type_names_key_value_and_expected_type(tmp_path):
    path = write(tmp_path / "s.toml", '[run]\nsteps = "ten"\n')
    message = error_of(path)
    assert str(path) in message
    assert "run.steps = 'ten'" in message
    assert "valid integer" in message


def test_table_given_a_scalar(tmp_path):
    path = write(tmp_path / "s.toml", "run = 5\n")
    message = error_of(path)
    assert "run = 5" in message and "dictionary" in message


def test_out_of_range_names_key_value_and_bound(tmp_path):
    path = write(tmp_path / "s.toml", "[learning]\nsharing = 1.5\n")
    message = error_of(path)
    assert str(path) in message
    assert "learning.sharing = 1.5" in message
    assert "less than or equal to 1" in message


def test_out_of_range_lower_bound(tmp_path):
    path = write(tmp_path / "s.toml", "[run]\ndt = 0\n")
    message = error_of(path)
    assert "run.dt = 0" in message and "greater than 0" in message


def test_bad_literal_lists_the_allowed_values(tmp_path):
    path = write(tmp_path / "s.toml", '[network]\nkind = "ring"\n')
    message = error_of(path)
    assert str(path) in message
    assert "network.kind = 'ring'" in message
    for kind in ("complete", "erdos_renyi", "watts_strogatz", "barabasi_albert", "sbm"):
        assert f"'{kind}'" in message


def test_missing_file(tmp_path):
    path = tmp_path / "absent.toml"
    message = error_of(path)
    assert str(path) in message and "not found" in message


def test_invalid_toml(tmp_path):
    path = write(tmp_path / "bad.toml", "[run\nsteps = 3\n")
    message = error_of(path)
    assert str(path) in message and "invalid TOML" in message


def test_kappa_off_above_kappa_on(tmp_path):
    path = write(tmp_path / "s.toml", "[decision]\nkappa_on = 0.1\nkappa_off = 0.5\n")
    message = error_of(path)
    assert str(path) in message
    assert "decision" in message
    assert "kappa_off (0.5) must not exceed kappa_on (0.1)" in message


def test_kappa_order_only_matters_for_the_utility_rule(tmp_path):
    path = write(
        tmp_path / "s.toml", '[decision]\nrule = "bass"\nkappa_on = 0.1\nkappa_off = 0.5\n'
    )
    assert load_scenario(path).params.decision.kappa_off == 0.5


def test_utility_rule_needs_the_recruiting_layers(tmp_path):
    path = write(tmp_path / "s.toml", "[run]\nrecruiting_layers = false\n")
    message = error_of(path)
    assert str(path) in message
    assert "decision.rule = 'utility'" in message and "recruiting_layers" in message
    ok = write(tmp_path / "b.toml", '[run]\nrecruiting_layers = false\n[decision]\nrule = "bass"\n')
    assert load_scenario(ok).params.run.recruiting_layers is False


def test_edgelist_without_path(tmp_path):
    path = write(tmp_path / "s.toml", '[network]\nkind = "edgelist"\n')
    message = error_of(path)
    assert str(path) in message
    assert "network" in message and "'edgelist'" in message and "network.path" in message


def test_p_in_without_p_out(tmp_path):
    path = write(tmp_path / "s.toml", "[network]\np_in = 0.1\n")
    message = error_of(path)
    assert "network" in message and "p_in" in message and "p_out" in message


def test_initial_active_above_population(tmp_path):
    path = write(
        tmp_path / "s.toml", "[population]\ncandidates = 3\nrecruiters = 1\n[initial]\nactive = 5\n"
    )
    message = error_of(path)
    assert "initial.active (5) exceeds 4 actors" in message


def test_unknown_intervention_type(tmp_path):
    """Rejected when loading the schema, or at the latest when building the model."""
    path = write(
        tmp_path / "s.toml",
        "[run]\nsteps = 2\n[population]\ncandidates = 20\nrecruiters = 2\n"
        '[network]\nkind = "complete"\n[[interventions]]\ntype = "trainin"\n',
    )
    with pytest.raises(ScenarioError) as info:
        sim.RecruitingModel(load_scenario(path))
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert "interventions.0.type = 'trainin'" in message
    assert "training" in message.split("'trainin'", 1)[1]  # the allowed types


def test_bad_field_of_a_known_intervention_type(tmp_path):
    path = write(tmp_path / "s.toml", '[[interventions]]\ntype = "training"\nboost = 3.0\n')
    message = error_of(path)
    assert str(path) in message and "interventions.0" in message and "boost" in message
    assert "3.0" in message


def test_error_from_overrides_names_the_file(tmp_path):
    path = write(tmp_path / "s.toml", BASE)
    message = error_of(path, {"network.kindd": "sbm"})
    assert str(path) in message and "did you mean 'kind'" in message


def test_scenario_from_dict_names_its_source():
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"learning": {"sharing": -0.1}}, name="my-notebook")
    assert str(info.value).startswith("my-notebook: learning.sharing = -0.1")


# ---------------------------------------------------------------------------
# Threshold distributions
# ---------------------------------------------------------------------------


def test_scalar_threshold_out_of_range():
    with pytest.raises(ScenarioError, match=r"decision\.threshold = 1\.5: .*less than or equal"):
        scenario_from_dict({"decision": {"rule": "threshold", "threshold": 1.5}})


def test_threshold_distribution_table_is_accepted():
    sc = scenario_from_dict(
        {"decision": {"rule": "threshold", "threshold": {"dist": "uniform", "low": 0.1}}}
    )
    spec = sc.params.decision.threshold
    assert isinstance(spec, ThresholdDistribution)
    assert (spec.dist, spec.low, spec.high) == ("uniform", 0.1, 1.0)


def test_threshold_distribution_typo_is_an_unknown_key():
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(
            {"decision": {"rule": "threshold", "threshold": {"dist": "uniform", "lowe": 0.1}}}
        )
    message = str(info.value)
    assert "decision.threshold.lowe" in message and "did you mean 'low'" in message


def test_threshold_distribution_bad_literal():
    with pytest.raises(ScenarioError, match=r"decision\.threshold\.dist = 'cauchy'"):
        scenario_from_dict({"decision": {"threshold": {"dist": "cauchy"}}})


# ---------------------------------------------------------------------------
# Hash
# ---------------------------------------------------------------------------


def test_hash_is_stable_across_loads_and_files(tmp_path):
    a = load_scenario(write(tmp_path / "a.toml", BASE))
    b = load_scenario(write(tmp_path / "b.toml", BASE))
    assert a.hash == load_scenario(tmp_path / "a.toml").hash
    assert a.hash == b.hash  # the hash is of the resolved content, not the path
    assert len(a.hash) == 16 and int(a.hash, 16) >= 0


def test_hash_changes_with_an_override_and_not_with_a_no_op(tmp_path):
    path = write(tmp_path / "a.toml", BASE)
    base = load_scenario(path)
    assert load_scenario(path, {"run.steps": 101}).hash != base.hash
    assert load_scenario(path, {"learning.sharing": 0.31}).hash != base.hash
    assert load_scenario(path, {"run.steps": 100}).hash == base.hash  # same resolved value
    assert (
        base.with_overrides({"run.steps": 101}).hash == load_scenario(path, {"run.steps": 101}).hash
    )


def test_hash_equals_resolved_inheritance(tmp_path):
    """A child that only restates inherited values resolves, and hashes, like its parent."""
    write(tmp_path / "base.toml", BASE)
    child = write(tmp_path / "child.toml", 'extends = "base.toml"\n[run]\nsteps = 100\n')
    assert load_scenario(child).hash == load_scenario(tmp_path / "base.toml").hash


def test_scenario_is_frozen(tmp_path):
    sc = load_scenario(write(tmp_path / "a.toml", BASE))
    with pytest.raises(Exception):  # noqa: B017 - pydantic frozen model / frozen dataclass
        sc.params.run.steps = 5
    assert isinstance(sc, Scenario) and sc.params.run.steps == 100
