"""The `recruitsim` command line."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from sim.animate_command import animate_command
from sim.budget import check_memory
from sim.calibration_command import calibrate_command
from sim.compare_command import compare_command
from sim.demo_command import demo_command
from sim.output import MARKER, OutputError, slug, staged_output
from sim.plots import plot_run
from sim.provenance import citation, git_commit, package_versions
from sim.runner import RunResult, combine, replicate_seeds, run_many
from sim.scenario import Scenario, ScenarioError, load_scenario, parse_override
from sim.sweep_commands import plot_command, sensitivity_command, sweep_command
from sim.terminal import INTERRUPTED, MAX_SEED, console, err_console, fail

app = typer.Typer(
    help="Simulate how recruiters and candidates adopt social-network recruiting.",
    no_args_is_help=True,
    add_completion=False,
)

SUMMARY_COLUMNS = (
    ("t10", "weeks to 10% active"),
    ("t50", "weeks to 50% active"),
    ("t_half_final", "weeks to half the final active share"),
    ("final_share_active", "final share active"),
    ("final_share_member", "final share member"),
    ("final_share_active_candidates", "final share active, candidates"),
    ("final_share_active_recruiters", "final share active, recruiters"),
    ("cum_hires", "hires, total"),
    ("social_hire_share", "share of hires via the social channel"),
    ("cum_cost", "intervention cost"),
)


def load_or_fail(path: Path, settings: list[str]) -> Scenario:
    """Load a scenario with `--set` overrides, or exit 2 with a one-line message."""
    try:
        overrides = dict(parse_override(text) for text in settings)
        return load_scenario(path, overrides)
    except ScenarioError as err:
        fail(str(err))
        raise  # unreachable: fail() exits


def manifest(scenario: Scenario, seeds: list[int], started: datetime) -> dict[str, Any]:
    """What is needed to reproduce a set of runs."""
    return {
        MARKER: {"output": "run", "version": package_versions().get("recruitsim", "")},
        **citation(),
        "scenario": scenario.to_dict(),
        "scenario_file": str(scenario.source) if scenario.source else None,
        "scenario_hash": scenario.hash,
        "seeds": seeds,
        "platform": platform.platform(),
        "packages": package_versions(),
        "git_commit": git_commit(),
        "command": sys.argv,
        "started": started.isoformat(),
        "finished": datetime.now(UTC).isoformat(),
    }


def summary_table(summary: Any, title: str) -> Table:
    """Mean (and range over runs) of the main indicators."""
    table = Table(title=title)
    table.add_column("indicator")
    table.add_column("mean", justify="right")
    table.add_column("min", justify="right")
    table.add_column("max", justify="right")
    for key, label in SUMMARY_COLUMNS:
        values = summary[key]
        if values.isna().all():
            table.add_row(label, "not reached", "", "")
            continue
        stats = (values.mean(), values.min(), values.max())
        table.add_row(label, *(f"{v:.3g}" for v in stats))
    if summary[[k for k, _ in SUMMARY_COLUMNS]].isna().any().any():
        table.caption = "times: mean, min and max over the runs that reached the level"
    return table


@app.callback()
def cli() -> None:
    """Simulate how recruiters and candidates adopt social-network recruiting."""


@app.command("run")
def run_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario TOML file.")],
    settings: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a parameter: KEY=VALUE (dotted key), repeatable."),
    ] = None,
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_SEED, help="Seed (replications spawn from it).")
    ] = 0,
    runs: Annotated[int, typer.Option(min=1, help="Number of replications.")] = 1,
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder: new or empty (default results/<scenario name>)."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a previous recruitsim output there.")
    ] = False,
    fmt: Annotated[
        str, typer.Option("--format", help="Timeseries file format: parquet or csv.")
    ] = "parquet",
    workers: Annotated[int, typer.Option(min=0, help="Processes (0 = one per core).")] = 1,
) -> None:
    """Run a scenario and write its timeseries, summary, manifest and figure."""
    if fmt not in ("parquet", "csv"):
        fail(f"--format = {fmt!r}: expected 'parquet' or 'csv'")
    scenario = load_or_fail(scenario_path, settings or [])
    try:
        check_memory(scenario.params, runs, workers or os.cpu_count() or 1, str(scenario_path))
    except ScenarioError as err:
        fail(str(err))
    out = Path("results") / slug(scenario.params.name) if out is None else out
    started = datetime.now(UTC)
    seeds = replicate_seeds(seed, runs) if runs > 1 else [seed]
    try:
        with staged_output(out, overwrite) as folder:  # checked before any run starts
            results = _run_with_progress(scenario, seeds, workers)
            timeseries, summary = combine(results)
            if fmt == "parquet":
                timeseries.to_parquet(folder / "timeseries.parquet", index=False)
            else:
                timeseries.to_csv(folder / "timeseries.csv", index=False)
            summary.to_csv(folder / "summary.csv", index=False)
            plot_run(timeseries, scenario.params.name, folder / "adoption.png")
            text = json.dumps(manifest(scenario, seeds, started), indent=2)
            (folder / "manifest.json").write_text(text, encoding="utf-8")
    except OutputError as err:
        fail(str(err))
    console.print(summary_table(summary, f"{scenario.params.name}: {len(seeds)} run(s)"))
    console.print(f"figure: {out / 'adoption.png'}", soft_wrap=True, highlight=False)
    tables = f"tables: {out / f'timeseries.{fmt}'}, {out / 'summary.csv'}"
    console.print(tables, soft_wrap=True, highlight=False)


@app.command("validate")
def validate_command(
    quick: Annotated[
        bool, typer.Option("--quick", help="Fewer runs, tolerances widened accordingly.")
    ] = False,
    out: Annotated[
        Path, typer.Option(help="Folder for the report: new, empty or a previous report.")
    ] = Path("results/validation"),
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a previous report there.")
    ] = False,
    workers: Annotated[int, typer.Option(min=0, help="Processes (0 = one per core).")] = 1,
) -> None:
    """Reproduce the classic diffusion results (Bass, Watts, Centola-Macy) with the engine."""
    from sim.validation import format_table, run_validation  # lazy: `run` must not load it

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    started = datetime.now(UTC)
    try:
        with (
            staged_output(out, overwrite, kind="validate") as folder,
            Progress(*columns, console=err_console, transient=True) as progress,
        ):
            tasks: dict[str, Any] = {}

            def tick(task: str, done: int, total: int) -> None:
                if task not in tasks:
                    tasks[task] = progress.add_task(task, total=total)
                progress.update(tasks[task], completed=done)

            report = run_validation(quick, folder, workers, tick)
            marker = {
                MARKER: {"output": "validate", "version": package_versions().get("recruitsim")},
                **citation(),
                "quick": quick,
                "started": started.isoformat(),
                "finished": datetime.now(UTC).isoformat(),
            }
            text = json.dumps(marker, indent=2)
            (folder / "manifest.json").write_text(text, encoding="utf-8")
    except OutputError as err:
        fail(str(err))
    console.print(format_table(report))
    console.print(f"report: {out / 'validation.md'}", soft_wrap=True, highlight=False)
    if not report.passed:
        raise typer.Exit(1)


def _run_with_progress(scenario: Scenario, seeds: list[int], workers: int) -> list[RunResult]:
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(f"running {scenario.params.name}", total=len(seeds))
        try:
            return run_many(scenario, seeds, workers, lambda _: progress.advance(task))
        except ScenarioError as err:
            fail(str(err))
            raise


app.command("sweep")(sweep_command)
app.command("sensitivity")(sensitivity_command)
app.command("plot")(plot_command)
app.command("compare")(compare_command)
app.command("calibrate")(calibrate_command)
app.command("demo")(demo_command)
app.command("animate")(animate_command)


def main() -> None:
    """Entry point: usage errors become one line and exit 2; Ctrl-C one line and exit 130."""
    try:
        code = app(standalone_mode=False)
    except (typer.Abort, KeyboardInterrupt):
        code = INTERRUPTED
    except typer.TyperException as err:  # typer's usage errors (bad option values)
        message = err.format_message() if hasattr(err, "format_message") else str(err)
        err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except OSError as err:  # the system's, not the input's (a full disk): one line, exit 1
        where = f"{err.filename}: " if err.filename else ""
        err_console.print(f"error: {where}{err.strerror or err}", markup=False, highlight=False)
        sys.exit(1)
    if code == INTERRUPTED:  # typer turns Ctrl-C into this exit code
        err_console.print("interrupted: nothing was written", highlight=False)
    sys.exit(code or 0)


if __name__ == "__main__":
    main()
