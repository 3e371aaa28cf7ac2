"""A run never removes a file it did not write, and refuses a bad target before running.

Every case runs the real command line in a subprocess, in a temporary folder.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import BASELINE, SMALL, interruptible, recruitsim

from sim.output import STAGING_TAG, slug


def one_line_error(done: subprocess.CompletedProcess, expected: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert expected in lines[0]


def dead_tag() -> str:
    """A staging tag naming a process of this host that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_folder_with_other_files_is_refused_and_left_untouched(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "thesis.tex").write_text("x")
    done = recruitsim("run", str(BASELINE), *SMALL, "--out", str(folder), cwd=tmp_path)
    one_line_error(done, "holds files recruitsim run did not write")
    assert snapshot(tmp_path) == {"d/thesis.tex": b"x"}  # nothing else written, nothing lost
    args = ["run", str(BASELINE), *SMALL, "--out", str(folder), "--overwrite"]
    one_line_error(recruitsim(*args, cwd=tmp_path), "holds files recruitsim run did not write")
    assert snapshot(tmp_path) == {"d/thesis.tex": b"x"}


def test_the_scenarios_own_folder_and_an_existing_file_are_refused(tmp_path):
    scenario = tmp_path / "study" / "s.toml"
    scenario.parent.mkdir()
    scenario.write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    before = snapshot(tmp_path)
    one_line_error(
        recruitsim("run", str(scenario), *SMALL, "--out", str(scenario.parent), cwd=tmp_path),
        "holds files recruitsim run did not write",
    )
    one_line_error(
        recruitsim("run", str(scenario), *SMALL, "--out", str(scenario), cwd=tmp_path),
        "exists and is not a folder",
    )
    one_line_error(
        recruitsim("run", str(scenario), *SMALL, "--out", str(scenario / "x"), cwd=tmp_path),
        "is a file, not a folder",
    )
    for empty in ("", "."):
        one_line_error(
            recruitsim("run", str(scenario), *SMALL, "--out", empty, cwd=scenario.parent),
            "give a folder name",
        )
    assert snapshot(tmp_path) == before


def test_a_previous_output_is_replaced_only_with_overwrite(tmp_path):
    out = tmp_path / "out"
    args = ["run", str(BASELINE), *SMALL, "--out", str(out)]
    assert recruitsim(*args, "--seed", "1", cwd=tmp_path).returncode == 0
    first = snapshot(out)
    one_line_error(recruitsim(*args, "--seed", "2", cwd=tmp_path), "pass --overwrite")
    assert snapshot(out) == first
    assert recruitsim(*args, "--seed", "2", "--overwrite", cwd=tmp_path).returncode == 0
    assert json.loads((out / "manifest.json").read_text())["seeds"] == [2]
    # a user's file dropped into an output makes it a folder recruitsim does not own
    (out / "notes.txt").write_text("mine")
    one_line_error(recruitsim(*args, "--overwrite", cwd=tmp_path), "did not write")
    assert (out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging left


@pytest.mark.parametrize(
    ("name", "folder"),
    [("", "unnamed"), ("../x", "x"), ("/tmp/abs", "tmp-abs"), ("a b/c", "a-b-c")],
)
def test_default_output_names_are_slugs_inside_results(tmp_path, name, folder):
    other = tmp_path / "results" / "other-study"
    other.mkdir(parents=True)
    (other / "keep.csv").write_text("1")
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'extends = "{BASELINE}"\nname = {json.dumps(name)}\n', encoding="utf-8")
    done = recruitsim("run", str(scenario), *SMALL, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert slug(name) == folder
    assert (tmp_path / "results" / folder / "manifest.json").is_file()
    assert (other / "keep.csv").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "s.toml"]


def test_an_output_moved_aside_by_a_killed_swap_is_put_back(tmp_path):
    out = tmp_path / "out"
    args = ["run", str(BASELINE), *SMALL, "--out", str(out)]
    assert recruitsim(*args, cwd=tmp_path).returncode == 0
    first = snapshot(out)
    # the state a kill leaves between the two renames of a swap without exchange
    aside = tmp_path / ".out.old-abc123"
    aside.mkdir()
    (aside / STAGING_TAG).write_text(dead_tag())
    os.replace(out, aside / "output")
    one_line_error(recruitsim(*args, cwd=tmp_path), "holds a previous output")
    assert snapshot(out) == first  # the old output is back in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_stale_staging_folders_are_removed_and_live_ones_kept(tmp_path):
    stale = tmp_path / ".out.staging-dead"
    stale.mkdir()
    (stale / STAGING_TAG).write_text(dead_tag())
    (stale / "summary.csv").write_text("partial")
    live = tmp_path / ".out.staging-live"
    live.mkdir()
    (live / STAGING_TAG).write_text(f"{socket.gethostname()}:{os.getpid()}")  # running
    foreign = tmp_path / ".out.staging-foreign"  # no tag, not an output: not ours
    foreign.mkdir()
    (foreign / "data.bin").write_text("x")
    mixed = tmp_path / ".out.staging-mixed"  # a dead tag, but a file no run writes
    mixed.mkdir()
    (mixed / STAGING_TAG).write_text(dead_tag())
    (mixed / "thesis.tex").write_text("x")
    elsewhere = tmp_path / ".out.staging-elsewhere"  # a process of another host
    elsewhere.mkdir()
    (elsewhere / STAGING_TAG).write_text("another-host:1")
    # a finished output the user chose to put under a staging-like name
    chosen = tmp_path / ".out.staging-chosen"
    args = ["run", str(BASELINE), *SMALL, "--out"]
    assert recruitsim(*args, str(chosen), cwd=tmp_path).returncode == 0
    done = recruitsim(*args, str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    kept = ["chosen", "elsewhere", "foreign", "live", "mixed"]
    assert names == [f".out.staging-{k}" for k in kept] + ["out"]


def test_a_run_killed_while_simulating_leaves_the_previous_output(tmp_path):
    out = tmp_path / "out"
    args = ["run", str(BASELINE), *SMALL, "--out", str(out)]
    assert recruitsim(*args, cwd=tmp_path).returncode == 0
    first = snapshot(out)
    long_run = ["run", str(BASELINE), "--out", str(out), "--overwrite", "--runs", "50"]
    child = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *long_run],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.staging-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # well inside the simulation of 50 runs
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert snapshot(out) == first
    assert len(list(tmp_path.glob(".out.staging-*"))) == 1  # the killed run's
    assert recruitsim(*args, "--overwrite", cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_output_folders_follow_the_umask(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.umask(0o022); from sim.cli import main; main()",
         "run", str(BASELINE), *SMALL, "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o755


def test_a_seed_that_does_not_fit_the_tables_is_refused_before_running(tmp_path):
    done = recruitsim("run", str(BASELINE), *SMALL, "--seed", str(2**64), cwd=tmp_path)
    one_line_error(done, "--seed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("delay_s", [0.1, 4.0])  # while loading; while simulating
def test_ctrl_c_gives_one_line_and_leaves_nothing(tmp_path, delay_s):
    command = [
        str(Path(sys.executable).with_name("recruitsim")), "run", str(BASELINE),
        "--runs", "400", "--workers", "2", "--out", str(tmp_path / "out"),
    ]  # fmt: skip
    child = subprocess.Popen(
        command,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=interruptible,
    )
    time.sleep(delay_s)
    started = time.monotonic()
    os.killpg(child.pid, signal.SIGINT)  # as a terminal does: to the command and its workers
    _, stderr = child.communicate(timeout=120)
    # the queued runs are cancelled, not waited for: 400 runs take over a minute on 2 cores
    assert time.monotonic() - started < 30
    assert child.returncode == 130
    assert [line for line in stderr.splitlines() if line.strip()] == [
        "interrupted: nothing was written"
    ]
    assert list(tmp_path.iterdir()) == []


def test_validate_refuses_a_folder_it_does_not_own_before_running(tmp_path):
    mine = tmp_path / "report"
    mine.mkdir()
    (mine / "validation.md").write_text("my own notes")  # a name recruitsim uses, not its file
    one_line_error(recruitsim("validate", "--quick", "--out", str(mine), cwd=tmp_path), "did not")
    run_output = tmp_path / "out"
    done = recruitsim("run", str(BASELINE), *SMALL, "--out", str(run_output), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    args = ["validate", "--quick", "--out", str(run_output), "--overwrite"]
    one_line_error(recruitsim(*args, cwd=tmp_path), "did not write")
    assert (mine / "validation.md").read_text() == "my own notes"
    # a report holding a file of the user's, named like the report's own
    report = tmp_path / "report2"
    report.mkdir()
    (report / "validation.md").write_text("report")
    (report / "validation_checks.csv").write_text("a")
    (report / "validation_review_notes.docx").write_text("mine")
    args = ["validate", "--quick", "--out", str(report), "--overwrite"]
    one_line_error(recruitsim(*args, cwd=tmp_path), "did not write")
    assert (report / "validation_review_notes.docx").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "report", "report2"]


def test_an_output_name_too_long_is_one_line(tmp_path):
    done = recruitsim("run", str(BASELINE), *SMALL, "--out", "x" * 300, cwd=tmp_path)
    one_line_error(done, "too long")
    assert list(tmp_path.iterdir()) == []
