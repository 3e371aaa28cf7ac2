"""Plumbing shared by the validation cases: plans, scenario files, batches and check rows.

A case loads its scenario file (`load_case_scenario` refuses files that
differ from the set-up its references hold for), runs it once per seed
(`run_batch`) and turns the figures into check rows (`check_row`,
`mean_check`, `trend_check`), one dict per check with the keys of
`ROW_COLUMNS`. It returns them with the tables behind its figure as a
`CaseResult`; `sim.validation.suite.run_validation` gathers them into a
`ValidationReport`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.runner import RunResult, run_many
from sim.scenario import Scenario, load_scenario
from sim.validation.stats import Estimate, spearman_fall, widened

EXPERIMENTS_DIR = Path(__file__).resolve().parents[2] / "experiments" / "validation"

Progress = Callable[[str, int, int], None]
"""Progress callback: ``progress(task, runs_done, runs_total)`` after each run."""

ROW_COLUMNS = [
    "case",
    "reference",
    "simulated",
    "lower",
    "upper",
    "n_runs",
    "passed",
    "group",
    "reference_text",
    "tolerance",
    "criterion",
]


@dataclass(frozen=True)
class Plan:
    """Sizes of a validation run.

    Attributes:
        bass_runs: runs per step length (dt = 1 and dt = 0.1).
        watts_runs: runs per mean degree.
        centola_runs: runs per rewiring level and rule.
    """

    bass_runs: tuple[int, int]
    watts_runs: int
    centola_runs: int


FULL = Plan(bass_runs=(20, 20), watts_runs=1000, centola_runs=40)
QUICK = Plan(bass_runs=(10, 5), watts_runs=25, centola_runs=4)

# The set-ups the references hold for; load_case_scenario refuses files that differ.
REQUIRED = {
    "bass_complete_dt1.toml": {"run.dt": 1.0, "decision.rule": "bass", "decision.p": 0.03}
    | {"decision.q": 0.38, "network.kind": "complete", "population.candidates": 10_000}
    | {"population.recruiters": 0, "initial.active": 0, "run.recruiting_layers": False},
    "bass_complete_dt01.toml": {"run.dt": 0.1, "decision.rule": "bass", "decision.p": 0.03}
    | {"decision.q": 0.38, "network.kind": "complete", "population.candidates": 10_000}
    | {"population.recruiters": 0, "initial.active": 0, "run.recruiting_layers": False},
    "watts_er_threshold.toml": {"decision.rule": "threshold", "decision.threshold": 0.18}
    | {"network.kind": "erdos_renyi", "population.candidates": 10_000}
    | {"population.recruiters": 0, "initial.active": 1, "initial.seeding": "random"}
    | {"run.stop_when_stable": True, "run.recruiting_layers": False},
    "centola_ws_complex.toml": {"decision.rule": "threshold", "decision.threshold_count": 2}
    | {"network.kind": "watts_strogatz", "network.mean_degree": 6.0}
    | {"initial.seeding": "neighbourhood", "initial.active": 7}
    | {"run.stop_when_stable": True, "run.recruiting_layers": False},
    "centola_ws_simple.toml": {"decision.rule": "threshold", "decision.threshold_count": 1}
    | {"network.kind": "watts_strogatz", "network.mean_degree": 6.0}
    | {"initial.seeding": "neighbourhood", "initial.active": 7}
    | {"run.stop_when_stable": True, "run.recruiting_layers": False},
}

GLOBAL_SHARE = 0.10  # a cascade is global when it reaches at least 10% of actors


@dataclass
class CaseResult:
    """What one case returns: tidy check rows and the curves behind its figure.

    Attributes:
        rows: one dict per check (keys of `ROW_COLUMNS`).
        curves: named tables for the report's figures.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    curves: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass
class ValidationReport:
    """Outcome of `sim.validation.run_validation`.

    Attributes:
        rows: one row per check: case, reference, simulated, lower, upper
            (95% interval of the simulated figure), n_runs, passed, plus
            group, reference_text, tolerance and criterion.
        curves: the tables behind the figures (see `sim.validation.report`).
        quick: whether this was the quick suite.
        seconds: wall-clock run time.
        report_path: the Markdown report written, if any.
    """

    rows: pd.DataFrame
    curves: dict[str, pd.DataFrame]
    quick: bool
    seconds: float
    report_path: Path | None = None

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return bool(self.rows["passed"].all())


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def scenario_path(name: str, experiments_dir: Path | None = None) -> Path:
    """Path of a validation scenario file, e.g. ``"bass_complete_dt1.toml"``."""
    path = (experiments_dir or EXPERIMENTS_DIR) / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: validation scenario not found (run from a source checkout "
            "or pass experiments_dir)"
        )
    return path


def load_case_scenario(name: str, experiments_dir: Path | None = None) -> Scenario:
    """Load a validation scenario file and check it is the set-up its references hold for.

    Raises:
        FileNotFoundError: if the file is missing.
        ValueError: if a key of `REQUIRED` differs (the published figures would not apply).
    """
    loaded = load_scenario(scenario_path(name, experiments_dir))
    data = loaded.to_dict()
    for key, expected in REQUIRED[name].items():
        section, item = key.split(".")
        if data[section][item] != expected:
            raise ValueError(
                f"{loaded.source}: {key} = {data[section][item]!r}, but the published "
                f"figures this case checks hold for {expected!r}"
            )
    return loaded


def run_batch(
    scenario: Scenario,
    seeds: Sequence[int],
    extract: Callable[[RunResult], dict[str, Any]],
    workers: int = 1,
    progress: Progress | None = None,
    task: str = "",
) -> list[dict[str, Any]]:
    """Run a scenario once per seed through `sim.run_many` and keep what `extract` takes.

    Args:
        scenario: the scenario to run.
        seeds: one run per seed.
        extract: turns a run's result into the figures kept (a flat dict).
        workers: processes for `sim.run_many` (1 = this process).
        progress: called with (task, runs done, runs total) after each run.
        task: label passed to `progress`.

    Returns:
        One dict per seed, in the order of `seeds`, with a ``seed`` key added.
    """
    done = 0

    def tick(_: RunResult) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(task, done, len(seeds))

    results = run_many(scenario, list(seeds), workers, tick)
    return [{"seed": r.seed, **extract(r)} for r in results]


def final_figures(result: RunResult) -> dict[str, Any]:
    """Final share active, t90, steps run and whether the last step changed nothing."""
    ts = result.timeseries
    changed_last = len(ts) < 2 or ts["share_active"].iloc[-1] != ts["share_active"].iloc[-2]
    return {
        "final_share": float(ts["share_active"].iloc[-1]),
        "t90": float(result.summary["t90"]),
        "steps": int(ts["step"].iloc[-1]),
        "stable": not changed_last,
    }


# ---------------------------------------------------------------------------
# Check rows
# ---------------------------------------------------------------------------


def check_row(
    group: str, case: str, reference: float, reference_text: str, estimate: Estimate
) -> Callable[[float, bool, str], dict[str, Any]]:
    """Start a check row; the returned function completes it with (tolerance, passed, criterion)."""

    def complete(tolerance: float, passed: bool, criterion: str) -> dict[str, Any]:
        return {
            "case": case,
            "reference": float(reference),
            "simulated": estimate.value,
            "lower": estimate.lower,
            "upper": estimate.upper,
            "n_runs": estimate.n,
            "passed": bool(passed),
            "group": group,
            "reference_text": reference_text,
            "tolerance": float(tolerance),
            "criterion": criterion,
        }

    return complete


def mean_check(
    group: str,
    case: str,
    values: np.ndarray,
    bounds: tuple[float, float],
    reference_text: str,
    tolerance: float,
    n_full: int,
) -> dict[str, Any]:
    """Pass when the mean of `values` lies in `bounds` widened by the tolerance for n runs."""
    estimate = Estimate.of_mean(values)
    tol = widened(tolerance, estimate.sd, estimate.n, n_full)
    low, high = bounds
    passed = low - tol <= estimate.value <= high + tol
    where = f"{low:g}" if low == high else f"[{low:g}, {high:g}]"
    return check_row(group, case, (low + high) / 2, reference_text, estimate)(
        tol, passed, f"mean within tol of {where}"
    )


def trend_check(group: str, case: str, x: np.ndarray, y: np.ndarray, what: str) -> dict[str, Any]:
    """Pass when y falls with x: one-sided Spearman test at 5%."""
    rho, lower, upper, p_value = spearman_fall(x, y)
    estimate = Estimate(rho, lower, upper, len(x))
    return check_row(group, case, 0.0, "rho < 0", estimate)(
        0.05, rho < 0 and p_value < 0.05, f"Spearman rho({what}) < 0, one-sided p = {p_value:.2g}"
    )
