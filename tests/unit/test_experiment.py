"""Experiment files: validation before any run, designs, common seeds, run keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.experiment import ExperimentError, load_experiment, run_key
from sim.runner import replicate_seeds
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
TRAINING = ROOT / "scenarios" / "foundations_training.toml"

SMALL = """
[overrides]
"run.steps" = 6
"population.candidates" = 80
"population.recruiters" = 8
"interventions.0.start" = 2
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def experiment_text(factors: str, design: str = "", output: str = "", head: str = "") -> str:
    return (
        f'name = "test"\nscenario = "{TRAINING}"\n{head}\n{SMALL}\n[factors]\n{factors}\n'
        f"[design]\n{design}\n[output]\n{output}\n"
    )


def error_of(path: Path, overrides: dict | None = None) -> str:
    with pytest.raises(ExperimentError) as info:
        load_experiment(path, overrides)
    message = str(info.value)
    assert "\n" not in message, f"error spans several lines: {message!r}"
    assert str(path) in message
    return message


def test_grid_runs_every_combination_with_seeds_shared_across_points(tmp_path):
    path = write(
        tmp_path,
        experiment_text(
            '"interventions.0_training.coverage" = { values = [0.1, 0.3] }\n'
            '"learning.sharing" = { bounds = [0.0, 1.0], points = 3 }',
            "replications = 4\nseed = 11",
        ),
    )
    experiment = load_experiment(path)
    cells = list(experiment.cells())
    assert experiment.n_runs == len(cells) == 2 * 3 * 4
    assert [p["learning.sharing"] for p in experiment.points[:3]] == [0.0, 0.5, 1.0]
    seeds = replicate_seeds(11, 4)
    for cell in cells:  # common random numbers: replication r has the same seed at every point
        assert cell.seed == seeds[cell.replication]
    point = next(c for c in cells if c.point == 4)
    assert point.scenario.params.interventions[0].coverage == 0.3
    assert point.scenario.params.learning.sharing == 0.5
    assert point.scenario.params.run.steps == 6  # the overrides apply to every run
    assert len({c.key for c in cells}) == len(cells)


def test_an_intervention_is_addressed_by_its_name(tmp_path):
    scenario = write(
        tmp_path,
        f'extends = "{TRAINING}"\nname = "named"\n[[interventions]]\ntype = "training"\n'
        'name = "foundations"\ncoverage = 0.2\n',
        "named.toml",
    )
    text = experiment_text('"interventions.foundations.coverage" = { values = [0.4] }')
    path = write(tmp_path, text.replace(str(TRAINING), str(scenario)))
    cell = next(load_experiment(path).cells())
    assert cell.scenario.params.interventions[0].name == "foundations"
    assert cell.scenario.params.interventions[0].coverage == 0.4


def test_nested_tables_read_as_dotted_keys(tmp_path):
    text = (
        f'name = "nested"\nscenario = "{TRAINING}"\n[overrides.run]\nsteps = 5\n'
        "[overrides.interventions.0]\nstart = 2\n"
        "[factors.learning.sharing]\nvalues = [0.2, 0.4]\n"
    )
    experiment = load_experiment(write(tmp_path, text))
    assert [p["learning.sharing"] for p in experiment.points] == [0.2, 0.4]
    assert experiment.arms["base"].params.run.steps == 5


@pytest.mark.parametrize(
    "kind,points,expected", [("lhs", 7, 7), ("sobol", 8, 8 * 4), ("morris", 3, 3 * 3)]
)
def test_sampled_designs_stay_within_bounds_and_round_integers(tmp_path, kind, points, expected):
    path = write(
        tmp_path,
        experiment_text(
            '"learning.sharing" = { bounds = [0.1, 0.6] }\n'
            '"network.mean_degree" = { bounds = [2, 9] }',
            f'kind = "{kind}"\npoints = {points}\nseed = 5',
        ),
    )
    experiment = load_experiment(path)
    assert len(experiment.points) == expected
    sharing = np.array([p["learning.sharing"] for p in experiment.points])
    assert sharing.min() >= 0.1 and sharing.max() <= 0.6
    assert len(set(sharing.round(9))) > 1
    again = load_experiment(path)  # the sampler is seeded: the same design in any process
    assert again.points == experiment.points


def test_integer_parameters_are_rounded(tmp_path):
    path = write(
        tmp_path,
        experiment_text('"population.domains" = { bounds = [1, 4] }', 'kind = "lhs"\npoints = 6'),
    )
    values = [p["population.domains"] for p in load_experiment(path).points]
    assert all(isinstance(v, int) and 1 <= v <= 4 for v in values)
    cells = list(load_experiment(path).cells())
    assert {c.scenario.params.population.domains for c in cells} == set(values)


def test_extends_inherits_and_overrides(tmp_path):
    write(
        tmp_path,
        experiment_text('"learning.sharing" = { values = [0.2] }', "replications = 3"),
        "base.toml",
    )
    child = write(tmp_path, 'extends = "base.toml"\nname = "child"\n[design]\nreplications = 5\n')
    experiment = load_experiment(child)
    assert experiment.spec.name == "child"
    assert experiment.spec.design.replications == 5
    assert experiment.points == ({"learning.sharing": 0.2},)
    assert load_experiment(child, {"design.replications": 2}).n_runs == 2


def test_the_hash_changes_with_what_results_depend_on(tmp_path):
    base = experiment_text('"learning.sharing" = { values = [0.2] }')
    first = load_experiment(write(tmp_path, base, "a.toml"))
    same = load_experiment(
        write(tmp_path, base.replace('name = "test"', 'name = "test"\n'), "b.toml")
    )
    steps = load_experiment(
        write(tmp_path, base.replace('"run.steps" = 6', '"run.steps" = 7'), "c.toml")
    )
    assert first.hash == same.hash
    assert first.hash != steps.hash


def test_run_key_depends_on_scenario_and_seed():
    scenario = load_scenario(TRAINING)
    other = scenario.with_overrides({"learning.sharing": 0.9})
    assert run_key(scenario, 1) == run_key(load_scenario(TRAINING), 1)
    assert len({run_key(scenario, 1), run_key(scenario, 2), run_key(other, 1)}) == 3


@pytest.mark.parametrize(
    "design,output,factors,expected",
    [
        (
            "replicatons = 3",
            "",
            "",
            "unknown key 'design.replicatons' = 3 (did you mean 'replications'?)",
        ),
        ("", 'kpis = "cum_hires"', "", "output.kpis = 'cum_hires': Input should be a list"),
        ("", "", '"learning.sharing" = 0.5', "expected a table such as { values = [...] }"),
        (
            "",
            "",
            '"learning.sharing" = { bonds = [0, 1] }',
            "(allowed here: values, bounds, points)",
        ),
    ],
)
def test_schema_errors_name_the_key_the_value_and_what_is_allowed(
    tmp_path, design, output, factors, expected
):
    assert expected in error_of(write(tmp_path, experiment_text(factors, design, output)))


@pytest.mark.parametrize(
    "factors,design,output,head,expected",
    [
        (
            '"learning.sharingg" = { values = [0.1] }',
            "",
            "",
            "",
            "factors.learning.sharingg: names no parameter",
        ),
        (
            '"interventions.nope.coverage" = { values = [0.1] }',
            "",
            "",
            "",
            "interventions: 0_training",
        ),
        ('"learning.sharing" = { values = [1.5] }', "", "", "", "learning.sharing = 1.5"),
        (
            '"learning.sharing" = { bounds = [0.0, 1.5] }',
            'kind = "lhs"\npoints = 4',
            "",
            "",
            "learning.sharing = 1.5",
        ),
        (
            '"learning.sharing" = { bounds = [0.5, 0.2] }',
            'kind = "lhs"\npoints = 4',
            "",
            "",
            "lower bound",
        ),
        (
            '"learning.sharing" = { bounds = [0.0, 1.0] }',
            'kind = "sobol"\npoints = 6',
            "",
            "",
            "power of 2 (e.g. 8)",
        ),
        ('"learning.sharing" = { bounds = [0.0, 1.0] }', 'kind = "lhs"', "", "", "design.points"),
        (
            '"learning.sharing" = { values = [0.1] }',
            'kind = "lhs"\npoints = 4',
            "",
            "",
            "within `bounds",
        ),
        ('"learning.sharing" = { bounds = [0.0, 1.0] }', "", "", "", "needs `points`"),
        (
            '"learning.sharing" = { values = [0.1] }',
            "",
            'kpis = ["t_half"]',
            "",
            "output.kpis: 't_half'",
        ),
        (
            '"learning.sharing" = { values = [0.1] }',
            "",
            'series = ["share_x"]',
            "",
            "output.series",
        ),
        (
            '"learning.sharing" = { values = [0.1] }',
            "replications = 0",
            "",
            "",
            "design.replications",
        ),
        ('"learning.sharing" = { values = [0.1] }', "", "", "colour = 1", "colour"),
        (
            '"learning.sharing" = { bounds = [0.0, 1.0] }',
            'kind = "morris"\npoints = 2\nlevels = 3',
            "",
            "",
            "even",
        ),
    ],
)
def test_bad_experiments_fail_in_one_line_before_any_run(
    tmp_path, factors, design, output, head, expected
):
    path = write(tmp_path, experiment_text(factors, design, output, head))
    assert expected in error_of(path)


def test_a_point_the_scenario_refuses_is_named_at_load(tmp_path):
    # each value alone is valid; together (kappa_off above kappa_on) they are not
    text = experiment_text(
        '"decision.kappa_on" = { values = [0.1, 0.03] }\n'
        '"decision.kappa_off" = { values = [0.01, 0.05] }'
    )
    message = error_of(write(tmp_path, text))
    assert "design point 3" in message and "kappa_off" in message


def test_grid_values_take_the_parameters_type(tmp_path):
    path = write(tmp_path, experiment_text('"learning.sharing" = { values = [0, 0.5, 1] }'))
    values = [p["learning.sharing"] for p in load_experiment(path).points]
    assert values == [0.0, 0.5, 1.0] and all(type(v) is float for v in values)


def test_a_table_or_a_whole_intervention_is_not_a_factor(tmp_path):
    table = experiment_text('"network" = { values = [1] }')
    assert "names a table" in error_of(write(tmp_path, table))
    whole = experiment_text('"interventions.0" = { values = [1] }')
    assert "interventions.<name, label or position>.<field>" in error_of(write(tmp_path, whole))


def test_the_run_key_covers_the_edge_list_file_it_reads(tmp_path):
    for arm, ties in (("a", "0 1\n1 2\n"), ("b", "0 1\n1 2\n2 0\n")):
        (tmp_path / arm).mkdir()
        (tmp_path / arm / "ties.txt").write_text(ties)
        (tmp_path / arm / "s.toml").write_text(
            f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\nname = "same"\n'
            '[network]\nkind = "edgelist"\npath = "ties.txt"\n'
        )
    path = write(tmp_path, 'name = "x"\n[arms]\na = "a/s.toml"\nb = "b/s.toml"\n')
    experiment = load_experiment(path)
    keys = {cell.arm: cell.key for cell in experiment.cells()}
    assert keys["a"] != keys["b"]  # the same parameters, different files
    before = experiment.hash
    (tmp_path / "b" / "ties.txt").write_text("0 1\n")
    assert load_experiment(path).hash != before


def test_missing_files_and_arms(tmp_path):
    assert "experiment file not found" in error_of(tmp_path / "none.toml")
    path = write(tmp_path, 'name = "x"\nscenario = "missing.toml"\n')
    assert "scenario = 'missing.toml'" in error_of(path)
    path = write(tmp_path, f'name = "x"\nscenario = "{TRAINING}"\n[arms]\na = "{TRAINING}"\n')
    assert "either" in error_of(path)


def points_csv(tmp_path: Path, text: str = "") -> Path:
    text = text or "point,learning.sharing,decision.gain,other\n7,0.1,4.0,x\n9,0.6,12.0,y\n"
    return write(tmp_path, text, "points.csv")


def test_a_points_design_runs_the_rows_of_its_file_in_order(tmp_path):
    points_csv(tmp_path)
    factors = '"learning.sharing" = {}\n"decision.gain" = {}'
    path = write(tmp_path, experiment_text(factors, 'kind = "points"\nfile = "points.csv"'))
    experiment = load_experiment(path)
    assert list(experiment.points) == [
        {"learning.sharing": 0.1, "decision.gain": 4.0},
        {"learning.sharing": 0.6, "decision.gain": 12.0},
    ]
    cells = list(experiment.cells())
    assert len(cells) == 2 and cells[1].scenario.params.decision.gain == 12.0
    # the file's values are what the results depend on
    before = experiment.hash
    points_csv(tmp_path, "learning.sharing,decision.gain\n0.1,4.0\n0.6,11.0\n")
    assert load_experiment(path).hash != before


@pytest.mark.parametrize(
    ("factors", "design", "message"),
    [
        ('"learning.sharing" = {}', 'kind = "points"', "needs the CSV file of its points"),
        ('"learning.sharing" = {}', 'kind = "points"\nfile = "none.csv"', "cannot be read"),
        ('"learning.cost" = {}', 'kind = "points"\nfile = "points.csv"', "no column"),
        (
            '"learning.sharing" = { values = [0.1] }',
            'kind = "points"\nfile = "points.csv"',
            "reads its values from design.file",
        ),
        (
            '"learning.sharing" = {}',
            'kind = "points"\nfile = "points.csv"\npoints = 2',
            "has no sample size",
        ),
        (
            '"learning.sharing" = { values = [0.1] }',
            'kind = "grid"\nfile = "points.csv"',
            "only a points design reads a file",
        ),
    ],
)
def test_a_bad_points_design_is_one_line(tmp_path, factors, design, message):
    points_csv(tmp_path)
    path = write(tmp_path, experiment_text(factors, design))
    assert message in error_of(path)


def test_a_value_of_the_points_file_the_parameter_refuses_is_named(tmp_path):
    points_csv(tmp_path, "learning.sharing\n0.2\n1.5\n")
    path = write(
        tmp_path, experiment_text('"learning.sharing" = {}', 'kind = "points"\nfile = "points.csv"')
    )
    assert "learning.sharing" in error_of(path)
