"""Sweep throughput and memory: baseline runs per minute, the Dask path's overhead, flat RSS.

Three measurements, each the workload a user runs (`recruitsim sweep`):

* **runs per minute**: sweeps of the baseline scenario (2,200 actors, all 260
  weeks of each run) replicated `--runs` times, on the serial executor and on
  the process pool with 2 workers; the clock covers the whole sweep: pool
  start, every run, the Parquet parts and the manifest.
* **Dask overhead**: the same sweep on a local Dask cluster of 2 workers
  (started before the clock, as a cluster one connects to would be);
  overhead per run = (Dask time - pool time) / runs.
* **RSS over a long sweep**: `--long` short runs (60 actors, 5 weeks) in
  this process on the serial executor, so the model's own memory counts
  too; resident memory (VmRSS) is sampled every 250 runs.

Usage::

    .venv/bin/python benchmarks/sweep_bench.py                # writes benchmarks/sweep_results.json
    .venv/bin/python benchmarks/sweep_bench.py --quick        # small sizes, figures meaningless
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

from sim.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from sim.experiment import load_experiment
from sim.sweeps import sweep

ROOT = Path(__file__).resolve().parents[1]
FLOOR_RUNS_PER_MINUTE = 200.0


def experiment_file(folder: Path, name: str, replications: int, overrides: str = "") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nscenario = "{ROOT / "scenarios" / "baseline.toml"}"\n'
        f"[overrides]\n{overrides}\n[design]\nreplications = {replications}\nseed = 1\n"
        '[output]\nkpis = ["cum_hires", "social_hire_share"]\n'
        'series = ["share_active"]\nevery = 4\n',
        encoding="utf-8",
    )
    return path


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_sweep(path: Path, out: Path, make) -> tuple[float, int]:
    experiment = load_experiment(path)  # outside the clock: the file is read once per sweep
    start = time.perf_counter()
    with make() as executor:
        result = sweep(experiment, executor, out)
    seconds = time.perf_counter() - start
    assert result.n_failed == 0 and result.n_done == experiment.n_runs
    return seconds, result.n_done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60, help="baseline runs per sweep")
    parser.add_argument("--long", type=int, default=5000, help="short runs for the RSS sweep")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "sweep_results.json")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.long = 4, 300
        args.out = args.out.with_name("sweep_results-quick.json")
    figures: dict = {"commit": git_commit(), "runs": args.runs, "long_runs": args.long}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        baseline = experiment_file(folder, "baseline", args.runs)
        serial_runs = max(args.runs // 3, 2)
        serial = experiment_file(folder, "serial", serial_runs)
        seconds, n = timed_sweep(serial, folder / "serial", SerialExecutor)
        figures["serial"] = {"runs": n, "seconds": seconds, "runs_per_minute": 60 * n / seconds}
        seconds, n = timed_sweep(baseline, folder / "pool", lambda: ProcessExecutor(2))
        figures["pool_2"] = {"runs": n, "seconds": seconds, "runs_per_minute": 60 * n / seconds}
        cluster = DaskExecutor(local_workers=2)
        try:
            experiment = load_experiment(baseline)
            start = time.perf_counter()
            sweep(experiment, cluster, folder / "dask")
            dask_seconds = time.perf_counter() - start
        finally:
            cluster.close()
        figures["dask_2"] = {
            "runs": n,
            "seconds": dask_seconds,
            "runs_per_minute": 60 * n / dask_seconds,
            "overhead_per_run_s": (dask_seconds - figures["pool_2"]["seconds"]) / n,
        }
        short = experiment_file(
            folder,
            "short",
            args.long,
            '"run.steps" = 5\n"population.candidates" = 54\n"population.recruiters" = 6',
        )
        samples: list[tuple[int, float]] = [(0, rss_mb())]

        def sample(done: int, failed: int, total: int) -> None:
            if done % 250 == 0:
                samples.append((done, rss_mb()))

        start = time.perf_counter()
        sweep(load_experiment(short), SerialExecutor(), folder / "long", progress=sample)
        figures["long"] = {
            "runs": args.long,
            "seconds": time.perf_counter() - start,
            "rss_mb": samples,
            "rss_growth_mb_after_first_1000": samples[-1][1]
            - dict(samples).get(1000, samples[1][1]),
        }
    rate = figures["pool_2"]["runs_per_minute"]
    figures["floor_runs_per_minute"] = FLOOR_RUNS_PER_MINUTE
    figures["floor_met"] = bool(rate >= FLOOR_RUNS_PER_MINUTE)
    args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in figures.items() if k != "long"}, indent=2))
    print("RSS (runs, MB):", [(n, round(m, 1)) for n, m in figures["long"]["rss_mb"]])


def git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip()


if __name__ == "__main__":
    main()
