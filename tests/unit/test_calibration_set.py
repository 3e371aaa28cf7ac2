"""Unit tests of sim.calibration: implausibility, the cut-off and targets met, by hand."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from sim.calibration import (
    CalibrationError,
    Target,
    drivers,
    implausibility,
    point_table,
    targets_of,
)
from sim.experiment_spec import ExperimentSpec, spec_error

MEMBER = Target("member", "member", 0.53, 0.77)  # centre 0.65, half-width 0.12: sigma 0.04
GAP = Target("gap", "junior", 0.0, 0.4, minus="experienced", required=False)  # sigma 0.2/3


def runs(rows: list[tuple[int, float, float, float]]) -> pd.DataFrame:
    """Runs of (point, member, junior, experienced), the factor x = point / 10."""
    table = pd.DataFrame(rows, columns=["point", "member", "junior", "experienced"])
    table["x"] = table["point"] / 10
    return table


# point 0: member 0.77 and 0.83 (mean 0.80, se sqrt(0.0018 / 2) = 0.03);
#          gaps 0.2 - 0.1 = 0.1 and 0.7 - 0.4 = 0.3 (mean 0.2, se 0.1)
# point 1: member 0.60 and 0.64 (mean 0.62, se 0.02); gaps 0.5 and 0.5 (se 0)
# point 2: one run only
RUNS = runs(
    [
        (0, 0.77, 0.2, 0.1),
        (0, 0.83, 0.7, 0.4),
        (1, 0.60, 0.8, 0.3),
        (1, 0.64, 0.9, 0.4),
        (2, 0.65, 0.5, 0.4),
    ]
)


def table(cutoff: float = 3.0) -> pd.DataFrame:
    return point_table(RUNS, (MEMBER, GAP), ["x"], ["member"], cutoff).set_index("point")


def test_implausibility_is_the_distance_over_band_and_sampling_error():
    # |0.80 - 0.65| / sqrt(0.04^2 + 0.03^2) = 0.15 / 0.05
    assert implausibility(0.80, 0.03, MEMBER) == pytest.approx(3.0)
    # inside the band with no sampling error: 0.05 / 0.04
    assert implausibility(0.70, 0.0, MEMBER) == pytest.approx(1.25)
    # below the centre counts the same as above
    assert implausibility(0.60, 0.0, MEMBER) == pytest.approx(1.25)


def test_means_and_standard_errors_per_point():
    found = table()
    assert found.loc[0, "member"] == pytest.approx(0.80)
    assert found.loc[0, "se_member"] == pytest.approx(0.03)
    assert found.loc[1, "se_member"] == pytest.approx(0.02)
    assert found.loc[1, "I_member"] == pytest.approx(0.03 / math.sqrt(0.04**2 + 0.02**2))
    assert list(found["n_runs"]) == [2, 2, 1]
    assert list(found["x"]) == [0.0, 0.1, 0.2]


def test_a_gap_is_taken_run_by_run():
    found = table()
    assert found.loc[0, "gap"] == pytest.approx(0.2)
    # from the two runs' gaps (0.1, 0.3): not sqrt(0.05^2 + 0.15^2) from the separate means
    assert found.loc[0, "se_gap"] == pytest.approx(0.1)
    assert found.loc[0, "I_gap"] == pytest.approx(0.0)
    # 0.5 against centre 0.2, sigma 0.2 / 3, no spread between runs: 0.3 / (0.2 / 3)
    assert found.loc[1, "I_gap"] == pytest.approx(4.5)


@pytest.mark.parametrize(
    ("cutoff", "kept"), [(3.1, [True, True, False]), (2.9, [False, True, False])]
)
def test_the_cutoff_decides_on_required_targets_only(cutoff: float, kept: list[bool]):
    found = table(cutoff)
    assert list(found["kept"]) == kept
    assert found.loc[0, "I_max"] == pytest.approx(3.0)  # the gap (I = 0) is not required
    assert found.loc[1, "I_max"] == pytest.approx(found.loc[1, "I_member"])


def test_targets_met_lists_required_and_reported_targets():
    found = table(3.1)
    assert list(found["targets_met"]) == ["member gap", "member", ""]
    assert list(found["met_gap"]) == [True, False, False]


def test_a_point_of_one_run_has_no_error_and_is_not_kept():
    found = table()
    assert np.isnan(found.loc[2, "se_member"]) and np.isnan(found.loc[2, "I_max"])
    assert not found.loc[2, "kept"]


def test_drivers_rank_factors_against_target_means():
    found = drivers(table(), ["x"], (MEMBER, GAP))
    # x ranks 1, 2, 3 against means 0.80, 0.62, 0.65 (ranks 3, 1, 2): -1 / 2
    assert found.loc["x", "member"] == pytest.approx(-0.5)
    # against gaps 0.2, 0.5, 0.1 (ranks 2, 3, 1): -1 / 2
    assert found.loc["x", "gap"] == pytest.approx(-0.5)
    assert list(found.index) == ["x"] and list(found.columns) == ["member", "gap"]


def spec(calibration: dict[str, Any] | None, replications: int = 4) -> ExperimentSpec:
    data: dict[str, Any] = {
        "name": "c",
        "scenario": "s.toml",
        "design": {"replications": replications},
        "output": {"kpis": ["a", "b"]},
    }
    if calibration is not None:
        data["calibration"] = calibration
    return ExperimentSpec.model_validate(data)


def test_targets_of_reads_the_table():
    targets, cutoff = targets_of(
        spec(
            {
                "cutoff": 2.5,
                "targets": {
                    "a": {"band": [0.1, 0.2]},
                    "d": {"kpi": "a", "minus": "b", "band": [0, 1], "required": False},
                },
            }
        ),
        "f.toml",
    )
    assert cutoff == 2.5
    assert targets == (Target("a", "a", 0.1, 0.2), Target("d", "a", 0.0, 1.0, "b", False))
    assert targets[0].centre == pytest.approx(0.15) and targets[0].half_width == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("calibration", "replications", "message"),
    [
        (None, 4, "f.toml: no [calibration] table; calibrate needs targets"),
        (
            {"targets": {"a": {"band": [0, 1]}}},
            1,
            "f.toml: design.replications = 1: calibration needs at least 2 runs per point",
        ),
        (
            {"targets": {"z": {"band": [0, 1]}}},
            4,
            "f.toml: calibration.targets.z.kpi = 'z': not kept by the runs; add it to "
            "output.kpis (kept: a, b)",
        ),
        (
            {"targets": {"g": {"kpi": "a", "minus": "c", "band": [0, 1]}}},
            4,
            "f.toml: calibration.targets.g.minus = 'c': not kept by the runs",
        ),
        (
            {"targets": {"a": {"kpi": "b", "band": [0, 1]}}},
            4,
            "f.toml: calibration.targets.a: the name of a kept KPI, for a target that reads",
        ),
    ],
)
def test_targets_of_refuses_in_one_line(
    calibration: dict[str, Any] | None, replications: int, message: str
):
    with pytest.raises(CalibrationError) as caught:
        targets_of(spec(calibration, replications), "f.toml")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            {"band": [0.5, 0.1]},
            "f.toml: calibration.targets.t.band = [0.5, 0.1]: expected low < high (a band of "
            "some width), got [0.5, 0.1]",
        ),
        (
            {"band": [0, 1], "requird": False},
            "f.toml: unknown key 'calibration.targets.t.requird' = False (did you mean "
            "'required'?) (allowed here: band, kpi, minus, required)",
        ),
    ],
)
def test_a_bad_target_is_one_line_naming_the_key(target: dict[str, Any], message: str):
    data = {"name": "c", "scenario": "s.toml", "calibration": {"targets": {"t": target}}}
    with pytest.raises(ValidationError) as caught:
        ExperimentSpec.model_validate(data)
    assert spec_error(caught.value, data, "f.toml") == message
