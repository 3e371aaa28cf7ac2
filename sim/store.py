"""A sweep's results on disk: Parquet parts written as runs finish, read back as tables.

Layout of a sweep folder::

    manifest.json          what ran, how, and how far it got
    experiment.json        the experiment as resolved (its hash decides resume)
    design.parquet         one row per run cell: point, arm, replication, seed,
                           key, and the factor values
    parts/<id>.series.parquet    time series of a batch of runs (key, step, time, ...)
    parts/<id>.runs.parquet      KPIs of the same batch (key, seconds, KPI columns)
    parts/<id>.failures.parquet  runs that raised (key, seed, error)

A part is written under a temporary name and renamed into place; the series
part is renamed before the runs part, so a run counts as complete exactly
when its KPI row is in a runs part, and its series are then on disk. A run
killed mid-way, or a batch lost with its process, leaves nothing that counts.
`load_results` reads whatever is complete, also while a sweep is running.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

PARTS = "parts"
DESIGN = "design.parquet"
PART_NAME = re.compile(r"^\d{20}-\d+-\d+\.(runs|series|failures)\.parquet$")
"""Names of the parts a sweep writes (time, process id, count, table)."""
TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp(\.[A-Za-z0-9]+)?$")
"""Names of files being written (``.<name>.<pid>.tmp``, and ``.<stem>.<pid>.tmp.<ext>``)."""
CELL_COLUMNS = ("point", "arm", "replication", "seed", "key")


@dataclass
class Results:
    """A sweep's results as tables.

    Attributes:
        kpis: one row per completed run cell: point, arm, replication,
            seed, key, the factor values, seconds and the KPIs.
        series: one row per kept step of each completed run cell: the cell's
            columns, step, time and the kept series.
        failures: runs that raised and have not completed since: the cell's
            columns and the error.
        design: every run cell of the experiment (complete or not).
        manifest: the sweep's manifest.
    """

    kpis: pd.DataFrame
    series: pd.DataFrame
    failures: pd.DataFrame
    design: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def n_missing(self) -> int:
        """Run cells with no result yet."""
        return len(self.design) - len(self.kpis)


def write_table(table: pd.DataFrame, path: Path) -> None:
    """Write a Parquet file under a temporary name, then rename it into place."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    table.to_parquet(temporary, index=False)
    os.replace(temporary, path)


def write_json(data: Mapping[str, Any], path: Path) -> None:
    """Write JSON under a temporary name, then rename it into place."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    os.replace(temporary, path)


class PartWriter:
    """Buffers finished runs and writes them as parts (by count or by age).

    Args:
        folder: the sweep folder.
        batch_runs: write a part once this many runs are buffered.
        batch_seconds: or once the oldest buffered run is this old.
    """

    def __init__(self, folder: Path, batch_runs: int = 64, batch_seconds: float = 10.0) -> None:
        self.parts = folder / PARTS
        self.parts.mkdir(exist_ok=True)
        self.batch_runs, self.batch_seconds = batch_runs, batch_seconds
        self._runs: list[dict[str, Any]] = []
        self._series: list[pd.DataFrame] = []
        self._failures: list[dict[str, Any]] = []
        self._since = time.monotonic()
        self._count = 0

    def add_run(
        self, key: str, seconds: float, kpis: Mapping[str, float], series: Mapping[str, np.ndarray]
    ) -> None:
        """Buffer a completed run."""
        if not self._runs and not self._failures:
            self._since = time.monotonic()
        self._runs.append({"key": key, "seconds": seconds} | {k: float(v) for k, v in kpis.items()})
        if series:
            frame = pd.DataFrame(dict(series))
            frame.insert(0, "key", key)
            self._series.append(frame)
        self._maybe_flush()

    def add_failure(self, key: str, seed: int, error: str) -> None:
        """Buffer a run that raised."""
        if not self._runs and not self._failures:
            self._since = time.monotonic()
        self._failures.append({"key": key, "seed": seed, "error": error})
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        buffered = len(self._runs) + len(self._failures)
        if buffered >= self.batch_runs or time.monotonic() - self._since >= self.batch_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the buffered runs as one part (series first, KPIs last)."""
        if not self._runs and not self._failures:
            return
        self._count += 1
        stem = f"{time.time_ns():020d}-{os.getpid()}-{self._count}"
        if self._series:
            write_table(
                pd.concat(self._series, ignore_index=True), self.parts / f"{stem}.series.parquet"
            )
        if self._failures:
            write_table(pd.DataFrame(self._failures), self.parts / f"{stem}.failures.parquet")
        if self._runs:
            write_table(pd.DataFrame(self._runs), self.parts / f"{stem}.runs.parquet")
        self._runs, self._series, self._failures = [], [], []


def output_names(folder: Path, where: str, error: type[Exception]) -> set[str] | None:
    """The names in an output folder, its temporary files aside; None while it does not exist.

    Args:
        folder: the `--out` folder of a command.
        where: how the one-line error names it (e.g. ``--out = 'x'``).
        error: the command's error class.

    Raises:
        error: `folder` exists and is not a folder.
    """
    if folder.exists() and not folder.is_dir():
        raise error(f"{where}: exists and is not a folder")
    if not folder.is_dir():
        return None
    return {entry.name for entry in folder.iterdir() if not TEMPORARY.match(entry.name)}


def completed_keys(folder: Path) -> set[str]:
    """Keys of the runs whose KPIs are on disk."""
    keys: set[str] = set()
    for path in sorted((folder / PARTS).glob("*.runs.parquet")):
        keys.update(pq.read_table(path, columns=["key"]).column("key").to_pylist())
    return keys


def remove_leftovers(folder: Path) -> int:
    """Remove what killed writers left: their temporary files, series parts without KPIs.

    Only files named as the sweep and its analyses name them are removed, and
    a temporary file only once the process named in it has ended. To be
    called by the process holding the sweep's lock.

    Returns:
        How many files were removed.
    """
    parts = folder / PARTS
    removed = 0
    for path in [*parts.iterdir(), *folder.iterdir(), *_entries(folder / "plots")]:
        match = TEMPORARY.match(path.name)
        if match and path.is_file() and not _alive(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed += 1
    for path in parts.glob("*.series.parquet"):
        stem = path.name.removesuffix(".series.parquet")
        if PART_NAME.match(path.name) and not (parts / f"{stem}.runs.parquet").exists():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def foreign_parts(folder: Path) -> list[str]:
    """Names in the parts folder that the sweep did not write."""
    entries = _entries(folder / PARTS)
    return [p.name for p in entries if not (PART_NAME.match(p.name) or TEMPORARY.match(p.name))]


def _entries(folder: Path) -> list[Path]:
    return list(folder.iterdir()) if folder.is_dir() else []


def _alive(pid: int) -> bool:
    """Whether a process of this host has this id (a stale temporary file's writer)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_design(folder: Path, cells: Iterable[Mapping[str, Any]]) -> int:
    """Write the table of run cells (streamed in row groups, so memory stays flat)."""
    path = folder / DESIGN
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    writer: pq.ParquetWriter | None = None
    rows: list[Mapping[str, Any]] = []
    n_rows = 0

    def write(batch: Sequence[Mapping[str, Any]]) -> None:
        nonlocal writer
        table = pa.Table.from_pandas(pd.DataFrame(list(batch)), preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(temporary, table.schema)
        writer.write_table(table.cast(writer.schema))

    for cell in cells:
        rows.append(cell)
        if len(rows) == 4096:
            write(rows)
            n_rows, rows = n_rows + len(rows), []
    if rows or writer is None:
        write(rows or [dict.fromkeys(CELL_COLUMNS)])
        n_rows += len(rows)
    assert writer is not None
    writer.close()
    os.replace(temporary, path)
    return n_rows


def _read_parts(parts: Path, suffix: str, keys: set[str] | None = None) -> pd.DataFrame:
    frames = []
    for path in sorted(parts.glob(f"*.{suffix}.parquet")):
        if keys is not None and suffix == "series":
            stem = path.name.removesuffix(".series.parquet")
            if not (parts / f"{stem}.runs.parquet").exists():
                continue  # its batch never completed
        frames.append(pd.read_parquet(path))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"key": []})


def load_results(folder: str | Path) -> Results:
    """Read a sweep folder's results (complete runs only; safe while a sweep writes).

    Raises:
        FileNotFoundError: the folder holds no sweep (no design table).
    """
    folder = Path(folder)
    if not (folder / DESIGN).is_file():
        raise FileNotFoundError(f"{folder}: not a sweep folder (no {DESIGN})")
    design = pd.read_parquet(folder / DESIGN)
    parts = folder / PARTS
    runs = _read_parts(parts, "runs").drop_duplicates("key")
    done = set(runs["key"])
    kpis = design.merge(runs, on="key", how="inner")
    series = _read_parts(parts, "series", done)
    if len(series):
        series = series[series["key"].isin(done)].drop_duplicates(["key", "step"])
        series = design.merge(series, on="key", how="inner")
    failures = _read_parts(parts, "failures")
    if len(failures):
        failures = failures[~failures["key"].isin(done)].drop_duplicates("key", keep="last")
        failures = design.merge(failures.drop(columns="seed"), on="key", how="inner")
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    order = ["arm", "point", "replication"]
    return Results(
        kpis.sort_values(order, ignore_index=True),
        series.sort_values([*order, "step"], ignore_index=True) if len(series) else series,
        failures,
        design,
        manifest,
    )
