"""`recruitsim demo` in a real Chromium: offline, two sides in lockstep, one pair per tab.

The server is started as a subprocess (`recruitsim demo` on a free loopback
port) and stopped by its process id. Every request and websocket the pages
open is recorded; the test fails on any that leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ARGS, CHROMIUM
from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 90  # server start to page ready is about 10 s on these machines
WAIT_MS = 30_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    """A `recruitsim demo` server on a free port, stopped by its process id after the tests."""
    port = free_port()
    command = [sys.executable, "-c", "from sim.console import main; main()", "demo"]
    server = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert server.poll() is None, f"the demo stopped: {server.stdout.read()}"
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert response.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "the demo did not answer in time"
                time.sleep(0.5)
        yield url
    finally:
        os.kill(server.pid, signal.SIGINT)  # the command stops its Solara server, then exits
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert server.returncode == 130, server.stdout.read()


def step_of(page: Page, side: str) -> int:
    text = page.inner_text(f".recruitsim-step-{side}")
    return int(re.search(r"week (\d+)", text).group(1))


def expect_week(page: Page, week: int) -> None:
    for side in ("baseline", "intervention"):
        expect(page.locator(f".recruitsim-step-{side}")).to_have_text(
            re.compile(rf"week {week}$"), timeout=WAIT_MS
        )


def open_page(browser: Browser, url: str, urls: list[str]) -> Page:
    """The demo in a new browser context (its own cookies: a new session), at week 0.

    Every request and websocket of the context is appended to `urls`.
    """
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.on("request", lambda request: urls.append(request.url))
    context.on("websocket", lambda ws: urls.append(ws.url))
    page = context.new_page()
    page.goto(url)
    expect_week(page, 0)
    return page


def leaving(urls: list[str]) -> list[str]:
    """The URLs whose host is not 127.0.0.1 (data: and blob: stay in the page)."""
    return [
        url
        for url in urls
        if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).hostname != "127.0.0.1"
    ]


def test_demo_runs_offline_side_by_side_with_one_pair_per_tab(demo_url, tmp_path):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium", pytrace=False)
    urls: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        try:
            first = open_page(browser, demo_url, urls)

            # a preset is chosen: the right side runs it
            first.click(".recruitsim-preset")
            first.get_by_role("option", name="digital_training.toml").click()
            expect(first.locator(".recruitsim-step-intervention")).to_contain_text(
                "digital-training", timeout=WAIT_MS
            )
            expect(first.locator(".recruitsim-question")).to_contain_text("digital know-how")

            # a slider moves: the sharing weight goes from 0.3 to 0.35 (both sides)
            lever = first.locator(".recruitsim-lever-sharing")
            expect(lever).to_contain_text("(both sides): 0.3")
            lever.get_by_role("slider").focus()
            first.keyboard.press("ArrowRight")
            expect(lever).to_contain_text("(both sides): 0.35", timeout=WAIT_MS)
            expect_week(first, 0)  # new levers: a new pair at week 0

            # Step advances both sides by one week
            first.click(".recruitsim-step")
            expect_week(first, 1)

            # Play advances them in lockstep; Pause stops them
            first.click(".recruitsim-play")
            expect(first.locator(".recruitsim-step-baseline")).to_have_text(
                re.compile(r"week ([3-9]|\d{2,})$"), timeout=WAIT_MS
            )
            first.click(".recruitsim-play")  # now labelled Pause
            expect(first.locator(".recruitsim-play")).to_have_text(
                re.compile("play", re.IGNORECASE), timeout=WAIT_MS
            )
            time.sleep(1.0)  # a frame already computing is drawn
            paused = step_of(first, "baseline")
            assert step_of(first, "intervention") == paused
            time.sleep(2.0)
            assert (step_of(first, "baseline"), step_of(first, "intervention")) == (paused, paused)
            assert paused >= 3

            # stepping one phase names the phase and what it changed on each side
            first.click(".recruitsim-phase")
            expect(first.locator(".recruitsim-caption")).to_contain_text(
                f"week {paused + 1}, interventions:", timeout=WAIT_MS
            )

            # hovering an actor shows its state: each marker carries a tooltip
            titles = first.locator("#network-baseline title")
            assert titles.count() == 330
            assert "foundation" in titles.first.text_content()

            # a number that is no actor says so in one line; a good one is followed: ringed on
            # both sides, its state under each network
            first.locator(".recruitsim-follow input").fill("9999")
            first.keyboard.press("Enter")
            expect(first.locator(".recruitsim-follow-error")).to_contain_text(
                "no actor 9999; the actors are 0 to 329", timeout=WAIT_MS
            )
            first.locator(".recruitsim-follow input").fill("5")
            first.keyboard.press("Enter")
            for side in ("baseline", "intervention"):
                expect(first.locator(f".recruitsim-followed-{side}")).to_contain_text(
                    "candidate 5 (", timeout=WAIT_MS
                )
                expect(first.locator(f"#network-{side}-followed")).to_have_count(1)
            expect(first.locator(".recruitsim-follow-error")).to_have_count(0)

            screenshot = tmp_path / "demo.png"
            first.screenshot(path=str(screenshot), full_page=True)
            assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

            # a second context on the same address has its own pair, at week 0
            second = open_page(browser, demo_url, urls)
            second.click(".recruitsim-step")
            expect_week(second, 1)
            second.click(".recruitsim-step")
            expect_week(second, 2)
            assert (step_of(first, "baseline"), step_of(first, "intervention")) == (paused, paused)
        finally:
            browser.close()
    assert urls, "no request was recorded"
    assert leaving(urls) == []
