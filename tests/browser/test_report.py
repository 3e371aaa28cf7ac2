"""A comparison's report rendered in headless Chromium: every figure loads, nothing is cut off."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from checks import outside_requests, page_problems

from sim.compare import compare, load_plan, record, write_outcome

ROOT = Path(__file__).resolve().parents[2]
SMALL = """extends = "{base}"
[run]
steps = 30
[population]
candidates = 200
recruiters = 20
"""
SHOTS = os.environ.get("RECRUITSIM_SCREENSHOTS")
"""A folder to copy the screenshot into, to look at it (it is always saved under tmp_path)."""


def test_the_report_renders_whole_offline(tmp_path, browser_page, browser_requests):
    paths = []
    for name in ("baseline", "foundations_training", "sharing"):
        path = tmp_path / f"{name}.toml"
        path.write_text(SMALL.format(base=ROOT / "scenarios" / f"{name}.toml"))
        paths.append(path)
    plan = load_plan(paths, runs=3, seed=5)
    outcome = compare(plan, tmp_path / "out")
    page_path, tables = write_outcome(plan, outcome, record(plan, outcome))

    browser_page.goto(page_path.as_uri())
    browser_page.wait_for_load_state("load")
    assert page_problems(browser_page) == []  # images loaded, no table or figure overflows
    assert outside_requests(browser_requests) == []
    assert browser_requests == [page_path.as_uri()]  # the figures are in the page itself
    images = browser_page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
    assert len(images) == 4 and min(images) >= 800
    text = browser_page.inner_text("body")
    for heading in ("Summary", "Headline indicators", "Effects against the baseline",
                    "Cost-effectiveness", "Effects by group", "Provenance"):  # fmt: skip
        assert heading in text
    assert text.count("foundations_training") >= len(tables.effects) // 2
    shot = tmp_path / "report.png"
    browser_page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    if SHOTS:
        shutil.copy(shot, Path(SHOTS) / "report.png")
