"""The validation suite as a whole: run every case, write the report, print the checks.

`run_validation` runs the Bass, Watts and Centola-Macy cases and the
mean-field family (`MEANFIELD_CASES`) with the plan of the full or the quick
suite, gathers their check rows and tables into a `ValidationReport` and
writes it with `sim.validation.report.write_report`; `format_table` shows
the checks in the terminal.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from rich.markup import escape
from rich.table import Table

from sim.provenance import git_commit, package_versions
from sim.validation.bass import BASS_SEED, bass_case
from sim.validation.centola import CENTOLA_ENDS, centola_case
from sim.validation.core import (
    FULL,
    QUICK,
    ROW_COLUMNS,
    Progress,
    ValidationReport,
    load_case_experiment,
    load_case_scenario,
)
from sim.validation.meanfield import (
    MEANFIELD_SEED,
    MeanFieldCase,
    market_social_case,
    market_traditional_case,
    run_family,
)
from sim.validation.meanfield_beliefs import BELIEF_SETTINGS, belief_case
from sim.validation.meanfield_risk import risk_case
from sim.validation.report import write_report
from sim.validation.watts import WATTS_FREQUENCY, watts_case

MEANFIELD_CASES: tuple[MeanFieldCase, ...] = (
    MeanFieldCase(market_traditional_case, comparisons=2),
    MeanFieldCase(market_social_case, comparisons=2),
    MeanFieldCase(belief_case, comparisons=len(BELIEF_SETTINGS)),
    MeanFieldCase(risk_case, comparisons=1),
)
"""The mean-field family, run in this order; a further case is one more entry."""


def run_validation(
    quick: bool,
    out_dir: Path,
    workers: int = 1,
    progress: Progress | None = None,
    experiments_dir: Path | None = None,
) -> ValidationReport:
    """Run every validation case through the engine and write the report.

    Args:
        quick: the quick suite (fewer runs, tolerances widened by the extra
            sampling error); otherwise the full suite of the issue.
        out_dir: folder for ``validation.md``, its PNG figures and CSV tables.
        workers: processes for the runs (1 = this process, 0 = one per core).
        progress: called as ``progress(task, runs_done, runs_total)`` after each run.
        experiments_dir: folder of the validation scenario and experiment
            files (default: ``experiments/validation`` of the source tree).

    Returns:
        The checks (`.rows`), the figure tables (`.curves`) and `.passed`.
    """
    start = time.perf_counter()
    plan, full = (QUICK if quick else FULL), FULL
    # Every file is loaded and checked before the first run.
    bass_dt1 = load_case_scenario("bass_complete_dt1.toml", experiments_dir)
    bass_dt01 = load_case_scenario("bass_complete_dt01.toml", experiments_dir)
    watts = load_case_experiment(
        "watts_sweep.toml", plan.watts_runs, WATTS_FREQUENCY, experiments_dir
    )
    centola = load_case_experiment(
        "centola_sweep.toml", plan.centola_runs, CENTOLA_ENDS, experiments_dir
    )
    parts = [
        bass_case(bass_dt1, plan.bass_runs[0], full.bass_runs[0], workers, progress),
        bass_case(bass_dt01, plan.bass_runs[1], full.bass_runs[1], workers, progress),
        watts_case(watts, full.watts_runs, workers, progress),
        centola_case(centola, workers, progress),
        *run_family(plan, MEANFIELD_CASES, workers, progress),
    ]
    rows = pd.DataFrame([row for part in parts for row in part.rows], columns=ROW_COLUMNS)
    curves: dict[str, pd.DataFrame] = {}
    for part in parts:
        for name, table in part.curves.items():
            curves[name] = (
                pd.concat([curves[name], table], ignore_index=True) if name in curves else table
            )
    seconds = time.perf_counter() - start
    report = ValidationReport(rows, curves, quick, seconds)
    meta = {
        "mode": "quick" if quick else "full",
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit() or "unknown",
        "versions": package_versions(),
        "seconds": seconds,
        "workers": workers,
        "seeds": {"bass": BASS_SEED}
        | {"watts": watts.spec.design.seed, "centola": centola.spec.design.seed}
        | {"mean-field": MEANFIELD_SEED},
        "plan": plan,
        "full_plan": full,
    }
    report.report_path = write_report(rows, curves, meta, Path(out_dir))
    return report


def format_value(value: float) -> str:
    """A number with four significant digits, or "n/a"."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:.4g}"


def format_table(report: ValidationReport) -> Table:
    """The checks as a Rich table: case, reference, simulated [95% interval], runs, result."""
    mode = "quick" if report.quick else "full"
    table = Table(title=f"recruitsim validation ({mode}, {report.seconds:.0f} s)")
    for name, justify in (
        ("case", "left"),
        ("reference", "left"),
        ("simulated [95% interval]", "left"),
        ("runs", "right"),
        ("result", "center"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in report.rows.itertuples(index=False):
        interval = f" [{format_value(row.lower)}, {format_value(row.upper)}]"
        if row.n_runs == 0:
            interval = " (analytic)"
        table.add_row(
            escape(row.case),
            escape(row.reference_text),
            escape(format_value(row.simulated) + interval),
            str(row.n_runs),
            "[green]pass[/green]" if row.passed else "[bold red]FAIL[/bold red]",
        )
    return table
