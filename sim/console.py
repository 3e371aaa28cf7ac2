"""The `recruitsim` entry point: Ctrl-C gives one line at any moment, even while loading."""

from __future__ import annotations

import sys


def main() -> None:
    """Load the command line and run it; an interrupt while loading exits 130 with one line."""
    try:
        from sim.cli import main as run_command_line
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        sys.exit(130)
    run_command_line()
