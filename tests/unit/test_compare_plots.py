"""Figures comparing scenarios against a baseline (sim.compare_plots)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.image import imread

from sim.compare_plots import (
    DPI,
    adoption_figure,
    difference_figure,
    forest_figure,
    hires_figure,
    save_figure,
    scenario_colours,
)

SCENARIOS = ["baseline", "coaching", "referrals"]
TIMES = np.arange(0.0, 10.0)


def series(scenario: str, level: float, **keys: str) -> list[dict]:
    """A band rising linearly to `level`, 0.05 either side of the mean."""
    return [
        {"scenario": scenario, **keys, "time": t, "mean": m, "lower": m - 0.05, "upper": m + 0.05}
        for t, m in zip(TIMES, np.linspace(0.0, level, len(TIMES)), strict=True)
    ]


def adoption_bands(scenarios=SCENARIOS) -> pd.DataFrame:
    rows = []
    for k, name in enumerate(scenarios):
        for kind in ("candidates", "recruiters"):
            for j, stage in enumerate(("aware", "member", "active")):
                rows += series(name, 0.9 - 0.2 * j - 0.1 * k, kind=kind, stage=stage)
    return pd.DataFrame(rows)


def hires_bands(scenarios=SCENARIOS) -> pd.DataFrame:
    rows = []
    for k, name in enumerate(scenarios):
        rows += series(name, 50.0 + 10 * k, channel="social")
        rows += series(name, 80.0 - 5 * k, channel="traditional")
    return pd.DataFrame(rows)


MEASURES = ["active share, candidates (points)", "social hires", "traditional hires", "t50 (weeks)"]


def difference_bands(scenarios=SCENARIOS[1:]) -> pd.DataFrame:
    rows = []
    for k, name in enumerate(scenarios):
        for measure in MEASURES:
            rows += series(name, 1.0 + k, measure=measure)
    return pd.DataFrame(rows)


def effects(scenarios=SCENARIOS[1:]) -> pd.DataFrame:
    rows = []
    for k, name in enumerate(scenarios):
        for kpi in ("social hires (hires)", "t50 (weeks)"):
            effect = 2.0 + k
            rows.append(
                {
                    "scenario": name,
                    "kpi_label": kpi,
                    "effect": effect,
                    "lower": effect - 1.0 - 2 * k,  # coaching significant, referrals not
                    "upper": effect + 1.0 + 2 * k,
                    "significant": k == 0,
                }
            )
    return pd.DataFrame(rows)


def rgb(colour) -> tuple[float, float, float]:
    return tuple(float(c) for c in to_rgb(colour))


def line_colours(axis) -> list[tuple[float, float, float]]:
    return [rgb(line.get_color()) for line in axis.lines]


def band_colours(axis) -> list[tuple[float, float, float]]:
    return [tuple(float(c) for c in band.get_facecolor()[0][:3]) for band in axis.collections]


BLACK = (0.0, 0.0, 0.0)


def test_colours_by_position_with_a_black_baseline_and_no_grey():
    colours = {name: rgb(c) for name, c in scenario_colours(SCENARIOS).items()}
    assert colours["baseline"] == BLACK
    assert colours["coaching"] == rgb("C0") and colours["referrals"] == rgb("C1")
    many = scenario_colours([f"s{k}" for k in range(12)])
    others = [rgb(c) for c in list(many.values())[1:]]
    assert rgb("C7") not in others  # the cycle's grey would read as the baseline
    assert len(set(others[:9])) == 9 and others[9] == others[0]  # nine colours, then repeat


def test_scenario_order_must_be_usable():
    with pytest.raises(ValueError, match="no scenario"):
        scenario_colours([])
    with pytest.raises(ValueError, match="twice"):
        scenario_colours(["a", "b", "a"])


def test_adoption_figure_has_a_panel_per_kind_and_stage_and_a_band_per_scenario():
    fig = adoption_figure(adoption_bands(), SCENARIOS)
    assert len(fig.axes) == 6
    titles = [axis.get_title() for axis in fig.axes[:3]]
    assert titles == ["aware", "member", "active"]
    assert "recruiters" in fig.axes[0].get_ylabel() and "candidates" in fig.axes[3].get_ylabel()
    expected = [rgb(c) for c in ("black", "C0", "C1")]
    for axis in fig.axes:
        assert [rgb(line.get_color()) for line in axis.lines] == expected
        assert band_colours(axis) == expected
        assert axis.get_ylim() == (0.0, 1.0)
    assert all(axis.get_xlabel() == "weeks" for axis in fig.axes[3:])
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "baseline",
        "coaching",
        "referrals",
    ]


def test_adoption_figure_puts_each_series_in_its_panel():
    bands = adoption_bands()
    fig = adoption_figure(bands, SCENARIOS)
    active_candidates = fig.axes[5]  # row candidates, column active
    line = active_candidates.lines[1]  # coaching
    expected = bands.query("scenario == 'coaching' and kind == 'candidates' and stage == 'active'")
    assert line.get_ydata().tolist() == pytest.approx(expected["mean"].tolist())
    assert line.get_ydata()[-1] == pytest.approx(0.9 - 0.4 - 0.1)


def test_rows_in_any_order_are_drawn_by_time():
    bands = hires_bands().sample(frac=1.0, random_state=3)
    fig = hires_figure(bands, SCENARIOS)
    for axis in fig.axes:
        for line in axis.lines:
            assert np.all(np.diff(line.get_xdata()) > 0)


def test_hires_figure_has_two_channel_panels_with_the_same_colours_as_adoption():
    adoption = adoption_figure(adoption_bands(), SCENARIOS)
    hires = hires_figure(hires_bands(), SCENARIOS)
    assert len(hires.axes) == 2
    assert [axis.get_title() for axis in hires.axes] == ["social channel", "traditional channel"]
    assert all(axis.get_ylabel() == "cumulative hires" for axis in hires.axes)
    for axis in hires.axes:
        assert line_colours(axis) == line_colours(adoption.axes[0])
        assert band_colours(axis) == band_colours(adoption.axes[0])
    social_final = [line.get_ydata()[-1] for line in hires.axes[0].lines]
    assert social_final == pytest.approx([50.0, 60.0, 70.0])


def test_a_scenario_missing_from_a_table_keeps_the_colours_of_the_others():
    fig = hires_figure(hires_bands(["baseline", "referrals"]), SCENARIOS)
    assert line_colours(fig.axes[0]) == [BLACK, rgb("C1")]  # referrals keeps C1
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "baseline",
        "referrals",
    ]


def test_a_band_with_unknown_bounds_draws_the_line_only():
    bands = hires_bands()
    bands.loc[bands["scenario"] == "coaching", ["lower", "upper"]] = np.nan
    fig = hires_figure(bands, SCENARIOS)
    assert len(fig.axes[0].lines) == 3
    assert band_colours(fig.axes[0]) == [BLACK, rgb("C1")]


def test_difference_figure_has_a_panel_per_measure_with_a_zero_line():
    fig = difference_figure(difference_bands(), SCENARIOS)
    assert len(fig.axes) == len(MEASURES)  # 4 panels on a 2 x 3 grid: no empty panel
    assert [axis.get_title() for axis in fig.axes] == MEASURES
    for axis in fig.axes:
        zero, *data = axis.lines
        assert zero.get_ydata() == [0.0, 0.0]
        assert [rgb(line.get_color()) for line in data] == [rgb("C0"), rgb("C1")]
        assert band_colours(axis) == [rgb("C0"), rgb("C1")]
        assert axis.get_ylabel() == "difference from baseline"
    assert "baseline" not in [t.get_text() for t in fig.legends[0].get_texts()]


def test_difference_figure_refuses_the_baseline_and_unknown_scenarios():
    bands = pd.concat([difference_bands(), pd.DataFrame(series("baseline", 1.0, measure="x"))])
    with pytest.raises(ValueError, match="baseline"):
        difference_figure(bands, SCENARIOS)
    with pytest.raises(ValueError, match="not in the order"):
        difference_figure(difference_bands(), ["baseline", "coaching"])
    with pytest.raises(ValueError, match="no column 'measure'"):
        difference_figure(difference_bands().drop(columns="measure"), SCENARIOS)


def test_forest_figure_draws_a_point_and_interval_per_effect():
    fig = forest_figure(effects(), SCENARIOS)
    assert len(fig.axes) == 2
    assert [axis.get_title() for axis in fig.axes] == ["social hires (hires)", "t50 (weeks)"]
    # the scenarios are named on the first column only
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["coaching", "referrals"]
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["", ""]
    for axis in fig.axes:
        zero, interval_a, point_a, interval_b, point_b = axis.lines
        assert list(zero.get_xdata()) == [0.0, 0.0]
        assert axis.get_ylim()[0] > axis.get_ylim()[1]  # first scenario on top
        assert list(interval_a.get_xdata()) == [1.0, 3.0] and list(point_a.get_ydata()) == [0]
        assert list(interval_b.get_xdata()) == [0.0, 6.0] and list(point_b.get_ydata()) == [1]
        assert rgb(point_a.get_color()) == rgb("C0") and rgb(point_b.get_color()) == rgb("C1")
        assert rgb(point_a.get_markerfacecolor()) == rgb("C0")  # significant: filled
        assert rgb(point_b.get_markerfacecolor()) == (1.0, 1.0, 1.0)  # not: hollow


def test_forest_figure_skips_nan_effects():
    table = effects()
    table.loc[
        (table["scenario"] == "coaching") & (table["kpi_label"] == "t50 (weeks)"), "effect"
    ] = np.nan
    fig = forest_figure(table, SCENARIOS)
    social, t50 = fig.axes
    assert len(social.lines) == 5
    zero, interval, point = t50.lines  # referrals only
    assert list(zero.get_xdata()) == [0.0, 0.0] and list(interval.get_xdata()) == [0.0, 6.0]
    assert list(point.get_ydata()) == [1] and rgb(point.get_color()) == rgb("C1")
    assert [t.get_text() for t in social.get_yticklabels()] == ["coaching", "referrals"]


def test_forest_figure_with_one_scenario_and_a_kpi_without_estimate():
    table = effects(["coaching"])
    table.loc[table["kpi_label"] == "t50 (weeks)", "effect"] = np.nan
    fig = forest_figure(table, ["baseline", "coaching"])
    social, t50 = fig.axes
    assert len(social.lines) == 3 and [t.get_text() for t in social.get_yticklabels()] == [
        "coaching"
    ]
    assert len(t50.lines) == 1 and [t.get_text() for t in t50.texts] == ["no estimate"]


def test_panels_wrap_at_three_per_row():
    table = pd.concat([effects().assign(kpi_label=f"kpi {k}") for k in range(5)])
    fig = forest_figure(table, SCENARIOS)
    assert len(fig.axes) == 5
    rows = [axis.get_subplotspec().rowspan.start for axis in fig.axes]
    assert rows == [0, 0, 0, 1, 1]


def test_save_figure_writes_a_png_of_report_size_and_no_temporary_file(tmp_path):
    fig = adoption_figure(adoption_bands(), SCENARIOS)
    width, height = fig.get_size_inches()
    path = tmp_path / "adoption.png"
    save_figure(fig, path)
    image = imread(path)
    assert image.shape == (round(height * DPI), round(width * DPI), 4)
    assert image.shape[1] == 900
    assert image[..., :3].std() > 0.05  # something is drawn
    assert [p.name for p in tmp_path.iterdir()] == ["adoption.png"]
    assert fig.axes == []  # closed: its artists are released


def test_save_figure_replaces_an_existing_file(tmp_path):
    path = tmp_path / "hires.png"
    path.write_bytes(b"old")
    save_figure(hires_figure(hires_bands(), SCENARIOS), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["hires.png"]


def test_a_failed_save_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "hires.png"
    path.write_bytes(b"old")
    fig = hires_figure(hires_bands(), SCENARIOS)

    def half_written(target, **kwargs):
        with open(target, "wb") as stream:
            stream.write(b"\x89PNG partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", half_written)
    with pytest.raises(RuntimeError, match="disk full"):
        save_figure(fig, path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["hires.png"]
