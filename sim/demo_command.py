"""`recruitsim demo`: the workshop demo served on this machine only (127.0.0.1), offline.

The scenario files are checked first (one line and exit 2 when one is bad,
or when the port is taken); then Solara serves `sim.demo_app` as a child
process, in production mode, with no version check and no telemetry, so the
page asks nothing of the internet. Ctrl-C stops the server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.levers import ENV_COMPARE, ENV_SCENARIO
from sim.scenario import ScenarioError, load_scenario
from sim.terminal import INTERRUPTED, console, fail

HOST = "127.0.0.1"


def solara_command(port: int) -> list[str]:
    """The command that serves the demo on `HOST`:`port` with nothing asked of the internet."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "sim.demo_app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--production",
        "--no-check-version",
        "--no-open",
        "--log-level",
        "warning",
    ]


def solara_environment(scenario: Path, compare: Path) -> dict[str, str]:
    """The environment of the server: the scenario files, and no telemetry."""
    return {
        **os.environ,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        # Solara warns that cookies cannot be samesite=none over http: true, and harmless here
        "PYTHONWARNINGS": "ignore::UserWarning:solara.server.starlette",
        ENV_SCENARIO: str(scenario.resolve()),
        ENV_COMPARE: str(compare.resolve()),
    }


def port_is_free(port: int) -> bool:
    """Whether a server could listen on `HOST`:`port` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def demo_command(
    scenario: Annotated[Path, typer.Option(help="Baseline scenario (left side).")] = Path(
        "scenarios/baseline.toml"
    ),
    compare: Annotated[
        Path | None,
        typer.Option(
            help="Intervention scenario (right side); any file of the same folder"
            " can be chosen in the page. Default: foundations_training.toml there."
        ),
    ] = None,
    port: Annotated[int, typer.Option(min=1024, max=65535, help="Port on 127.0.0.1.")] = 8765,
) -> None:
    """Serve the live side-by-side demo on http://127.0.0.1:PORT (no internet needed)."""
    compare = compare if compare is not None else scenario.parent / "foundations_training.toml"
    for path, option in ((scenario, "--scenario"), (compare, "--compare")):
        try:
            load_scenario(path)
        except ScenarioError as err:
            fail(f"{option}: {err}")
    if not port_is_free(port):
        fail(f"--port {port}: {HOST}:{port} is in use; choose another port (1024 to 65535)")
    console.print(f"demo: http://{HOST}:{port} (Ctrl-C to stop)", highlight=False)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill PID` stops the server too, as Ctrl-C does
    server = subprocess.Popen(solara_command(port), env=solara_environment(scenario, compare))
    try:
        code = server.wait()
    except KeyboardInterrupt:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        raise typer.Exit(INTERRUPTED) from None
    if code:
        raise typer.Exit(code)


def _interrupt(signum: int, frame: object) -> None:
    """Turn a termination request into the Ctrl-C path, which stops the server first."""
    raise KeyboardInterrupt
