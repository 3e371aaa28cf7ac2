"""What a browser test checks on a rendered page: images, width, outside requests."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from playwright.sync_api import Page

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

# Runs in the page once it has loaded. An element inside a scrolling container
# (overflow-x auto or scroll) is meant to scroll there, so is not reported.
PROBLEMS_SCRIPT = """
() => {
  const problems = [];
  const describe = (el) => {
    const id = el.id ? `#${el.id}` : "";
    const src = el.getAttribute("src");
    const what = src === null ? "" : ` src=${src.startsWith("data:") ? src.slice(0, 30) : src}`;
    return `<${el.tagName.toLowerCase()}${id}${what}>`;
  };
  const scrolls = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (["auto", "scroll"].includes(getComputedStyle(up).overflowX)) return true;
    }
    return false;
  };
  const spills = (el) =>
    getComputedStyle(el).overflowX === "visible" && el.scrollWidth > el.clientWidth + 1;
  for (const img of document.images) {
    if (!(img.complete && img.naturalWidth > 0)) {
      problems.push(`image not loaded: ${describe(img)}`);
    }
  }
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    problems.push(`page is ${root.scrollWidth}px wide, the viewport ${root.clientWidth}px`);
  }
  const body = document.body.getBoundingClientRect();
  const wide = "table, pre, img, svg, canvas, figure, video, iframe";
  for (const el of document.body.querySelectorAll(wide)) {
    if (scrolls(el)) continue;
    const box = el.getBoundingClientRect();
    const parent = el.parentElement.getBoundingClientRect();
    if (box.width > body.width + 1) {
      const [width, bodyWidth] = [box.width, body.width].map(Math.round);
      problems.push(`${describe(el)} is ${width}px wide, the body ${bodyWidth}px`);
    } else if (box.right > parent.right + 1 || spills(el)) {
      problems.push(`${describe(el)} overflows its container`);
    }
  }
  return problems;
}
"""


def page_problems(page: Page) -> list[str]:
    """Problems of the page as rendered: an image not loaded, content too wide.

    Reported: every `<img>` not loaded (not complete, or no natural width), a
    document wider than the viewport, and each table, pre, img, svg, canvas,
    figure, video or iframe wider than the body or spilling out of its
    container (unless inside a horizontally scrolling container).

    Args:
        page: a page that has finished loading.

    Returns:
        One readable line per problem; empty when there is none.
    """
    return page.evaluate(PROBLEMS_SCRIPT)


def outside_requests(urls: Iterable[str]) -> list[str]:
    """The URLs that leave the machine: not file:, data: or http(s) to localhost.

    Args:
        urls: the URLs a page requested.

    Returns:
        Those URLs in order, duplicates kept.
    """
    return [url for url in urls if not is_local(url)]


def is_local(url: str) -> bool:
    """Whether a request for `url` stays on this machine (file:, data:, localhost)."""
    parts = urlsplit(url)
    if parts.scheme in ("file", "data"):
        return True
    return parts.scheme in ("http", "https") and parts.hostname in LOCAL_HOSTS
