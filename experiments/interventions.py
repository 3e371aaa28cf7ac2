"""Paired effects at each setting of the thesis and sharing sweeps, as tables.

The runs are made by `recruitsim sweep experiments/thesis.toml` and
`recruitsim sweep experiments/sharing.toml`; this reads their folders
(without importing the model) and prints, for each setting, the paired
effect of one arm or factor value against another, with its 95% interval,
the smallest effect the runs could detect, and Holm's flag over the table
(`sim.comparison.effects_by_setting`). It writes the table as CSV too::

    python experiments/interventions.py thesis  [--folder DIR] [--csv FILE]
    python experiments/interventions.py sharing [--folder DIR] [--csv FILE]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.comparison import HEADLINE, effects_by_setting
from sim.findings import interval, number
from sim.store import load_results

INDICATORS = {ind.name: ind for ind in HEADLINE}
QUESTIONS = {  # question: (by, control, treated, settings, KPIs)
    "thesis": (
        "arm", "digital", "foundations",
        ["decision.omega", "platforms.digital_exponent", "market.foundation_traditional"],
        ["cum_hires_social", "cum_hires", "final_share_active_candidates", "mean_weeks_to_fill"],
    ),
    "sharing": (
        "learning.sharing", 0.0, 0.9,
        ["learning.complexity_sharing_per_week", "learning.prior_alpha", "market.p_hire_social"],
        ["t_half_final_candidates", "final_share_active_candidates", "cum_hires_social"],
    ),
}  # fmt: skip


def table(question: str, folder: Path) -> pd.DataFrame:
    """The question's paired effects at every setting of its sweep."""
    by, control, treated, settings, kpis = QUESTIONS[question]
    results = load_results(folder)
    if results.n_missing:
        raise SystemExit(f"{folder}: {results.n_missing} runs missing; finish the sweep first")
    indicators = [INDICATORS[name] for name in kpis]
    stated = {"cum_hires_social": 5.0}  # the runs an effect of 5 social hires would need
    return effects_by_setting(results.kpis, by, control, treated, settings, indicators, stated)


def markdown(effects: pd.DataFrame, settings: list[str]) -> str:
    """One row per setting, one column per KPI: effect [95% interval] (MDE), bold if flagged.

    A last column gives the paired runs an effect of 5 social hires would need.
    """
    effects = effects.assign(
        cell=[
            ("**{}**" if row.significant else "{}").format(
                f"{number(row.effect)} {interval(row.lower, row.upper)}"
            )
            + f" ({number(row.mde)})"
            for row in effects.itertuples()
        ],
        column=[f"{row.label} ({row.unit})" for row in effects.itertuples()],
    )
    wide = effects.pivot(index=settings, columns="column", values="cell")
    wide = wide[list(dict.fromkeys(effects["column"]))]
    social = effects[effects["kpi"] == "cum_hires_social"].set_index(settings)
    wide["runs for 5 social hires"] = social["runs_for_stated"].map("{:,.0f}".format)
    wide = wide.reset_index()
    lines = ["| " + " | ".join(map(str, wide.columns)) + " |", "|" + "---|" * wide.shape[1]]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in wide.itertuples(index=False)]
    return "\n".join(lines)


def main() -> None:
    """Print the question's table as Markdown and write it as CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", choices=sorted(QUESTIONS))
    parser.add_argument("--folder", type=Path, help="the sweep's folder")
    parser.add_argument("--csv", type=Path, help="where to write the table")
    args = parser.parse_args()
    folder = args.folder or Path("results/sweeps") / args.question
    effects = table(args.question, folder)
    (args.csv or folder / f"{args.question}_effects.csv").write_text(effects.to_csv(index=False))
    print(markdown(effects, QUESTIONS[args.question][3]))


if __name__ == "__main__":
    main()
