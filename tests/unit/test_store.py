"""The sweep's Parquet store: what counts as complete, leftovers of killed writers, thinning."""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pandas as pd

from sim.store import (
    PARTS,
    PartWriter,
    completed_keys,
    foreign_parts,
    load_results,
    remove_leftovers,
    write_design,
)
from sim.sweeps import kept_steps


def design(folder, keys):
    cells = [
        {"point": i, "arm": "base", "replication": 0, "seed": 7, "key": k, "x": float(i)}
        for i, k in enumerate(keys)
    ]
    assert write_design(folder, cells) == len(keys)


def series(steps):
    return {"step": np.arange(steps), "time": np.arange(steps, dtype=float), "y": np.ones(steps)}


def test_a_run_counts_once_its_kpi_part_is_on_disk(tmp_path):
    design(tmp_path, ["a", "b", "c"])
    writer = PartWriter(tmp_path, batch_runs=2)
    writer.add_run("a", 0.1, {"kpi": 1.0}, series(3))
    assert completed_keys(tmp_path) == set()  # buffered, not written
    writer.add_run("b", 0.1, {"kpi": 2.0}, series(3))  # the batch is full: one part
    assert completed_keys(tmp_path) == {"a", "b"}
    results = load_results(tmp_path)
    assert results.n_missing == 1
    assert results.kpis.set_index("key")["kpi"].to_dict() == {"a": 1.0, "b": 2.0}
    assert len(results.series) == 6 and set(results.series["x"]) == {0.0, 1.0}


def test_a_series_part_without_its_kpis_is_ignored_then_removed(tmp_path):
    design(tmp_path, ["a", "b"])
    writer = PartWriter(tmp_path, batch_runs=1)
    writer.add_run("a", 0.1, {"kpi": 1.0}, series(2))
    # what a writer killed between its two renames leaves: a series part alone, a temporary file
    orphan = pd.DataFrame({"key": ["b", "b"], **series(2)})
    stem = f"{9:020d}-{os.getpid()}-7"
    orphan.to_parquet(tmp_path / PARTS / f"{stem}.series.parquet", index=False)
    ended = subprocess.Popen(["true"])
    ended.wait()  # a writer that has ended: its temporary file is a leftover
    (tmp_path / PARTS / f".{stem}.runs.parquet.{ended.pid}.tmp").write_bytes(b"half")
    (tmp_path / PARTS / f".{stem}.runs.parquet.{os.getpid()}.tmp").write_bytes(b"in progress")
    (tmp_path / PARTS / "notes.txt").write_text("not the sweep's")
    results = load_results(tmp_path)
    assert list(results.kpis["key"]) == ["a"] and set(results.series["key"]) == {"a"}
    assert remove_leftovers(tmp_path) == 2
    left = sorted(p.name for p in (tmp_path / PARTS).iterdir() if not p.name.startswith("0"))
    # a live writer's file and a file the sweep did not name are left alone
    assert left == [f".{stem}.runs.parquet.{os.getpid()}.tmp", "notes.txt"]
    assert foreign_parts(tmp_path) == ["notes.txt"]


def test_failures_are_kept_until_the_run_completes(tmp_path):
    design(tmp_path, ["a", "b"])
    writer = PartWriter(tmp_path, batch_runs=1)
    writer.add_failure("a", 7, "ValueError: boom")
    writer.add_failure("b", 7, "ValueError: boom")
    writer.add_run("a", 0.1, {"kpi": 1.0}, series(2))  # a later resume succeeded
    results = load_results(tmp_path)
    assert list(results.failures["key"]) == ["b"]
    assert results.failures["error"].iloc[0] == "ValueError: boom"


def test_thinning_keeps_every_kth_step_and_the_last():
    assert kept_steps(11, 4).tolist() == [0, 4, 8, 10]
    assert kept_steps(9, 4).tolist() == [0, 4, 8]
    assert kept_steps(5, 1).tolist() == [0, 1, 2, 3, 4]
