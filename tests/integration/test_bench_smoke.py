"""Smoke test of benchmarks/bench.py: `--quick` runs, the JSON is complete, and the
engine and the idiomatic Mesa reference agree on the threshold cascade.

No timing is asserted: the machine may be shared and the sizes are tiny.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sim.phases import PHASES

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks" / "bench.py"

TOP_KEYS = {"config", "utility", "threshold", "build", "memory", "phases", "floors", "meta"}
TIMING_KEYS = {"repeats_s", "median_s", "ms_per_step", "agent_steps_per_s"}
UTILITY_KEYS = {"n_actors", "timed_steps", "final_share_active"} | TIMING_KEYS
THRESHOLD_KEYS = {
    "n_actors",
    "n_edges",
    "n_initial_active",
    "warmup_steps",
    "timed_steps",
    "graph_to_networkx_s",
    "engine",
    "mesa",
    "speedup_engine_over_mesa",
    "speedup_per_repeat",
    "speedup_ratio_of_medians",
    "share_active_engine",
    "share_active_mesa",
    "same_active_set",
}
MESA_KEYS = TIMING_KEYS | {"build_s_median", "warmup_s_median"}
BUILD_KEYS = {"n_actors", "repeats_s", "median_s", "breakdown_median_s"}
BREAKDOWN_KEYS = {"build_network_s", "init_actors_s", "other_s"}
MEMORY_KEYS = {
    "n_actors",
    "steps",
    "repeats_max_rss_mb",
    "repeats_vm_hwm_mb",
    "max_rss_mb_median",
    "max_rss_mb_max",
    "imports_only_max_rss_mb",
}
PHASE_KEYS = {"n_actors", "timed_steps", "step_ms", "phases"}
PHASE_NAMES = {phase.name for phase in PHASES} | {
    "record",
    "other (step bookkeeping, Mesa wrapper)",
}
FLOOR_NAMES = {
    "threshold_speedup_vs_mesa_100k",
    "utility_agent_steps_per_s_100k",
    "build_s_100k",
    "peak_rss_mb_100k",
}
META_KEYS = {
    "date",
    "quick",
    "python",
    "mesa",
    "numpy",
    "scipy",
    "networkx",
    "platform",
    "machine",
    "cpu_count",
    "loadavg_start",
    "loadavg_end",
    "git",
}


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, f"bench.py --quick failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(out.read_text(encoding="utf-8")), proc.stdout


def missing(row: dict[str, Any], keys: set[str]) -> set[str]:
    return keys - set(row)


def test_json_has_every_key(quick: tuple[dict[str, Any], str]) -> None:
    results, _ = quick
    assert missing(results, TOP_KEYS) == set()
    assert results["utility"], "no utility rows"
    for row in results["utility"]:
        assert missing(row, UTILITY_KEYS) == set()
    assert results["threshold"], "no threshold rows"
    for row in results["threshold"]:
        assert missing(row, THRESHOLD_KEYS) == set()
        assert missing(row["engine"], TIMING_KEYS) == set()
        assert missing(row["mesa"], MESA_KEYS) == set()
    assert missing(results["build"], BUILD_KEYS) == set()
    assert missing(results["build"]["breakdown_median_s"], BREAKDOWN_KEYS) == set()
    assert missing(results["memory"], MEMORY_KEYS) == set()
    assert missing(results["phases"], PHASE_KEYS) == set()
    assert {p["phase"] for p in results["phases"]["phases"]} == PHASE_NAMES
    for phase in results["phases"]["phases"]:
        assert missing(phase, {"phase", "ms_per_step", "share"}) == set()
    assert set(results["floors"]) == FLOOR_NAMES
    for floor in results["floors"].values():
        assert missing(floor, {"value", "op", "floor", "met"}) == set()
    assert missing(results["meta"], META_KEYS) == set()
    assert results["meta"]["quick"] is True


def test_engine_and_mesa_agree_on_final_active_share(
    quick: tuple[dict[str, Any], str],
) -> None:
    results, _ = quick
    for row in results["threshold"]:
        assert row["share_active_engine"] == row["share_active_mesa"]
        assert row["same_active_set"] is True
        assert 0.0 < row["share_active_engine"] <= 1.0
        assert row["n_initial_active"] >= 1


def test_repeats_and_report(quick: tuple[dict[str, Any], str]) -> None:
    results, stdout = quick
    repeats = results["config"]["repeats"]
    for row in results["utility"]:
        assert len(row["repeats_s"]) == repeats
    for row in results["threshold"]:
        assert len(row["engine"]["repeats_s"]) == len(row["mesa"]["repeats_s"]) == repeats
    assert len(results["memory"]["repeats_max_rss_mb"]) == repeats
    assert "Floors" in stdout and "wrote" in stdout


@pytest.mark.parametrize("args", [["--repeats", "0"], ["--repeats", "x"], ["--bogus"]])
def test_bad_arguments_fail_on_one_line(args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bench.py: ")
    assert args[0] in lines[0]
    assert not out.exists()
