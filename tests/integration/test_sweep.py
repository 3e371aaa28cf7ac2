"""Sweeps end to end: executors agree, kills and Ctrl-C resume, failures are recorded."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from cli_helpers import ROOT, interruptible, recruitsim

from sim.executors import DaskExecutor, ProcessExecutor
from sim.experiment import load_experiment
from sim.runner import run
from sim.store import load_results
from sim.sweeps import sweep

EXPERIMENT = f"""
name = "small"
scenario = "{ROOT / "scenarios" / "foundations_training.toml"}"
[overrides]
"run.steps" = 40
"population.candidates" = 240
"population.recruiters" = 24
"interventions.0.start" = 2
[factors]
"interventions.0.coverage" = {{ values = [0.1, 0.6] }}
"learning.sharing" = {{ values = [0.0, 0.5, 1.0] }}
[design]
replications = 4
seed = 3
[output]
kpis = ["final_share_active", "cum_hires", "social_hire_share", "t_half_final_candidates"]
series = ["share_active_recruiters", "new_hires_social"]
every = 7
"""
N_RUNS = 2 * 3 * 4
LONG = EXPERIMENT.replace("replications = 4", "replications = 30")
N_LONG = 2 * 3 * 30  # a sweep long enough to be interrupted mid-way, however fast the runs


def write_experiment(folder: Path, text: str = EXPERIMENT) -> Path:
    path = folder / "small.toml"
    path.write_text(text, encoding="utf-8")
    return path


def tables(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    results = load_results(folder)
    assert results.n_missing == 0 and results.failures.empty
    return results.kpis.drop(columns="seconds"), results.series


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, tuple[pd.DataFrame, pd.DataFrame]]:
    folder = tmp_path_factory.mktemp("reference")
    result = sweep(write_experiment(folder), out=folder / "out")
    assert (result.n_runs, result.n_done, result.n_failed) == (N_RUNS, N_RUNS, 0)
    return folder / "out", tables(folder / "out")


@pytest.fixture(scope="module")
def long_reference(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("long")
    sweep(write_experiment(folder, LONG), out=folder / "out")
    return tables(folder / "out")


def assert_same(found: tuple[pd.DataFrame, pd.DataFrame], expected) -> None:
    pd.testing.assert_frame_equal(found[0], expected[0])
    pd.testing.assert_frame_equal(found[1], expected[1])


def test_the_tables_hold_every_cell_with_its_factors_seed_and_thinned_series(reference):
    kpis, series = reference[1]
    assert len(kpis) == N_RUNS
    assert set(kpis["learning.sharing"]) == {0.0, 0.5, 1.0}
    # common random numbers: one seed per replication, the same at every point
    assert kpis.groupby("replication")["seed"].nunique().eq(1).all()
    assert kpis["seed"].nunique() == 4
    assert sorted(series["step"].unique()) == [0, 7, 14, 21, 28, 35, 40]  # every 7th, and the last
    final = series[series["step"] == 40].set_index("key")["share_active_recruiters"]
    assert final.notna().all() and len(final) == N_RUNS
    # a stored cell holds what a direct run of its scenario and seed gives
    cell = next(
        c for c in load_experiment(reference[0].parent / "small.toml").cells() if c.point == 4
    )
    direct = run(cell.scenario, cell.seed)
    stored = kpis.set_index("key").loc[cell.key]
    assert stored["cum_hires"] == direct.summary["cum_hires"]
    assert stored["final_share_active"] == direct.summary["final_share_active"]
    assert stored["interventions.0.coverage"] == 0.6 and stored["learning.sharing"] == 0.5
    assert final[cell.key] == direct.timeseries["share_active_recruiters"].iloc[-1]
    manifest = json.loads((reference[0] / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs_complete"] == N_RUNS
    assert manifest["design"]["kind"] == "grid" and manifest["workers"] == 1


def test_process_pool_and_dask_give_the_serial_results(tmp_path, reference):
    with ProcessExecutor(2) as pool:
        sweep(write_experiment(tmp_path), pool, tmp_path / "pool")
    assert_same(tables(tmp_path / "pool"), reference[1])
    with DaskExecutor(local_workers=2) as cluster:
        assert cluster.address.startswith("tcp://127.0.0.1:")
        assert cluster.dashboard.startswith("http://127.0.0.1:")
        sweep(write_experiment(tmp_path), cluster, tmp_path / "dask")
    assert_same(tables(tmp_path / "dask"), reference[1])
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["executor"].startswith("Dask local cluster") and manifest["workers"] == 2


def start_sweep(folder: Path, *options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "sim.cli", "sweep", "small.toml", "--out", "out", *options]
    return subprocess.Popen(
        command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, preexec_fn=interruptible,
    )  # fmt: skip


def n_complete(folder: Path) -> int:
    try:
        return len(load_results(folder).kpis)
    except FileNotFoundError:
        return 0


def test_killed_at_random_moments_then_resumed_gives_the_uninterrupted_tables(
    tmp_path, long_reference
):
    write_experiment(tmp_path, LONG)
    rng = random.Random(2026)  # the kill moments are drawn, and reproducible
    partial = []
    for target in sorted(rng.sample(range(1, N_LONG // 2), 3)):
        process = start_sweep(tmp_path, "--workers", "2")
        deadline = time.monotonic() + 60
        while n_complete(tmp_path / "out") < target and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.1))  # anywhere within a run or a part's writing
        os.killpg(process.pid, signal.SIGKILL)  # the parent and its workers, at once
        process.wait()
        partial.append(n_complete(tmp_path / "out"))
    assert all(0 < n < N_LONG for n in partial), f"a kill fell outside the sweep: {partial}"
    done = recruitsim("sweep", "small.toml", "--out", "out", "--workers", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{partial[-1]} already complete" in done.stdout
    assert_same(tables(tmp_path / "out"), long_reference)


def test_a_killed_worker_is_replaced_and_the_sweep_completes(tmp_path, long_reference):
    write_experiment(tmp_path, LONG)
    process = start_sweep(tmp_path, "--workers", "2")
    deadline = time.monotonic() + 60
    workers: list[psutil.Process] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = [
            p
            for p in psutil.Process(process.pid).children(recursive=True)
            if "spawn" in " ".join(p.cmdline())
        ]
        time.sleep(0.2)
    while n_complete(tmp_path / "out") == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert n_complete(tmp_path / "out") < N_LONG  # the kill falls mid-sweep
    workers[0].kill()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert_same(tables(tmp_path / "out"), long_reference)


def test_ctrl_c_saves_what_finished_and_the_same_command_resumes(tmp_path, long_reference):
    write_experiment(tmp_path, LONG)
    process = start_sweep(tmp_path, "--workers", "2")
    deadline = time.monotonic() + 60
    while n_complete(tmp_path / "out") == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert (
        stderr.strip()
        .splitlines()[-1]
        .startswith("interrupted: the runs finished so far are saved")
    )
    saved = n_complete(tmp_path / "out")
    assert saved >= 1
    done = recruitsim("sweep", "small.toml", "--out", "out", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{N_LONG - saved} runs done, {saved} already complete" in done.stdout
    assert_same(tables(tmp_path / "out"), long_reference)


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path):
    (tmp_path / "ring.txt").write_text("\n".join(f"{i} {(i + 1) % 40}" for i in range(40)))
    (tmp_path / "bad.txt").write_text("0 1\n1 2 3\n")
    (tmp_path / "ring.toml").write_text(
        f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\nname = "ring"\n'
        '[run]\nsteps = 4\n[network]\nkind = "edgelist"\npath = "ring.txt"\n'
    )
    (tmp_path / "fails.toml").write_text(
        'name = "fails"\nscenario = "ring.toml"\n[factors]\n'
        '"network.path" = { values = ["ring.txt", "bad.txt"] }\n[design]\nreplications = 3\n'
    )
    done = recruitsim("sweep", "fails.toml", "--out", "out", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 1
    assert "3 runs done, 0 already complete, 3 failed" in done.stderr.strip().splitlines()[-1]
    results = load_results(tmp_path / "out")
    assert len(results.kpis) == 3 and set(results.kpis["network.path"]) == {"ring.txt"}
    assert len(results.failures) == 3
    assert set(results.failures["network.path"]) == {"bad.txt"}
    assert results.failures["error"].str.contains("expected two node labels per line").all()
    assert results.failures["seed"].nunique() == 3
    again = recruitsim("sweep", "fails.toml", "--out", "out", "--workers", "1", cwd=tmp_path)
    assert (
        "0 runs done, 3 already complete, 3 failed" in again.stderr
    )  # failed runs are tried again


def test_more_replications_keep_the_runs_made_and_fewer_read_only_theirs(tmp_path):
    one = EXPERIMENT.replace("replications = 4", "replications = 1")
    path = write_experiment(tmp_path, one)
    first = recruitsim("sweep", "small.toml", "--out", "out", "--workers", "1", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = tables(tmp_path / "out")[0]
    path.write_text(EXPERIMENT.replace("replications = 4", "replications = 3"))
    more = recruitsim("sweep", "small.toml", "--out", "out", "--workers", "1", cwd=tmp_path)
    assert "12 runs done, 6 already complete, 0 failed" in more.stdout, more.stdout
    kpis = tables(tmp_path / "out")[0]
    assert len(kpis) == 18 and sorted(kpis["replication"].unique()) == [0, 1, 2]
    pd.testing.assert_frame_equal(  # the first replication is the same runs, not new ones
        kpis[kpis["replication"] == 0].reset_index(drop=True), before
    )
    assert kpis.equals(tables(tmp_path / "out")[0])
    path.write_text(one)
    fewer = recruitsim("sweep", "small.toml", "--out", "out", "--workers", "1", cwd=tmp_path)
    assert "0 runs done, 6 already complete" in fewer.stdout, fewer.stdout
    pd.testing.assert_frame_equal(tables(tmp_path / "out")[0], before)


def test_a_changed_experiment_is_refused_unless_force_new(tmp_path):
    one = EXPERIMENT.replace("replications = 4", "replications = 1")
    path = write_experiment(tmp_path, one)
    assert (
        recruitsim("sweep", "small.toml", "--out", "out", "--workers", "1", cwd=tmp_path).returncode
        == 0
    )
    path.write_text(one.replace("values = [0.1, 0.6]", "values = [0.1, 0.6, 0.7]"))
    refused = recruitsim("sweep", "small.toml", "--out", "out", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "--force-new" in refused.stderr
    assert len(load_results(tmp_path / "out").kpis) == 6  # the earlier results are untouched
    plotted = recruitsim("plot", "out", "--kpi", "cum_hires", cwd=tmp_path)
    assert plotted.returncode == 0, plotted.stderr
    (tmp_path / "out" / "plots" / "notes.txt").write_text("mine")  # put there by the user
    forced = recruitsim(
        "sweep", "small.toml", "--out", "out", "--force-new", "--workers", "1", cwd=tmp_path
    )
    assert forced.returncode == 0, forced.stderr
    assert len(load_results(tmp_path / "out").kpis) == 9
    # the earlier figures went with their results; the user's file stayed
    assert sorted(p.name for p in (tmp_path / "out" / "plots").iterdir()) == ["notes.txt"]


def test_a_folder_of_other_files_is_refused_and_left_as_it_was(tmp_path):
    write_experiment(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    refused = recruitsim("sweep", "small.toml", "--out", "out", cwd=tmp_path)
    assert refused.returncode == 2 and "did not write" in refused.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["notes.txt"]


def test_a_bad_experiment_fails_before_anything_is_written(tmp_path):
    write_experiment(tmp_path, EXPERIMENT.replace('"learning.sharing"', '"learning.sharng"'))
    refused = recruitsim("sweep", "small.toml", "--out", "out", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "factors.learning.sharng" in refused.stderr
    assert not (tmp_path / "out").exists()


SOBOL = f"""
name = "sobol"
scenario = "{ROOT / "scenarios" / "baseline.toml"}"
[overrides]
"run.steps" = 60
"population.candidates" = 60
"population.recruiters" = 6
[factors]
"learning.sharing" = {{ bounds = [0.0, 1.0] }}
"population.risk_aversion_mean" = {{ bounds = [0.2, 0.8] }}
[design]
kind = "sobol"
points = 8
seed = 1
[output]
kpis = ["cum_hires", "final_share_member"]
"""


def test_sensitivity_and_plot_write_their_figures_and_refuse_the_wrong_design(tmp_path, reference):
    (tmp_path / "sobol.toml").write_text(SOBOL)
    done = recruitsim("sweep", "sobol.toml", "--out", "sobol", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    analysed = recruitsim("sensitivity", "sobol", "--kpi", "final_share_member", cwd=tmp_path)
    assert analysed.returncode == 0, analysed.stderr
    table = pd.read_csv(tmp_path / "sobol" / "sensitivity.csv")
    assert set(table["factor"]) == {"learning.sharing", "population.risk_aversion_mean"}
    assert set(table["index"]) >= {"S1", "ST"} and set(table["kpi"]) == {"final_share_member"}
    assert (tmp_path / "sobol" / "sensitivity.png").stat().st_size > 10_000
    refused = recruitsim("plot", "sobol", cwd=tmp_path)
    assert refused.returncode == 2 and "sobol design" in refused.stderr
    assert refused.stderr.count("\n") == 1
    grid = recruitsim("sensitivity", str(reference[0]), cwd=tmp_path)
    assert grid.returncode == 2 and "grid design" in grid.stderr and grid.stderr.count("\n") == 1
    plotted = recruitsim("plot", str(reference[0]), "--out", "x", cwd=tmp_path)
    assert plotted.returncode == 2  # no such option: one line
    plotted = recruitsim("plot", str(reference[0]), "--kpi", "cum_hires", cwd=tmp_path)
    assert plotted.returncode == 0, plotted.stderr
    plots = reference[0] / "plots"
    assert sorted(p.name for p in plots.iterdir()) == [
        "against_cum_hires.png", "cum_hires.csv", "heatmap_cum_hires.png"
    ]  # fmt: skip
    behind = pd.read_csv(plots / "cum_hires.csv")
    kpis = reference[1][0]
    expected = kpis.groupby(["interventions.0.coverage", "learning.sharing"])["cum_hires"].mean()
    assert behind.set_index(["interventions.0.coverage", "learning.sharing"])[
        "mean"
    ].to_dict() == pytest.approx(expected.to_dict())


def test_an_unreachable_scheduler_is_one_line_before_anything_is_written(tmp_path):
    write_experiment(tmp_path)
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = recruitsim(
        "sweep", "small.toml", "--scheduler", f"tcp://127.0.0.1:{port}", cwd=tmp_path
    )
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "no Dask scheduler answers" in refused.stderr
    assert not (tmp_path / "results").exists()
    both = recruitsim(
        "sweep", "small.toml", "--scheduler", "tcp://x:1", "--dask-local", "2", cwd=tmp_path
    )
    assert both.returncode == 2 and both.stderr.count("\n") == 1


def test_results_left_without_their_experiment_record_never_count_as_complete(tmp_path):
    write_experiment(tmp_path, EXPERIMENT.replace("replications = 4", "replications = 1"))
    done = recruitsim("sweep", "small.toml", "--out", "out", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0
    for name in ("experiment.json", "manifest.json", "design.parquet"):
        (tmp_path / "out" / name).unlink()
    parts = sorted(p.name for p in (tmp_path / "out" / "parts").iterdir())
    for option in ([], ["--force-new"]):  # nothing proves these parts are this sweep's own
        refused = recruitsim("sweep", "small.toml", "--out", "out", *option, cwd=tmp_path)
        assert refused.returncode == 2 and "did not write" in refused.stderr
    assert sorted(p.name for p in (tmp_path / "out" / "parts").iterdir()) == parts
