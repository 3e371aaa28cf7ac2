"""Whole runs of two commits' engines, alternated in one session.

Usage::

    python benchmarks/alternate.py BASE [HEAD] [--actors N] [--steps S] [--rounds R]

Each commit is exported (``git archive``) to a temporary folder and run in a
fresh interpreter with that folder first on its path (the editable
install's finder set aside), so both use the same installed dependencies.
A round times one ``sim.run`` of each commit, one after the other (base
first in odd rounds, head first in even ones), with the same scenario (the
full ``utility`` model, SBM, mean degree 10, 90% candidates) and seed: a
user's whole run, build and recording included. On a shared machine only
the ratio within a round is meaningful; the median of the per-round ratios
is reported. HEAD defaults to the work tree.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, time
# the engine under test comes first: drop the editable install's finder of the checkout
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, sys.argv[3])
import sim
from sim.scenario import scenario_from_dict
n, steps = int(sys.argv[1]), int(sys.argv[2])
scenario = scenario_from_dict({
    "name": "alternate", "run": {"steps": steps},
    "population": {"candidates": n - n // 10, "recruiters": n // 10},
    "network": {"kind": "sbm", "mean_degree": 10}, "decision": {"rule": "utility"},
})
run = sim.run  # imported before the clock starts (the package loads its names lazily)
t0 = time.perf_counter()
result = run(scenario, seed=1)
elapsed = time.perf_counter() - t0
print(json.dumps({"s": elapsed, "sim": sim.__file__,
                  "final_share_active": float(result.timeseries["share_active"].iloc[-1])}))
"""


def export(commit: str, folder: Path) -> Path:
    """The commit's tree, written to a new `folder`."""
    folder.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def time_run(source: Path, n_actors: int, steps: int) -> dict[str, float]:
    """One whole run of the engine in `source`, in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(n_actors), str(steps), str(source)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    report = json.loads(out.strip().splitlines()[-1])
    if not report["sim"].startswith(str(source)):
        raise RuntimeError(f"imported {report['sim']} instead of the engine in {source}")
    return report


def main() -> None:
    """Alternate whole runs of two engines and print a table of seconds and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="commit of the reference engine")
    parser.add_argument("head", nargs="?", help="commit to compare (default: the work tree)")
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=260)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = export(args.base, Path(tmp) / "base")
        head = export(args.head, Path(tmp) / "head") if args.head else ROOT
        rows = []
        for round_ in range(1, args.rounds + 1):
            # ABBA: the order alternates, so that neither engine always runs first
            if round_ % 2:
                a = time_run(base, args.actors, args.steps)
                b = time_run(head, args.actors, args.steps)
            else:
                b = time_run(head, args.actors, args.steps)
                a = time_run(base, args.actors, args.steps)
            rows.append((round_, a["s"], b["s"], a["s"] / b["s"]))
            print(
                f"round {round_}: {args.base} {a['s']:.2f} s, "
                f"{args.head or 'work tree'} {b['s']:.2f} s, ratio {a['s'] / b['s']:.3f} "
                f"(final active {a['final_share_active']:.4f} / {b['final_share_active']:.4f})",
                flush=True,
            )
    ratios = [r[3] for r in rows]
    print(f"median ratio (base / head, > 1: head faster): {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
