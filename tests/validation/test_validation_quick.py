"""The quick validation suite, run through the real engine, and focused statistical checks.

The quick suite (`sim.validation.run_validation(quick=True)`) runs every case
with fewer replications; its tolerances are the issue's, widened by the extra
sampling error. The focused tests below re-derive some tolerances from first
principles (the binomial noise of each step) rather than from the suite.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.analysis import cascades
from sim.experiment import load_experiment
from sim.output import OWNED_FILES
from sim.scenario import scenario_from_dict
from sim.validation import (
    EXPERIMENTS_DIR,
    QUICK,
    ROW_COLUMNS,
    ValidationReport,
    format_table,
    run_batch,
    run_validation,
)
from sim.validation.report import FIGURES
from sim.validation.stats import (
    ROUNDING,
    newcombe_allowance,
    spearman_fall,
    watts_window_roots,
    widened,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ValidationReport:
    return run_validation(quick=True, out_dir=tmp_path_factory.mktemp("validation"))


# ---------------------------------------------------------------------------
# The quick suite as a whole
# ---------------------------------------------------------------------------


def test_quick_suite_passes_every_case(report: ValidationReport) -> None:
    failed = report.rows.loc[~report.rows["passed"]]
    assert report.passed, "failed checks:\n" + failed.to_string()


def test_quick_suite_table_and_report(report: ValidationReport) -> None:
    rows = report.rows
    assert list(rows.columns) == ROW_COLUMNS
    assert set(rows["group"]) == {
        "Bass (1969)",
        "Watts (2002)",
        "Centola & Macy (2007)",
        "mean-field",
    }
    assert report.quick and report.report_path is not None
    text = report.report_path.read_text(encoding="utf-8")
    for name in FIGURES.values():
        assert (report.report_path.parent / name).stat().st_size > 10_000
        assert f"]({name})" in text
    assert "| case | reference | simulated [95% interval]" in text
    assert format_table(report).row_count == len(rows)
    sampled = rows[rows["n_runs"] > 0]
    assert (sampled["lower"] <= sampled["simulated"] + 1e-12).all()
    assert (sampled["simulated"] <= sampled["upper"] + 1e-12).all()


def test_quick_suite_runs_every_z_with_the_quick_count(report: ValidationReport) -> None:
    watts = report.curves["watts"]
    (factor,) = load_experiment(EXPERIMENTS_DIR / "watts_sweep.toml").factors
    assert tuple(watts["z"]) == factor.values == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 6.5, 7.0, 8.0)
    assert (watts["n_runs"] == QUICK.watts_runs).all()
    assert (watts["n_unstable"] == 0).all()  # every run ran until nothing changed


# ---------------------------------------------------------------------------
# Bass: tolerances from the binomial noise of each step
# ---------------------------------------------------------------------------


def _bass(report: ValidationReport, dt: float):
    bass = report.curves["bass"]
    return bass[np.isclose(bass["dt"], dt)]


def test_bass_dt1_matches_euler_at_each_step_within_binomial_error(
    report: ValidationReport,
) -> None:
    # Tolerance per step: the binomial sd of the share, carried through the
    # recursion (sim.validation.stats.bass_euler_sd), over sqrt(runs), times the
    # Bonferroni normal quantile for a 1% family-wise error over all steps,
    # plus one actor's share for the O(1/N) terms (self-exclusion, Jensen).
    g = _bass(report, 1.0)
    n_runs, n_actors = int(g["n_runs"].iloc[0]), int(g["n_actors"].iloc[0])
    z = stats.norm.ppf(1 - 0.01 / (2 * len(g)))
    tolerance = z * g["sd_binomial"] / math.sqrt(n_runs) + 1.0 / n_actors
    gap = (g["mean"] - g["euler"]).abs()
    assert (gap <= tolerance).all(), g.assign(gap=gap, tol=tolerance).to_string()
    assert g["time"].iloc[-1] == 30 and g["euler"].iloc[-1] > 0.9999


def test_bass_run_to_run_sd_is_the_propagated_binomial_sd(report: ValidationReport) -> None:
    # At the step of largest spread, the sample variance over n runs against
    # the predicted one: a chi-square(n - 1) test at the 1% level.
    g = _bass(report, 1.0)
    n_runs = int(g["n_runs"].iloc[0])
    k = int(np.argmax(g["sd_binomial"].to_numpy()))
    ratio = (g["sd"].iloc[k] / g["sd_binomial"].iloc[k]) ** 2 * (n_runs - 1)
    low, high = stats.chi2.ppf([0.005, 0.995], n_runs - 1)
    assert low <= ratio <= high


def test_bass_lag_shrinks_tenfold_with_a_tenfold_shorter_step(report: ValidationReport) -> None:
    # Explicit Euler is first order: the lag behind the closed form scales with dt.
    lags = {}
    for dt in (1.0, 0.1):
        g = _bass(report, dt)
        n_runs = int(g["n_runs"].iloc[0])
        noise = 3 * g["sd_binomial"].max() / math.sqrt(n_runs)
        lags[dt] = ((g["closed_form"] - g["mean"]).max(), noise)
    assert lags[1.0][0] == pytest.approx(0.0714, abs=lags[1.0][1])
    assert lags[0.1][0] <= 0.1 * lags[1.0][0] + lags[0.1][1] + lags[1.0][1] / 10


# ---------------------------------------------------------------------------
# Watts and Centola & Macy: shape of the simulated curves
# ---------------------------------------------------------------------------


def test_cascade_window_matches_the_independent_roots() -> None:
    for phi in (0.1, 0.18, 0.25):
        np.testing.assert_allclose(cascades.cascade_window(phi), watts_window_roots(phi), atol=1e-9)
    lower, upper = cascades.cascade_window(0.18)
    assert round(lower, 2) == 1.02
    assert upper == pytest.approx(5.7647, abs=1e-4)  # the "5.77" rounds to 5.76


def test_watts_cascades_live_inside_the_window(report: ValidationReport) -> None:
    watts = report.curves["watts"].set_index("z")
    inside = watts.loc[[2.0, 3.0, 4.0]]
    outside = watts.loc[[1.0, 7.0, 8.0]]
    assert inside["frequency_lower"].min() > outside["frequency_upper"].max()
    assert (outside["size_mean"].isna() | (outside["n_global"] <= 1)).all()


def test_centola_end_points_and_directions(report: ValidationReport) -> None:
    table = report.curves["centola"]
    complex_rows = table[table["contagion"] == "complex"].set_index("rewire")
    simple_rows = table[table["contagion"] == "simple"].set_index("rewire")
    assert complex_rows.loc[0.0, "final_min"] == 1.0
    assert complex_rows.loc[1.0, "final_max"] < 0.1
    assert (simple_rows["final_min"] == 1.0).all()
    assert simple_rows.loc[1.0, "t90_upper"] < simple_rows.loc[0.0, "t90_lower"]


# ---------------------------------------------------------------------------
# Mean-field checks: the rows, their references and their run counts
# ---------------------------------------------------------------------------


def test_quick_suite_has_every_meanfield_check(report: ValidationReport) -> None:
    rows = report.rows[report.rows["group"] == "mean-field"].reset_index(drop=True)
    settings = [(1, 0.5), (8, 0.5), (64, 0.5), (8, 0.05), (8, 0.005)]
    assert len(rows) == 4 + len(settings) + 2 + 2 and rows["passed"].all()
    e = math.e
    # traditional channel, r dt = 1: m = λ dt / (e - 1), W = dt / (e - 1); social: ratios of 1
    np.testing.assert_allclose(
        rows["reference"][:4], [0.5 / (e - 1), 2 / (e - 1), 1.0, 1.0], rtol=1e-12
    )
    assert (rows["n_runs"][:4] == QUICK.meanfield_runs).all()
    assert rows["case"][0].endswith("open vacancies per recruiter vs λ dt / (e^(r dt) - 1)")
    assert rows["case"][1].endswith("mean weeks to fill vs dt / (e^(r dt) - 1)")
    # beliefs: alpha* / (alpha* + beta*) with alpha* = 1 + k s n / (1 - k), n = 2 x contacts a week
    for (per_week, decay), row in zip(settings, rows.iloc[4:9].itertuples(), strict=True):
        k, n = math.exp(-2 * decay), 2 * per_week
        alpha, beta = 1 + k * 0.3 * n / (1 - k), 9 + k * 0.7 * n / (1 - k)
        assert row.reference == pytest.approx(alpha / (alpha + beta), rel=1e-12)
        assert row.n_runs == QUICK.belief_actors
        # the mean over actors is well inside its tolerance of the fixed point
        assert abs(row.simulated - row.reference) <= row.tolerance + 1e-6 * row.reference
    assert rows["simulated"][9] <= 1e-9  # alpha + beta is not random
    # learnt risk: mu = m_f + k s p / (1 - k), k = exp(-0.1 x 2), p = 1 - exp(-0.05 x 2)
    k, p = math.exp(-0.2), 1 - math.exp(-0.1)
    assert rows["reference"][11] == pytest.approx(0.3 + k * 0.5 * p / (1 - k), rel=1e-12)
    assert rows["n_runs"][11] == QUICK.meanfield_runs
    assert rows["simulated"][12] <= 1e-12  # without incidents the memory is not random
    text = report.report_path.read_text(encoding="utf-8")
    assert "## 4. Mean-field checks" in text
    assert text.count("| Market, ") == 2 * 4  # in the checks table and in section 4


# ---------------------------------------------------------------------------
# Statistics helpers
# ---------------------------------------------------------------------------


def test_widened_tolerance_grows_with_the_standard_error() -> None:
    assert widened(0.005, 0.01, 20, 20) == 0.005
    assert widened(0.005, 0.01, 40, 20) == 0.005
    assert widened(0.0, 0.01, 5, 20) == pytest.approx(1.96 * 0.01 * math.sqrt(1 / 5 - 1 / 20), 1e-3)
    assert widened(0.005, 0.01, 5, 20) > widened(0.005, 0.01, 10, 20) > 0.005


def test_newcombe_interval_reproduces_the_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17: 873-890, example 56/70 - 48/80:
    # hybrid score interval (method 10) = (0.0524, 0.3339).
    d = 56 / 70 - 48 / 80
    lower = d - (newcombe_allowance(56, 70, 48 / 80, 80, +1) - ROUNDING)
    upper = d + (newcombe_allowance(56, 70, 48 / 80, 80, -1) - ROUNDING)
    assert lower == pytest.approx(0.0524, abs=5e-4)
    assert upper == pytest.approx(0.3339, abs=5e-4)


def test_spearman_fall_detects_a_decrease_only() -> None:
    x = np.repeat(np.arange(6.0), 4)
    rho, lower, upper, p_value = spearman_fall(x, -x + np.tile([0, 0.1, 0.2, 0.3], 6))
    assert rho < -0.9 and lower < rho < upper < 0 and p_value < 1e-6
    assert spearman_fall(x, x)[3] > 0.99


def test_run_batch_keeps_seed_order_and_extracted_figures() -> None:
    scenario = scenario_from_dict(
        {
            "run": {"steps": 3, "recruiting_layers": False},
            "population": {"candidates": 50, "recruiters": 0},
            "network": {"kind": "complete"},
            "decision": {"rule": "bass"},
        }
    )
    calls: list[tuple[str, int, int]] = []
    rows = run_batch(
        scenario, [3, 1, 2], lambda r: {"n": len(r.timeseries)}, progress=lambda *a: calls.append(a)
    )
    assert rows == [{"seed": 3, "n": 4}, {"seed": 1, "n": 4}, {"seed": 2, "n": 4}]
    assert calls == [("", 1, 3), ("", 2, 3), ("", 3, 3)]


# ---------------------------------------------------------------------------
# Experiment files
# ---------------------------------------------------------------------------


def test_validation_scenarios_and_sweeps_are_documented_files() -> None:
    files = sorted(EXPERIMENTS_DIR.glob("*.toml"))
    sweeps = [path for path in files if "design" in tomllib.loads(path.read_text())]
    assert len(files) == 7
    assert [p.name for p in sweeps] == ["centola_sweep.toml", "watts_sweep.toml"]
    readme = (ROOT / "experiments" / "README.md").read_text(encoding="utf-8")
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# Validation"), path
        assert f"validation/{path.name}" in readme
        if path in sweeps:
            assert f"recruitsim sweep experiments/validation/{path.name}" in text
        else:
            assert "recruiting_layers = false" in text or "extends" in tomllib.loads(text)


def test_the_report_writes_only_files_validate_owns(report):
    # `recruitsim validate --overwrite` replaces a folder holding only these (sim.output)
    written = {p.name for p in report.report_path.parent.iterdir()}
    assert written == OWNED_FILES["validate"] - {"manifest.json"}
