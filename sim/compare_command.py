"""`recruitsim compare`: paired runs of scenarios against a baseline, and their report."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from sim.analysis.precision import Precision, parse_precision
from sim.compare import (
    MAX_RUNS,
    CompareError,
    Outcome,
    Plan,
    check_folder,
    compare,
    default_folder,
    load_plan,
    missing_runs,
    record,
    write_outcome,
)
from sim.comparison import HEADLINE
from sim.executors import Executor, ExecutorError, make_executor
from sim.experiment import ExperimentError
from sim.findings import number
from sim.sweep_commands import Scheduler, Workers, progress_bar, stop_interrupted
from sim.terminal import MAX_SEED, console, err_console, fail, say


def compare_command(
    scenarios: Annotated[
        list[Path],
        typer.Argument(
            metavar="BASELINE SCENARIO...", help="The baseline, then the scenarios to compare."
        ),
    ],
    runs: Annotated[int | None, typer.Option(help="Paired runs per scenario (default 20).")] = None,
    precision: Annotated[
        str | None,
        typer.Option(
            help="Add runs until every headline effect's 95% half-width is within H: "
            "'5%' (of the baseline's mean), 'KPI=3.5' or 'KPI=5%'.",
            metavar="H",
        ),
    ] = None,
    max_runs: Annotated[
        int | None, typer.Option(help="Ceiling of paired runs under --precision (default 200).")
    ] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Root seed of the runs.")] = 1,
    out: Annotated[
        Path | None, typer.Option(help="Folder (default results/compare/<names>).")
    ] = None,
    workers: Workers = 0,
    scheduler: Scheduler = None,
    detect: Annotated[
        list[str] | None,
        typer.Option(
            help="KPI=SIZE: report the paired runs an effect of SIZE would need (repeatable).",
            metavar="KPI=SIZE",
        ),
    ] = None,
    force_new: Annotated[
        bool, typer.Option("--force-new", help="Start over in a folder of another comparison.")
    ] = False,
) -> None:
    """Compare scenarios with a baseline, run by run on the same seeds; write a report."""
    plan = _plan_or_fail(scenarios, runs, precision, max_runs, seed, detect or [])
    folder = out or default_folder(plan)
    try:
        check_folder(folder)
        executor: Executor = make_executor(workers, scheduler, 0)
    except (CompareError, ExecutorError) as err:
        fail(str(err))
        raise
    bar, tick = progress_bar()
    try:
        with executor:
            try:
                outcome = compare(plan, folder, executor, force_new, tick, say)
            finally:
                if bar.live.is_started:
                    bar.stop()
            info = record(plan, outcome)
    except ExperimentError as err:  # a folder that cannot take the runs (SweepError)
        fail(str(err))
        raise
    except KeyboardInterrupt:
        stop_interrupted()
    try:
        _report(plan, outcome, info)
    except KeyboardInterrupt:
        stop_interrupted()


def _plan_or_fail(
    paths: list[Path],
    runs: int | None,
    precision: str | None,
    max_runs: int | None,
    seed: int,
    detect: list[str],
) -> Plan:
    try:
        target: Precision | None = parse_precision(precision) if precision is not None else None
        stated = dict(_stated(text) for text in detect)
        if max_runs is not None and target is None:
            raise CompareError("--max-runs: only with --precision (it caps the runs added)")
        plan = load_plan(paths, runs, target, max_runs or MAX_RUNS, seed, stated)
    except (ValueError, CompareError) as err:
        fail(str(err))
        raise
    known = {ind.name for ind in HEADLINE}
    wanted = [*(target.kpis or () if target else ()), *stated]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        fail(f"{unknown[0]!r} is not a headline indicator (known: {', '.join(sorted(known))})")
    return plan


def _stated(text: str) -> tuple[str, float]:
    """``KPI=SIZE`` from --detect."""
    kpi, sep, size = text.partition("=")
    try:
        value = float(size)
    except ValueError:
        value = float("nan")
    if not sep or not kpi or not math.isfinite(value) or value == 0:
        raise ValueError(
            f"--detect {text!r}: expected KPI=SIZE with a non-zero number, e.g. cum_hires_social=5"
        )
    return kpi.strip(), value


def _report(plan: Plan, outcome: Outcome, info: dict[str, object]) -> None:
    page, tables = write_outcome(plan, outcome, info)
    console.print(headline_table(tables.headline))
    if outcome.precision_note:
        say(outcome.precision_note)
    say(f"report: {page}")
    n_missing = missing_runs(outcome)
    if n_missing:
        err_console.print(
            f"{n_missing} runs missing or failed (errors in {outcome.folder}/runs/parts); "
            "the report uses the complete pairs",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)


def headline_table(headline: pd.DataFrame) -> Table:
    """The headline indicators, a column per scenario: mean ± the 95% interval's half-width."""
    table = Table(title="Headline indicators: mean ± 95% half-width over paired runs")
    table.add_column("indicator")
    scenarios = list(dict.fromkeys(headline["scenario"]))
    for name in scenarios:
        table.add_column(name, justify="right", overflow="fold")
    short = {ind.name: ind.short for ind in HEADLINE}
    for kpi in dict.fromkeys(headline["kpi"]):
        rows = headline[headline["kpi"] == kpi].set_index("scenario")
        cells = [_plus_minus(rows.loc[s]) for s in scenarios]
        table.add_row(short.get(kpi) or str(rows["label"].iloc[0]), *cells)
    return table


def _plus_minus(row: pd.Series) -> str:
    half = (row["upper"] - row["lower"]) / 2
    return f"{number(row['mean'])} ± {number(half)}" if half == half else number(row["mean"])
