"""The sweep commands: `recruitsim sweep`, `recruitsim sensitivity`, `recruitsim plot`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from sim.executors import Executor, ExecutorError, make_executor
from sim.experiment import ExperimentError, load_experiment
from sim.store import Results, load_results
from sim.sweeps import sweep
from sim.terminal import INTERRUPTED, console, err_console, fail, say

Folder = Annotated[Path, typer.Argument(metavar="DIR", help="A sweep's output folder.")]
Workers = Annotated[
    int, typer.Option(min=0, help="Local processes (0 = one per core, 1 = serial).")
]
Scheduler = Annotated[
    str | None, typer.Option(help="Address of a Dask scheduler, e.g. tcp://host:8786.")
]
KpiOption = Annotated[
    list[str] | None, typer.Option("--kpi", help="A KPI to analyse (repeatable; default all kept).")
]


def sweep_command(
    experiment_path: Annotated[
        Path, typer.Argument(metavar="EXPERIMENT", help="Experiment TOML file.")
    ],
    workers: Workers = 0,
    scheduler: Scheduler = None,
    dask_local: Annotated[
        int, typer.Option(min=0, help="Start a local Dask cluster of N workers on 127.0.0.1.")
    ] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: the experiment's output.folder).")
    ] = None,
    force_new: Annotated[
        bool,
        typer.Option("--force-new", help="Start over in a folder begun by another experiment."),
    ] = False,
) -> None:
    """Run every point of an experiment; again on the same folder, only the missing runs."""
    if scheduler and dask_local:
        fail("--scheduler and --dask-local: give one of them (a cluster to use or one to start)")
    try:
        experiment = load_experiment(experiment_path)
    except ExperimentError as err:
        fail(str(err))
        raise
    try:
        executor: Executor = make_executor(workers, scheduler, dask_local)
    except ExecutorError as err:
        fail(str(err))
        raise
    dashboard = getattr(executor, "dashboard", "")
    say(f"{experiment.spec.name}: {experiment.n_runs} runs on {executor.description}")
    if dashboard:
        say(f"Dask dashboard: {dashboard}")
    bar, tick = progress_bar()
    try:
        with executor:
            try:
                result = sweep(experiment, executor, out, force_new, tick)
            finally:
                if bar.live.is_started:
                    bar.stop()
    except ExperimentError as err:
        fail(str(err))
        raise
    except KeyboardInterrupt:
        stop_interrupted()
    rate = result.n_done / result.seconds * 60 if result.seconds else 0.0
    say(f"results: {result.folder} (read with sim.load_results)")
    summary = (
        f"{result.n_done} runs done, {result.n_skipped} already complete, "
        f"{result.n_failed} failed, in {result.seconds:.1f} s ({rate:.0f} runs/min)"
    )
    if result.n_failed:
        err_console.print(
            f"{summary}; the errors are in {result.folder}/parts/*.failures.parquet",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
    say(summary)


def stop_interrupted() -> None:
    """After Ctrl-C: say that the runs made are kept, and exit with code 130."""
    err_console.print(
        "interrupted: the runs finished so far are saved; run the same command to resume",
        highlight=False,
    )
    sys.exit(INTERRUPTED)


def progress_bar() -> tuple[Progress, Callable[[int, int, int], None]]:
    """A bar of runs done, failed, rate and time left, and the callback that moves it.

    The bar starts with the first run, so an error found before stays one line.
    """
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("failed {task.fields[failed]}"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=err_console, transient=True)
    task = bar.add_task("runs", total=None, failed=0, rate="")

    def tick(done: int, failed: int, total: int) -> None:
        if not bar.live.is_started:
            bar.start()
        elapsed = bar.tasks[0].elapsed or 0.0
        rate = f"{done / elapsed * 60:.0f} runs/min" if elapsed > 0 else ""
        bar.update(task, completed=done + failed, total=total, failed=failed, rate=rate)

    return bar, tick


def _results_or_fail(folder: Path) -> Results:
    try:
        results = load_results(folder)
    except FileNotFoundError as err:
        fail(str(err))
        raise
    if not len(results.kpis):
        fail(f"{folder}: no run has completed yet; run the sweep first")
    return results


def _kpis_or_fail(results: Results, wanted: list[str] | None, folder: Path) -> list[str]:
    kept = list(results.manifest.get("kpis", []))
    for name in wanted or []:
        if name not in kept:
            fail(f"--kpi {name!r}: not kept by this sweep ({folder}); kept: {', '.join(kept)}")
    return list(wanted or kept)


def sensitivity_command(folder: Folder, kpi: KpiOption = None) -> None:
    """Sobol indices (first order, total) or Morris mu* and sigma of a Sobol or Morris sweep."""
    from sim.sensitivity import SensitivityError, plot_sensitivity, sensitivity_indices

    results = _results_or_fail(folder)
    design = results.manifest.get("design", {})
    if design.get("kind") not in ("sobol", "morris"):
        fail(
            f"{folder}: a {design.get('kind', 'unknown')} design; sensitivity indices need "
            "a sobol or morris design"
        )
    names = _kpis_or_fail(results, kpi, folder)
    try:
        table = sensitivity_indices(design, results.kpis, names, seed=int(design.get("seed", 0)))
        _write(folder / "sensitivity.png", lambda path: plot_sensitivity(table, path))
    except (SensitivityError, ValueError) as err:
        fail(f"{folder}: {err}")
        raise
    _write(folder / "sensitivity.csv", lambda path: table.to_csv(path, index=False))
    shown = Table(title=f"{results.manifest.get('experiment', folder)}: {design['kind']} indices")
    for column in ("kpi", "factor", "index", "value", "conf"):
        shown.add_column(column, justify="right" if column in ("value", "conf") else "left")
    for row in table.itertuples():
        factor = row.factor if pd.isna(row.factor2) else f"{row.factor} x {row.factor2}"
        conf = "" if pd.isna(row.conf) else f"± {row.conf:.2g}"
        shown.add_row(row.kpi, factor, row.index, f"{row.value:.3g}", conf)
    console.print(shown)
    say(f"table: {folder / 'sensitivity.csv'}; figure: {folder / 'sensitivity.png'}")


def plot_command(
    folder: Folder,
    kpi: KpiOption = None,
    x: Annotated[
        str | None, typer.Option(help="Factor on the x axis (default: the first).")
    ] = None,
) -> None:
    """Heat maps of KPIs over a grid of two factors; KPIs against a factor with 95% bands."""
    from sim.sweep_plots import plot_against, plot_heatmap, summary_by_point

    results = _results_or_fail(folder)
    design = results.manifest.get("design", {})
    factors = [f["key"] for f in design.get("factors", [])]
    if design.get("kind") != "grid":
        fail(
            f"{folder}: a {design.get('kind', 'unknown')} design; plot draws grid designs "
            "(for sobol or morris designs use recruitsim sensitivity)"
        )
    if x is not None and x not in factors:
        fail(f"--x {x!r}: not a factor of this sweep; factors: {', '.join(factors)}")
    if not factors:
        fail(f"{folder}: the sweep has no factors to plot against")
    if len(factors) > 2:
        fail(f"{folder}: {len(factors)} factors; plot draws grids of one or two factors")
    names = _kpis_or_fail(results, kpi, folder)
    x = x or factors[0]
    y = next((f for f in factors if f != x), None)
    plots = folder / "plots"
    plots.mkdir(exist_ok=True)
    arms = sorted(results.kpis["arm"].unique())
    written = []
    try:
        for name in names:
            stem = name.replace("/", "_")
            for arm in arms if y is not None else []:
                label = f"heatmap_{stem}" + (f"_{arm}" if len(arms) > 1 else "")
                _write(
                    plots / f"{label}.png",
                    lambda p, n=name, a=arm: plot_heatmap(results.kpis, x, y, n, p, arm=a),
                )
                written.append(label)
            by = y if y is not None else ("arm" if len(arms) > 1 else None)
            _write(
                plots / f"against_{stem}.png",
                lambda p, n=name, b=by: plot_against(results.kpis, x, n, p, by=b),
            )
            written.append(f"against_{stem}")
            keys = [k for k in (x, y) if k] + (["arm"] if len(arms) > 1 else [])
            table = summary_by_point(results.kpis, keys, name)
            _write(plots / f"{stem}.csv", lambda p, t=table: t.to_csv(p, index=False))
    except ValueError as err:
        fail(f"{folder}: {err}")
    say(f"{len(written)} figures and {len(names)} tables in {plots}")


def _write(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file through `write(temporary_path)`, then rename it into place."""
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    write(temporary)
    os.replace(temporary, path)
