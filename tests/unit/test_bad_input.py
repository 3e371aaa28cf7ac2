"""Every bad input is one line naming where and what: files, encodings, values, contradictions.

The property test mutates the scenario library's files the ways a user's
editing goes wrong (wrong types, non-finite and out-of-range values,
misspelt keys, broken `extends`, bad encodings, deep nesting) and checks
that loading either succeeds or raises `ScenarioError` with one line that
names a file: never another exception.
"""

from __future__ import annotations

import gzip
import math
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.budget import check_memory
from sim.edgelist import read_edgelist
from sim.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = sorted((ROOT / "scenarios").glob("*.toml"))
ASSIGNMENT = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(.+)$")
VALUES = [
    "true", "false", '"12"', '"yes"', '""', "inf", "-inf", "nan", "-1", "0", "-0.0", "1.5",
    "99", "1e300", "12345678901234567890", "[]", "[1, 2]", "{}", '{ a = 1 }', '"../x"',
    "1979-05-27", '"\\u00e9t\\u00e9"',
]  # fmt: skip


def assert_one_line_naming_a_file(err: ScenarioError, *files: Path) -> None:
    message = str(err)
    assert "\n" not in message and message.strip() == message
    assert len(message) < 1000, message[:200]  # a line a terminal shows, not a value dump
    assert any(message.startswith(str(f)) for f in files), message


@st.composite
def mutated_text(draw) -> tuple[str, bytes]:
    """A library file's text with one edit gone wrong, and the bytes written."""
    source = draw(st.sampled_from(LIBRARY))
    lines = source.read_text(encoding="utf-8").splitlines()
    assignments = [i for i, line in enumerate(lines) if ASSIGNMENT.match(line)]
    kind = draw(
        st.sampled_from(["value", "key", "extends", "table", "encoding", "nesting", "drop"])
    )
    if kind == "value":
        i = draw(st.sampled_from(assignments))
        indent, key, eq, _ = ASSIGNMENT.match(lines[i]).groups()
        lines[i] = f"{indent}{key}{eq}{draw(st.sampled_from(VALUES))}"
    elif kind == "key":
        i = draw(st.sampled_from(assignments))
        indent, key, eq, value = ASSIGNMENT.match(lines[i]).groups()
        typo = draw(st.sampled_from([key + "s", key[:-1], key.upper(), "_" + key]))
        lines[i] = f"{indent}{typo}{eq}{value}"
    elif kind == "extends":
        target = draw(st.sampled_from(['"missing.toml"', '"self.toml"', "3", '"."', '""']))
        lines = [line for line in lines if not line.startswith("extends")]
        lines.insert(0, f"extends = {target}")
    elif kind == "table":
        lines += draw(
            st.sampled_from(
                [
                    ["[[interventions]]", 'type = "bogus"'],
                    ["[[interventions]]", 'type = "training"', "start = 0"],
                    ["[[interventions]]", 'type = "coaching"', "every = 2"],
                    ["[[interventions]]", 'type = "training"', "domain = 99"],
                    ["[[interventions]]", 'type = "training"', "start = 100000"],
                    ["[decision.threshold]", 'dist = "uniform"', "low = 0.9", "high = 0.1"],
                    ["[population]", "candidates = 50000000"],
                    ["[nowhere]", "x = 1"],
                ]
            )
        )
    elif kind == "nesting":
        depth = draw(st.integers(100, 5000))
        lines.append("deep = " + "[" * depth + "]" * depth)
    elif kind == "drop":
        lines = []
    text = "\n".join(lines) + "\n"
    if kind != "encoding":
        return text, text.encode("utf-8")
    encoding = draw(st.sampled_from(["latin-1", "utf-16", "gzip", "binary"]))
    accented = text.replace("#", "# é", 1)
    if encoding == "gzip":
        return text, gzip.compress(text.encode("utf-8"), mtime=0)
    if encoding == "binary":
        return text, draw(st.binary(min_size=1, max_size=200)) + b"\xff\xfe\x00"
    return text, accented.encode(encoding)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=mutated_text())
def test_a_mutated_scenario_loads_or_gives_one_line(tmp_path, case):
    _, data = case
    for source in LIBRARY:  # the mutated file's `extends` finds its parent beside it
        (tmp_path / source.name).write_bytes(source.read_bytes())
    path = tmp_path / "self.toml"
    path.write_bytes(data)
    try:
        scenario = load_scenario(path)
    except ScenarioError as err:
        assert_one_line_naming_a_file(err, path, *(tmp_path / f.name for f in LIBRARY))
        return
    p = scenario.params
    numbers = [v for v in _leaves(p.model_dump()) if isinstance(v, float)]
    assert all(math.isfinite(v) for v in numbers)
    assert all(spec.start <= p.run.steps for spec in p.interventions)


def _leaves(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _leaves(value)
    else:
        yield node


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[run]\nsteps = true\n", "run.steps = True: Input should be a valid integer"),
        ('[run]\nsteps = "12"\n', "run.steps = '12': Input should be a valid integer"),
        ('[platforms]\nspecialised_by_domain = "yes"\n', "specialised_by_domain = 'yes'"),
        ("[platforms]\nerosion = inf\n", "platforms.erosion = inf: Input should be a finite"),
        ("[learning]\nprior_alpha = nan\n", "learning.prior_alpha = nan"),
        (
            '[[interventions]]\ntype = "coaching"\ncost_per_person = inf\n',
            "interventions.0.cost_per_person = inf",
        ),
        (
            '[[interventions]]\ntype = "community"\nties_per_member = 1e12\n',
            "interventions.0.ties_per_member = 1000000000000.0: Input should be less than",
        ),
        (
            '[decision]\nrule = "threshold"\n[decision.threshold]\ndist = "uniform"\n'
            "low = 0.9\nhigh = 0.1\n",
            "low (0.9) must not exceed high (0.1)",
        ),
        (
            '[population]\ndomains = 4\n[[interventions]]\ntype = "training"\ndomain = 99\n',
            "interventions.0.domain = 99: no such domain (population.domains = 4: 0 to 3)",
        ),
        (
            '[run]\nsteps = 10\n[[interventions]]\ntype = "training"\nstart = 26\n',
            "interventions.0.start = 26: after the run's last step (run.steps = 10)",
        ),
        (
            '[[interventions]]\ntype = "curriculum"\nevery = 4\n',
            "every = 4: a curriculum intervention acts on every step from start to end",
        ),
        (
            '[[interventions]]\ntype = "training"\n[[interventions]]\ntype = "coaching"\n'
            'name = "0_training"\n',
            "interventions.1.name = '0_training' is the label of an unnamed intervention",
        ),
        ("# only a comment\n", "the file sets nothing"),
        ("deep = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ],
)
def test_bad_values_and_contradictions_are_one_line(tmp_path, text, expected):
    path = write(tmp_path / "s.toml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert_one_line_naming_a_file(info.value, path)
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("latin-1", 'name = "été"\n'.encode("latin-1")),
        ("utf-16", 'name = "x"\n'.encode("utf-16")),
        ("gzip", gzip.compress(b'name = "x"\n', mtime=0)),  # no timestamp: same test id
    ],
    ids=["latin-1", "utf-16", "gzip"],
)
def test_a_scenario_not_in_utf8_is_one_line(tmp_path, encoding, data):
    path = tmp_path / "s.toml"
    path.write_bytes(data)
    with pytest.raises(ScenarioError, match="not UTF-8 text") as info:
        load_scenario(path)
    assert_one_line_naming_a_file(info.value, path)


def test_a_file_name_too_long_is_one_line(tmp_path):
    path = tmp_path / ("x" * 300 + ".toml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert_one_line_naming_a_file(info.value, path)


def test_a_bad_value_in_a_parent_names_the_parent_and_the_child(tmp_path):
    parent = write(tmp_path / "parent.toml", 'name = "p"\n[learning]\nsharing = 1.5\n')
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\nname = "c"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert str(info.value).startswith(f"{parent} (extended by {child}): learning.sharing = 1.5")
    # the child's own value is reported against the child
    write(child, 'extends = "parent.toml"\n[learning]\nsharing = 2.0\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert str(info.value).startswith(f"{child}: learning.sharing = 2.0")


def test_a_missing_parent_names_the_file_holding_extends(tmp_path):
    child = write(tmp_path / "child.toml", 'extends = "gone.toml"\nname = "c"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert str(info.value) == f"{child}: extends = '{tmp_path / 'gone.toml'}': file not found"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("source,target\n1,2\n2,3\n", ":1: label 'source' is text among integer labels"),
        ("01 1\n1 2\n", ":1: label '01' is text among integer labels"),
        ("a b\nb c\nc 7\n", ":3: label '7' is an integer among text labels"),
    ],
)
def test_edge_lists_with_mixed_labels_are_refused(tmp_path, text, expected):
    path = write(tmp_path / "ties.txt", text)
    with pytest.raises(ScenarioError) as info:
        read_edgelist(path)
    assert "\n" not in str(info.value) and expected in str(info.value)


def test_an_edge_list_not_in_utf8_is_one_line(tmp_path):
    path = tmp_path / "ties.txt"
    path.write_bytes("1 2\n2 é\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match="not UTF-8 text"):
        read_edgelist(path)


def test_a_population_too_large_for_memory_is_refused_before_building(tmp_path):
    sc = load_scenario(ROOT / "scenarios" / "baseline.toml", {"population.candidates": 50_000_000})
    with pytest.raises(ScenarioError, match=r"would need about \d+\.\d GB of memory") as info:
        sim.RecruitingModel(sc, seed=0)
    assert "\n" not in str(info.value)
    with pytest.raises(ScenarioError, match="100,000,000 run"):
        check_memory(load_scenario(ROOT / "scenarios" / "baseline.toml").params, 10**8)


def test_a_barabasi_albert_network_of_one_actor_runs():
    sc = load_scenario(
        ROOT / "scenarios" / "baseline.toml",
        {
            "network.kind": "barabasi_albert",
            "population.candidates": 1,
            "population.recruiters": 0,
            "run.steps": 30,
        },
    )
    model = sim.RecruitingModel(sc, seed=0)
    assert model.network.n_nodes == 1 and model.network.n_edges == 0
    model.run_model()
    frame = model.recorder.timeseries()
    assert len(frame) == 31
    stages = [c for c in frame if c.startswith("n_candidates_")]
    assert (frame[stages].sum(axis=1) == 1).all()  # the one actor is never lost


def test_numpy_numbers_count_as_the_numbers_they_hold():
    import numpy as np

    from sim.scenario import scenario_from_dict

    sc = scenario_from_dict({"run": {"steps": np.int64(7), "dt": np.float64(0.5)}})
    assert (sc.params.run.steps, sc.params.run.dt) == (7, 0.5)
    assert type(sc.params.run.steps) is int
    # a design's sampled values come as NumPy numbers too
    other = sc.with_overrides({"learning.sharing": np.float64(0.25), "run.steps": np.int32(9)})
    assert (other.params.learning.sharing, other.params.run.steps) == (0.25, 9)


def test_an_edge_list_that_is_not_a_regular_file_is_refused_unread(tmp_path):
    fifo = tmp_path / "ties.fifo"
    os.mkfifo(fifo)  # reading it would wait for a writer for ever
    with pytest.raises(ScenarioError, match="not a regular file"):
        read_edgelist(fifo)
    with pytest.raises(ScenarioError, match="not a regular file"):
        read_edgelist(tmp_path)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("x=" + "[" * 5000 + "]" * 5000, "--set 'x': value nested too deeply"),
        (".".join(["a"] * 3000) + "=1", "baseline.toml: tables, arrays or keys nested too deeply"),
    ],
)
def test_deep_overrides_are_one_line(override, expected):
    from sim.scenario import parse_override

    baseline = ROOT / "scenarios" / "baseline.toml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(baseline, dict([parse_override(override)]))
    assert "\n" not in str(info.value) and len(str(info.value)) < 1000
    assert expected in str(info.value)
    if "keys nested too deeply" in expected:  # the same through an existing scenario
        with pytest.raises(ScenarioError, match="nested too deeply"):
            load_scenario(baseline).with_overrides(dict([parse_override(override)]))
