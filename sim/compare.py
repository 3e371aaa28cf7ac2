"""Paired comparisons of scenarios: `compare(baseline, scenarios, ...)`.

Every scenario runs with the same seeds as the baseline, through the
sweeps' executors and store (`sim.sweeps`): the runs go to ``DIR/runs``,
a sweep folder that resumes, and more runs of the same scenarios extend it.
With a precision target, paired runs are added in batches until every
targeted effect's 95% interval is narrow enough, or the ceiling is reached.
The tables and the report are then written from the stored results
(`sim.report`).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.analysis.precision import Precision, half_width_reached, next_batch_size
from sim.comparison import HEADLINE, SERIES, effects_table
from sim.executors import Executor, SerialExecutor
from sim.experiment import ExperimentError, arms_experiment
from sim.findings import summary_lines
from sim.output import MARKER, slug
from sim.provenance import git_commit, package_versions
from sim.report import FILES, Tables, build_tables, write_report
from sim.runner import replicate_seeds
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.store import Results, load_results, output_names
from sim.sweeps import SweepResult, sweep

MIN_RUNS = 2
"""Fewest paired runs that give an interval."""
FIRST_BATCH = 20
"""Paired runs made first when a precision target decides how many."""
MAX_RUNS = 200
"""Default ceiling of paired runs under a precision target."""
COMPARE = "compare"
"""The name of a comparison's experiment (in ``runs/experiment.json``)."""


class CompareError(ExperimentError):
    """A comparison that cannot start: the message is one line."""


@dataclass(frozen=True)
class Plan:
    """What a comparison runs.

    Attributes:
        arms: scenario name -> resolved scenario, the baseline first.
        runs: paired runs (fixed), or the first batch under a precision target.
        max_runs: the ceiling of runs under a precision target (= runs without one).
        seed: root seed of the replications.
        precision: the target half-width, or None.
        stated: KPI -> an effect size whose required runs the report gives.
    """

    arms: dict[str, Scenario]
    runs: int
    max_runs: int
    seed: int
    precision: Precision | None = None
    stated: dict[str, float] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Scenario names, the baseline first."""
        return list(self.arms)


@dataclass(frozen=True)
class Outcome:
    """How a comparison went.

    Attributes:
        folder: the comparison's folder (report, tables, figures, runs).
        results: the stored runs' results.
        n_runs: paired runs per scenario in the analysis.
        batches: the sweeps made, in order.
        precision_note: what became of the precision target ("" without one).
        seconds: wall time of the runs.
        executor: where the runs were made.
    """

    folder: Path
    results: Results
    n_runs: int
    batches: list[SweepResult]
    precision_note: str
    seconds: float
    executor: str


def load_plan(
    paths: Sequence[str | Path],
    runs: int | None = None,
    precision: Precision | None = None,
    max_runs: int = MAX_RUNS,
    seed: int = 1,
    stated: dict[str, float] | None = None,
    first_runs: int = FIRST_BATCH,
) -> Plan:
    """Load and check the scenarios of a comparison; nothing runs.

    Args:
        paths: the baseline's file, then those of the scenarios to compare.
        runs: paired runs per scenario; None to let `precision` decide.
        precision: add runs until every targeted effect is this precise.
        max_runs: the ceiling of paired runs under `precision`.
        seed: the root seed of the runs.
        stated: KPI -> an effect whose required runs the report gives.
        first_runs: the first batch under `precision`.

    Raises:
        CompareError: a missing or invalid scenario, a repeated name, too few
            runs, or scenarios that cannot be paired (one line).
    """
    if len(paths) < 2:
        raise CompareError("compare needs a baseline and at least one scenario to compare with it")
    if runs is not None and precision is not None:
        raise CompareError("--runs and --precision: give one (a number of runs, or a target)")
    first = runs if runs is not None else first_runs
    ceiling = runs if runs is not None else max_runs
    if first < MIN_RUNS or ceiling < MIN_RUNS:
        option = "--runs" if runs is not None else "--max-runs"
        raise CompareError(
            f"{option} = {min(first, ceiling)}: at least {MIN_RUNS} paired runs are needed "
            "for an interval"
        )
    arms: dict[str, Scenario] = {}
    for path in paths:
        try:
            scenario = load_scenario(path)
        except ScenarioError as err:
            raise CompareError(str(err)) from None
        name = slug(Path(path).stem)
        if name in arms:
            raise CompareError(f"{path}: a scenario named {name!r} is already compared")
        arms[name] = scenario
    _check_pairable(arms, [Path(p) for p in paths])
    return Plan(arms, min(first, ceiling), ceiling, seed, precision, dict(stated or {}))


def _check_pairable(arms: dict[str, Scenario], paths: list[Path]) -> None:
    """Refuse scenarios whose runs cannot be paired step by step and actor by actor."""
    base = next(iter(arms.values())).params
    for path, scenario in zip(paths, arms.values(), strict=True):
        p = scenario.params
        if p.run.stop_when_stable:
            raise CompareError(
                f"{path}: run.stop_when_stable = true: runs of different lengths cannot be "
                "paired step by step; set it to false"
            )
        for key, mine, theirs in (
            ("run.steps", p.run.steps, base.run.steps),
            ("run.dt", p.run.dt, base.run.dt),
            ("population.candidates", p.population.candidates, base.population.candidates),
            ("population.recruiters", p.population.recruiters, base.population.recruiters),
            ("population.domains", p.population.domains, base.population.domains),
        ):
            if mine != theirs:
                raise CompareError(
                    f"{path}: {key} = {mine}, but the baseline {paths[0]} has {theirs}: "
                    "paired runs need the same population and length"
                )


def check_folder(folder: Path) -> None:
    """Refuse a folder that holds anything but a comparison's own files (one line).

    Raises:
        CompareError: the folder is a file, or holds files compare did not write.
    """
    where = f"--out = {str(folder)!r}"
    names = output_names(folder, where, CompareError)
    if names is None:
        return
    runs = folder / "runs" / "experiment.json"
    if runs.exists() and not _compare_runs(runs):
        raise CompareError(
            f"{where}: its runs/ folder holds a sweep that recruitsim compare did not start; "
            "choose a new or empty folder"
        )
    if not names or names == {"runs"}:  # new, or a comparison stopped before its report
        return
    if not (names <= FILES and _marked(folder)):
        raise CompareError(
            f"{where}: the folder holds files recruitsim compare did not write; "
            "choose a new or empty folder"
        )


def _compare_runs(record: Path) -> bool:
    """Whether a runs folder's experiment record is a comparison's."""
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    experiment = data.get("experiment") if isinstance(data, dict) else None
    return isinstance(experiment, dict) and experiment.get("name") == COMPARE


def _marked(folder: Path) -> bool:
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    marker = data.get(MARKER) if isinstance(data, dict) else None
    return isinstance(marker, dict) and marker.get("output") == "compare"


def record(plan: Plan, outcome: Outcome) -> dict[str, Any]:
    """The comparison's provenance: what ran, with which seeds, code and versions."""
    made = sum(batch.n_done for batch in outcome.batches)
    reused = len(outcome.results.kpis) - made
    compute = float(outcome.results.kpis["seconds"].sum())
    return {
        MARKER: {"output": "compare", "version": package_versions().get("recruitsim")},
        "title": f"{', '.join(plan.names[1:])} against {plan.names[0]}",
        "scenarios": {
            name: {"file": str(s.source), "hash": s.hash, "scenario": s.to_dict()}
            for name, s in plan.arms.items()
        },
        "runs": outcome.n_runs,
        "seed": plan.seed,
        "seeds": replicate_seeds(plan.seed, outcome.n_runs),
        "precision": outcome.precision_note,
        "commit": git_commit() or "unknown",
        "versions": package_versions(),
        "seconds": round(outcome.seconds, 3),
        "executor": outcome.executor,
        "run_time": (
            f"{made} runs made now in {outcome.seconds:.1f} s on {outcome.executor}, "
            f"{reused} taken from earlier runs of the same scenarios; "
            f"{compute:.1f} s of computing in all runs"
        ),
        "finished": datetime.now(UTC).isoformat(),
        "command": sys.argv,
    }


def write_outcome(plan: Plan, outcome: Outcome, info: dict[str, Any]) -> tuple[Path, Tables]:
    """Write a comparison's tables, figures and report; return the page and the tables."""
    results = outcome.results
    tables = build_tables(results, plan.names, plan.stated, plan.seed)
    summary = summary_lines(
        tables.effects,
        tables.cost_effectiveness,
        tables.groups,
        outcome.n_runs,
        outcome.precision_note,
        missing_runs(outcome),
    )
    return write_report(outcome.folder, tables, plan.names, info, summary), tables


def missing_runs(outcome: Outcome) -> int:
    """Runs of the comparison that are missing or failed."""
    return outcome.results.n_missing + len(outcome.results.failures)


def default_folder(plan: Plan) -> Path:
    """``results/compare/<scenarios>_vs_<baseline>``."""
    names = plan.names
    return Path("results/compare") / slug(f"{'+'.join(names[1:])}_vs_{names[0]}")[:120]


def compare(
    plan: Plan,
    folder: Path,
    executor: Executor | None = None,
    force_new: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
    announce: Callable[[str], None] | None = None,
) -> Outcome:
    """Run a comparison's paired runs (more, in batches, under a precision target).

    Args:
        plan: the scenarios and the runs (`load_plan`).
        folder: the comparison's folder; its runs go to ``folder/runs``.
        executor: where runs execute (default: serially here).
        force_new: start over in a folder that holds another comparison's runs.
        progress: called after each run with (done, failed, total) of its batch.
        announce: called with a line before each batch.

    Raises:
        ExperimentError: the folder cannot take the comparison (one line; a
            `sim.sweeps.SweepError` from the runs' folder).
    """
    executor = executor or SerialExecutor()
    clock, batches, n = time.perf_counter(), [], plan.runs
    note = ""
    while True:
        if announce:
            announce(f"{n} paired runs of {len(plan.arms)} scenarios ({n * len(plan.arms)} runs)")
        experiment = _experiment(plan, n, folder)
        batches.append(
            sweep(experiment, executor, folder / "runs", force_new and not batches, progress)
        )
        results = load_results(folder / "runs")
        if results.n_missing or len(results.failures):
            if plan.precision is not None:
                note = f"precision not checked: {n} paired runs asked for, some failed or missing"
            break  # the report says which runs are missing
        if plan.precision is None:
            break
        effects = effects_table(results.kpis, plan.names, _targets(plan.precision))
        # an indicator no pair defines (no adoption, no hire) has no interval to narrow
        check = half_width_reached(effects[effects["n"] >= MIN_RUNS], plan.precision)
        if check.reached:
            note = f"precision reached with {n} paired runs: {check.describe()}"
            break
        if n >= plan.max_runs:
            note = (
                f"precision not reached at the ceiling of {plan.max_runs} paired runs "
                f"(--max-runs): {check.describe()}"
            )
            break
        n = min(
            plan.max_runs,
            n + next_batch_size(n, check.widest_half_width, check.target_half_width, plan.max_runs),
        )
    seconds = time.perf_counter() - clock
    return Outcome(folder, results, n, batches, note, seconds, executor.description)


def _targets(precision: Precision) -> tuple[Any, ...]:
    """The headline indicators the precision target applies to."""
    if precision.kpis is None:
        return HEADLINE
    return tuple(ind for ind in HEADLINE if ind.name in precision.kpis)


def _experiment(plan: Plan, runs: int, folder: Path) -> Any:
    output = {"kpis": _kpi_names(plan), "series": list(SERIES), "every": 1}
    return arms_experiment(COMPARE, plan.arms, runs, plan.seed, output, folder / "runs")


def _kpi_names(plan: Plan) -> list[str]:
    """Headline KPIs, and every group's final shares and hires the scenarios record.

    The groups include each cohort every scenario has (`cohort_<name>`: the
    actors its interventions, or a control, picked), so that trainees can
    be set against the same people untrained.
    """
    domains = next(iter(plan.arms.values())).params.population.domains
    groups = ["recruiters", "candidates", "junior", "experienced"]
    groups += [f"domain_{d}" for d in range(domains)]
    cohorts = [
        {spec.cohort for spec in scenario.params.interventions if spec.cohort}
        for scenario in plan.arms.values()
    ]
    groups += [f"cohort_{name}" for name in sorted(set.intersection(*cohorts))]
    shares = [f"final_share_{m}_{g}" for g in groups for m in ("active", "member")]
    hires = [f"cum_hires_{g}" for g in groups[2:]]  # by the candidate's group
    return list(dict.fromkeys([ind.name for ind in HEADLINE] + shares + hires))
