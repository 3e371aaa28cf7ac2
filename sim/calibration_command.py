"""`recruitsim calibrate`: an experiment's sweep, then history matching against its targets.

``DIR`` (``--out``, default ``results/calibration/<name>``) holds the runs of
the design in ``DIR/runs`` and those of the experiment's scenario itself (no
factor set, the same seeds) in ``DIR/base``, two sweep folders that resume
after Ctrl-C; then the tables and figures of `sim.calibration`, each written
under a temporary name and renamed, the manifest last.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from sim.calibration import (
    CalibrationError,
    Target,
    drivers,
    plot_parameters,
    plot_targets,
    point_table,
    targets_of,
)
from sim.executors import Executor, ExecutorError, make_executor
from sim.experiment import Experiment, ExperimentError, arms_experiment, load_experiment
from sim.output import MARKER, slug
from sim.provenance import git_commit, package_versions
from sim.store import Results, load_results, output_names
from sim.sweep_commands import Workers, progress_bar, stop_interrupted
from sim.sweeps import SweepResult, experiment_provenance, sweep
from sim.terminal import console, err_console, fail, say

TABLES = ("calibration.csv", "plausible.csv", "baseline.csv", "drivers.csv")
FIGURES = ("parameters.png", "targets.png")
OWNED = frozenset({*TABLES, *FIGURES, "manifest.json", "runs", "base"})
"""What a calibration folder may hold."""


def calibrate_command(
    experiment_path: Annotated[
        Path, typer.Argument(metavar="EXPERIMENT", help="Experiment TOML file with [calibration].")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Folder (default results/calibration/<name>).")
    ] = None,
    workers: Workers = 0,
    force_new: Annotated[
        bool,
        typer.Option("--force-new", help="Start over in a folder begun by another experiment."),
    ] = False,
) -> None:
    """Run an experiment's design and keep the parameter vectors its targets leave plausible."""
    try:
        experiment = load_experiment(experiment_path)
        targets, cutoff = targets_of(experiment.spec, str(experiment_path))
        if len(experiment.arms) != 1:
            raise CalibrationError(
                f"{experiment_path}: arms {', '.join(experiment.arms)}: calibration needs one "
                'scenario (scenario = "file.toml")'
            )
        if not _ranges(experiment):
            raise CalibrationError(
                f"{experiment_path}: factors: none with a numeric range; calibration varies at "
                "least one parameter"
            )
        folder = out or Path("results/calibration") / slug(experiment.spec.name)
        check_folder(folder)
        executor: Executor = make_executor(workers, None, 0)
    except (ExperimentError, ExecutorError) as err:
        fail(str(err))
        raise
    design = experiment.spec.design
    say(
        f"{experiment.spec.name}: {len(experiment.points)} points x {design.replications} "
        f"replications, and the scenario itself, on {executor.description}"
    )
    clock = time.perf_counter()
    try:
        with executor:
            base = _sweep(_base(experiment, folder), executor, folder / "base", force_new)
            runs = _sweep(experiment, executor, folder / "runs", force_new)
    except ExperimentError as err:  # a runs folder that cannot take the sweep (SweepError)
        fail(str(err))
        raise
    except KeyboardInterrupt:
        stop_interrupted()
    seconds = time.perf_counter() - clock
    results, reference = load_results(folder / "runs"), load_results(folder / "base")
    failed = len(results.failures) + len(reference.failures)
    errors = f"errors in {folder}/runs/parts and {folder}/base/parts"
    if results.kpis.empty or reference.kpis.empty:
        message = f"no run of the design or of the scenario itself completed ({errors})"
        err_console.print(message, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    try:
        _analyse(folder, experiment, targets, cutoff, (results, reference), (base, runs), seconds)
    except KeyboardInterrupt:
        stop_interrupted()
    if failed:
        err_console.print(
            f"{failed} runs failed ({errors}); the tables use the runs that completed",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)


def _analyse(
    folder: Path,
    experiment: Experiment,
    targets: tuple[Target, ...],
    cutoff: float,
    stored: tuple[Results, Results],
    sweeps: tuple[SweepResult, SweepResult],
    seconds: float,
) -> None:
    """Tables, figures and manifest from the stored runs of the design and of the scenario."""
    results, reference = stored
    factors = [f.key for f in experiment.factors]
    kpis = list(experiment.spec.output.kpis)
    table = point_table(results.kpis, targets, factors, kpis, cutoff)
    baseline = point_table(reference.kpis, targets, (), kpis, cutoff)
    scenario = next(iter(experiment.arms.values())).to_dict()
    for index, key in enumerate(factors):
        baseline.insert(1 + index, key, _dotted(scenario, key))
    info = _record(experiment, targets, cutoff, table, baseline, sweeps, seconds)
    _write_outputs(folder, experiment, targets, table, baseline, info)
    _show(targets, table, baseline, info)
    say(f"{info['run_time']}; tables and figures in {folder}")


def check_folder(folder: Path) -> None:
    """Refuse a folder that holds anything but a calibration's own files (one line).

    Raises:
        CalibrationError: the folder is a file, or holds files calibrate did not write.
    """
    where = f"--out = {str(folder)!r}"
    names = output_names(folder, where, CalibrationError)
    if names is None:
        return
    if not names <= OWNED or (names - {"runs", "base"} and not _ours(folder, names)):
        raise CalibrationError(
            f"{where}: the folder holds files recruitsim calibrate did not write; "
            "choose a new or empty folder"
        )


def _ours(folder: Path, names: set[str]) -> bool:
    """Marked by calibrate's manifest, or tables of a calibration stopped before its manifest."""
    if "manifest.json" not in names:
        return "runs" in names
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    marker = data.get(MARKER) if isinstance(data, dict) else None
    return isinstance(marker, dict) and marker.get("output") == "calibrate"


def _base(experiment: Experiment, folder: Path) -> Experiment:
    """The experiment's scenario alone, with the design's replications and seeds."""
    design, output = experiment.spec.design, experiment.spec.output
    return arms_experiment(
        f"{experiment.spec.name}-base",
        experiment.arms,
        design.replications,
        design.seed,
        {"kpis": list(output.kpis), "series": list(output.series), "every": output.every},
        folder / "base",
    )


def _dotted(data: dict[str, Any], key: str) -> Any:
    """The value at a dotted key of a scenario's table (None where a part is missing)."""
    for part in key.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _sweep(
    experiment: Experiment, executor: Executor, folder: Path, force_new: bool
) -> SweepResult:
    bar, tick = progress_bar()
    try:
        return sweep(experiment, executor, folder, force_new, tick)
    finally:
        if bar.live.is_started:
            bar.stop()


def _record(
    experiment: Experiment,
    targets: tuple[Target, ...],
    cutoff: float,
    table: pd.DataFrame,
    baseline: pd.DataFrame,
    sweeps: tuple[SweepResult, SweepResult],
    seconds: float,
) -> dict[str, Any]:
    """The calibration's provenance and headline numbers."""
    design = experiment.spec.design
    made = sum(s.n_done for s in sweeps)
    reused = sum(s.n_skipped for s in sweeps)
    return {
        **experiment_provenance(experiment, "calibrate"),
        "targets": [t.__dict__ for t in targets],
        "cutoff": cutoff,
        "points": len(table),
        "kept": int(table["kept"].sum()),
        "share_kept": float(table["kept"].mean()),
        "baseline_kept": bool(baseline["kept"].iloc[0]),
        "baseline_targets_met": baseline["targets_met"].iloc[0],
        "seed": design.seed,
        "commit": git_commit() or "unknown",
        "versions": package_versions(),
        "run_time": (
            f"{made} runs made now in {seconds:.1f} s on {sweeps[1].executor}, "
            f"{reused} taken from earlier runs"
        ),
        "finished": datetime.now(UTC).isoformat(),
        "command": sys.argv,
    }


def _write_outputs(
    folder: Path,
    experiment: Experiment,
    targets: tuple[Target, ...],
    table: pd.DataFrame,
    baseline: pd.DataFrame,
    info: dict[str, Any],
) -> None:
    """The tables and figures, each renamed into place; the manifest removed first, put last."""
    (folder / "manifest.json").unlink(missing_ok=True)
    bounds = _ranges(experiment)
    frames = {
        "calibration.csv": table,
        "plausible.csv": table[table["kept"]],
        "baseline.csv": baseline,
        "drivers.csv": drivers(table, list(bounds), targets).reset_index(),
    }
    for name, frame in frames.items():
        _write(folder / name, lambda path, f=frame: f.to_csv(path, index=False))
    values = baseline.iloc[0]
    marks = {k: float(values[k]) for k in bounds if _is_number(values[k])}
    _write(folder / "parameters.png", lambda path: plot_parameters(table, bounds, path, marks))
    _write(folder / "targets.png", lambda path: plot_targets(table, targets, path, baseline))
    text = json.dumps(info, indent=2, default=str)
    _write(folder / "manifest.json", lambda path: path.write_text(text, encoding="utf-8"))


def _ranges(experiment: Experiment) -> dict[str, tuple[float, float]]:
    """Each numeric factor's range: its bounds, or its grid values' extremes (if apart)."""
    ranges = {}
    for factor in experiment.factors:
        values = factor.bounds or factor.values or ()
        if all(_is_number(v) for v in values) and len(set(values)) > 1:
            ranges[factor.key] = (float(min(values)), float(max(values)))
    return ranges


def _is_number(value: Any) -> bool:
    return pd.api.types.is_number(value) and not pd.api.types.is_bool(value)


def _write(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file through `write(temporary_path)`, then rename it into place."""
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    write(temporary)
    os.replace(temporary, path)


def _show(
    targets: tuple[Target, ...], table: pd.DataFrame, baseline: pd.DataFrame, info: dict[str, Any]
) -> None:
    shown = Table(title=f"{info['experiment']}: targets (cut-off {info['cutoff']:g})")
    shown.add_column("target", overflow="fold")
    for column in ("band", "required", "points met", "baseline", "± se", "I"):
        shown.add_column(column, justify="right")
    base = baseline.iloc[0]
    for t in targets:
        shown.add_row(
            t.name,
            f"[{t.low:g}, {t.high:g}]",
            "yes" if t.required else "no",
            f"{int(table[f'met_{t.name}'].sum())}/{len(table)}",
            f"{base[t.name]:.4g}",
            f"{base[f'se_{t.name}']:.2g}",
            f"{base[f'I_{t.name}']:.2f}",
        )
    console.print(shown)
    verdict = "plausible" if info["baseline_kept"] else "not plausible"
    say(
        f"kept {info['kept']} of {info['points']} points ({info['share_kept']:.1%}); "
        f"the scenario itself is {verdict}"
    )
