"""Fingerprints of every scenario file's timeseries, the guard against silent changes.

A fingerprint is one short hash per timeseries column of a 52-step run with
seed 0, its values written with 10 significant digits. Hashing column by
column makes a renamed column show as a renamed key with the same hash, and
a changed dynamic as the list of columns it moved.

Regenerate after a deliberate change of the dynamics, and say why in the
commit message::

    python tests/regression/fingerprints.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

import sim

ROOT = Path(__file__).resolve().parents[2]
STORE = Path(__file__).with_name("fingerprints.json")
STEPS = 52
SEED = 0


def scenario_files() -> list[Path]:
    """Every scenario file of the library and of the validation set-ups (not their sweeps)."""
    files = sorted((ROOT / "scenarios").glob("*.toml"))
    files += sorted((ROOT / "experiments" / "validation").glob("*.toml"))
    return [path for path in files if not path.name.endswith("_sweep.toml")]


def key(path: Path) -> str:
    """The file's path relative to the repository root."""
    return path.relative_to(ROOT).as_posix()


def column_hash(values: np.ndarray) -> str:
    """Hash of a column's values written with 10 significant digits."""
    text = ",".join(f"{float(v):.10g}" for v in values)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint(timeseries: pd.DataFrame) -> dict[str, str]:
    """One hash per column, sorted by column name."""
    return {name: column_hash(timeseries[name].to_numpy()) for name in sorted(timeseries)}


def run_fingerprint(path: Path) -> dict[str, str]:
    """Fingerprint of the file's scenario run for `STEPS` steps with seed `SEED`."""
    scenario = sim.load_scenario(path, {"run.steps": STEPS, "run.stop_when_stable": False})
    return fingerprint(sim.run(scenario, seed=SEED).timeseries)


def main() -> None:
    """Write the fingerprints of every scenario file."""
    table = {key(path): run_fingerprint(path) for path in scenario_files()}
    tmp = STORE.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(STORE)
    print(f"wrote {len(table)} fingerprints to {STORE}")


if __name__ == "__main__":
    main()
