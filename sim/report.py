"""A comparison's report: tables as CSV, figures as PNG, and one self-contained HTML page.

`build_tables` computes every table from a comparison's stored results;
`write_report` writes them, the figures (`sim.compare_plots`) and
``report.html``, which embeds the figures and needs nothing else to open,
offline. Each file is written to a temporary name and renamed into place.
Nothing here imports the model: a report can be rebuilt from the results
folder alone.
"""

from __future__ import annotations

import base64
import html
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.bands import curve_bands, difference_bands, hires_bands
from sim.compare_plots import (
    adoption_figure,
    difference_figure,
    forest_figure,
    hires_figure,
    save_figure,
)
from sim.comparison import (
    cost_table,
    effects_table,
    group_table,
    headline_table,
    with_active_counts,
)
from sim.findings import interval, number
from sim.provenance import citation
from sim.store import Results

TABLES = ("headline", "effects", "cost_effectiveness", "groups", "curves", "hires", "differences")
FIGURES = ("adoption", "hires_by_channel", "difference", "forest")
FILES = frozenset(
    {"report.html", "manifest.json", "runs"}
    | {f"{name}.csv" for name in TABLES}
    | {f"{name}.png" for name in FIGURES}
)
"""Everything a comparison's folder holds."""


@dataclass(frozen=True)
class Tables:
    """A comparison's tables (see `sim.comparison` for their columns)."""

    headline: pd.DataFrame
    effects: pd.DataFrame
    cost_effectiveness: pd.DataFrame
    groups: pd.DataFrame
    curves: pd.DataFrame
    hires: pd.DataFrame
    differences: pd.DataFrame


def build_tables(
    results: Results, order: Sequence[str], stated: dict[str, float] | None = None, seed: int = 0
) -> Tables:
    """Every table of the report, from the stored runs (complete pairs only)."""
    kpis = with_active_counts(results.kpis, results.series)
    series = results.series
    return Tables(
        headline=headline_table(kpis, order),
        effects=effects_table(kpis, order, stated=stated),
        cost_effectiveness=cost_table(kpis, order, seed),
        groups=group_table(kpis, order),
        curves=curve_bands(series, order),
        hires=hires_bands(series, order),
        differences=difference_bands(series, order),
    )


def write_report(
    folder: Path,
    tables: Tables,
    order: Sequence[str],
    record: dict[str, Any],
    summary: list[str],
) -> Path:
    """Write the CSV tables, the PNG figures and ``report.html``; return the page's path.

    Args:
        folder: the comparison's folder (it exists).
        tables: from `build_tables`.
        order: scenario names, the baseline first.
        record: provenance (seeds, scenarios as resolved, versions, commit,
            run time), shown in the page and kept in ``manifest.json``.
        summary: the written summary's paragraphs (`sim.findings`).
    """
    # the marker first: a report interrupted half-way is still recognised as compare's own
    manifest = record | citation()
    _write_text(folder / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")
    for name in TABLES:
        _write_text(folder / f"{name}.csv", getattr(tables, name).to_csv(index=False))
    forest = tables.effects.assign(
        kpi_label=[f"{r.label} ({r.unit})" for r in tables.effects.itertuples()]
    )
    figures = {
        "adoption": adoption_figure(tables.curves, list(order)),
        "hires_by_channel": hires_figure(tables.hires, list(order)),
        "difference": difference_figure(tables.differences, list(order)),
        "forest": forest_figure(forest, list(order)),
    }
    for name, figure in figures.items():
        save_figure(figure, folder / f"{name}.png")
    page = folder / "report.html"
    _write_text(page, render_html(folder, tables, record, summary))
    return page


def _write_text(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _image(folder: Path, name: str, alt: str) -> str:
    data = base64.b64encode((folder / f"{name}.png").read_bytes()).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _table(frame: pd.DataFrame) -> str:
    """An HTML table of already formatted strings."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _headline_view(headline: pd.DataFrame) -> pd.DataFrame:
    cells = headline.assign(
        value=[f"{number(r.mean)} {interval(r.lower, r.upper)}" for r in headline.itertuples()],
        indicator=[f"{r.label} ({r.unit})" for r in headline.itertuples()],
    )
    wide = cells.pivot(index="indicator", columns="scenario", values="value")
    order = list(dict.fromkeys(cells["indicator"]))
    return wide.loc[order, list(dict.fromkeys(cells["scenario"]))].reset_index()


def _effects_view(effects: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scenario": effects["scenario"],
            "indicator": [f"{r.label} ({r.unit})" for r in effects.itertuples()],
            "baseline": effects["mean_baseline"].map(number),
            "effect [95% paired]": [
                f"{number(r.effect)} {interval(r.lower, r.upper)}" for r in effects.itertuples()
            ],
            "95% unpaired": [
                interval(r.unpaired_lower, r.unpaired_upper) for r in effects.itertuples()
            ],
            "Holm p": effects["p_holm"].map(lambda p: "n/a" if pd.isna(p) else _p(p)),
            "MDE (80%)": effects["mde"].map(number),
            "runs for effect seen": effects["runs_for_observed"].map(_count),
            **(
                {"runs for stated": effects["runs_for_stated"].map(_count)}
                if effects["runs_for_stated"].notna().any()
                else {}
            ),
            "flag": effects["significant"].map({True: "effect", False: ""}),
        }
    )


def _p(p_value: float) -> str:
    return "<0.001" if p_value < 0.001 else f"{p_value:.2g}"


def _count(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:,.0f}"


def _cost_view(costs: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "per": costs["gain"],
            "scenario": costs["scenario"],
            "extra cost": costs["extra_cost"].map(number),
            "gain [95%]": [
                f"{number(r.gain_effect)} {interval(r.gain_lower, r.gain_upper)}"
                for r in costs.itertuples()
            ],
            "cost per unit [95%]": [
                f"{number(r.cost_per_unit)} {interval(r.lower, r.upper)}"
                if r.defined
                else "not defined"
                for r in costs.itertuples()
            ],
            "rank": costs["rank"].map(_count),
        }
    )


def _groups_view(groups: pd.DataFrame) -> pd.DataFrame:
    view = _effects_view(groups.assign(runs_for_stated=float("nan")))
    return view.drop(columns=["runs for effect seen"])


def render_html(folder: Path, tables: Tables, record: dict[str, Any], summary: list[str]) -> str:
    """The report page, figures embedded as data (no outside request)."""
    names = record.get("scenarios", {})
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in summary)
    resolved = "".join(
        f"<details><summary>{html.escape(name)} ({html.escape(str(info.get('file')))})</summary>"
        f"<pre>{html.escape(json.dumps(info.get('scenario'), indent=1))}</pre></details>"
        for name, info in names.items()
    )
    facts = {
        "paired runs per scenario": record.get("runs"),
        "root seed": record.get("seed"),
        "seeds": ", ".join(map(str, record.get("seeds", []))),
        "commit": record.get("commit"),
        "versions": ", ".join(f"{k} {v}" for k, v in record.get("versions", {}).items()),
        "run time": record.get("run_time"),
        "command": " ".join(map(str, record.get("command", []))),
    }
    facts_html = "".join(
        f"<tr><th>{html.escape(k)}</th><td class='wrap'>{html.escape(str(v))}</td></tr>"
        for k, v in facts.items()
    )
    sections = [
        ("Summary", paragraphs),
        (
            "Headline indicators",
            "<p>Mean over runs with its 95% interval (Student t).</p>"
            + _table(_headline_view(tables.headline)),
        ),
        (
            "Effects against the baseline",
            METHOD
            + _table(_effects_view(tables.effects))
            + _image(folder, "forest", "forest plot of the effects"),
        ),
        ("Cost-effectiveness", COST_NOTE + _table(_cost_view(tables.cost_effectiveness))),
        (
            "Effects by group",
            "<p>Final active and member shares, in points, and hires (by the candidate's "
            "group); Holm's adjustment over this table.</p>" + _table(_groups_view(tables.groups)),
        ),
        ("Adoption over time", _image(folder, "adoption", "adoption curves")),
        ("Hires by channel", _image(folder, "hires_by_channel", "cumulative hires by channel")),
        ("Paired difference over time", _image(folder, "difference", "paired differences")),
        ("Provenance", f"<table>{facts_html}</table>{resolved}"),
    ]
    body = "".join(
        f'<section id="{html.escape(title.lower().replace(" ", "-"))}"><h2>{title}</h2>'
        f"{content}</section>"
        for title, content in sections
    )
    title = html.escape(record.get("title", "Comparison"))
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{STYLE}</style></head><body><h1>{title}</h1>{body}</body></html>\n"
    )


METHOD = (
    "<p>Each run of a scenario shares its seed with one run of the baseline, so the effect is "
    "estimated pair by pair (paired Student t interval). The unpaired interval treats the same "
    "runs as independent samples (Welch): the gap between the two is what pairing gains. "
    "<em>MDE</em>: the smallest effect these runs detect with 80% power at the 5% level "
    "(paired t). <em>Runs for effect seen</em>: paired runs that would detect an effect of the "
    "size observed. <em>Flag</em>: Holm-adjusted p below 0.05 over every row of this table "
    "(a family-wise error rate of 5%); the interval then excludes zero.</p>"
)
COST_NOTE = (
    "<p>Extra cost per additional unit of gain: the ratio of the paired mean differences, with "
    "a paired bootstrap interval. Not defined where the gain's interval includes zero. Ranked "
    "cheapest first within each gain.</p>"
)
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1180px;margin:1em auto;padding:0 1em;"
    "color:#222}table{border-collapse:collapse;margin:.5em 0;font-size:13px;width:100%;"
    "table-layout:auto}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;"
    "vertical-align:top;overflow-wrap:break-word}th{background:#f2f2f2}img{max-width:100%;"
    "height:auto;display:block;margin:.5em 0}pre{white-space:pre-wrap;font-size:12px;"
    "overflow-wrap:anywhere}.wrap{overflow-wrap:anywhere}section{margin-bottom:1.5em}"
)
