"""experiments/thesis_map.py: verdicts and drivers from a hand-made effects table."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "thesis_map.py"


@pytest.fixture(scope="module")
def thesis_map():
    spec = importlib.util.spec_from_file_location("thesis_map", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def effects() -> pd.DataFrame:
    rows = [  # (point, kpi, effect, significant, mde)
        (0, "cum_hires", 12.0, True, 3.0),
        (1, "cum_hires", -4.0, True, 3.0),
        (2, "cum_hires", 1.0, False, 3.5),
        (0, "mean_weeks_to_fill", -0.5, True, 0.1),  # lower is better: foundations
        (1, "mean_weeks_to_fill", 0.3, True, 0.1),
        (2, "mean_weeks_to_fill", 0.01, False, 0.2),
    ]
    table = pd.DataFrame(rows, columns=["point", "kpi", "effect", "significant", "mde"])
    return table.assign(label=table["kpi"])


def test_verdicts_count_the_worlds_each_arm_wins_and_those_the_runs_cannot_tell(thesis_map):
    summary = thesis_map.verdicts(effects()).set_index("kpi")
    hires, fill = summary.loc["cum_hires"], summary.loc["mean_weeks_to_fill"]
    assert (hires["foundations_better"], hires["digital_better"], hires["cannot_tell"]) == (1, 1, 1)
    assert (fill["foundations_better"], fill["digital_better"], fill["cannot_tell"]) == (1, 1, 1)
    assert hires["largest_mde"] == 3.5 and hires["median_effect"] == 1.0
    assert fill["worlds"] == 3


def test_drivers_rank_the_parameters_by_their_correlation_with_the_effect(thesis_map):
    worlds = pd.DataFrame(
        {"a.rising": [1.0, 2.0, 3.0], "b.falling": [3.0, 2.0, 1.0]}, index=[0, 1, 2]
    )
    table = effects().assign(effect=lambda t: t["point"] * 2.0 + 1.0)  # rises with the point
    found = thesis_map.drivers(table, worlds)
    hires = found[found["kpi"] == "cum_hires"].set_index("parameter")["spearman"]
    assert hires["a.rising"] == pytest.approx(1.0) and hires["b.falling"] == pytest.approx(-1.0)


def test_an_out_folder_with_files_the_script_did_not_write_is_refused(thesis_map, tmp_path, capsys):
    (tmp_path / "effects.csv").write_text("earlier output\n")
    thesis_map.check_out(tmp_path)  # its own earlier output: accepted
    (tmp_path / "notes.txt").write_text("mine\n")
    with pytest.raises(SystemExit) as info:
        thesis_map.check_out(tmp_path)
    assert info.value.code == 2
    message = capsys.readouterr().err
    assert "'notes.txt'" in message and message.count("\n") == 1
    assert (tmp_path / "notes.txt").read_text() == "mine\n"
