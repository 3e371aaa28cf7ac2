"""The table behind the sweep figures, and the figures (sim.sweep_plots)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.sweep_plots import plot_against, plot_heatmap, summary_by_point

X, Y = "learning.sharing", "interventions.foundations.coverage"
T_975_2 = 4.302652729749462  # Student t, 97.5% quantile, 2 degrees of freedom (tables: 4.303)


def grid(values, arm: str = "base", xs=(0.1, 0.3), ys=(0.0, 0.5)) -> pd.DataFrame:
    """A grid design's KPI table: `values(x, y)` gives the replications' cum_hires."""
    rows = []
    for point, (x, y) in enumerate((x, y) for x in xs for y in ys):
        for replication, value in enumerate(values(x, y)):
            rows.append(
                {
                    "key": f"{arm}-{point}-{replication}",
                    "point": point,
                    "arm": arm,
                    "replication": replication,
                    "seed": 100 + replication,
                    X: x,
                    Y: y,
                    "cum_hires": value,
                }
            )
    return pd.DataFrame(rows)


def three_runs(x: float, y: float) -> list[float]:
    """Mean 100 x + 10 y, sample standard deviation 1."""
    centre = 100 * x + 10 * y
    return [centre - 1, centre, centre + 1]


def test_summary_has_the_mean_and_t_interval_of_each_cell():
    table = summary_by_point(grid(three_runs), [X, Y], "cum_hires")
    assert list(table.columns) == [X, Y, "n", "n_nan", "n_points", "mean", "lower", "upper"]
    assert table[[X, Y]].to_numpy().tolist() == [[0.1, 0.0], [0.1, 0.5], [0.3, 0.0], [0.3, 0.5]]
    assert table["mean"].tolist() == pytest.approx([10.0, 15.0, 30.0, 35.0])
    half = T_975_2 * 1.0 / math.sqrt(3)  # t_{0.975, n-1} sd / sqrt(n), sd = 1, n = 3
    assert (table["upper"] - table["mean"]).tolist() == pytest.approx([half] * 4, rel=1e-9)
    assert (table["mean"] - table["lower"]).tolist() == pytest.approx([half] * 4, rel=1e-9)
    assert table["n"].tolist() == [3] * 4 and table["n_points"].tolist() == [1] * 4


def test_summary_by_hand_for_an_uneven_sample():
    kpis = grid(lambda x, y: [2.0, 4.0, 9.0], xs=(0.1,), ys=(0.0,))
    (row,) = summary_by_point(kpis, [X], "cum_hires").itertuples()
    sd = math.sqrt(((2 - 5) ** 2 + (4 - 5) ** 2 + (9 - 5) ** 2) / 2)  # sqrt(13)
    assert row.mean == 5.0
    assert (row.lower, row.upper) == pytest.approx(
        (5 - T_975_2 * sd / 3**0.5, 5 + T_975_2 * sd / 3**0.5)
    )


def test_one_run_has_no_interval_and_a_nan_run_has_no_mean():
    def runs(x, y):
        if x == 0.1:
            return [7.0]
        return [1.0, np.nan, 3.0] if y == 0.5 else [1.0, 2.0, 3.0]

    table = summary_by_point(grid(runs), [X, Y], "cum_hires").set_index([X, Y])
    assert table.loc[(0.1, 0.0), "mean"] == 7.0
    assert np.isnan(table.loc[(0.1, 0.0), ["lower", "upper"]].to_numpy(dtype=float)).all()
    assert np.isnan(table.loc[(0.3, 0.5), "mean"]) and table.loc[(0.3, 0.5), "n_nan"] == 1
    assert table.loc[(0.3, 0.0), "mean"] == 2.0  # the other cells keep their means


def test_summary_counts_the_design_points_a_group_mixes():
    table = summary_by_point(grid(three_runs), [X], "cum_hires")
    assert table["n"].tolist() == [6, 6] and table["n_points"].tolist() == [2, 2]


def png(path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_heatmap_writes_a_png_with_nan_cells(tmp_path):
    kpis = grid(lambda x, y: [1.0, np.nan] if (x, y) == (0.3, 0.5) else [x + y, x - y])
    path = tmp_path / "heatmap.png"
    plot_heatmap(kpis, X, Y, "cum_hires", path)
    assert png(path)


def test_heatmap_shows_one_arm(tmp_path):
    kpis = pd.concat([grid(three_runs, "base"), grid(lambda x, y: [0.0, 1.0], "training")])
    with pytest.raises(
        ValueError, match=r"^the KPI table has 2 arms \(base, training\): pass arm=$"
    ):
        plot_heatmap(kpis, X, Y, "cum_hires", tmp_path / "h.png")
    with pytest.raises(ValueError, match="no arm 'coaching'"):
        plot_heatmap(kpis, X, Y, "cum_hires", tmp_path / "h.png", arm="coaching")
    plot_heatmap(kpis, X, Y, "cum_hires", tmp_path / "h.png", arm="training")
    assert png(tmp_path / "h.png")


@pytest.mark.parametrize(
    ("x", "y", "kpi", "missing"),
    [("learning.shareing", Y, "cum_hires", "learning.shareing"), (X, Y, "t_half", "t_half")],
)
def test_heatmap_refuses_a_missing_column_in_one_line(x, y, kpi, missing, tmp_path):
    with pytest.raises(ValueError) as error:
        plot_heatmap(grid(three_runs), x, y, kpi, tmp_path / "h.png")
    assert f"no column {missing!r}" in str(error.value) and "\n" not in str(error.value)
    assert not (tmp_path / "h.png").exists()


def test_heatmap_refuses_cells_that_mix_design_points(tmp_path):
    # a map over X and a factor held fixed: each cell holds both values of Y
    kpis = grid(three_runs).assign(**{"market.p_contact": 0.2})
    message = "learning.sharing = 0.1, market.p_contact = 0.2 holds runs of 2 design points"
    with pytest.raises(ValueError, match=f"^{message}"):
        plot_heatmap(kpis, X, "market.p_contact", "cum_hires", tmp_path / "h.png")


def test_plot_against_draws_one_line_per_arm(tmp_path):
    kpis = pd.concat([grid(three_runs, "base"), grid(lambda x, y: [x, 2 * x], "training")])
    kpis = kpis[kpis[Y] == 0.0]
    with pytest.raises(ValueError, match=r"design points or arms.*or pass by=$"):
        plot_against(kpis, X, "cum_hires", tmp_path / "a.png")
    plot_against(kpis, X, "cum_hires", tmp_path / "a.png", by="arm")
    assert png(tmp_path / "a.png")


def test_plot_against_by_a_second_factor(tmp_path):
    plot_against(grid(three_runs), X, "cum_hires", tmp_path / "a.png", by=Y)
    assert png(tmp_path / "a.png")


def test_heatmap_refuses_a_sampled_design(tmp_path):
    xs = tuple(np.linspace(0.0, 1.0, 41))
    with pytest.raises(ValueError, match=r"^learning\.sharing takes 41 values: a heat map needs"):
        plot_heatmap(grid(three_runs, xs=xs), X, Y, "cum_hires", tmp_path / "h.png")
