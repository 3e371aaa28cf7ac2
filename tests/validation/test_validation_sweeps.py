"""The validation sweeps: their experiment files, the refusals, and runs through `sim.sweep`.

Watts' and Centola & Macy's sweeps are experiment files run by the sweep
machinery; the suite refuses files that are not the published set-up and
fails loudly when a run fails, rather than checking fewer runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim.experiment import load_experiment
from sim.runner import replicate_seeds, run
from sim.validation import EXPERIMENTS_DIR, FULL
from sim.validation.centola import CENTOLA_ENDS
from sim.validation.core import load_case_experiment, run_sweep
from sim.validation.watts import WATTS_FREQUENCY

TINY = """name = "tiny"
[run]
steps = 4
recruiting_layers = false
[population]
candidates = 60
recruiters = 0
[network]
kind = "complete"
[decision]
rule = "bass"
"""


def sweep_file(tmp_path: Path, arms: str, replications: int = 3) -> Path:
    """A small experiment over two copies of a tiny Bass scenario."""
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    (tmp_path / "tiny_q.toml").write_text(TINY + "q = 0.6\n", encoding="utf-8")
    path = tmp_path / "tiny_sweep.toml"
    path.write_text(
        f'name = "tiny-sweep"\n[arms]\n{arms}\n'
        '[factors]\n"decision.p" = { values = [0.02, 0.2] }\n'
        f"[design]\nreplications = {replications}\nseed = 5\n"
        '[output]\nkpis = ["final_share_active", "t90"]\nseries = ["share_active"]\n',
        encoding="utf-8",
    )
    return path


def copied_experiments(tmp_path: Path) -> Path:
    folder = tmp_path / "validation"
    shutil.copytree(EXPERIMENTS_DIR, folder)
    return folder


@pytest.mark.parametrize(
    ("name", "runs", "seed", "includes"),
    [
        ("watts_sweep.toml", FULL.watts_runs, 2002, tuple(WATTS_FREQUENCY)),
        ("centola_sweep.toml", FULL.centola_runs, 2007, CENTOLA_ENDS),
    ],
)
def test_sweep_files_are_the_full_suite(name, runs, seed, includes) -> None:
    # Run by hand (`recruitsim sweep`), a file runs exactly the full suite's runs.
    experiment = load_experiment(EXPERIMENTS_DIR / name)
    assert experiment.spec.design.replications == runs
    assert experiment.spec.design.seed == seed
    assert set(includes) <= set(experiment.factors[0].values)
    quick = load_case_experiment(name, 4, includes)
    assert quick.seeds == replicate_seeds(seed, 4) == experiment.seeds[:4]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ('\n[overrides]\n"decision.threshold" = 0.2\n', "decision.threshold = 0.2"),
        ('\n[overrides]\n"run.stop_when_stable" = false\n', "run.stop_when_stable = False"),
    ],
)
def test_a_sweep_that_changes_the_published_set_up_is_refused(tmp_path, edit, message) -> None:
    folder = copied_experiments(tmp_path)
    path = folder / "watts_sweep.toml"
    text = path.read_text(encoding="utf-8")
    head, tail = text.split("[factors]")
    path.write_text(head + edit + "\n[factors]" + tail, encoding="utf-8")
    with pytest.raises(ValueError, match="published") as info:
        load_case_experiment("watts_sweep.toml", 2, WATTS_FREQUENCY, folder)
    assert message in str(info.value) and "arm 'base'" in str(info.value)


def test_a_sweep_missing_a_published_point_or_arm_is_refused(tmp_path) -> None:
    folder = copied_experiments(tmp_path)
    watts = folder / "watts_sweep.toml"
    watts.write_text(watts.read_text().replace("6.5, 7.0, 8.0]", "7.0]"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"misses \[6.5, 8.0\]"):
        load_case_experiment("watts_sweep.toml", 2, WATTS_FREQUENCY, folder)
    centola = folder / "centola_sweep.toml"
    text = centola.read_text().replace('simple = "centola_ws_simple.toml"', "")
    centola.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="arms"):
        load_case_experiment("centola_sweep.toml", 2, CENTOLA_ENDS, folder)


def test_run_sweep_gives_the_figures_of_each_run_in_the_experiment_order(tmp_path) -> None:
    path = sweep_file(tmp_path, 'zeta = "tiny.toml"\nalpha = "tiny_q.toml"')
    experiment = load_experiment(path)
    calls: list[tuple[str, int, int]] = []
    runs = run_sweep(experiment, progress=lambda *a: calls.append(a), task="tiny")
    assert calls[-1] == ("tiny", 12, 12) and len(calls) == 12
    # the experiment's arm order (not alphabetical), then points, then replications
    assert list(runs["arm"]) == ["zeta"] * 6 + ["alpha"] * 6
    assert list(runs["point"]) == [0, 0, 0, 1, 1, 1] * 2
    assert list(runs["seed"]) == experiment.seeds * 4
    for _, row in runs.iterrows():
        scenario = experiment.arms[row["arm"]].with_overrides({"decision.p": row["decision.p"]})
        ts = run(scenario, row["seed"]).timeseries
        share = ts["share_active"].to_numpy()
        assert row["final_share"] == share[-1] and row["steps"] == ts["step"].iloc[-1] == 4
        assert row["stable"] == (share[-1] == share[-2])


def test_a_failed_run_fails_the_sweep_loudly(tmp_path) -> None:
    # a real run that raises: an edge list with a malformed line is read when the model is built
    (tmp_path / "ring.txt").write_text("\n".join(f"{i} {(i + 1) % 30}" for i in range(30)))
    (tmp_path / "bad.txt").write_text("0 1\n1 2 3\n")
    (tmp_path / "ring.toml").write_text(
        'name = "ring"\n[run]\nsteps = 3\nrecruiting_layers = false\n'
        '[decision]\nrule = "threshold"\n[network]\nkind = "edgelist"\npath = "ring.txt"\n'
    )
    (tmp_path / "fails.toml").write_text(
        'name = "fails"\nscenario = "ring.toml"\n[factors]\n'
        '"network.path" = { values = ["ring.txt", "bad.txt"] }\n[design]\nreplications = 2\n'
        '[output]\nkpis = ["final_share_active", "t90"]\nseries = ["share_active"]\n'
    )
    experiment = load_experiment(tmp_path / "fails.toml")
    with pytest.raises(RuntimeError, match="2 of 4 runs failed") as info:
        run_sweep(experiment, workers=1)
    assert "expected two node labels per line" in str(info.value)
    assert f"seed {experiment.seeds[0]}" in str(info.value)
