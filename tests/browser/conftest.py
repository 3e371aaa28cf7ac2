"""A headless Chromium page for the browser tests, with every request it makes recorded.

The browser is Debian's chromium (/usr/bin/chromium), driven by Playwright;
Playwright's own browser downloads are not used. A test that needs the page
fails (it is not skipped) when chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from checks import is_local
from playwright.sync_api import Page, Route, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000  # a stuck page fails the test instead of hanging the run


@pytest.fixture
def browser_requests() -> list[str]:
    """Every URL the `browser_page` requested, in order (filled as the page loads)."""
    return []


@pytest.fixture
def browser_page(tmp_path: Path, browser_requests: list[str]) -> Iterator[Page]:
    """A page of a fresh headless Chromium profile under `tmp_path`.

    Each request's URL is appended to `browser_requests`; a request leaving
    the machine (see `checks.is_local`) is recorded, then aborted, so a test
    never depends on the network. The browser is closed after the test.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests need Debian's chromium"
            " (apt-get install chromium); `playwright install` is not used",
            pytrace=False,
        )

    def keep_local(route: Route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "profile",
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport=VIEWPORT,
        )
        try:
            context.set_default_timeout(TIMEOUT_MS)
            context.on("request", lambda request: browser_requests.append(request.url))
            context.route("**/*", keep_local)
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()
