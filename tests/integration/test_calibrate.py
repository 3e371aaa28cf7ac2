"""`recruitsim calibrate` end to end on a tiny experiment: files, reuse of runs, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_helpers import ROOT, recruitsim

from sim.store import load_results

EXPERIMENT = f"""
name = "tiny_calibration"
scenario = "{ROOT / "scenarios" / "baseline.toml"}"
[overrides]
"run.steps" = 20
"population.candidates" = 150
"population.recruiters" = 15
[factors]
"platforms.join_per_week" = {{ bounds = [0.03, 0.2] }}
"platforms.leave_per_week" = {{ bounds = [0.004, 0.025] }}
[design]
kind = "lhs"
points = 5
replications = 2
seed = 7
[output]
kpis = ["final_share_member_candidates", "final_share_member_junior",
        "final_share_member_experienced", "switching_per_week"]
[calibration]
cutoff = 3.0
[calibration.targets]
final_share_member_candidates = {{ band = [0.0, 0.07] }}
switching_per_week = {{ band = [0.0, 0.01] }}
[calibration.targets.gap]
kpi = "final_share_member_junior"
minus = "final_share_member_experienced"
band = [0.0, 0.3]
required = false
"""
FILES = {"calibration.csv", "plausible.csv", "baseline.csv", "drivers.csv"}
FIGURES = {"parameters.png", "targets.png"}


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> tuple[Path, Path, str]:
    folder = tmp_path_factory.mktemp("calibrate")
    path = folder / "tiny.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    done = recruitsim("calibrate", str(path), "--out", "out", "--workers", "1", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder, path, done.stdout


def test_calibrate_writes_tables_figures_and_manifest(calibrated):
    folder, _, stdout = calibrated
    out = folder / "out"
    assert FILES | FIGURES | {"manifest.json", "runs", "base"} == {p.name for p in out.iterdir()}
    table = pd.read_csv(out / "calibration.csv")
    plausible = pd.read_csv(out / "plausible.csv")
    assert list(table["point"]) == [0, 1, 2, 3, 4]
    assert list(plausible["point"]) == list(table.loc[table["kept"], "point"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["recruitsim"]["output"] == "calibrate"
    assert manifest["cite"] == "CITATION.cff"
    assert manifest["version"] == manifest["recruitsim"]["version"]
    assert (manifest["points"], manifest["kept"], manifest["seed"]) == (5, len(plausible), 7)
    assert f"kept {len(plausible)} of 5 points" in stdout


def test_the_tables_are_the_runs_means_and_implausibilities(calibrated):
    folder, _, _ = calibrated
    out = folder / "out"
    runs = load_results(out / "runs").kpis
    table = pd.read_csv(out / "calibration.csv").set_index("point")
    member = runs.groupby("point")["final_share_member_candidates"]
    np.testing.assert_allclose(table["final_share_member_candidates"], member.mean())
    # |mean - 0.035| / sqrt((0.035 / 3)^2 + se^2), se over the 2 runs
    se = member.std(ddof=1) / np.sqrt(2)
    expected = (member.mean() - 0.035).abs() / np.sqrt((0.035 / 3) ** 2 + se**2)
    np.testing.assert_allclose(table["I_final_share_member_candidates"], expected)
    gaps = runs["final_share_member_junior"] - runs["final_share_member_experienced"]
    np.testing.assert_allclose(table["gap"], gaps.groupby(runs["point"]).mean())
    required = table[["I_final_share_member_candidates", "I_switching_per_week"]].max(axis=1)
    assert list(table["kept"]) == list(required <= 3.0)
    baseline = pd.read_csv(out / "baseline.csv")
    base_runs = load_results(out / "base").kpis
    assert baseline["n_runs"].tolist() == [2]
    # the scenario's own values of the factors (scenarios/baseline.toml's defaults)
    assert baseline[["platforms.join_per_week", "platforms.leave_per_week"]].iloc[0].tolist() == [
        0.1,
        0.01,
    ]
    assert baseline["final_share_member_candidates"].iloc[0] == pytest.approx(
        base_runs["final_share_member_candidates"].mean()
    )
    assert list(base_runs["seed"]) == list(runs.loc[runs["point"] == 0, "seed"])  # same seeds


def test_a_second_call_reuses_the_runs(calibrated):
    folder, path, _ = calibrated
    done = recruitsim("calibrate", str(path), "--out", "out", "--workers", "1", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert "0 runs made now in" in done.stdout and "12 taken from earlier runs" in done.stdout


def test_a_bad_band_is_one_line_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(EXPERIMENT.replace("band = [0.0, 0.07]", "band = [0.07, 0.0]"), "utf-8")
    done = recruitsim("calibrate", str(path), "--out", "out", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: {path}: calibration.targets.final_share_member_candidates.band = [0.07, 0.0]: "
        "expected low < high (a band of some width), got [0.07, 0.0]"
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("[calibration]\ncutoff = 3.0\n[calibration.targets]", "[other]"),
            "unknown key 'other'",
        ),
        (
            ("switching_per_week = { band", "cum_hires = { band"),
            "calibration.targets.cum_hires.kpi = 'cum_hires': not kept by the runs; add it to "
            "output.kpis",
        ),
    ],
)
def test_bad_targets_stop_before_any_run(tmp_path, change: tuple[str, str], message: str):
    path = tmp_path / "bad.toml"
    path.write_text(EXPERIMENT.replace(*change), "utf-8")
    done = recruitsim("calibrate", str(path), "--out", "out", cwd=tmp_path)
    assert done.returncode == 2
    lines = error_lines(done.stderr)
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert not (tmp_path / "out").exists()


def test_a_folder_of_other_files_is_refused(tmp_path, calibrated):
    _, path, _ = calibrated
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine", "utf-8")
    done = recruitsim("calibrate", str(path), "--out", "out", cwd=tmp_path)
    assert done.returncode == 2
    assert error_lines(done.stderr) == [
        "error: --out = 'out': the folder holds files recruitsim calibrate did not write; "
        "choose a new or empty folder"
    ]
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"notes.txt"}
