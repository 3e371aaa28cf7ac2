"""The thesis map: foundations against digital training in every plausible world.

Reads the sweep made by `recruitsim sweep experiments/thesis_map.toml`
(without importing the model) and writes, to `--out`:

- `effects.csv`: foundations minus digital in each world (design point),
  for each KPI, with its paired 95% interval, MDE and Holm's flag over the
  whole table (`sim.comparison.effects_by_setting`);
- `verdicts.csv`: per KPI, the worlds where foundations training does
  better, where digital training does, and where the runs cannot tell;
- `drivers.csv`: Spearman's rank correlation of each parameter with the
  effect across the worlds, with its p-value (which parameters decide);
- `thesis_map.png`: the effect on social and on all hires in each world
  against the parameter that correlates most with the first.

    python experiments/thesis_map.py results/sweeps/thesis_map --out docs/figures/thesis_map
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from sim.comparison import HEADLINE, Indicator, effects_by_setting
from sim.store import load_results

KPIS = ("cum_hires_social", "cum_hires", "mean_weeks_to_fill", "mean_match_quality")
EXTRA = {
    "cum_hires_cohort_equal_dose": Indicator(
        "cum_hires_cohort_equal_dose", "hires with a trainee on a side", "hires"
    )
}
LOWER_IS_BETTER = {"mean_weeks_to_fill"}


def indicators() -> list[Indicator]:
    """The KPIs compared, as the report names them."""
    by_name = {ind.name: ind for ind in HEADLINE} | EXTRA
    return [by_name[name] for name in (*KPIS, "final_share_active_candidates", *EXTRA)]


def verdicts(effects: pd.DataFrame) -> pd.DataFrame:
    """Per KPI: worlds where foundations do better, digital does, or the runs cannot tell."""
    rows = []
    for kpi, table in effects.groupby("kpi", sort=False):
        sign = -1.0 if kpi in LOWER_IS_BETTER else 1.0
        better = table["significant"] & (sign * table["effect"] > 0)
        worse = table["significant"] & (sign * table["effect"] < 0)
        rows.append(
            {
                "kpi": kpi,
                "label": table["label"].iloc[0],
                "worlds": len(table),
                "foundations_better": int(better.sum()),
                "digital_better": int(worse.sum()),
                "cannot_tell": int((~table["significant"]).sum()),
                "largest_mde": float(table["mde"].max()),
                "median_effect": float(table["effect"].median()),
            }
        )
    return pd.DataFrame(rows)


def drivers(effects: pd.DataFrame, worlds: pd.DataFrame) -> pd.DataFrame:
    """Spearman's correlation of each parameter with each KPI's effect across the worlds."""
    rows = []
    for kpi, table in effects.groupby("kpi", sort=False):
        effect = table.set_index("point")["effect"]
        for parameter in worlds.columns:
            rho, p = stats.spearmanr(worlds.loc[effect.index, parameter], effect)
            rows.append({"kpi": kpi, "parameter": parameter, "spearman": rho, "p_value": p})
    return pd.DataFrame(rows).sort_values(["kpi", "p_value"], kind="stable")


def figure(effects: pd.DataFrame, worlds: pd.DataFrame, top: str, path: Path) -> None:
    """The effect on social and on all hires in each world against the deciding parameter."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, kpi in zip(axes, ("cum_hires_social", "cum_hires"), strict=True):
        table = effects[effects["kpi"] == kpi].set_index("point")
        x = worlds.loc[table.index, top]
        colour = table["significant"].map({True: "tab:blue", False: "tab:grey"})
        ax.errorbar(
            x,
            table["effect"],
            yerr=[table["effect"] - table["lower"], table["upper"] - table["effect"]],
            fmt="none",
            ecolor="lightgrey",
        )
        ax.scatter(x, table["effect"], c=colour, s=18, zorder=3)
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_xlabel(top)
        ax.set_ylabel(f"foundations minus digital: {table['label'].iloc[0]}")
    fig.suptitle("Each plausible world: paired effect, 95% interval (grey: Holm does not keep it)")
    fig.savefig(path, dpi=110, format="png")


OUTPUTS = ("effects.csv", "verdicts.csv", "drivers.csv", "thesis_map.png")
"""What the script writes; an --out folder holding anything else is refused."""


def fail(message: str) -> NoReturn:
    """Exit with a one-line error and status 2."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def check_out(out: Path) -> None:
    """Refuse an --out that is a file, or a folder holding files this script did not write."""
    if out.exists() and not out.is_dir():
        fail(f"--out = {str(out)!r}: exists and is not a folder")
    foreign = sorted(p.name for p in out.iterdir() if p.name not in OUTPUTS) if out.is_dir() else []
    if foreign:
        fail(f"--out = {str(out)!r}: holds {foreign[0]!r}, which this script did not write")


def write(path: Path, save: Callable[[Path], object]) -> None:
    """Save to a temporary name beside `path`, then rename it: never a half-written file."""
    temporary = path.with_name(f".{path.name}.tmp")
    save(temporary)
    os.replace(temporary, path)


def main() -> None:
    """Write the thesis map's tables and figure, and print the verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the sweep's folder")
    parser.add_argument("--out", type=Path, default=Path("docs/figures/thesis_map"))
    args = parser.parse_args()
    check_out(args.out)
    try:
        results = load_results(args.folder)
    except FileNotFoundError as err:
        fail(str(err))
    if results.n_missing:
        fail(f"{args.folder}: {results.n_missing} runs missing; finish the sweep first")
    kpis = results.kpis
    parameters = [c for c in kpis.columns if "." in c]
    worlds = kpis.groupby("point")[parameters].first()
    stated = {"cum_hires_social": 5.0}
    effects = effects_by_setting(
        kpis, "arm", "digital", "foundations", ["point"], indicators(), stated
    )
    args.out.mkdir(parents=True, exist_ok=True)
    summary, decided = verdicts(effects), drivers(effects, worlds)
    for name, table in (("effects", effects), ("verdicts", summary), ("drivers", decided)):
        write(args.out / f"{name}.csv", lambda path, table=table: table.to_csv(path, index=False))
    top = decided[decided["kpi"] == "cum_hires_social"]["parameter"].iloc[0]
    write(args.out / "thesis_map.png", lambda path: figure(effects, worlds, top, path))
    print(summary.to_string(index=False))
    print(decided.groupby("kpi").head(3).to_string(index=False))


if __name__ == "__main__":
    main()
