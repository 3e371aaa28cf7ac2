"""The memory estimate of `sim/budget.py` against the peak memory of real runs.

Usage::

    python benchmarks/budget_check.py

Each case runs in a fresh interpreter: it imports everything a run needs and
runs a tiny model first, takes the peak resident memory as the baseline,
then runs the case (10 steps) and reports the growth of the peak beside the
estimate `model_bytes`. The estimate must be the larger.
"""

from __future__ import annotations

import json
import subprocess
import sys

CASES = [
    ("sbm", 100_000, 10),
    ("erdos_renyi", 100_000, 40),
    ("sbm", 100_000, 40),
    ("watts_strogatz", 100_000, 40),
    ("barabasi_albert", 50_000, 10),
    ("erdos_renyi", 4_000, 3_000),
    ("sbm", 4_000, 900),
]

CHILD = """
import json, resource, sys
import sim.runner
from sim.budget import model_bytes
from sim.scenario import scenario_from_dict

def scenario(kind, n, z):
    return scenario_from_dict({
        "run": {"steps": 10},
        "population": {"candidates": n - n // 10, "recruiters": n // 10},
        "network": {"kind": kind, "mean_degree": z},
    })

sim.runner.run(scenario("sbm", 60, 4), 0)  # every import and first-use cache
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
kind, n, z = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
sim.runner.run(scenario(kind, n, z), 0)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"measured": peak - base, "estimated": model_bytes(scenario(kind, n, z).params)}))
"""


def main() -> None:
    """Print measured and estimated memory for each case; exit 1 if an estimate is short."""
    short = False
    print(f"{'network':<16} {'actors':>8} {'degree':>7} {'measured MB':>12} {'estimated MB':>13}")
    for kind, n, z in CASES:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, kind, str(n), str(z)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        short |= row["estimated"] < row["measured"]
        print(
            f"{kind:<16} {n:>8,} {z:>7g} {row['measured'] / 1e6:>12.0f} "
            f"{row['estimated'] / 1e6:>13.0f}"
        )
    sys.exit(1 if short else 0)


if __name__ == "__main__":
    main()
