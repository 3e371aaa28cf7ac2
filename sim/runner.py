"""Running a scenario: one run, replications, in series or on a process pool.

`run` is a picklable top-level function of (scenario, seed), so any executor
can ship it; its result is plain data (a DataFrame and a dict).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.model import RecruitingModel
from sim.results import summarize
from sim.scenario import Scenario
from sim.state import State

ExtraColumns = Mapping[str, Callable[[State], float]]
"""Further timeseries columns: name -> a function of the state returning a number.

To run on a process pool or a cluster, the functions must be picklable
(module-level functions, not lambdas)."""


@dataclass(frozen=True)
class RunResult:
    """Outcome of one run.

    Attributes:
        seed: the run's seed.
        timeseries: one row per step, step 0 = the initial state.
        summary: key indicators (see `sim.results.summarize`).
        scenario_hash: hash of the resolved scenario.
    """

    seed: int
    timeseries: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    scenario_hash: str = ""


def run(scenario: Scenario, seed: int = 0, extra_columns: ExtraColumns | None = None) -> RunResult:
    """Run a scenario once with one seed.

    Args:
        scenario: a loaded scenario (see `sim.load_scenario`).
        seed: non-negative integer; the same scenario and seed give identical
            results in any process.
        extra_columns: further timeseries columns recorded after every step.

    Returns:
        The run's timeseries and summary.
    """
    model = RecruitingModel(scenario, seed=seed, extra_columns=extra_columns)
    model.run_model()
    reach = intervention_totals(model)
    timeseries = model.recorder.timeseries()
    release(model)
    return RunResult(seed, timeseries, summarize(timeseries, reach), scenario.hash)


def intervention_totals(model: RecruitingModel) -> dict[str, float]:
    """Each intervention's reach and cost so far (`cum_reached_<label>`, `cum_cost_<label>`)."""
    reach = {f"cum_reached_{i.label}": i.n_reached for i in model.interventions}
    return reach | {f"cum_cost_{i.label}": i.cost_total for i in model.interventions}


def output_names(scenario: Scenario) -> tuple[list[str], list[str]]:
    """The KPIs and timeseries columns a run of `scenario` records (a model is built, not run)."""
    model = RecruitingModel(scenario, seed=0)
    timeseries = model.recorder.timeseries()
    reach = intervention_totals(model)
    release(model)
    series = [c for c in timeseries.columns if c not in ("step", "time")]
    return list(summarize(timeseries, reach)), series


def release(model: RecruitingModel) -> None:
    """Let a finished model be garbage-collected.

    Mesa 3.3 keeps every model alive in the class-level registry
    `mesa.Agent._ids` (mesa issue #3179, fixed in 3.4), so thousands of runs
    in one process would exhaust memory; removing the agents and the
    registry entry frees the model.
    """
    model.remove_all_agents()
    registry = getattr(mesa.Agent, "_ids", None)
    if isinstance(registry, dict):
        registry.pop(model, None)


def replicate_seeds(seed: int, n_runs: int) -> list[int]:
    """Seeds of `n_runs` replications spawned from one seed.

    The list for more runs extends the list for fewer, so adding
    replications keeps the earlier ones.
    """
    state = np.random.SeedSequence(seed).generate_state(n_runs, dtype=np.uint32)
    return [int(s) for s in state]


def run_many(
    scenario: Scenario,
    seeds: Sequence[int],
    workers: int = 1,
    progress: Callable[[RunResult], None] | None = None,
    extra_columns: ExtraColumns | None = None,
) -> list[RunResult]:
    """Run a scenario once per seed, in series or on a local process pool.

    Args:
        scenario: the scenario to run.
        seeds: one run per seed.
        workers: processes to use (1 = in this process, 0 = one per core).
        progress: called with each result as it completes.
        extra_columns: further timeseries columns (picklable functions).

    Returns:
        Results in the order of `seeds` (identical whatever `workers` is).
    """
    workers = os.cpu_count() or 1 if workers == 0 else workers
    if workers <= 1 or len(seeds) <= 1:
        results = []
        for seed in seeds:
            results.append(run(scenario, seed, extra_columns))
            if progress:
                progress(results[-1])
        return results
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
    try:
        with interrupts_ignored():  # the workers inherit it: Ctrl-C is this process's to handle
            futures = [pool.submit(run, scenario, seed, extra_columns) for seed in seeds]
        for future in futures:
            if progress:
                progress(future.result())
        results = [f.result() for f in futures]
    except BaseException:  # Ctrl-C, or a run that failed: stop the others now
        processes = list((getattr(pool, "_processes", None) or {}).values())  # no API before 3.14
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        raise
    pool.shutdown()
    return results


@contextlib.contextmanager
def interrupts_ignored() -> Iterator[None]:
    """Keep SIGINT from the processes started meanwhile, and hold it for this one.

    A terminal's Ctrl-C goes to every process of the group; workers that
    never receive it leave the parent to stop them, with one line instead of
    a traceback from each. SIGINT is blocked in this thread while workers
    start, and the block is inherited by every process (and thread) started
    meanwhile, for its whole life. A Ctrl-C pressed in that time (starting
    workers can take seconds on a busy machine) is recorded by any thread
    and raised here when the block ends, instead of being lost. Only the
    main thread can change signal handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _: pressed.append(signum))
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # one pending here is recorded now
        signal.signal(signal.SIGINT, previous)
        if pressed and callable(previous):
            previous(signal.SIGINT, None)  # Python's default handler raises KeyboardInterrupt


def combine(results: Sequence[RunResult]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stack runs into one long timeseries (with a `seed` column) and a summary table."""
    timeseries = pd.concat([r.timeseries.assign(seed=r.seed) for r in results], ignore_index=True)
    summary = pd.DataFrame([{"seed": r.seed, **r.summary} for r in results])
    return timeseries, summary
