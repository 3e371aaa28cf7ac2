"""Every manifest.json names recruitsim's version and CITATION.cff, which holds that version."""

from __future__ import annotations

import json
import tomllib
from importlib import metadata
from types import SimpleNamespace

import yaml
from cli_helpers import ROOT, SMALL, recruitsim
from typer.testing import CliRunner

import sim.validation
from sim.cli import app
from sim.sweeps import sweep

VERSION = metadata.version("recruitsim")


def assert_cites(folder) -> None:
    """The folder's manifest names the installed version and a citation file of that version."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == VERSION
    citation = yaml.safe_load((ROOT / manifest["cite"]).read_text(encoding="utf-8"))
    assert citation["version"] == VERSION


def test_citation_cff_parses_and_holds_the_installed_version_and_license():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert citation["cff-version"] == "1.2.0" and citation["title"] == project["name"]
    assert citation["version"] == VERSION == citation["preferred-citation"]["version"]
    assert citation["license"] == project["license"]["text"]
    assert (ROOT / citation["preferred-citation"]["filename"]).is_file()
    assert [a["name"] for a in citation["authors"]] == ["recruitsim developers"]


def test_the_run_manifest_holds_the_version_and_where_to_cite(tmp_path):
    out = tmp_path / "out"
    done = recruitsim(
        "run", str(ROOT / "scenarios" / "baseline.toml"), *SMALL, "--out", str(out), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "manifest.json").read_text())["cite"] == "CITATION.cff"
    assert_cites(out)


def test_the_sweep_manifest_holds_the_version_and_where_to_cite(tmp_path):
    experiment = tmp_path / "tiny.toml"
    experiment.write_text(
        f'name = "tiny"\nscenario = "{ROOT / "scenarios" / "baseline.toml"}"\n'
        '[overrides]\n"run.steps" = 4\n"population.candidates" = 100\n'
        '"population.recruiters" = 10\n',
        encoding="utf-8",
    )
    sweep(experiment, out=tmp_path / "out")
    assert_cites(tmp_path / "out")


def test_the_compare_manifest_holds_the_version_and_where_to_cite(tmp_path):
    for name in ("baseline", "foundations_training"):
        text = f'extends = "{ROOT / "scenarios" / f"{name}.toml"}"\n[run]\nsteps = 27\n'
        (tmp_path / f"{name}.toml").write_text(
            text + "[population]\ncandidates = 100\nrecruiters = 10\n", encoding="utf-8"
        )
    args = ("compare", "baseline.toml", "foundations_training.toml", "--runs", "2")
    done = recruitsim(*args, "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert_cites(tmp_path / "out")


def test_the_validation_manifest_holds_the_version_and_where_to_cite(tmp_path, monkeypatch):
    # the checks themselves take minutes (tests/validation): a report that passes stands in
    monkeypatch.setattr(sim.validation, "run_validation", lambda *_: SimpleNamespace(passed=True))
    monkeypatch.setattr(sim.validation, "format_table", lambda _: "")
    result = CliRunner().invoke(app, ["validate", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert_cites(tmp_path / "out")
