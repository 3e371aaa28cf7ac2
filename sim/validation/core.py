"""Plumbing shared by the validation cases: plans, set-up files, runs and check rows.

A case without a sweep (Bass) loads its scenario file (`load_case_scenario`)
and runs it once per seed (`run_batch`); a case with one (Watts, Centola &
Macy) loads its experiment file (`load_case_experiment`) and runs it
through the sweep machinery (`run_sweep`, which gives one row per run:
`run_figures`). Both loaders refuse files that differ from the set-up the
references hold for (`REQUIRED`, `SWEEPS`). The figures become check rows
(`check_row`, `mean_check`, `trend_check`), one dict per check with the keys
of `ROW_COLUMNS`. A case returns them with the tables behind its figure as a
`CaseResult`; `sim.validation.suite.run_validation` gathers them into a
`ValidationReport`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.executors import make_executor
from sim.experiment import Experiment, load_experiment
from sim.runner import RunResult, run_many
from sim.scenario import Scenario, load_scenario
from sim.store import Results, load_results
from sim.sweeps import sweep
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
        meanfield_runs: runs of each market set-up of the mean-field checks.
        meanfield_steps: steps of those runs that are measured (after the
            burn-in, if any).
        belief_actors: actors (independent replicas) per belief-learning setting.
    """

    bass_runs: tuple[int, int]
    watts_runs: int
    centola_runs: int
    meanfield_runs: int
    meanfield_steps: int
    belief_actors: int


# The full suite's sizes; watts_runs and centola_runs are also the replications of
# watts_sweep.toml and centola_sweep.toml (run as they are by `recruitsim sweep`).
FULL = Plan((20, 20), 1000, 40, meanfield_runs=20, meanfield_steps=400, belief_actors=100_000)
QUICK = Plan((10, 5), 25, 4, meanfield_runs=5, meanfield_steps=30, belief_actors=4000)

# The set-ups the references hold for; load_case_scenario, and load_case_experiment
# for each arm of a sweep, refuse files that differ.
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

# The sweeps the cases run: the experiment file's arms (name -> scenario file,
# each held to REQUIRED), its one grid factor, and what every run must keep.
SWEEPS: dict[str, tuple[dict[str, str], str]] = {
    "watts_sweep.toml": ({"base": "watts_er_threshold.toml"}, "network.mean_degree"),
    "centola_sweep.toml": (
        {"complex": "centola_ws_complex.toml", "simple": "centola_ws_simple.toml"},
        "network.rewire",
    ),
}
SWEEP_KPIS = ("final_share_active", "t90")
SWEEP_SERIES = "share_active"  # at every step (output.every = 1)

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
    """Path of a validation file, e.g. ``"bass_complete_dt1.toml"`` or ``"watts_sweep.toml"``."""
    path = (experiments_dir or EXPERIMENTS_DIR) / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: validation file not found (run from a source checkout "
            "or pass experiments_dir)"
        )
    return path


def check_set_up(scenario: Scenario, name: str, where: str) -> None:
    """Refuse a scenario that differs from `REQUIRED[name]`, the set-up the references hold for.

    Raises:
        ValueError: naming `where`, the key, its value and the value the figures hold for.
    """
    data = scenario.to_dict()
    for key, expected in REQUIRED[name].items():
        section, item = key.split(".")
        if data[section][item] != expected:
            raise ValueError(
                f"{where}: {key} = {data[section][item]!r}, but the published "
                f"figures this case checks hold for {expected!r}"
            )


def load_case_scenario(name: str, experiments_dir: Path | None = None) -> Scenario:
    """Load a validation scenario file and check it is the set-up its references hold for.

    Raises:
        FileNotFoundError: if the file is missing.
        ValueError: if a key of `REQUIRED` differs (the published figures would not apply).
    """
    loaded = load_scenario(scenario_path(name, experiments_dir))
    check_set_up(loaded, name, str(loaded.source))
    return loaded


def load_case_experiment(
    name: str,
    replications: int,
    includes: Collection[float] = (),
    experiments_dir: Path | None = None,
) -> Experiment:
    """Load a validation experiment file with `replications` runs per point, and check it.

    Its arms must be the scenario files `SWEEPS[name]` names, each (with the
    experiment's overrides) the set-up of `REQUIRED`; its design a grid over
    the one factor `SWEEPS[name]` names, with every value of `includes` (the
    values the case's published figures are for); its outputs `SWEEP_KPIS`
    and the series `SWEEP_SERIES` at every step.

    Raises:
        FileNotFoundError: if the file is missing.
        sim.experiment.ExperimentError: if the file is not a valid experiment.
        ValueError: if it is not the set-up the published figures hold for.
    """
    path = scenario_path(name, experiments_dir)
    experiment = load_experiment(path, {"design.replications": replications})
    arms, factor = SWEEPS[name]
    files = {arm: Path(s.source or "").name for arm, s in experiment.arms.items()}
    if files != arms:
        raise ValueError(f"{path}: arms {files}, but the published figures are for {arms}")
    keys, kind = [f.key for f in experiment.factors], experiment.spec.design.kind
    if kind != "grid" or keys != [factor]:
        raise ValueError(
            f"{path}: a {kind} design over {keys}, but the case sweeps {factor!r} alone on a grid"
        )
    values = experiment.factors[0].values or ()
    missing = [value for value in includes if value not in values]
    if missing:
        raise ValueError(
            f"{path}: {factor} misses {missing}, values the published figures the case "
            "checks are for"
        )
    output = experiment.spec.output
    if (
        not set(SWEEP_KPIS) <= set(output.kpis)
        or SWEEP_SERIES not in output.series
        or output.every != 1
    ):
        raise ValueError(
            f"{path}: [output] must keep kpis {list(SWEEP_KPIS)} and series "
            f"[{SWEEP_SERIES!r}] at every step (every = 1)"
        )
    for arm, scenario in experiment.arms.items():
        check_set_up(scenario, files[arm], f"{path}, arm {arm!r} ({scenario.source})")
    return experiment


def run_sweep(
    experiment: Experiment,
    workers: int = 1,
    progress: Progress | None = None,
    task: str = "",
) -> pd.DataFrame:
    """Run an experiment through `sim.sweep` (in a temporary folder) and return its runs.

    Args:
        experiment: a validation experiment (see `load_case_experiment`).
        workers: processes (`sim.executors.make_executor`: 1 = this process,
            0 = one per core).
        progress: called with (task, runs finished, runs total) after each run.
        task: label passed to `progress`.

    Returns:
        `run_figures` of the sweep's results: one row per run.

    Raises:
        RuntimeError: if any run failed or has no result (a case never drops
            a run), naming the first failures and their errors.
    """

    def tick(done: int, failed: int, total: int) -> None:
        if progress:
            progress(task, done + failed, total)

    with (
        tempfile.TemporaryDirectory(prefix="recruitsim-validation-") as folder,
        make_executor(workers) as executor,
    ):
        sweep(experiment, executor, folder, progress=tick)
        results = load_results(folder)
    if results.n_missing:
        errors = "; ".join(
            f"arm {f.arm!r}, point {f.point}, seed {f.seed}: {f.error}"
            for f in results.failures.head(3).itertuples()
        )
        raise RuntimeError(
            f"{experiment.source}: {results.n_missing} of {len(results.design)} runs failed "
            f"or have no result; the validation needs every run ({errors or 'no error recorded'})"
        )
    return run_figures(results, list(experiment.arms))


def run_figures(results: Results, arms: Sequence[str]) -> pd.DataFrame:
    """One row per run: its cell, final share active, t90, steps run and whether it settled.

    Args:
        results: a sweep's results keeping the KPIs `SWEEP_KPIS` and the
            series `SWEEP_SERIES` at every step.
        arms: the experiment's arms, in its order.

    Returns:
        Rows in the order of `arms`, then design points, then replications:
        the cell's columns (point, arm, replication, seed, key, factor
        values), ``final_share``, ``t90``, ``steps`` (the last step) and
        ``stable`` (the last step changed nothing; False for a single step).
    """
    tail = results.series.groupby("key", sort=False).tail(2).groupby("key", sort=False)
    last = tail.agg(
        steps=("step", "last"),
        share=(SWEEP_SERIES, "last"),
        before=(SWEEP_SERIES, "first"),
        rows=("step", "size"),
    )
    last["stable"] = (last["rows"] == 2) & (last["share"] == last["before"])
    runs = results.kpis.merge(last[["steps", "stable"]], left_on="key", right_index=True)
    runs = runs.rename(columns={"final_share_active": "final_share"})
    order = {arm: i for i, arm in enumerate(arms)}
    runs = runs.assign(arm_order=runs["arm"].map(order))
    runs = runs.sort_values(["arm_order", "point", "replication"], ignore_index=True)
    return runs.drop(columns="arm_order")


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
