"""What every command shares on the terminal: the consoles, one-line errors, exit codes."""

from __future__ import annotations

import typer
from rich.console import Console

MAX_SEED = 2**63 - 1  # seeds are stored in int64 columns
INTERRUPTED = 130  # exit code after Ctrl-C (128 + SIGINT)
console = Console()
err_console = Console(stderr=True)


def fail(message: str) -> None:
    """Print a one-line error and exit with code 2."""
    err_console.print(f"error: {message}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(2)


def say(message: str) -> None:
    """Print a line on the console as written (no markup, no wrapping of paths)."""
    console.print(message, soft_wrap=True, highlight=False, markup=False)
