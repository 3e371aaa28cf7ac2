"""Memory a set of runs will need, estimated from the scenario before anything is built.

The schema allows sizes a machine cannot hold (50 million candidates, a mean
degree of 10,000 at 200k actors, 10^8 runs); built anyway, they fail after
minutes with a `MemoryError` or make the machine swap. `check_memory`
refuses them at once, with one line saying how much they would need.

The per-actor and per-tie figures are upper bounds of the peaks that
`benchmarks/budget_check.py` measures (docs/design.md, "Bad input fails at
load"): up to about 115 bytes a tie once the actors are counted, and 650
bytes an actor at mean degree 10, network included.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sim.params import ScenarioParams
from sim.scenario import ScenarioError

BYTES_PER_ACTOR = 500  # state arrays and a step's temporaries
BYTES_PER_TIE = 128  # CSR entry both ways, pair codes sorted while building (measured <= 115)
BYTES_PER_TIE_NETWORKX = 600  # Barabási-Albert is built as a networkx graph first
BYTES_PER_PAIR_DENSE = 24  # dense graphs enumerate every pair of a block once
BYTES_PER_CELL = 8 * 3  # a recorded number: the recorder, the table, its file
COLUMNS_PER_STEP = 80  # recorded columns (stocks, flows, means, platforms), rounded up
BYTES_PER_PROCESS = 250 * 2**20  # a worker's interpreter and imports


def _meminfo(field: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _cgroup_limit() -> int | None:
    """The memory limit of this process's container (cgroup v2 or v1), None if none."""
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:  # "max", or v1's near-2**63 "unlimited"
            return int(text)
    return None


def available_bytes(now: bool = True) -> int | None:
    """Memory a command can use: available now (`MemAvailable`), or in all (`MemTotal`).

    Either is capped by the container's limit, if any; None if unknown.
    """
    found = _meminfo("MemAvailable" if now else "MemTotal")
    if found is None:
        with contextlib.suppress(ValueError, OSError, AttributeError):
            pages = os.sysconf("SC_AVPHYS_PAGES" if now else "SC_PHYS_PAGES")
            found = pages * os.sysconf("SC_PAGE_SIZE")
    limit = _cgroup_limit()
    if found is None or limit is None:
        return found if limit is None else limit
    return min(found, limit)


def model_bytes(params: ScenarioParams) -> int:
    """Peak memory of one model of the scenario, build included (an upper estimate)."""
    n = params.population.n_actors
    steps = params.run.steps + 1
    total = BYTES_PER_ACTOR * n + BYTES_PER_CELL * COLUMNS_PER_STEP * steps
    network = params.network
    if network.kind in ("complete", "edgelist"):  # nothing stored / sized by the file
        return total
    degree = min(network.mean_degree, max(n - 1, 0))
    ties = n * degree / 2
    for spec in params.interventions:  # communities of practice add ties within domains
        if spec.type == "community":
            ties += spec.ties_per_member * spec.coverage * n / 2
    per_tie = BYTES_PER_TIE_NETWORKX if network.kind == "barabasi_albert" else BYTES_PER_TIE
    total += per_tie * ties
    if network.kind in ("erdos_renyi", "sbm") and n > 1 and degree / (n - 1) > 0.25:
        total += BYTES_PER_PAIR_DENSE * n * (n - 1) / 2  # some block may be enumerated
    return int(total)


def runs_bytes(params: ScenarioParams, runs: int, workers: int) -> int:
    """Peak memory of `runs` runs on `workers` processes, results kept for the output."""
    in_flight = max(1, min(workers, runs))
    results = runs * (params.run.steps + 1) * COLUMNS_PER_STEP * BYTES_PER_CELL
    processes = BYTES_PER_PROCESS * in_flight if in_flight > 1 else 0
    return in_flight * model_bytes(params) + processes + results


def check_memory(
    params: ScenarioParams, runs: int = 1, workers: int = 1, where: str = "", now: bool = True
) -> None:
    """Refuse, with one line, runs that would need more memory than the machine has.

    Args:
        params: the scenario.
        runs: runs whose results are kept.
        workers: processes running at once.
        where: the file named in the message.
        now: compare with the memory available now (before a command starts),
            or with all the memory (when each run is built: a busy moment must
            not refuse run 99 of 100).

    Raises:
        ScenarioError: the estimate exceeds the memory compared with.
    """
    available = available_bytes(now)
    needed = runs_bytes(params, runs, workers)
    if available is None or needed <= available:
        return
    prefix = f"{where}: " if where else ""
    net = params.network
    degree = f", network.mean_degree = {net.mean_degree:g}" if net.kind != "complete" else ""
    raise ScenarioError(
        f"{prefix}{params.population.n_actors:,} actors ({net.kind}{degree}), {runs:,} run(s) "
        f"on {max(1, min(workers, runs))} process(es) would need about {needed / 1e9:.1f} GB "
        f"of memory; {available / 1e9:.1f} GB are {'available' if now else 'installed'}"
    )
