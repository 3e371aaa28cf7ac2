"""The dynamics of every scenario file stay as fingerprinted, unless changed on purpose.

On failure, the message lists the columns whose values moved. If the change
is deliberate, regenerate with `python tests/regression/fingerprints.py` and
give the reason in the commit message.
"""

from __future__ import annotations

import json

import pytest
from fingerprints import STORE, key, run_fingerprint, scenario_files

STORED = json.loads(STORE.read_text(encoding="utf-8"))
FILES = scenario_files()


def test_every_scenario_file_has_a_fingerprint():
    assert sorted(STORED) == sorted(key(path) for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=[key(f) for f in FILES])
def test_timeseries_match_the_fingerprint(path):
    stored = STORED[key(path)]
    current = run_fingerprint(path)
    assert sorted(current) == sorted(stored), "columns added or removed"
    moved = [name for name in stored if current[name] != stored[name]]
    assert not moved, f"dynamics changed in {len(moved)} columns: {moved}"
