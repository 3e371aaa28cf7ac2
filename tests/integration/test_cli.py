"""The command line end to end: outputs, bad input, atomic writes."""

import json

import pandas as pd
import pytest
from cli_helpers import ROOT, SMALL, recruitsim


def test_run_writes_every_output_and_reproduces_the_api(tmp_path):
    out = tmp_path / "out"
    done = recruitsim(
        "run", str(ROOT / "scenarios" / "baseline.toml"), *SMALL,
        "--seed", "7", "--out", str(out), "--format", "csv", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "adoption.png", "manifest.json", "summary.csv", "timeseries.csv",
    ]  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"] == [7]
    assert manifest["scenario"]["run"]["steps"] == 4
    # the CLI's table is the API's result for the same scenario and seed
    import sim

    scenario = sim.load_scenario(
        ROOT / "scenarios" / "baseline.toml",
        {"run.steps": 4, "population.candidates": 100, "population.recruiters": 10},
    )
    expected = sim.run(scenario, seed=7).timeseries
    written = pd.read_csv(out / "timeseries.csv").drop(columns="seed")
    pd.testing.assert_frame_equal(written, expected, check_dtype=False)
    assert manifest["scenario_hash"] == scenario.hash
    assert str(out / "adoption.png") in done.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--set", "network.kindd=sbm"],
            "unknown key 'network.kindd' = 'sbm' (did you mean 'kind'?)",
        ),
        (
            ["--set", "learning.sharing=1.5"],
            "learning.sharing = 1.5: Input should be less than or equal to 1",
        ),
        (["--set", "nonsense"], "expected KEY=VALUE"),
        (["--format", "xlsx"], "--format = 'xlsx': expected 'parquet' or 'csv'"),
        (["--runs", "0"], "Invalid value for '--runs': Input should be greater than or equal to 1"),
        (["--bogus", "1"], "No such option: --bogus"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, args, expected):
    out = tmp_path / "out"
    done = recruitsim(
        "run", str(ROOT / "scenarios" / "baseline.toml"), *args, "--out", str(out), cwd=tmp_path
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert expected in lines[0]
    assert list(tmp_path.iterdir()) == []  # no output folder, no temporary leftovers


def test_missing_scenario_file(tmp_path):
    done = recruitsim("run", "nowhere.toml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: nowhere.toml: scenario file not found"


def test_rerun_with_overwrite_replaces_the_output_folder_whole(tmp_path):
    out = tmp_path / "out"
    base = ["run", str(ROOT / "scenarios" / "baseline.toml"), *SMALL, "--out", str(out)]
    assert recruitsim(*base, "--format", "csv", cwd=tmp_path).returncode == 0
    assert recruitsim(*base, "--runs", "2", "--overwrite", cwd=tmp_path).returncode == 0
    names = sorted(p.name for p in out.iterdir())
    assert "timeseries.csv" not in names and "timeseries.parquet" in names
    assert len(pd.read_csv(out / "summary.csv")) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # staging folders removed
