"""`recruitsim demo` refuses bad input in one line (exit 2) before any server starts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from cli_helpers import BASELINE, recruitsim


def test_a_bad_scenario_file_is_refused_in_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{BASELINE}"\n[learning]\nsharing = 2\n', encoding="utf-8")
    done = recruitsim("demo", "--scenario", str(BASELINE), "--compare", str(bad), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: --compare: ") and done.stderr.count("\n") == 1
    assert "learning.sharing" in done.stderr
    done = recruitsim("demo", "--scenario", str(tmp_path / "none.toml"), cwd=tmp_path)
    assert done.returncode == 2 and "--scenario" in done.stderr and "none.toml" in done.stderr


def test_a_port_in_use_is_refused_in_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = recruitsim(
            "demo", "--scenario", str(BASELINE), "--port", str(port), cwd=tmp_path
        )
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert f"127.0.0.1:{port} is in use" in done.stderr


def test_a_port_out_of_range_is_refused(tmp_path):
    done = recruitsim("demo", "--port", "80", cwd=tmp_path)
    assert done.returncode == 2 and "--port" in done.stderr


def test_terminating_the_command_stops_its_server(tmp_path):
    """`kill PID` (SIGTERM) on `recruitsim demo` leaves no server behind on the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "sim.cli", "demo", "--scenario", str(BASELINE)]
    demo = subprocess.Popen(
        [*command, "--port", str(port)], cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
                break
            except OSError:
                assert demo.poll() is None and time.monotonic() < deadline, demo.stderr.read()
                time.sleep(0.5)
        demo.terminate()
        demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
    assert demo.returncode == 130
    with socket.socket() as after:  # the server has gone: nothing answers on the port
        assert after.connect_ex(("127.0.0.1", port)) != 0
