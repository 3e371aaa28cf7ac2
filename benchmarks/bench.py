"""Performance benchmark of the recruitsim engine, on this machine, in one run.

Usage::

    python benchmarks/bench.py                 # full sizes (10k and 100k actors)
    python benchmarks/bench.py --quick         # tiny sizes, a smoke check only
    python benchmarks/bench.py --out PATH.json

It measures

* agent-steps per second of the full ``utility`` model (default parameters,
  SBM, mean degree 10, 90% candidates / 10% recruiters);
* the ``threshold`` rule alone (``recruiting_layers = false``, Erdos-Renyi,
  mean degree 10, phi 0.18, 1% random initial adopters) against the idiomatic
  per-agent Mesa model of ``benchmarks/mesa_reference.py`` on the *same*
  graph (networkx graph built from the engine's CSR adjacency) with the *same*
  initial adopters; both must end with the same active set, which is asserted;
* the build time of a 100k-actor full model (with a breakdown);
* the peak memory (max RSS) of a 100k-actor full run, each measurement in a
  fresh subprocess;
* the time of each phase of a step of the full model at 100k actors, over a
  whole run: the model's phase list (``model.phases``, read from
  ``sim.phases.PHASES``) is replaced by the same phases wrapped in timers.

The full model is timed over a whole run (all 260 weekly steps of the default
scenario, build excluded and reported apart): the first weeks, when few
actors act, are faster than the rest and are not the model's speed. The
threshold comparison times a window (steps 3 to 22: ``threshold_warmup``
steps skipped, then ``threshold_steps``), because the idiomatic Mesa model
takes about a second a step at 100k actors. On this graph (mean degree 10
lies outside the cascade window for phi = 0.18) the local cascades stop by
step 10, so the second half of the window is steps in which nobody changes:
both implementations still check every actor, but the engine's neighbour
counts then have nothing to update.
Every timing is the median of ``--repeats`` repeats (default 3). Speeds that
are compared (engine vs Mesa) are measured interleaved in the same run, so
that their ratio is meaningful on a shared machine. A table is printed and
everything is written to a JSON file.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np
import scipy
from mesa_reference import ThresholdModel
from scipy import sparse

import sim
from sim.population import Stage
from sim.scenario import scenario_from_dict

HERE = Path(__file__).resolve().parent

# Floors the engine must meet at 100k actors (see benchmarks/README.md).
FLOOR_THRESHOLD_SPEEDUP = 20.0  # engine / idiomatic Mesa, agent-steps per second
FLOOR_UTILITY_AGENT_STEPS = 5_000_000.0  # agent-steps per second
FLOOR_BUILD_S = 3.0  # seconds to build a 100k-actor model
FLOOR_PEAK_RSS_MB = 1000.0  # 1 GB = 10^9 bytes

FULL = {
    "repeats": 3,
    "utility_sizes": [10_000, 100_000],
    "utility_steps": 260,
    "threshold_sizes": [10_000, 100_000],
    "threshold_warmup": 2,
    "threshold_steps": 20,
    "build_size": 100_000,
    "memory_size": 100_000,
    "memory_steps": 260,
    "phase_size": 100_000,
    "phase_steps": 260,
    "seed": 1,
}
QUICK = {
    **FULL,
    "utility_sizes": [2_000],
    "utility_steps": 5,
    "threshold_sizes": [2_000],
    "threshold_steps": 5,
    "build_size": 2_000,
    "memory_size": 2_000,
    "memory_steps": 10,
    "phase_size": 2_000,
    "phase_steps": 5,
}


# ---------------------------------------------------------------------------
# Models


def population(n: int) -> dict[str, int]:
    """90% candidates, 10% recruiters."""
    recruiters = n // 10
    return {"candidates": n - recruiters, "recruiters": recruiters}


def utility_scenario(n: int, steps: int = 260) -> Any:
    """Full model, default parameters, SBM with mean degree 10, `steps` weeks."""
    return scenario_from_dict(
        {
            "name": "bench-utility",
            "run": {"steps": steps},
            "population": population(n),
            "network": {"kind": "sbm", "mean_degree": 10},
            "decision": {"rule": "utility"},
        }
    )


def threshold_scenario(n: int, steps: int) -> Any:
    """Threshold rule only, ER graph with mean degree 10, phi 0.18, 1% random adopters."""
    return scenario_from_dict(
        {
            "name": "bench-threshold",
            "run": {"steps": max(steps, 1), "recruiting_layers": False},
            "population": population(n),
            "network": {"kind": "erdos_renyi", "mean_degree": 10},
            "initial": {"active": max(1, n // 100), "seeding": "random"},
            "decision": {"rule": "threshold", "threshold": 0.18},
        }
    )


def networkx_graph(adjacency: sparse.csr_array) -> nx.Graph:
    """The same undirected graph as a CSR adjacency, nodes 0..n-1 in order."""
    n = adjacency.shape[0]
    upper = sparse.triu(adjacency, k=1).tocoo()
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(upper.row.tolist(), upper.col.tolist(), strict=True))
    return graph


def active_share(model: sim.RecruitingModel) -> float:
    stage = model.actors.stage
    return int(np.count_nonzero(stage == Stage.ACTIVE)) / stage.size


def run_steps(model: Any, n_steps: int) -> float:
    """Step `n_steps` times; return the elapsed wall time in seconds."""
    start = time.perf_counter()
    for _ in range(n_steps):
        model.step()
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return float(statistics.median(values))


# ---------------------------------------------------------------------------
# Measurements


def bench_utility(n: int, cfg: dict[str, Any]) -> dict[str, Any]:
    """Agent-steps per second of the full utility model over a whole run (median of repeats)."""
    steps = cfg["utility_steps"]
    scenario = utility_scenario(n, steps)
    times = []
    for _ in range(cfg["repeats"]):
        model = sim.RecruitingModel(scenario, seed=cfg["seed"])
        times.append(run_steps(model, steps))
        final = active_share(model)
        del model
        gc.collect()
    t = median(times)
    return {
        "n_actors": n,
        "timed_steps": steps,
        "repeats_s": times,
        "median_s": t,
        "ms_per_step": 1e3 * t / steps,
        "agent_steps_per_s": n * steps / t,
        "final_share_active": final,
    }


def bench_threshold(n: int, cfg: dict[str, Any]) -> dict[str, Any]:
    """Threshold rule: engine vs idiomatic Mesa on the same graph and initial adopters."""
    warmup, steps, seed = cfg["threshold_warmup"], cfg["threshold_steps"], cfg["seed"]
    scenario = threshold_scenario(n, warmup + steps)
    first = sim.RecruitingModel(scenario, seed=seed)
    adjacency = first.network.adjacency
    initial = np.flatnonzero(first.actors.stage == Stage.ACTIVE)
    t0 = time.perf_counter()
    graph = networkx_graph(adjacency)
    graph_s = time.perf_counter() - t0
    assert graph.number_of_nodes() == n and graph.number_of_edges() == first.network.n_edges
    del first
    engine_times, mesa_times, mesa_build, mesa_warmup = [], [], [], []
    for _ in range(cfg["repeats"]):
        model = sim.RecruitingModel(scenario, seed=seed)
        # The same seed must give the same graph and adopters as the one given to Mesa.
        assert np.array_equal(model.network.adjacency.indptr, adjacency.indptr)
        assert np.array_equal(model.network.adjacency.indices, adjacency.indices)
        assert np.array_equal(np.flatnonzero(model.actors.stage == Stage.ACTIVE), initial)
        run_steps(model, warmup)
        engine_times.append(run_steps(model, steps))
        engine_active = np.flatnonzero(model.actors.stage == Stage.ACTIVE)
        share_engine = active_share(model)
        del model
        gc.collect()

        t0 = time.perf_counter()
        reference = ThresholdModel(graph, 0.18, initial, rng=seed)
        mesa_build.append(time.perf_counter() - t0)
        mesa_warmup.append(run_steps(reference, warmup))
        mesa_times.append(run_steps(reference, steps))
        mesa_active = np.asarray(reference.active_nodes(), dtype=np.int64)
        share_mesa = reference.share_active
        del reference
        gc.collect()

        assert share_engine == share_mesa, (
            f"threshold n={n}: engine active share {share_engine} != Mesa {share_mesa}"
        )
        assert np.array_equal(engine_active, mesa_active), f"n={n}: active sets differ"
    t_engine, t_mesa = median(engine_times), median(mesa_times)
    # Each repeat times the engine and then Mesa on the same state: the median of the
    # per-repeat ratios is less sensitive to load drifting between repeats.
    ratios = [m / e for e, m in zip(engine_times, mesa_times, strict=True)]
    return {
        "n_actors": n,
        "n_edges": int(adjacency.nnz // 2),
        "n_initial_active": int(initial.size),
        "warmup_steps": warmup,
        "timed_steps": steps,
        "graph_to_networkx_s": graph_s,
        "engine": {
            "repeats_s": engine_times,
            "median_s": t_engine,
            "ms_per_step": 1e3 * t_engine / steps,
            "agent_steps_per_s": n * steps / t_engine,
        },
        "mesa": {
            "repeats_s": mesa_times,
            "median_s": t_mesa,
            "ms_per_step": 1e3 * t_mesa / steps,
            "agent_steps_per_s": n * steps / t_mesa,
            "build_s_median": median(mesa_build),
            "warmup_s_median": median(mesa_warmup),
        },
        "speedup_engine_over_mesa": median(ratios),
        "speedup_per_repeat": ratios,
        "speedup_ratio_of_medians": t_mesa / t_engine,
        "share_active_engine": share_engine,
        "share_active_mesa": share_mesa,
        "same_active_set": True,
    }


def timed(totals: dict[str, float], name: str, fn: Callable) -> Callable:
    """Wrap `fn` so that its run time is added to `totals[name]` (seconds)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - t0

    return wrapper


def bench_build(n: int, cfg: dict[str, Any]) -> dict[str, Any]:
    """Build time of a full model (median of repeats), with the main parts timed.

    The parts are the functions `sim.initial.build_state` calls, wrapped in
    timers for the measurement (agent views are not built: they are lazy).
    """
    import sim.initial as initial_module

    parts: dict[str, float] = defaultdict(float)
    originals = {name: getattr(initial_module, name) for name in ("build_network", "init_actors")}

    scenario = utility_scenario(n)
    sim.RecruitingModel(utility_scenario(1_000), seed=0)  # warm imports and caches
    times, breakdown = [], []
    try:
        for name, fn in originals.items():
            setattr(initial_module, name, timed(parts, name, fn))
        for _ in range(cfg["repeats"]):
            parts.clear()
            gc.collect()
            t0 = time.perf_counter()
            model = sim.RecruitingModel(scenario, seed=cfg["seed"])
            total = time.perf_counter() - t0
            times.append(total)
            row = {f"{k}_s": parts[k] for k in originals}
            row["other_s"] = total - sum(parts.values())
            breakdown.append(row)
            del model
    finally:
        for name, fn in originals.items():
            setattr(initial_module, name, fn)
    gc.collect()
    return {
        "n_actors": n,
        "repeats_s": times,
        "median_s": median(times),
        "breakdown_median_s": {k: median([b[k] for b in breakdown]) for k in breakdown[0]},
    }


def memory_child(n: int, steps: int) -> None:
    """Run in a fresh process: build and run a full model, print the peak RSS as JSON."""
    if n > 0:
        model = sim.RecruitingModel(utility_scenario(n), seed=1)
        run_steps(model, steps)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_bytes = rss if sys.platform == "darwin" else rss * 1024  # KiB on Linux
    hwm_bytes = None
    status = Path("/proc/self/status")
    if status.is_file():  # Linux: peak RSS of this process image, a cross-check
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm_bytes = int(line.split()[1]) * 1024
    print(json.dumps({"max_rss_bytes": rss_bytes, "vm_hwm_bytes": hwm_bytes}))


def peak_rss_mb(n: int, steps: int) -> tuple[float, float | None]:
    """Peak RSS (MB) of a fresh process running `memory_child`: (getrusage, VmHWM).

    On Linux, a process started by fork + exec inherits its parent's maximum RSS
    in `ru_maxrss` (the kernel keeps the larger of the two across exec), so a
    child started directly from this large benchmark process would report the
    benchmark's own footprint. The child is therefore started by a small
    `/bin/sh`, which forks it: a forked process starts with `ru_maxrss` = 0.
    """
    command = [sys.executable, str(Path(__file__).resolve()), "--memory-child", str(n), str(steps)]
    if os.path.exists("/bin/sh"):
        command = ["/bin/sh", "-c", '"$@"; exit $?', "sh", *command]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    report = json.loads(out.strip().splitlines()[-1])
    hwm = report["vm_hwm_bytes"]
    return report["max_rss_bytes"] / 1e6, None if hwm is None else hwm / 1e6


def bench_memory(n: int, steps: int, cfg: dict[str, Any]) -> dict[str, Any]:
    """Peak RSS of a full run of `steps` steps, one fresh subprocess per measurement."""
    runs = [peak_rss_mb(n, steps) for _ in range(cfg["repeats"])]
    rss = [r[0] for r in runs]
    baseline, _ = peak_rss_mb(0, 0)
    return {
        "n_actors": n,
        "steps": steps,
        "repeats_max_rss_mb": rss,
        "repeats_vm_hwm_mb": [r[1] for r in runs],
        "max_rss_mb_median": median(rss),
        "max_rss_mb_max": max(rss),
        "imports_only_max_rss_mb": baseline,
    }


def instrument(model: sim.RecruitingModel) -> dict[str, float]:
    """Time each phase of the model's phase list and the recorder; return the totals (s).

    The model's `phases` are replaced by the same phases wrapped in timers:
    `step()` runs them in the same order, so the profile is that of a step.
    """
    totals: dict[str, float] = defaultdict(float)
    model.phases = tuple(
        dataclasses.replace(phase, run=timed(totals, phase.name, phase.run))
        for phase in model.phases
    )
    model.recorder.record = timed(totals, "record", model.recorder.record)
    return totals


def bench_phases(n: int, cfg: dict[str, Any]) -> dict[str, Any]:
    """Time per phase of the full utility model over a whole run (ms per step and share)."""
    steps = cfg["phase_steps"]
    model = sim.RecruitingModel(utility_scenario(n, steps), seed=cfg["seed"])
    totals = instrument(model)
    step_total = run_steps(model, steps)
    names = [phase.name for phase in model.phases]
    del model
    gc.collect()
    exclusive = {name: totals[name] for name in [*names, "record"]}
    exclusive["other (step bookkeeping, Mesa wrapper)"] = step_total - sum(exclusive.values())
    return {
        "n_actors": n,
        "timed_steps": steps,
        "step_ms": 1e3 * step_total / steps,
        "phases": [
            {"phase": name, "ms_per_step": 1e3 * t / steps, "share": t / step_total}
            for name, t in exclusive.items()
        ],
    }


def floors(results: dict[str, Any], quick: bool) -> dict[str, Any]:
    """The floors at 100k actors; `met` is None when 100k actors were not measured."""

    def at_100k(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
        return next((r for r in rows if r["n_actors"] == 100_000), None)

    threshold = at_100k(results["threshold"])
    utility = at_100k(results["utility"])
    build = results["build"] if results["build"]["n_actors"] == 100_000 else None
    memory = results["memory"] if results["memory"]["n_actors"] == 100_000 else None
    rows = {
        "threshold_speedup_vs_mesa_100k": (
            threshold and threshold["speedup_engine_over_mesa"],
            ">=",
            FLOOR_THRESHOLD_SPEEDUP,
        ),
        "utility_agent_steps_per_s_100k": (
            utility and utility["agent_steps_per_s"],
            ">=",
            FLOOR_UTILITY_AGENT_STEPS,
        ),
        "build_s_100k": (build and build["median_s"], "<", FLOOR_BUILD_S),
        "peak_rss_mb_100k": (memory and memory["max_rss_mb_median"], "<", FLOOR_PEAK_RSS_MB),
    }
    out = {}
    for name, (value, op, floor) in rows.items():
        met = None
        if value is not None and not quick:
            met = bool(value >= floor) if op == ">=" else bool(value < floor)
        out[name] = {"value": value, "op": op, "floor": floor, "met": met}
    return out


# ---------------------------------------------------------------------------
# Reporting


def print_report(results: dict[str, Any]) -> None:
    meta = results["meta"]
    print(
        f"\nrecruitsim benchmark {meta['date']}  Python {meta['python']}  Mesa {meta['mesa']}  "
        f"NumPy {meta['numpy']}  SciPy {meta['scipy']}  cores {meta['cpu_count']}  "
        f"load {meta['loadavg_start']} -> {meta['loadavg_end']}  "
        f"commit {(meta['git']['commit'] or '?')[:10]}"
        + (" + uncommitted sim/ changes" if meta["git"]["sim_dirty_files"] else "")
        + ("  [QUICK]" if meta["quick"] else "")
    )
    print("\nFull utility model (SBM, z=10)")
    print(f"{'actors':>9} {'ms/step':>9} {'agent-steps/s':>15}")
    for r in results["utility"]:
        print(f"{r['n_actors']:>9,} {r['ms_per_step']:>9.2f} {r['agent_steps_per_s']:>15,.0f}")
    print(
        "\nThreshold rule (ER, z=10, phi=0.18, 1% seeds): engine vs idiomatic Mesa"
        " (speedup: median of per-repeat ratios)"
    )
    print(
        f"{'actors':>9} {'engine ms/step':>15} {'Mesa ms/step':>13} {'speedup':>8} "
        f"{'engine agent-steps/s':>21} {'Mesa agent-steps/s':>19} {'active share':>13}"
    )
    for r in results["threshold"]:
        e, m = r["engine"], r["mesa"]
        print(
            f"{r['n_actors']:>9,} {e['ms_per_step']:>15.2f} {m['ms_per_step']:>13.1f} "
            f"{r['speedup_engine_over_mesa']:>7.0f}x {e['agent_steps_per_s']:>21,.0f} "
            f"{m['agent_steps_per_s']:>19,.0f} {r['share_active_engine']:>13.5f}"
        )
    b = results["build"]
    parts = ", ".join(f"{k} {v:.2f}" for k, v in b["breakdown_median_s"].items())
    print(f"\nBuild {b['n_actors']:,} actors: {b['median_s']:.2f} s  ({parts})")
    m = results["memory"]
    print(
        f"Peak RSS {m['n_actors']:,} actors, {m['steps']} steps: "
        f"{m['max_rss_mb_median']:.0f} MB (VmHWM {m['repeats_vm_hwm_mb']}; "
        f"imports only: {m['imports_only_max_rss_mb']:.0f} MB)"
    )
    p = results["phases"]
    print(f"\nPhases at {p['n_actors']:,} actors: {p['step_ms']:.2f} ms per step")
    for row in p["phases"]:
        print(f"  {row['phase']:<40} {row['ms_per_step']:>8.2f} ms {100 * row['share']:>6.1f}%")
    print("\nFloors (100k actors)")
    for name, f in results["floors"].items():
        value = "n/a" if f["value"] is None else f"{f['value']:,.3g}"
        met = {True: "met", False: "NOT met", None: "not evaluated"}[f["met"]]
        print(f"  {name:<34} {value:>12} {f['op']} {f['floor']:,.3g}: {met}")


def git_state() -> dict[str, Any]:
    """Commit of the benchmarked code and whether `sim/` had uncommitted changes."""

    def git(*args: str) -> str:
        try:
            out = subprocess.run(
                ["git", *args], cwd=HERE.parent, capture_output=True, text=True, check=True
            )
        except (OSError, subprocess.CalledProcessError):
            return ""
        return out.stdout.strip()

    dirty = git("status", "--porcelain", "--", "sim").splitlines()
    return {"commit": git("rev-parse", "HEAD") or None, "sim_dirty_files": dirty}


class OneLineErrors(argparse.ArgumentParser):
    """Argument errors as one line on stderr and exit code 2, without the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def positive_int(text: str) -> int:
    """An integer >= 1, for --repeats."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = OneLineErrors(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes only (smoke check)")
    parser.add_argument("--out", type=Path, help="JSON output (default benchmarks/results.json)")
    parser.add_argument("--repeats", type=positive_int, help="repeats per timing (default 3)")
    parser.add_argument("--memory-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.memory_child:
        memory_child(*args.memory_child)
        return 0

    cfg = dict(QUICK if args.quick else FULL)
    if args.repeats:
        cfg["repeats"] = args.repeats
    out = args.out or HERE / ("results-quick.json" if args.quick else "results.json")
    load_start = [round(x, 2) for x in os.getloadavg()]
    git_start = git_state()  # the code imported now is the code measured

    results: dict[str, Any] = {"config": cfg}
    results["utility"] = [bench_utility(n, cfg) for n in cfg["utility_sizes"]]
    results["threshold"] = [bench_threshold(n, cfg) for n in cfg["threshold_sizes"]]
    results["build"] = bench_build(cfg["build_size"], cfg)
    results["memory"] = bench_memory(cfg["memory_size"], cfg["memory_steps"], cfg)
    results["phases"] = bench_phases(cfg["phase_size"], cfg)
    results["floors"] = floors(results, args.quick)
    results["meta"] = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "quick": args.quick,
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "networkx": nx.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "loadavg_start": load_start,
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "git": git_start,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_report(results)
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
