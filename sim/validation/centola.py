"""Case 3, Centola & Macy (2007): complex and simple contagion on rewired ring lattices.

Complex contagion (two active neighbours needed) is complete on the ring and
stalls once many ties are rewired; simple contagion (one) is complete at
every rewiring level and faster with rewiring. Directions are one-sided
Spearman rank tests at the 5% level. The sweep over rules (arms) and
rewiring levels is the experiment file
``experiments/validation/centola_sweep.toml``, run through `sim.sweep`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiment import Experiment
from sim.validation.core import (
    GLOBAL_SHARE,
    CaseResult,
    Progress,
    check_row,
    run_sweep,
    trend_check,
)
from sim.validation.stats import Estimate

# The levels the checks compare: the ring lattice (complete spread) and full
# rewiring (complex contagion stalls). The sweep must run both.
CENTOLA_ENDS = (0.0, 1.0)


def centola_case(
    experiment: Experiment,
    workers: int = 1,
    progress: Progress | None = None,
) -> CaseResult:
    """Complex (2 ties) and simple (1 tie) contagion on rewired ring lattices.

    Args:
        experiment: the sweep of `network.rewire` over the arms ``complex``
            (`threshold_count = 2`, Watts-Strogatz, neighbourhood seeding) and
            ``simple`` (the same with `threshold_count = 1`)
            (``centola_sweep.toml``, checked by
            `sim.validation.core.load_case_experiment` with the levels of
            `CENTOLA_ENDS`); its replications are the runs per level and rule,
            with the same seeds everywhere.
        workers: processes.
        progress: progress callback.

    Returns:
        The checks, the table ``centola`` (one row per rule and level) and
        ``centola_runs`` (one row per run).

    Raises:
        RuntimeError: if a run fails.
    """
    (factor,) = experiment.factors
    rewire_levels = factor.values or ()
    n_runs = experiment.spec.design.replications
    group = "Centola & Macy (2007)"
    runs = run_sweep(experiment, workers, progress, "Centola sweep")
    records, per_run = [], []
    for name, scenario in experiment.arms.items():
        for point, values in enumerate(experiment.points):
            rewire = values[factor.key]
            at = runs[(runs["arm"] == name) & (runs["point"] == point)]
            final, t90 = at["final_share"].to_numpy(), at["t90"].to_numpy()
            stable = at["stable"].to_numpy()
            share, speed = Estimate.of_mean(final), Estimate.of_mean(t90[np.isfinite(t90)])
            records.append(
                {"contagion": name, "rewire": rewire, "n_runs": n_runs}
                | {"threshold_count": scenario.params.decision.threshold_count}
                | {"final_mean": share.value, "final_lower": share.lower}
                | {"final_upper": share.upper, "final_min": final.min(), "final_max": final.max()}
                | {"share_spread": float(np.mean(final >= GLOBAL_SHARE))}
                | {"t90_mean": speed.value, "t90_lower": speed.lower, "t90_upper": speed.upper}
                | {"n_reached_90": speed.n, "n_unstable": int(np.count_nonzero(~stable))}
            )
            per_run.extend(
                {"contagion": name, "rewire": rewire, "final_share": f, "t90": t, "stable": s}
                for f, t, s in zip(final, t90, stable, strict=True)
            )
    table, runs_table = pd.DataFrame(records), pd.DataFrame(per_run)
    complex_runs = runs_table[runs_table["contagion"] == "complex"]
    simple_runs = runs_table[runs_table["contagion"] == "simple"]
    lo, hi = min(rewire_levels), max(rewire_levels)
    start = complex_runs.loc[complex_runs["rewire"] == lo, "final_share"].to_numpy()
    end = complex_runs.loc[complex_runs["rewire"] == hi, "final_share"].to_numpy()
    simple_final = simple_runs["final_share"].to_numpy()
    settled = bool(runs_table["stable"].all())
    rows = [
        check_row(
            group,
            f"Centola: complex contagion (2 ties), rewire={lo:g}: complete",
            1.0,
            "1 (complete)",
            Estimate.of_mean(start),
        )(0.0, bool(np.all(start >= 1.0)) and settled, "every run ends with all actors active"),
        check_row(
            group,
            f"Centola: complex contagion, rewire={hi:g}: stalls",
            GLOBAL_SHARE,
            f"< {GLOBAL_SHARE:g} (stalls)",
            Estimate.of_mean(end),
        )(
            0.0,
            bool(np.all(end < GLOBAL_SHARE)) and settled,
            f"no run reaches {GLOBAL_SHARE:.0%} of actors",
        ),
        trend_check(
            group,
            "Centola: complex contagion, final share falls with rewiring",
            complex_runs["rewire"].to_numpy(),
            complex_runs["final_share"].to_numpy(),
            "rewire, final share",
        ),
        check_row(
            group,
            "Centola: simple contagion (1 tie): complete at every rewiring level",
            1.0,
            "1 (complete)",
            Estimate.of_mean(simple_final),
        )(
            0.0,
            bool(np.all(simple_final >= 1.0)) and settled,
            f"every run at all {len(rewire_levels)} levels ends with all actors active",
        ),
        trend_check(
            group,
            "Centola: simple contagion, faster with more rewiring",
            simple_runs["rewire"].to_numpy(),
            simple_runs["t90"].to_numpy(),
            "rewire, weeks to 90% active",
        ),
    ]
    return CaseResult(rows, {"centola": table, "centola_runs": runs_table})
