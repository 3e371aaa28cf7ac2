"""Validation report: Markdown, PNG figures and CSV tables from the suite's data.

Takes the tables that `sim.validation.run_validation` produces (check rows
and curves), never the model, so a report can be redrawn from the CSV files
it writes. Figures are drawn with Matplotlib's object API (`Figure`, PNG
through Agg), so no global backend or pyplot state is touched. Each figure
shows the simulated figure beside its reference:

- ``validation_bass.png``: mean share with its 95% band against the Euler
  recursion and the closed form, at dt = 1 and dt = 0.1, and the gaps;
- ``validation_watts.png``: frequency and mean size of global cascades
  against z, Watts' figures, and the analytic window shaded;
- ``validation_centola.png``: final share against rewiring for complex and
  simple contagion, and weeks to 90% against rewiring.

The mean-field checks (group ``mean-field``) have no figure: their rows in
the checks table hold the analytic value, the simulated one and the
tolerance, and a section of the report states what each compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

FIGURES = {
    "bass": "validation_bass.png",
    "watts": "validation_watts.png",
    "centola": "validation_centola.png",
}


def write_report(
    rows: pd.DataFrame,
    curves: Mapping[str, pd.DataFrame],
    meta: Mapping[str, Any],
    out_dir: Path,
) -> Path:
    """Write ``validation.md``, the figures and the CSV tables into `out_dir`.

    Args:
        rows: one row per check (columns of `sim.validation.ROW_COLUMNS`).
        curves: tables ``bass``, ``watts``, ``watts_window``, ``centola``.
        meta: ``mode``, ``seconds``, ``workers``, ``seeds``, ``plan``.
        out_dir: output folder (created if needed).

    Returns:
        Path of the Markdown report.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    rows.to_csv(out_dir / "validation_checks.csv", index=False)
    for name, table in curves.items():
        table.to_csv(out_dir / f"validation_{name}.csv", index=False)
    plot_bass(curves["bass"], out_dir / FIGURES["bass"])
    plot_watts(
        curves["watts"],
        curves["watts_window"],
        curves.get("watts_mean_field"),
        out_dir / FIGURES["watts"],
    )
    plot_centola(curves["centola"], out_dir / FIGURES["centola"])
    path = out_dir / "validation.md"
    path.write_text(render_markdown(rows, curves, meta), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (pipes escaped)."""
    return str(text).replace("|", "\\|")


def checks_markdown(rows: pd.DataFrame) -> str:
    """The checks as a Markdown table."""
    lines = [
        "| case | reference | simulated [95% interval] | runs | tolerance | criterion | result |",
        "|---|---|---|---:|---:|---|:---:|",
    ]
    for row in rows.itertuples(index=False):
        interval = "(analytic)" if row.n_runs == 0 else f"[{_fmt(row.lower)}, {_fmt(row.upper)}]"
        result = "pass" if row.passed else "**FAIL**"
        case, reference, criterion = (
            _cell(text) for text in (row.case, row.reference_text, row.criterion)
        )
        lines.append(
            f"| {case} | {reference} | {_fmt(row.simulated)} {interval} "
            f"| {row.n_runs} | {_fmt(row.tolerance)} | {criterion} | {result} |"
        )
    return "\n".join(lines)


def centola_markdown(centola: pd.DataFrame) -> str:
    """Final share (and weeks to 90%) against rewiring, one column per contagion."""
    lines = [
        "| rewire | complex: final share [95%] | complex: runs ≥ 10% "
        "| complex: weeks to 90% [95%] (runs there) | simple: final share "
        "| simple: weeks to 90% [95%] |",
        "|---:|---|---:|---|---|---|",
    ]
    complex_rows = centola[centola["contagion"] == "complex"].set_index("rewire")
    simple_rows = centola[centola["contagion"] == "simple"].set_index("rewire")
    for rewire in complex_rows.index:
        c, s = complex_rows.loc[rewire], simple_rows.loc[rewire]
        lines.append(
            f"| {rewire:g} | {c.final_mean:.3f} [{c.final_lower:.3f}, {c.final_upper:.3f}] "
            f"| {c.share_spread:.0%} | {_fmt(c.t90_mean)} [{_fmt(c.t90_lower)}, "
            f"{_fmt(c.t90_upper)}] ({c.n_reached_90}) | {s.final_mean:.3f} "
            f"| {_fmt(s.t90_mean)} [{_fmt(s.t90_lower)}, {_fmt(s.t90_upper)}] |"
        )
    return "\n".join(lines)


def watts_markdown(watts: pd.DataFrame) -> str:
    """Frequency and size of global cascades against z, beside Watts' figures."""
    lines = [
        "| z | runs | global cascades | frequency [95% Wilson] | Watts (2002) "
        "| mean field (n → ∞) | mean size of global cascades [95%] | longest run (steps) |",
        "|---:|---:|---:|---|---:|---:|---|---:|",
    ]
    for r in watts.itertuples(index=False):
        reference = (
            "—" if not np.isfinite(r.reference_frequency) else f"{r.reference_frequency:.2f}"
        )
        lines.append(
            f"| {r.z:g} | {r.n_runs} | {r.n_global} | {r.frequency:.3f} "
            f"[{r.frequency_lower:.3f}, {r.frequency_upper:.3f}] | {reference} "
            f"| {r.mean_field_frequency:.3f} "
            f"| {_fmt(r.size_mean)} [{_fmt(r.size_lower)}, {_fmt(r.size_upper)}] "
            f"| {r.max_steps} |"
        )
    return "\n".join(lines)


def render_markdown(
    rows: pd.DataFrame, curves: Mapping[str, pd.DataFrame], meta: Mapping[str, Any]
) -> str:
    """The whole report as Markdown text."""
    n_failed = int((~rows["passed"]).sum())
    verdict = "all checks pass" if n_failed == 0 else f"{n_failed} of {len(rows)} checks FAIL"
    window = curves["watts_window"].iloc[0]
    bass = curves["bass"]
    gap = {dt: (g["euler"] - g["closed_form"]).abs().max() for dt, g in bass.groupby("dt")}
    versions = ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items() if v)
    finished = meta.get("finished") or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""# recruitsim validation report ({meta["mode"]})

{verdict}; {len(rows)} checks, run time {meta["seconds"]:.0f} s with {meta["workers"]} worker(s),
{finished}, commit {meta.get("commit", "unknown")};
{versions}.
Root seeds: {", ".join(f"{k} {v}" for k, v in meta["seeds"].items())}
(replications from `sim.replicate_seeds`). Plan: {meta["plan"]}.

Tolerances: a full run uses the issue's tolerance for the number of runs it
states; a quick run widens it by the extra sampling error,
`tol(n) = sqrt(tol² + (1.96 sd)² (1/n - 1/n_full))`. Cascade frequencies pass
when the Newcombe interval of (simulated - reference), widened by 0.005 for
the reference's rounding, contains 0 (both are binomial estimates; Watts used
1,000 realisations); the comparisons over z form one family at 5%
family-wise error (Bonferroni). Mean-field checks pass when the mean over
independent runs (or actors) is within t·sd/√n of the analytic value, the t
quantile at 5% family-wise error over the family's comparisons (Bonferroni).
Intervals shown are 95%. See `docs/validation.md`.

## Checks

{checks_markdown(rows)}

## 1. Bass (1969) on a complete graph

![Bass: simulated against Euler and closed form]({FIGURES["bass"]})

The engine's `bass` rule activates a non-active actor with probability
(p + q·F)·dt per step, computed from the state at the start of the step: this
is one explicit Euler step of dF/dt = (p + qF)(1 - F). The expected curve is
therefore the Euler recursion at the step length used, whose global error is
first order in dt: the largest gap between the recursion and the closed form
is {gap.get(1.0, float("nan")):.4f} at dt = 1 and {gap.get(0.1, float("nan")):.4f}
at dt = 0.1 (tenfold smaller for a tenfold shorter step). At dt = 1 the
simulated curve lags the closed form by about 0.07 around the inflection and
t50 moves from 6.55 to 7.2 weeks; this is the scheme, not an engine bug.

## 2. Watts (2002) global cascades on Erdős-Rényi graphs

![Watts: frequency and size of global cascades]({FIGURES["watts"]})

Analytic window for φ = {window["phi"]:g}: z ∈ ({window["lower"]:.3f}, {window["upper"]:.3f})
(shaded; Watts' condition with K* = floor(1/φ)).

{watts_markdown(curves["watts"])}

## 3. Centola & Macy (2007): reinforcement and rewiring

![Centola and Macy: final share and speed against rewiring]({FIGURES["centola"]})

Final share against the rewiring probability (ring lattice, 2,000 actors,
mean degree 6, one actor and its neighbourhood seeded):

{centola_markdown(curves["centola"])}
{meanfield_markdown(rows)}"""


def meanfield_markdown(rows: pd.DataFrame) -> str:
    """What the mean-field checks compare, and their rows; empty if there are none."""
    meanfield = rows[rows["group"] == "mean-field"]
    if meanfield.empty:
        return ""
    return f"""
## 4. Mean-field checks of the market and of belief learning

Each check compares a mechanism of the recruiting layers with the exact
expectation its rules imply, derived from the order of events in the code
(`sim.validation.meanfield`): with the traditional channel alone, the
steady-state open vacancies per recruiter, m = λ dt / (e^(r dt) - 1), and the
mean weeks to fill (vacancy-weeks at step ends per hire), W = dt / (e^(r dt) - 1);
with the social channel alone, the hires against Σ_j E[min(Binomial(C_j, π_j), V_j)]
(contacts times their success probability, capped by the open vacancies) and
the contacts against c x open vacancies x dt; and the Beta belief under a
fixed success rate s against its fixed point alpha* = alpha0 + k s n / (1 - k)
(likewise beta*, k = e^(-δ dt)), which tends to s as n grows or δ → 0. The
reference intervals include the bounded effect of applicants or candidates
drawn twice in one step.

{checks_markdown(meanfield)}
"""


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def plot_bass(bass: pd.DataFrame, path: Path) -> None:
    """Mean share and 95% band against Euler and closed form at each dt, and the gaps."""
    dts = sorted(bass["dt"].unique(), reverse=True)
    fig = Figure(figsize=(5.5 * len(dts), 7.5))
    axes = fig.subplots(2, len(dts), squeeze=False)
    for column, dt in enumerate(dts):
        g = bass[bass["dt"] == dt]
        n_runs = int(g["n_runs"].iloc[0])
        top, bottom = axes[0, column], axes[1, column]
        top.fill_between(g["time"], g["lower"], g["upper"], color="C0", alpha=0.3, lw=0)
        top.plot(
            g["time"],
            g["mean"],
            color="C0",
            lw=4,
            alpha=0.6,
            label=f"engine, mean of {n_runs} runs",
        )
        top.plot(g["time"], g["euler"], "k--", lw=1.2, label=f"Euler recursion, dt = {dt:g}")
        top.plot(g["time"], g["closed_form"], color="C3", ls=":", lw=2, label="closed form")
        top.axhline(0.5, color="grey", lw=0.5)
        top.set(title=f"Bass, complete graph, dt = {dt:g} week", xlabel="weeks")
        top.set(ylabel="share active", xlim=(0, 20))
        top.legend(loc="lower right", fontsize=8)
        band = np.maximum(g["upper"] - g["mean"], 0)
        for target, colour, name in (("euler", "k", "Euler"), ("closed_form", "C3", "closed form")):
            gap = g["mean"] - g[target]
            bottom.plot(g["time"], gap, color=colour, label=f"engine - {name}")
            bottom.fill_between(g["time"], gap - band, gap + band, color=colour, alpha=0.15, lw=0)
        for tol, style in ((0.005, "--"), (0.015, ":")):
            bottom.axhline(tol, color="grey", ls=style, lw=0.8)
            bottom.axhline(-tol, color="grey", ls=style, lw=0.8)
        bottom.set(title="gap of the mean (band: 95%); lines: ±0.005, ±0.015")
        bottom.set(xlabel="weeks", ylabel="share difference", xlim=(0, 20))
        bottom.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_watts(
    watts: pd.DataFrame, window: pd.DataFrame, mean_field: pd.DataFrame | None, path: Path
) -> None:
    """Frequency and size of global cascades against z with the analytic window shaded."""
    lower, upper = float(window["lower"].iloc[0]), float(window["upper"].iloc[0])
    n_runs = int(watts["n_runs"].iloc[0])
    fig = Figure(figsize=(11, 4.2))
    left, right = fig.subplots(1, 2)
    for ax in (left, right):
        ax.axvspan(lower, upper, color="gold", alpha=0.25, lw=0, label="analytic window")
        ax.set(xlabel="mean degree z", xlim=(0.5, watts["z"].max() + 0.5), ylim=(-0.03, 1.05))
    err = [
        watts["frequency"] - watts["frequency_lower"],
        watts["frequency_upper"] - watts["frequency"],
    ]
    left.errorbar(
        watts["z"],
        watts["frequency"],
        yerr=err,
        fmt="o-",
        color="C0",
        capsize=3,
        label=f"engine ({n_runs} runs per z, 95% Wilson)",
    )
    ref = watts[np.isfinite(watts["reference_frequency"])]
    left.plot(
        ref["z"],
        ref["reference_frequency"],
        "s",
        mfc="none",
        mec="C3",
        ms=9,
        mew=1.5,
        label="Watts (2002), 1,000 runs",
    )
    if mean_field is not None:
        left.plot(
            mean_field["z"],
            mean_field["frequency"],
            color="grey",
            lw=1,
            ls="--",
            label="mean field, n → ∞ (not a check)",
        )
    left.set(title="frequency of global cascades (≥ 10% of actors)", ylabel="frequency")
    left.set_ylim(-0.03, 1.3)
    left.set_yticks(np.linspace(0.0, 1.0, 6))
    left.legend(fontsize=8, loc="upper center", ncol=2)
    sized = watts[watts["n_global"] > 0]
    err = [sized["size_mean"] - sized["size_lower"], sized["size_upper"] - sized["size_mean"]]
    right.errorbar(
        sized["z"],
        sized["size_mean"],
        yerr=np.nan_to_num(err),
        fmt="o-",
        color="C0",
        capsize=3,
        label="engine: mean size of global cascades",
    )
    right.hlines(0.99, 5, watts["z"].max(), color="C3", ls="--", label="Watts: ≥ 0.99 for z ≥ 5")
    right.set(title="mean size of global cascades", ylabel="share of actors")
    right.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_centola(centola: pd.DataFrame, path: Path) -> None:
    """Final share against rewiring (both contagions) and weeks to 90% (simple)."""
    fig = Figure(figsize=(11, 4.2))
    left, right = fig.subplots(1, 2)
    styles = {"complex": ("C3", "complex: 2 active ties"), "simple": ("C0", "simple: 1 active tie")}
    for name, g in centola.groupby("contagion"):
        colour, label = styles[str(name)]
        n_runs = int(g["n_runs"].iloc[0])
        err = [g["final_mean"] - g["final_lower"], g["final_upper"] - g["final_mean"]]
        left.errorbar(
            g["rewire"],
            g["final_mean"],
            yerr=np.nan_to_num(err),
            fmt="o-",
            color=colour,
            capsize=3,
            label=f"{label} ({n_runs} runs)",
        )
        reached = g[g["n_reached_90"] > 0]
        err = [
            reached["t90_mean"] - reached["t90_lower"],
            reached["t90_upper"] - reached["t90_mean"],
        ]
        right.errorbar(
            reached["rewire"],
            reached["t90_mean"],
            yerr=np.nan_to_num(err),
            fmt="o-",
            color=colour,
            capsize=3,
            label=label,
        )
    left.set(title="final share active (Centola & Macy: complex stalls, simple complete)")
    left.set(xlabel="rewiring probability", ylabel="final share", ylim=(-0.03, 1.05))
    right.set(title="weeks to 90% active (runs that got there)", xlabel="rewiring probability")
    right.set(ylabel="weeks", yscale="log")
    for ax in (left, right):
        ax.set_xscale("symlog", linthresh=1e-3)
        ax.set_xlim(-1e-4, 1.5)
        ax.legend(fontsize=8)
    left.title.set_fontsize(9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
