"""Running the real `recruitsim` command line in a subprocess, for the integration tests."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SMALL = [
    "--set", "run.steps=4",
    "--set", "population.candidates=100",
    "--set", "population.recruiters=10",
]  # fmt: skip
"""Overrides that make the baseline a run of a second."""


def recruitsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`recruitsim ARGS` run in `cwd`, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=cwd
    )


def interruptible() -> None:
    """Give a child the default Ctrl-C, as a terminal does (run between fork and exec).

    A shell that starts the test run in the background sets SIGINT to
    "ignore", which children inherit, and Python then never raises
    KeyboardInterrupt: the tests of Ctrl-C restore the default first.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
