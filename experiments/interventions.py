"""Interventions experiment: training, sharing, and the source's thesis, with paired seeds.

Three questions, every arm run with the same seeds (common random numbers), so
effects are paired differences with Student-t 95% intervals
(`sim.analysis.intervals.paired_effect`):

1. baseline vs foundations training vs digital training vs communities of
   practice (sharing) vs training + sharing: adoption curves, and effects on
   social-channel hires, total hires, final active shares, cost, cost per
   extra hire (social and total) and per extra point of active candidates.
   Both channels draw on the same vacancies; the traditional channel fills at
   a rate that rises with both sides' foundation when e > 0, so candidate
   training can change total hires.
   Vacancy arrivals draw from their own random stream, so paired runs
   receive the same vacancies and raw total hires are compared directly
   (`arrival_pairing` checks this for every seed);
2. the source's thesis (foundations matter more than tools): foundations minus
   digital training, in social and in total hires, as the explicit parameters
   omega (`decision.omega`), gamma (`platforms.digital_exponent`) and e
   (`market.foundation_traditional`) change; a baseline is run at every
   setting too, so each training's own effect is measured as well;
3. whether sharing slows adoption: `learning.sharing` swept at three contact
   success levels (`market.p_hire_social` halved, as calibrated, and at its
   maximum 1) with the calibrated prior (mean 0.1), and at the same three
   levels with a prior mean below what actors observe
   (`learning.prior_alpha`/`prior_beta` = 0.2/9.8, mean 0.02), so that both
   sides of the crossover "observed success vs prior mean" are run (with the
   calibrated prior, observed success stays below 0.1 even at
   p_hire_social = 1); at every one of the six settings, sharing 0.9 is also
   run with the complexity-lowering effect of sharing switched off
   (`learning.complexity_sharing_per_week = 0`). Every run records its social
   contacts, so the observed success per contact (social hires / contacts) is
   measured, not inferred.

Usage::

    python experiments/interventions.py [--runs N] [--out docs/figures]
        [--data DIR] [--from-data DIR] [--seed S] [--workers W] [--steps K]

Simulation is the only step that imports the model; analysis and plots take
the tidy DataFrames it returns (or reads back with ``--from-data``) and print
markdown tables to stdout.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.intervals import mean_ci, paired_effect

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

BASELINE = "baseline"
FOUNDATIONS = "foundations_training"
DIGITAL = "digital_training"
SHARING = "sharing"
TRAINING_SHARING = "training_sharing"
PART1 = (BASELINE, FOUNDATIONS, DIGITAL, SHARING, TRAINING_SHARING)
LABELS = {
    BASELINE: "baseline",
    FOUNDATIONS: "foundations training",
    DIGITAL: "digital training",
    SHARING: "communities of practice",
    TRAINING_SHARING: "training + communities",
}
COLOURS = {
    BASELINE: "0.2",
    FOUNDATIONS: "tab:blue",
    DIGITAL: "tab:orange",
    SHARING: "tab:green",
    TRAINING_SHARING: "tab:purple",
}

# Parameters read back from each resolved scenario: (column, dotted key).
PARAMS = (
    ("omega", "decision.omega"),
    ("gamma", "platforms.digital_exponent"),
    ("e", "market.foundation_traditional"),
    ("sharing", "learning.sharing"),
    ("p_hire", "market.p_hire_social"),
    ("cx_sharing", "learning.complexity_sharing_per_week"),
    ("prior_alpha", "learning.prior_alpha"),
    ("prior_beta", "learning.prior_beta"),
)
# Settings of the thesis test (part 2): one parameter at a time from the
# calibrated defaults, then two corners: the prototype's corner favourable to
# foundations on social hires (e = 0), and the same with e = 1, where only
# foundations set the traditional channel's speed (favourable on total hires).
THESIS_SETTINGS: tuple[tuple[str, dict[str, float]], ...] = (
    ("defaults (omega=0.5, gamma=2.5, e=0.5)", {}),
    ("omega=0.2", {"decision.omega": 0.2}),
    ("omega=0.8", {"decision.omega": 0.8}),
    ("gamma=0 (joining not gated by digital)", {"platforms.digital_exponent": 0.0}),
    ("e=0 (traditional ignores foundation)", {"market.foundation_traditional": 0.0}),
    ("e=1 (traditional set by foundations)", {"market.foundation_traditional": 1.0}),
    (
        "omega=0.8, gamma=0, e=0",
        {
            "decision.omega": 0.8,
            "platforms.digital_exponent": 0.0,
            "market.foundation_traditional": 0.0,
        },
    ),
    (
        "omega=0.8, gamma=0, e=1",
        {
            "decision.omega": 0.8,
            "platforms.digital_exponent": 0.0,
            "market.foundation_traditional": 1.0,
        },
    ),
)
SHARING_VALUES = (0.0, 0.3, 0.6, 0.9)
# Contact success levels of the sharing sweep: halved, calibrated, and the
# maximum of a probability (doubling, 1.28, is not allowed).
P_HIRE_LEVELS = (0.32, 0.64, 1.0)
# Prior below what actors observe (same strength, alpha + beta = 10): the other
# side of the crossover. Actors observe about 0.046 hires per contact at the
# calibrated contact success (about 0.07 at p_hire_social = 1), below the
# calibrated prior mean 0.1 whatever p_hire_social; with mean 0.02 the three
# levels give observed success about 1x, 2x and 3.5x the prior mean.
LOW_PRIOR = {"learning.prior_alpha": 0.2, "learning.prior_beta": 9.8}  # mean 0.02
PRIORS = ({}, LOW_PRIOR)  # calibrated (no override), low
SNAPSHOT_WEEK = 104.0  # active share at two years: a measure of speed
# Calibrated values of every parameter the design varies. `simulate` checks
# them against the model's resolved scenarios, so the analysis masks below
# cannot silently drift from `sim/params.py`.
DEFAULTS = {
    "learning.sharing": 0.3,
    "market.p_hire_social": 0.64,
    "decision.omega": 0.5,
    "platforms.digital_exponent": 2.5,
    "market.foundation_traditional": 0.5,
    "learning.complexity_sharing_per_week": 0.02,
    "learning.prior_alpha": 1.0,
    "learning.prior_beta": 9.0,
}
PRIOR_MEAN = DEFAULTS["learning.prior_alpha"] / (
    DEFAULTS["learning.prior_alpha"] + DEFAULTS["learning.prior_beta"]
)
LOW_PRIOR_MEAN = LOW_PRIOR["learning.prior_alpha"] / sum(LOW_PRIOR.values())
TS_COLUMNS = ("time", "share_active_candidates", "share_active_recruiters", "share_active")


@dataclass(frozen=True)
class Arm:
    """One simulated condition: a scenario file and dotted overrides.

    Attributes:
        scenario: file stem in `scenarios/`.
        overrides: dotted parameter overrides passed to `sim.load_scenario`.
    """

    scenario: str
    overrides: dict[str, float] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """A unique, readable identifier of the arm."""
        parts = [self.scenario, *(f"{k}={v:g}" for k, v in sorted(self.overrides.items()))]
        return "|".join(parts)


def design() -> list[Arm]:
    """All arms of the three parts, each once (shared arms are run once).

    Returns:
        Unique arms in a stable order.
    """
    arms = [Arm(name) for name in PART1]
    for _, overrides in THESIS_SETTINGS:
        arms += [Arm(BASELINE, overrides), Arm(FOUNDATIONS, overrides), Arm(DIGITAL, overrides)]
    for prior in PRIORS:
        for p_hire in P_HIRE_LEVELS:
            setting = {**prior, "market.p_hire_social": p_hire}
            for value in SHARING_VALUES:
                arms.append(Arm(BASELINE, {**setting, "learning.sharing": value}))
            no_relief = {"learning.sharing": 0.9, "learning.complexity_sharing_per_week": 0.0}
            arms.append(Arm(BASELINE, {**setting, **no_relief}))
    # Overrides equal to the defaults name the same run: normalise and dedupe.
    unique: dict[str, Arm] = {}
    for arm in arms:
        overrides = {k: v for k, v in arm.overrides.items() if not _is_default(k, v)}
        normal = Arm(arm.scenario, overrides)
        unique.setdefault(normal.key, normal)
    return list(unique.values())


def _is_default(key: str, value: float) -> bool:
    return key in DEFAULTS and math.isclose(DEFAULTS[key], value)


# ---------------------------------------------------------------------------
# Simulation (the only part that imports the model)
# ---------------------------------------------------------------------------


def recruiter_contacts(state: Any) -> float:
    """Social contacts made by recruiters during the step (one recruiter per contact)."""
    return float(state.flows.contacts[~state.actors.is_candidate].sum())


def run_tracked(scenario: Any, seed: int) -> tuple[Any, int]:
    """`sim.run`, plus the social contacts recruiters made over the run.

    The contacts are an extra timeseries column (`new_contacts`), so social
    hires / contacts is the success rate actors actually observed.

    Returns:
        (the `RunResult`, total social contacts).
    """
    import sim

    result = sim.run(scenario, seed, extra_columns={"new_contacts": recruiter_contacts})
    return result, int(result.timeseries["new_contacts"].sum())


def simulate(
    arms: Sequence[Arm],
    seeds: Sequence[int],
    workers: int = 1,
    log: Callable[[str], None] = print,
    common: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every arm with the same seeds.

    Args:
        arms: conditions to run.
        seeds: one run per seed, identical for every arm.
        workers: processes (1 = in this process); one pool serves every arm.
        log: progress sink.
        common: overrides added to every arm (e.g. `run.steps` for a smoke test).

    Returns:
        (summary, timeseries): one summary row per (arm, seed) with the
        resolved parameters of `PARAMS`, the observed success per social
        contact and the vacancy accounting (vacancies created = total hires
        + change in open vacancies), and the long timeseries of `TS_COLUMNS`
        with `arm` and `seed` columns.

    Raises:
        ValueError: if a parameter the design varies, where an arm does not
            set it, resolves to something other than `DEFAULTS` (the
            analysis would then mislabel the arm).

    Vacancies arrive whatever the arm (Poisson per recruiter and week) and
    are drawn from the market's own arrivals stream, so paired runs receive
    the same vacancies and total hires are compared raw;
    `arrival_pairing` verifies this from `vacancies_created`.
    """
    import sim

    rows: list[dict[str, Any]] = []
    frames: list[pd.DataFrame] = []
    start = time.perf_counter()
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn")) if workers > 1 else None
    try:
        for i, arm in enumerate(arms, 1):
            overrides = {**arm.overrides, **(common or {})}
            scenario = sim.load_scenario(SCENARIOS / f"{arm.scenario}.toml", overrides=overrides)
            resolved = scenario.to_dict()
            params = {col: _dotted(resolved, key) for col, key in PARAMS}
            for key, default in DEFAULTS.items():
                value = _dotted(resolved, key)
                if key not in overrides and not math.isclose(value, default):
                    raise ValueError(
                        f"{arm.key}: {key} resolves to {value:g}, not the design's default "
                        f"{default:g}; update DEFAULTS in {Path(__file__).name}"
                    )
            t0 = time.perf_counter()
            if pool is None:
                results = [run_tracked(scenario, seed) for seed in seeds]
            else:
                futures = [pool.submit(run_tracked, scenario, seed) for seed in seeds]
                results = [f.result() for f in futures]
            for result, contacts in results:
                ts = result.timeseries
                last = ts.iloc[-1]
                snap = ts.loc[ts["time"] <= SNAPSHOT_WEEK].iloc[-1]
                hires = result.summary["cum_hires_social"]
                open_vacancies = ts["n_vacancies_open"].to_numpy()
                created = result.summary["cum_hires"] + open_vacancies[-1] - open_vacancies[0]
                rows.append(
                    {
                        "arm": arm.key,
                        "scenario": arm.scenario,
                        **params,
                        "seed": result.seed,
                        **result.summary,
                        "social_contacts": contacts,
                        "observed_success": hires / contacts if contacts else math.nan,
                        "vacancies_created": int(created),
                        "vacancies_open_final": int(open_vacancies[-1]),
                        "vacancies_open_mean": float(open_vacancies.mean()),
                        "final_belief_candidates": float(last["mean_belief_candidates"]),
                        "final_belief_recruiters": float(last["mean_belief_recruiters"]),
                        "share_active_candidates_w104": float(snap["share_active_candidates"]),
                        "share_active_recruiters_w104": float(snap["share_active_recruiters"]),
                    }
                )
                frames.append(ts[list(TS_COLUMNS)].assign(arm=arm.key, seed=result.seed))
            log(
                f"[{i}/{len(arms)}] {arm.key}: {len(seeds)} runs in "
                f"{time.perf_counter() - t0:.0f} s (total {time.perf_counter() - start:.0f} s)"
            )
    finally:
        if pool is not None:
            pool.shutdown()
    return pd.DataFrame(rows), pd.concat(frames, ignore_index=True)


def _dotted(tree: dict[str, Any], key: str) -> float:
    node: Any = tree
    for part in key.split("."):
        node = node[part]
    return float(node)


# ---------------------------------------------------------------------------
# Analysis: DataFrames in, DataFrames out
# ---------------------------------------------------------------------------


def prior_mean(summary: pd.DataFrame) -> pd.Series:
    """Mean of each row's Beta prior on contact success, alpha / (alpha + beta)."""
    return summary["prior_alpha"] / (summary["prior_alpha"] + summary["prior_beta"])


def _matches(summary: pd.DataFrame, values: dict[str, float]) -> pd.Series:
    """Rows whose resolved parameters (columns of `PARAMS`) equal `values` (dotted keys)."""
    at = pd.Series(True, index=summary.index)
    for col, key in PARAMS:
        if key in values:
            at &= np.isclose(summary[col], values[key])
    return at


def defaults_mask(summary: pd.DataFrame) -> pd.Series:
    """Rows run with every explicit parameter at its calibrated default (`DEFAULTS`)."""
    return _matches(summary, DEFAULTS)


def paired(
    summary: pd.DataFrame, treat: pd.Series, base: pd.Series, metric: str
) -> dict[str, float | int]:
    """Paired effect (treatment - baseline) of `metric`, matched on seed.

    Args:
        summary: the summary table.
        treat: mask of the treatment arm's rows.
        base: mask of the baseline arm's rows.
        metric: column to compare.

    Returns:
        `paired_effect`'s dict, plus the two arms' means.
    """
    t = summary.loc[treat].set_index("seed")[metric]
    b = summary.loc[base].set_index("seed")[metric]
    if t.index.has_duplicates or b.index.has_duplicates:
        raise ValueError(f"more than one run per seed in an arm ({metric})")
    common = t.index.intersection(b.index)
    if common.empty:
        raise ValueError(f"no common seeds to pair on ({metric})")
    out = paired_effect(t.loc[common].to_numpy(), b.loc[common].to_numpy())
    return {
        **out,
        "treat_mean": float(t.loc[common].mean()),
        "base_mean": float(b.loc[common].mean()),
    }


EFFECT_METRICS = (
    ("cum_hires_social", "social-channel hires"),
    ("cum_hires", "total hires"),
    ("final_share_active_candidates", "final active share, candidates"),
    ("final_share_active_recruiters", "final active share, recruiters"),
    ("cum_cost", "cost"),
    ("vacancies_open_mean", "mean open vacancies"),
    ("observed_success", "observed success per social contact"),
)


def effects_vs_baseline(summary: pd.DataFrame) -> pd.DataFrame:
    """Effects of the four interventions vs baseline (part 1), paired by seed.

    Returns:
        One row per (scenario, metric) with effect, lower, upper, n and means.
    """
    default = defaults_mask(summary)
    base = default & (summary["scenario"] == BASELINE)
    rows = []
    for scenario in PART1[1:]:
        treat = default & (summary["scenario"] == scenario)
        for metric, label in EFFECT_METRICS:
            rows.append(
                {"scenario": scenario, "metric": metric, "label": label}
                | paired(summary, treat, base, metric)
            )
    return pd.DataFrame(rows)


def cost_per_extra(effects: pd.DataFrame, metric: str = "cum_hires_social") -> pd.DataFrame:
    """Cost per extra hire, with the interval obtained by inverting the effect's CI.

    The cost of an intervention is fixed by its reach (the same for every
    seed), so the only uncertainty is in the denominator: when the effect's
    interval lies above zero, cost / upper .. cost / lower bounds the ratio;
    otherwise the ratio is unbounded (reported as NaN bounds).

    Returns:
        One row per scenario: cost, effect, ratio, lower, upper.
    """
    rows = []
    for scenario, group in effects.groupby("scenario", sort=False):
        cost = float(group.loc[group["metric"] == "cum_cost", "treat_mean"].iloc[0])
        eff = group.loc[group["metric"] == metric].iloc[0]
        ratio = cost / eff["effect"] if eff["effect"] > 0 else math.nan
        if eff["lower"] > 0:
            lower, upper = cost / eff["upper"], cost / eff["lower"]
        else:
            lower = upper = math.nan
        rows.append(
            {
                "scenario": scenario,
                "cost": cost,
                "effect": eff["effect"],
                "ratio": ratio,
                "lower": lower,
                "upper": upper,
            }
        )
    return pd.DataFrame(rows)


def interaction(summary: pd.DataFrame) -> pd.DataFrame:
    """Complementarity of training and sharing: (TS - F) - (S - B), paired by seed.

    Positive means training and communities together do more than the sum
    of each alone.

    Returns:
        One row per metric with effect, lower, upper, n.
    """
    default = defaults_mask(summary)
    rows = []
    for metric, label in EFFECT_METRICS[:4]:
        by = {
            s: summary.loc[default & (summary["scenario"] == s)].set_index("seed")[metric]
            for s in (BASELINE, FOUNDATIONS, SHARING, TRAINING_SHARING)
        }
        seeds = by[BASELINE].index
        contrast = (
            by[TRAINING_SHARING].loc[seeds]
            - by[FOUNDATIONS].loc[seeds]
            - by[SHARING].loc[seeds]
            + by[BASELINE].loc[seeds]
        )
        rows.append(
            {"metric": metric, "label": label}
            | paired_effect(contrast.to_numpy(), np.zeros(len(seeds)))
        )
    return pd.DataFrame(rows)


def _setting_mask(summary: pd.DataFrame, overrides: dict[str, float]) -> pd.Series:
    """Rows at one thesis setting, every other explicit parameter at its default."""
    return _matches(summary, {**DEFAULTS, **overrides})


def training_by_setting(summary: pd.DataFrame) -> pd.DataFrame:
    """Each training minus the baseline at the same (omega, gamma, e), paired by seed.

    Answers "does this training raise social / total hires at all" where
    the thesis table only compares the two trainings.

    Returns:
        One row per (setting, scenario, metric) with effect, lower, upper, n
        and both arms' means.
    """
    rows = []
    for label, overrides in THESIS_SETTINGS:
        at = _setting_mask(summary, overrides)
        base = at & (summary["scenario"] == BASELINE)
        if not base.any():
            continue
        for scenario in (FOUNDATIONS, DIGITAL):
            for metric in ("cum_hires_social", "cum_hires", "final_share_active_candidates"):
                eff = paired(summary, at & (summary["scenario"] == scenario), base, metric)
                rows.append({"setting": label, "scenario": scenario, "metric": metric, **eff})
    return pd.DataFrame(rows)


def thesis_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Foundations minus digital training per setting of (omega, gamma, e), paired by seed.

    Returns:
        One row per (setting, metric) with effect, lower, upper, n and both
        arms' means, plus a `verdict`: "foundations" / "digital" when the
        interval excludes zero, "tie" otherwise.
    """
    rows = []
    for label, overrides in THESIS_SETTINGS:
        values = {
            "omega": overrides.get("decision.omega", 0.5),
            "gamma": overrides.get("platforms.digital_exponent", 2.5),
            "e": overrides.get("market.foundation_traditional", 0.5),
        }
        at = _setting_mask(summary, overrides)
        for metric in ("cum_hires_social", "cum_hires", "final_share_active_candidates"):
            eff = paired(
                summary,
                at & (summary["scenario"] == FOUNDATIONS),
                at & (summary["scenario"] == DIGITAL),
                metric,
            )
            verdict = (
                "foundations" if eff["lower"] > 0 else "digital" if eff["upper"] < 0 else "tie"
            )
            rows.append(
                {
                    "setting": label,
                    **values,
                    "metric": metric,
                    **eff,
                    "verdict": verdict,
                    "seeds_to_resolve": seeds_to_resolve(eff),
                }
            )
    return pd.DataFrame(rows)


def seeds_to_resolve(eff: dict[str, float | int]) -> float:
    """Seeds needed for a 95% interval to exclude zero, if the observed effect and spread held.

    The spread of the paired differences is recovered from the interval's
    half-width; the answer is the normal approximation (1.96 sd / |effect|)^2.

    Args:
        eff: a `paired_effect` dict (effect, lower, upper, n).

    Returns:
        The number of seeds (rounded up), infinite for a zero effect.
    """
    n = int(eff["n"])
    if n < 2 or eff["effect"] == 0:
        return math.inf
    t = float(stats.t.ppf(0.975, n - 1))
    sd = (float(eff["upper"]) - float(eff["effect"])) / t * math.sqrt(n)
    return float(math.ceil((1.96 * sd / abs(float(eff["effect"]))) ** 2))


SHARING_METRICS = (
    "final_share_active_candidates",
    "final_share_active_recruiters",
    "share_active_candidates_w104",
    "share_active_recruiters_w104",
    "final_belief_candidates",
    "final_belief_recruiters",
    "observed_success",
    "cum_hires_social",
    "cum_hires",
)


def sharing_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Sharing sweep in the baseline: levels and paired effects vs sharing = 0.

    Rows for every (prior mean, p_hire, complexity-sharing rate, sharing)
    present among baseline runs with omega, gamma, e at their defaults.

    Returns:
        Per condition and metric: mean with its 95% interval and the paired
        effect vs the same prior and contact-success level with sharing = 0.
    """
    base = (
        (summary["scenario"] == BASELINE)
        & np.isclose(summary["omega"], 0.5)
        & np.isclose(summary["gamma"], 2.5)
        & np.isclose(summary["e"], 0.5)
    )
    summary = summary.assign(prior_mean=prior_mean(summary))
    rows = []
    keys = ["prior_mean", "p_hire", "cx_sharing", "sharing"]
    conditions = summary.loc[base, keys].drop_duplicates()
    for _, cond in conditions.sort_values(keys).iterrows():
        level = (
            base
            & np.isclose(summary["prior_mean"], cond["prior_mean"])
            & np.isclose(summary["p_hire"], cond["p_hire"])
        )
        at = level & np.isclose(summary["cx_sharing"], cond["cx_sharing"])
        here = at & np.isclose(summary["sharing"], cond["sharing"])
        zero = at & np.isclose(summary["sharing"], 0.0)
        if not zero.any():  # sharing = 0 makes the complexity rate irrelevant
            zero = level & np.isclose(summary["sharing"], 0.0)
        for metric in SHARING_METRICS:
            mean, lower, upper = mean_ci(summary.loc[here, metric].to_numpy())
            eff = paired(summary, here, zero, metric)
            rows.append(
                {
                    "prior_mean": cond["prior_mean"],
                    "p_hire": cond["p_hire"],
                    "cx_sharing": cond["cx_sharing"],
                    "sharing": cond["sharing"],
                    "metric": metric,
                    "mean": float(mean),
                    "mean_lower": float(lower),
                    "mean_upper": float(upper),
                    "effect": eff["effect"],
                    "lower": eff["lower"],
                    "upper": eff["upper"],
                    "n": eff["n"],
                }
            )
    return pd.DataFrame(rows)


CROSSOVER_METRICS = (
    ("final_belief_recruiters", "belief_r"),
    ("final_belief_candidates", "belief_c"),
    ("final_share_active_candidates", "active_c"),
    ("final_share_active_recruiters", "active_r"),
    ("share_active_candidates_w104", "active_c_w104"),
    ("cum_hires_social", "cum_hires_social"),
    ("cum_hires", "cum_hires"),
)


def crossover_long(table: pd.DataFrame) -> pd.DataFrame:
    """Observed success vs prior mean, and what strong sharing (0.9) does, per setting.

    Args:
        table: `sharing_table`'s output.

    Returns:
        One row per (prior mean, contact success, relief on/off, metric of
        `CROSSOVER_METRICS`): the observed success per contact without
        sharing (mean, 95% interval), its ratio to the prior mean, and the
        paired effect of sharing = 0.9 vs 0 (effect, lower, upper, n).
    """
    rows = []
    for (prior, p_hire), grp in table.groupby(["prior_mean", "p_hire"], sort=True):

        def pick(metric: str, sharing: float, relief: bool, frame: pd.DataFrame = grp) -> Any:
            sel = frame.loc[
                (frame["metric"] == metric)
                & np.isclose(frame["sharing"], sharing)
                & ((frame["cx_sharing"] > 0) == relief)
            ]
            return sel.iloc[0] if len(sel) else None

        seen = pick("observed_success", 0.0, True)
        if seen is None:
            continue
        head = {
            "prior_mean": prior,
            "p_hire": p_hire,
            "observed_success": seen["mean"],
            "observed_lower": seen["mean_lower"],
            "observed_upper": seen["mean_upper"],
            "observed_over_prior": seen["mean"] / prior,
        }
        for relief in (True, False):
            for metric, _ in CROSSOVER_METRICS:
                eff = pick(metric, 0.9, relief)
                if eff is None:
                    continue
                rows.append(
                    head
                    | {"relief": relief, "metric": metric}
                    | {k: eff[k] for k in ("effect", "lower", "upper", "n")}
                )
    return pd.DataFrame(rows)


def crossover_table(long: pd.DataFrame) -> pd.DataFrame:
    """`crossover_long` as a wide table of "effect [lower, upper]" strings, one row per setting."""
    short = dict(CROSSOVER_METRICS)
    rows = []
    keys = ["prior_mean", "p_hire"]
    head_cols = [*keys, "observed_success", "observed_lower", "observed_upper"]
    for _, grp in long.groupby(keys, sort=True):
        row: dict[str, Any] = grp.iloc[0][[*head_cols, "observed_over_prior"]].to_dict()
        for _, eff in grp.iterrows():
            tag = "" if eff["relief"] else "_no_relief"
            row[f"d_{short[eff['metric']]}{tag}"] = (
                f"{eff['effect']:+.3g} [{eff['lower']:+.3g}, {eff['upper']:+.3g}]"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def part1_levels(summary: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% interval of the KPIs of the five part-1 scenarios."""
    default = defaults_mask(summary)
    rows = []
    metrics = [m for m, _ in EFFECT_METRICS] + ["social_hire_share", "t_half_final_candidates"]
    for scenario in PART1:
        at = default & (summary["scenario"] == scenario)
        for metric in metrics:
            mean, lower, upper = mean_ci(summary.loc[at, metric].to_numpy())
            rows.append(
                {
                    "scenario": scenario,
                    "metric": metric,
                    "mean": float(mean),
                    "lower": float(lower),
                    "upper": float(upper),
                    "n": int(at.sum()),
                }
            )
    return pd.DataFrame(rows)


def arrival_pairing(summary: pd.DataFrame) -> pd.DataFrame:
    """Are paired runs fed the same vacancies? Spread of vacancies created across arms, per seed.

    Vacancies created = total hires + (open at the end - open at the start).
    If every arm received the same arrivals for a seed, the spread is 0 and
    the paired difference of total hires is exactly minus the paired
    difference of the vacancies still open at the end: no arrival noise to
    adjust for.

    Returns:
        One row per seed: arms, min, max and spread (max - min) of
        `vacancies_created`.
    """
    grouped = summary.groupby("seed")["vacancies_created"]
    out = grouped.agg(arms="count", min="min", max="max").reset_index()
    return out.assign(spread=out["max"] - out["min"])


# ---------------------------------------------------------------------------
# Plots: DataFrames in, PNG files out
# ---------------------------------------------------------------------------


def plot_curves(summary: pd.DataFrame, timeseries: pd.DataFrame, path: Path) -> None:
    """Active share over time, candidates and recruiters, mean and 95% band per scenario."""
    default = defaults_mask(summary)
    arms = summary.loc[default & summary["scenario"].isin(PART1), ["arm", "scenario"]]
    arms = arms.drop_duplicates()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, kind in zip(axes, ("candidates", "recruiters"), strict=True):
        for arm, scenario in arms.itertuples(index=False):
            ts = timeseries.loc[timeseries["arm"] == arm]
            wide = ts.pivot(index="seed", columns="time", values=f"share_active_{kind}")
            mean, lower, upper = mean_ci(wide.to_numpy(), axis=0)
            t = wide.columns.to_numpy()
            ax.plot(t, mean, color=COLOURS[scenario], label=LABELS[scenario], lw=1.6)
            ax.fill_between(t, lower, upper, color=COLOURS[scenario], alpha=0.2, lw=0)
        ax.axvline(26, color="0.6", ls=":", lw=1)
        ax.set_title(f"{kind.capitalize()}: share ACTIVE on the social channel")
        ax.set_xlabel("week (interventions at week 26, dotted)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("share of actors active")
    n = wide.shape[0]
    axes[1].legend(loc="lower right", fontsize=8, title=f"mean and 95% band, N={n} seeds")
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def _forest(ax: plt.Axes, labels: list[str], eff: pd.DataFrame, colours: list[str]) -> None:
    y = np.arange(len(labels))[::-1]
    for yi, (_, row), colour in zip(y, eff.iterrows(), colours, strict=True):
        err = [[row["effect"] - row["lower"]], [row["upper"] - row["effect"]]]
        ax.errorbar(row["effect"], yi, xerr=err, fmt="o", color=colour, capsize=3, ms=5)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(y, labels)
    ax.grid(axis="x", alpha=0.3)


def plot_effects(
    effects: pd.DataFrame, costs: pd.DataFrame, costs_total: pd.DataFrame, path: Path
) -> None:
    """Effects vs baseline with 95% CIs on hires and active shares; cost; cost per extra hire.

    The last panel shows the cost per extra social hire (circles) and per
    extra hire in all (squares), where the effect's interval lies above zero.
    """
    scen = list(PART1[1:])
    labels = [LABELS[s] for s in scen]
    colours = [COLOURS[s] for s in scen]
    panels = [m for m, _ in EFFECT_METRICS[:4]]
    fig, axes = plt.subplots(2, 3, figsize=(13, 6.2))
    for ax, metric in zip(axes.flat, panels, strict=False):
        eff = effects.loc[effects["metric"] == metric].set_index("scenario").loc[scen]
        _forest(ax, labels, eff, colours)
        ax.set_title("Δ " + dict(EFFECT_METRICS)[metric], fontsize=10)
    ax = axes.flat[4]
    cost = costs.set_index("scenario").loc[scen]
    y = np.arange(len(scen))[::-1]
    ax.barh(y, cost["cost"] / 1000, color=colours)
    ax.set_yticks(y, labels)
    ax.set_title("cost of the intervention (thousands)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    ax = axes.flat[5]
    shown = False
    for table, marker, offset, what in (
        (costs, "o", 0.12, "social"),
        (costs_total, "s", -0.12, "total"),
    ):
        rows = table.set_index("scenario").loc[scen]
        for yi, (_, row), colour in zip(y, rows.iterrows(), colours, strict=True):
            if np.isfinite(row["lower"]):
                shown = True
                ax.errorbar(
                    row["ratio"] / 1000,
                    yi + offset,
                    xerr=[
                        [(row["ratio"] - row["lower"]) / 1000],
                        [(row["upper"] - row["ratio"]) / 1000],
                    ],
                    fmt=marker,
                    mfc="none" if marker == "s" else colour,
                    color=colour,
                    capsize=3,
                )
            else:
                why = "no gain" if not row["effect"] > 0 else "gain's interval includes 0"
                ax.text(
                    0.02,
                    yi + offset,
                    f"{what}: not defined ({why})",
                    va="center",
                    fontsize=7,
                    color=colour,
                    transform=ax.get_yaxis_transform(),
                )
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.5, len(scen) - 0.5)
    if shown:
        ax.set_xscale("log")
        ax.grid(axis="x", alpha=0.3)
    else:
        ax.set_xticks([])
    ax.set_title(
        "cost per extra hire, thousands, log scale\n● social hire, □ hire in all", fontsize=9
    )
    n = int(effects["n"].iloc[0])
    fig.suptitle(f"Effects vs baseline: paired differences, 95% t intervals, N={n} seeds")
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def plot_thesis(thesis: pd.DataFrame, path: Path) -> None:
    """Foundations minus digital training, social and total hires, per (omega, gamma, e) setting."""
    metrics = (
        ("cum_hires_social", "social-channel hires"),
        ("cum_hires", "total hires"),
    )
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
    for ax, (metric, title) in zip(axes, metrics, strict=True):
        eff = thesis.loc[thesis["metric"] == metric].reset_index(drop=True)
        colours = [
            "tab:blue" if lo > 0 else "tab:orange" if hi < 0 else "0.5"
            for lo, hi in zip(eff["lower"], eff["upper"], strict=True)
        ]
        _forest(ax, list(eff["setting"]), eff, colours)
        ax.set_title(f"{title}: foundations - digital training", fontsize=10)
        ax.set_xlabel("paired difference (blue: foundations win, orange: digital wins)")
    n = int(thesis["n"].iloc[0])
    fig.suptitle(f"Does foundations training beat digital-only training? 95% t intervals, N={n}")
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def _setting_style(prior: float, p_hire: float) -> dict[str, Any]:
    """Colour by contact success (`P_HIRE_LEVELS`), line and marker by prior."""
    colours = ("tab:red", "0.2", "tab:green")
    colour = "tab:gray"
    for level, c in zip(P_HIRE_LEVELS, colours, strict=True):
        if math.isclose(level, p_hire):
            colour = c
    low = not math.isclose(prior, PRIOR_MEAN)
    return {"color": colour, "ls": "--" if low else "-", "marker": "^" if low else "o"}


def plot_sharing(table: pd.DataFrame, path: Path) -> None:
    """Final active shares, beliefs and observed success against the sharing weight.

    One series per (prior mean, contact success): colour = contact success,
    solid line = calibrated prior, dashed = low prior. Top row: levels (mean
    and 95% interval over seeds; beliefs and observed success on a log
    scale, with the prior means dashed). Bottom row: paired effect of each
    sharing weight vs sharing = 0 in the same setting (below zero: sharing
    lowers it). Hollow squares: sharing 0.9 with sharing's effect on
    perceived complexity switched off.
    """
    panels = (
        ("final_share_active_candidates", "candidates: final active share"),
        ("final_share_active_recruiters", "recruiters: final active share"),
        ("final_belief_recruiters", "recruiters: expected success (belief)"),
        ("observed_success", "observed success (social hires / contact)"),
    )
    fig, axes = plt.subplots(2, 4, figsize=(18, 8.4), sharex=True)
    for col, (metric, title) in enumerate(panels):
        sub = table.loc[table["metric"] == metric]
        for row, (centre, low, high) in enumerate(
            (("mean", "mean_lower", "mean_upper"), ("effect", "lower", "upper"))
        ):
            ax = axes[row, col]
            for (prior, p_hire, cx), grp in sub.groupby(["prior_mean", "p_hire", "cx_sharing"]):
                grp = grp.sort_values("sharing")
                style = _setting_style(prior, p_hire)
                setting = f"prior {prior:.2g}, p_hire_social={p_hire:g}"
                if cx > 0:
                    ax.plot(grp["sharing"], grp[centre], ms=4, label=setting, **style)
                    ax.fill_between(
                        grp["sharing"], grp[low], grp[high], color=style["color"], alpha=0.12, lw=0
                    )
                else:
                    grp = grp.loc[grp["sharing"] > 0]
                    err = np.vstack([grp[centre] - grp[low], grp[high] - grp[centre]])
                    shift = 0.03 if style["ls"] == "--" else 0.015
                    ax.errorbar(
                        grp["sharing"] + shift,
                        grp[centre],
                        yerr=err,
                        fmt="s",
                        mfc="none",
                        color=style["color"],
                        capsize=3,
                        label=f"{setting}, no complexity relief",
                    )
            if row == 1:
                ax.axhline(0, color="0.3", lw=0.8)
                ax.set_title(f"Δ {title} vs sharing 0", fontsize=9)
                ax.set_xlabel("learning.sharing (weight of neighbours' outcomes)")
            else:
                ax.set_title(title, fontsize=9)
                if metric in ("final_belief_recruiters", "observed_success"):
                    ax.set_yscale("log")
                    for value in (PRIOR_MEAN, LOW_PRIOR_MEAN):
                        ax.axhline(value, color="0.5", ls=":", lw=1)
                        ax.text(0.0, value, f"prior mean {value:g}", va="bottom", fontsize=7)
            ax.grid(alpha=0.3)
    n = int(table["n"].iloc[0])
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=7.5, frameon=False)
    fig.suptitle(
        f"Sharing sweep in the baseline, N={n} paired seeds per point; top: mean and 95% "
        "interval; bottom: paired effect vs no sharing, 95% t interval"
    )
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=130)
    plt.close(fig)


def plot_crossover(long: pd.DataFrame, path: Path) -> None:
    """Effect of strong sharing (0.9 vs 0) against observed success / prior mean.

    One point per (prior mean, contact success) setting, at the ratio of the
    success actors observe (no sharing) to their prior mean, log scale; the
    crossover is the dotted line at 1. Top row: the model as calibrated
    (sharing also lowers perceived complexity); bottom row: that relief
    switched off, so sharing acts through beliefs only. Beliefs are shown
    relative to the prior mean, so both priors share one scale.
    """
    panels = (
        ("final_belief_candidates", "candidates' belief, Δ / prior mean", 1.0),
        ("final_belief_recruiters", "recruiters' belief, Δ / prior mean", 1.0),
        ("final_share_active_candidates", "candidates active at week 260, Δ pp", 100.0),
        ("final_share_active_recruiters", "recruiters active at week 260, Δ pp", 100.0),
        ("share_active_candidates_w104", "candidates active at week 104, Δ pp", 100.0),
    )
    rows = ((True, "with complexity relief (as calibrated)"), (False, "beliefs only (no relief)"))
    fig, axes = plt.subplots(2, len(panels), figsize=(20, 8), sharex=True)
    ticks = (0.2, 0.5, 1.0, 2.0, 5.0)
    for (relief, what), line in zip(rows, axes, strict=True):
        for ax, (metric, title, scale) in zip(line, panels, strict=True):
            sub = long.loc[(long["metric"] == metric) & (long["relief"] == relief)]
            for _, row in sub.iterrows():
                style = _setting_style(row["prior_mean"], row["p_hire"])
                factor = 1.0 / row["prior_mean"] if metric.startswith("final_belief") else scale
                ax.errorbar(
                    row["observed_over_prior"],
                    row["effect"] * factor,
                    yerr=[
                        [(row["effect"] - row["lower"]) * factor],
                        [(row["upper"] - row["effect"]) * factor],
                    ],
                    fmt=style["marker"],
                    color=style["color"],
                    mfc=style["color"] if relief else "none",
                    capsize=3,
                    ms=6,
                )
            ax.axhline(0, color="0.3", lw=0.8)
            ax.axvline(1, color="0.4", ls=":", lw=1.2)
            ax.set_xscale("log")
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.set_xlim(0.15, 6.0)
            ax.set_title(f"{title}\n{what}", fontsize=9)
            ax.grid(alpha=0.3)
            if not relief:
                ax.set_xlabel("observed success per contact / prior mean")
    handles = [
        plt.Line2D(
            [],
            [],
            color=_setting_style(prior, ph)["color"],
            ls="",
            marker=_setting_style(prior, ph)["marker"],
            label=f"prior {prior:g}, p_hire_social={ph:g}",
        )
        for prior in (PRIOR_MEAN, LOW_PRIOR_MEAN)
        for ph in P_HIRE_LEVELS
    ]
    fig.legend(handles=handles, loc="lower center", ncol=6, fontsize=8, frameon=False)
    n = int(long["n"].iloc[0]) if len(long) else 0
    fig.suptitle(
        "Sharing 0.9 vs no sharing, by where observed success sits relative to the prior "
        f"(left of the dotted line: below the prior). Paired, 95% t intervals, N={n}"
    )
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=130)
    plt.close(fig)


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


def markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    """A DataFrame as a GitHub markdown table (numbers to `digits` significant digits)."""

    def cell(value: Any) -> str:
        if isinstance(value, float | np.floating):
            return "nan" if not np.isfinite(value) else f"{value:.{digits}g}"
        return str(value)

    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def analyse(summary: pd.DataFrame, timeseries: pd.DataFrame, out: Path) -> None:
    """Compute every table, print them as markdown, and write the figures to `out`."""
    out.mkdir(parents=True, exist_ok=True)
    levels = part1_levels(summary)
    effects = effects_vs_baseline(summary)
    costs = cost_per_extra(effects)
    costs_total = cost_per_extra(effects, "cum_hires")
    inter = interaction(summary)
    thesis = thesis_table(summary)
    by_setting = training_by_setting(summary)
    shar = sharing_table(summary)
    long = crossover_long(shar)
    cross = crossover_table(long)
    arrivals = arrival_pairing(summary)
    cols = ["effect", "lower", "upper", "n"]
    same = bool((arrivals["spread"] == 0).all())
    print("\n## Arrival pairing: vacancies created per seed across all arms\n")
    print(
        f"identical across the {int(arrivals['arms'].max())} arms for every seed: "
        f"{'yes' if same else 'NO'}; largest spread {int(arrivals['spread'].max())}"
    )
    print(markdown(arrivals, 6))
    print("\n## Part 1: levels (mean, 95% CI)\n")
    print(markdown(levels, 4))
    print("\n## Part 1: effects vs baseline (paired)\n")
    print(markdown(effects[["scenario", "metric", *cols, "base_mean", "treat_mean"]], 3))
    print("\n## Part 1: cost per extra social hire\n")
    print(markdown(costs, 3))
    print("\n## Part 1: cost per extra hire (total)\n")
    print(markdown(costs_total, 3))
    print("\n## Part 1: cost per extra percentage point of active candidates (week 260)\n")
    per_pp = cost_per_extra(effects, "final_share_active_candidates")
    per_pp[["effect", "ratio", "lower", "upper"]] = per_pp[
        ["effect", "ratio", "lower", "upper"]
    ] * np.array([100.0, 0.01, 0.01, 0.01])
    print(markdown(per_pp, 3))
    print("\n## Part 1: interaction (TS - F - S + B)\n")
    print(markdown(inter[["metric", *cols]], 3))
    print("\n## Part 2: foundations - digital\n")
    shown = ["setting", "metric", *cols, "treat_mean", "base_mean", "verdict", "seeds_to_resolve"]
    print(markdown(thesis[shown], 3))
    print("\n## Part 2: each training minus the baseline at the same setting\n")
    print(
        markdown(by_setting[["setting", "scenario", "metric", *cols, "treat_mean", "base_mean"]], 3)
    )
    print("\n## Part 3: sharing sweep (paired effect vs sharing = 0; level = mean)\n")
    compact = shar.assign(
        level=shar["mean"],
        effect_ci=[
            f"{e:+.3g} [{lo:+.3g}, {hi:+.3g}]"
            for e, lo, hi in zip(shar["effect"], shar["lower"], shar["upper"], strict=True)
        ],
    )
    shown = ["prior_mean", "p_hire", "cx_sharing", "sharing", "level", "effect_ci", "n"]
    for metric, group in compact.groupby("metric", sort=False):
        print(f"\n### {metric}\n")
        print(markdown(group[shown], 3))
    print("\n## Part 3: crossover (observed success vs prior mean; effects of sharing 0.9)\n")
    print(markdown(cross, 3))
    plot_curves(summary, timeseries, out / "interventions_curves.png")
    plot_effects(effects, costs, costs_total, out / "interventions_effects.png")
    plot_thesis(thesis, out / "interventions_thesis.png")
    plot_sharing(shar, out / "interventions_sharing.png")
    plot_crossover(long, out / "interventions_crossover.png")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point.

    Args:
        argv: arguments (default: `sys.argv[1:]`).

    Returns:
        Process exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="seeds per arm (N)")
    parser.add_argument("--seed", type=int, default=1, help="root seed of the replications")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--data", type=Path, help="save the raw results (CSV) in this folder")
    parser.add_argument("--from-data", type=Path, help="skip simulation, read results from here")
    parser.add_argument("--steps", type=int, help="override run.steps (smoke tests only)")
    args = parser.parse_args(argv)
    if args.from_data:
        summary = pd.read_csv(args.from_data / "summary.csv")
        timeseries = pd.read_csv(args.from_data / "timeseries.csv.gz")
    else:
        import sim

        seeds = sim.replicate_seeds(args.seed, args.runs)
        arms = design()
        print(f"{len(arms)} arms x {len(seeds)} seeds = {len(arms) * len(seeds)} runs", flush=True)
        start = time.perf_counter()
        summary, timeseries = simulate(
            arms,
            seeds,
            args.workers,
            log=lambda m: print(m, file=sys.stderr, flush=True),
            common={"run.steps": args.steps} if args.steps else None,
        )
        print(f"simulation time: {time.perf_counter() - start:.0f} s", flush=True)
        if args.data:
            args.data.mkdir(parents=True, exist_ok=True)
            summary.to_csv(args.data / "summary.csv", index=False)
            timeseries.to_csv(args.data / "timeseries.csv.gz", index=False)
    analyse(summary, timeseries, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
