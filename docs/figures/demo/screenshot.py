"""The README's screenshot of `recruitsim demo`: baseline vs foundations training, week 120.

Starts `recruitsim demo` on a free loopback port, plays to week 120 or just
past it (8 weeks a frame), pauses, runs the first three phases of the next
week, follows actor 12, and saves the page as seen in a 1440 x 1480 window to
docs/figures/demo/demo.png. The server is stopped by its process id. Needs
Debian's chromium (/usr/bin/chromium).

    .venv/bin/python docs/figures/demo/screenshot.py
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[3]
OUT = Path(__file__).resolve().parent / "demo.png"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def main() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-c", "from sim.console import main; main()", "demo"]
    server = subprocess.Popen([*command, "--port", str(port)], cwd=ROOT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=ARGS
            )
            page = browser.new_page(viewport={"width": 1440, "height": 1480})
            page.goto(url)
            page.get_by_role("button", name="8 weeks").click()
            page.click(".recruitsim-play")
            page.wait_for_function(
                "() => /week (1[2-9]\\d|[2-9]\\d\\d)/.test("
                "document.querySelector('.recruitsim-step-baseline').innerText)",
                timeout=300_000,
            )
            page.click(".recruitsim-play")
            time.sleep(3)
            for _ in range(3):
                before = page.inner_text(".recruitsim-caption")
                page.click(".recruitsim-phase")
                expect(page.locator(".recruitsim-caption")).not_to_have_text(before)
            page.locator(".recruitsim-follow input").fill("12")
            page.keyboard.press("Enter")
            expect(page.locator(".recruitsim-followed-baseline")).to_contain_text("candidate 12")
            time.sleep(2)
            page.screenshot(path=str(OUT))
            browser.close()
    finally:
        os.kill(server.pid, signal.SIGINT)
        server.wait(timeout=30)
    print(f"screenshot: {OUT}")


if __name__ == "__main__":
    main()
