"""`recruitsim demo` refuses bad input in one line (exit 2) before any server starts."""

from __future__ import annotations

import socket

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
