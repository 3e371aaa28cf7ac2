"""Sweeps: every run of an experiment, on any executor, into a folder that resumes.

`sweep(experiment)` writes the design, then runs what the folder does not
hold yet and streams results to Parquet parts (`sim.store`). Running it
again on the same folder does only the missing runs; a folder started by a
different experiment is refused unless `force_new`. A run that raises is
recorded with its error and the sweep goes on. Only folders the sweep
created, or that hold its own previous output, are written to.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import re
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from sim.executors import Executor, SerialExecutor
from sim.experiment import Experiment, ExperimentError, load_experiment
from sim.output import MARKER, slug
from sim.provenance import citation, git_commit, package_versions
from sim.runner import run
from sim.scenario import Scenario
from sim.store import (
    DESIGN,
    PARTS,
    TEMPORARY,
    PartWriter,
    completed_keys,
    foreign_parts,
    remove_leftovers,
    write_design,
    write_json,
)

PLOT_NAME = re.compile(r"^((heatmap|against)_.+\.png|[A-Za-z0-9_.-]+\.csv)$")
"""Names of the files `recruitsim plot` writes into ``plots/``."""
OWNED = frozenset(
    {"manifest.json", "experiment.json", DESIGN, PARTS, ".lock", "sensitivity.csv"}
    | {"sensitivity.png", "plots"}
)
"""What a sweep folder may hold: the sweep's files and its analyses'."""

Progress = Callable[[int, int, int], None]
"""``progress(done, failed, total)``, called after each run."""


class SweepError(ExperimentError):
    """A sweep that cannot start: the message is one line."""


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run (picklable)."""

    key: str
    seed: int
    scenario: Scenario
    kpis: tuple[str, ...]
    series: tuple[str, ...]
    every: int


@dataclass(frozen=True)
class RunOutcome:
    """What a worker sends back: KPIs and thinned series, or the error."""

    key: str
    seed: int
    kpis: dict[str, float]
    series: dict[str, np.ndarray]
    error: str
    seconds: float


@dataclass(frozen=True)
class SweepResult:
    """How a sweep went.

    Attributes:
        folder: where its results are (read them with `sim.load_results`).
        n_runs: distinct runs in the experiment.
        n_skipped: runs already complete when it started.
        n_done: runs completed now.
        n_failed: runs that raised now.
        seconds: wall time.
        executor: the executor's description.
    """

    folder: Path
    n_runs: int
    n_skipped: int
    n_done: int
    n_failed: int
    seconds: float
    executor: str


def execute(task: RunTask) -> RunOutcome:
    """Run one task; an exception becomes the outcome's error (top-level, so picklable)."""
    start = time.perf_counter()
    try:
        result = run(task.scenario, task.seed)
        table = result.timeseries
        rows = kept_steps(len(table), task.every)
        columns = ("step", "time", *task.series) if task.series else ()
        series = {name: table[name].to_numpy()[rows] for name in columns}
        kpis = {name: float(result.summary[name]) for name in task.kpis}
        return RunOutcome(task.key, task.seed, kpis, series, "", time.perf_counter() - start)
    except Exception as err:
        where = traceback.extract_tb(err.__traceback__)[-1]
        error = f"{type(err).__name__}: {err} ({Path(where.filename).name}:{where.lineno})"
        return RunOutcome(task.key, task.seed, {}, {}, error, time.perf_counter() - start)


def kept_steps(n_rows: int, every: int) -> np.ndarray:
    """Rows kept when thinning to every k-th step: 0, k, 2k, ... and always the last."""
    rows = np.arange(0, n_rows, every)
    return rows if rows[-1] == n_rows - 1 else np.append(rows, n_rows - 1)


def sweep(
    experiment: Experiment | str | Path,
    executor: Executor | None = None,
    out: str | Path | None = None,
    force_new: bool = False,
    progress: Progress | None = None,
) -> SweepResult:
    """Run an experiment's missing runs and store their results.

    A folder that holds the same experiment with another number of
    replications keeps its runs: the design is rewritten and only the
    replications it lacks are run.

    Args:
        experiment: an experiment, or its file.
        executor: where runs execute (default: serially in this process);
            the results are the same on any executor.
        out: the folder (default: the experiment's `output.folder`, else
            ``results/sweeps/<name>``).
        force_new: start over in a folder begun by a different experiment
            (its previous results, written by the sweep, are removed).
        progress: called after each run with (done, failed, total).

    Returns:
        What ran and where the results are.

    Raises:
        ExperimentError: a bad experiment, or a folder that cannot take it
            (one line).
    """
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    folder = Path(
        out or experiment.spec.output.folder or Path("results/sweeps") / slug(experiment.spec.name)
    )
    executor = executor or SerialExecutor()
    started, clock = datetime.now(UTC), time.perf_counter()
    with _locked(folder, experiment, force_new):
        keys = _prepare(folder, experiment)
        done = completed_keys(folder) & keys
        todo = keys - done
        manifest = _manifest(experiment, executor, started, len(keys))
        write_json(manifest | {"status": "running"}, folder / "manifest.json")
        # parts of about 5% of the runs (1 to 64 runs): small sweeps resume finely too
        writer = PartWriter(folder, batch_runs=max(1, min(64, len(todo) // 20)))
        n_done = n_failed = 0
        try:
            for outcome in executor.imap_unordered(execute, _tasks(experiment, todo), _lost):
                if outcome.error:
                    n_failed += 1
                    writer.add_failure(outcome.key, outcome.seed, outcome.error)
                else:
                    n_done += 1
                    writer.add_run(outcome.key, outcome.seconds, outcome.kpis, outcome.series)
                if progress:
                    progress(n_done, n_failed, len(todo))
        finally:
            writer.flush()  # runs finished before an interrupt still count
            seconds = time.perf_counter() - clock
            complete = len(done) + n_done
            record = _outcome_record(complete == len(keys), complete, n_done, n_failed, seconds)
            write_json(manifest | record, folder / "manifest.json")
    return SweepResult(
        folder, len(keys), len(done), n_done, n_failed, seconds, executor.description
    )


def _outcome_record(
    whole: bool, complete: int, n_done: int, n_failed: int, seconds: float
) -> dict[str, Any]:
    """What the manifest says of a sweep once it stops."""
    return {
        "runs_complete": complete,
        "runs_failed": n_failed,
        "runs_now": n_done,
        "seconds": round(seconds, 3),
        "runs_per_second": round(n_done / seconds, 3) if seconds else None,
        "finished": datetime.now(UTC).isoformat(),
        "status": "complete" if whole else "incomplete",
    }


def _lost(task: RunTask, error: BaseException) -> RunOutcome:
    return RunOutcome(task.key, task.seed, {}, {}, f"{type(error).__name__}: {error} (worker)", 0.0)


def _tasks(experiment: Experiment, todo: set[str]) -> Iterator[RunTask]:
    output = experiment.spec.output
    seen: set[str] = set()
    for cell in experiment.cells():
        if cell.key in todo and cell.key not in seen:
            seen.add(cell.key)
            yield RunTask(
                cell.key, cell.seed, cell.scenario, output.kpis, output.series, output.every
            )


def _prepare(folder: Path, experiment: Experiment) -> set[str]:
    """Write the design table (once per experiment) and return the distinct run keys."""
    keys: set[str] = set()

    def rows() -> Iterator[dict[str, Any]]:
        for cell in experiment.cells():
            keys.add(cell.key)
            cell_columns = {"point": cell.point, "arm": cell.arm, "replication": cell.replication}
            yield cell_columns | {"seed": cell.seed, "key": cell.key} | cell.values

    replications = experiment.spec.design.replications
    if (folder / DESIGN).is_file() and _stored(folder).get("replications") == replications:
        return set(pq.read_table(folder / DESIGN, columns=["key"]).column("key").to_pylist())
    record = {
        "hash": experiment.hash,
        "replications": replications,
        "source": str(experiment.source),
    }
    write_json(record | {"experiment": experiment.data}, folder / "experiment.json")
    write_design(folder, rows())  # last: its presence means the design is whole
    return keys


@contextlib.contextmanager
def _locked(folder: Path, experiment: Experiment, force_new: bool) -> Iterator[None]:
    """Check the folder, hold its lock, and deal with a previous experiment's results."""
    where = f"--out = {str(folder)!r}"
    if folder.exists() and not folder.is_dir():
        raise SweepError(f"{where}: exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not _is_sweep_folder(folder):
        raise SweepError(
            f"{where}: the folder holds files recruitsim sweep did not write; "
            "choose a new or empty folder"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = (folder / ".lock").open("a+")
    except OSError as err:
        raise SweepError(f"{where}: cannot write there: {err.strerror or err}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SweepError(
                f"{where}: another sweep is writing to this folder; wait for it or choose another"
            ) from None
        previous = _previous_hash(folder)
        if previous is not None and previous != experiment.hash:
            if not force_new:
                raise SweepError(
                    f"{where}: holds results of a different version of the experiment "
                    f"(hash {previous}, now {experiment.hash}); use --force-new to start over "
                    "there, or choose another folder"
                )
            _clear(folder)
        if (folder / PARTS).is_dir():
            remove_leftovers(folder)
        yield


def _is_sweep_folder(folder: Path) -> bool:
    """Whether a folder holds nothing but a sweep's own files (or a sweep killed early)."""
    names = {entry.name for entry in folder.iterdir() if not TEMPORARY.match(entry.name)}
    if not names <= OWNED or foreign_parts(folder):
        return False
    if "manifest.json" not in names:  # killed before its first manifest
        return names <= {".lock"} or _previous_hash(folder) not in (None, "unknown")
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(data, dict)
        and isinstance(data.get(MARKER), dict)
        and data[MARKER].get("output") == "sweep"
    )


def _stored(folder: Path) -> dict[str, Any]:
    """The record in `experiment.json` (empty if missing or unreadable)."""
    try:
        record = json.loads((folder / "experiment.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _previous_hash(folder: Path) -> str | None:
    """The hash in `experiment.json`; "unknown" if results lie there without it."""
    previous = _stored(folder).get("hash")
    if isinstance(previous, str):
        return previous
    has_results = (folder / DESIGN).exists() or any((folder / PARTS).glob("*"))
    return "unknown" if has_results or (folder / "experiment.json").exists() else None


def _clear(folder: Path) -> None:
    """Remove a previous experiment's results: parts first, `experiment.json` last.

    In that order, a removal that is interrupted never leaves results that
    a later sweep could take for its own.
    """
    shutil.rmtree(folder / PARTS, ignore_errors=True)  # checked to hold only parts
    plots = folder / "plots"
    for path in plots.iterdir() if plots.is_dir() else []:
        if PLOT_NAME.match(path.name) and path.is_file():  # anything else there stays
            path.unlink()
    with contextlib.suppress(OSError):
        plots.rmdir()  # only if nothing else is left in it
    for name in (DESIGN, "sensitivity.csv", "sensitivity.png", "manifest.json", "experiment.json"):
        (folder / name).unlink(missing_ok=True)


def experiment_provenance(experiment: Experiment, output: str) -> dict[str, Any]:
    """The head of a manifest of output made from an experiment: marker, citation, file, design.

    Args:
        experiment: the experiment run.
        output: what wrote the folder (`sweep`, `calibrate`), for the marker.
    """
    return {
        MARKER: {"output": output, "version": package_versions().get("recruitsim")},
        **citation(),
        "experiment": experiment.spec.name,
        "experiment_file": str(experiment.source),
        "experiment_hash": experiment.hash,
        "design": experiment.design_record(),
    }


def _manifest(
    experiment: Experiment, executor: Executor, started: datetime, n_runs: int
) -> dict[str, Any]:
    return {
        **experiment_provenance(experiment, "sweep"),
        "kpis": list(experiment.spec.output.kpis),
        "series": list(experiment.spec.output.series),
        "every": experiment.spec.output.every,
        "arms": {
            name: {"file": str(s.source), "hash": s.hash, "scenario": s.to_dict()}
            for name, s in experiment.arms.items()
        },
        "runs_total": n_runs,
        "executor": executor.description,
        "workers": executor.workers,
        "started": started.isoformat(),
        "commit": git_commit() or "unknown",
        "versions": package_versions(),
        "host_cpus": os.cpu_count(),
        "platform": platform.platform(),
        "command": sys.argv,
    }
