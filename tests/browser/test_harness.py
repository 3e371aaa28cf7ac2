"""The browser harness itself: a page opens, its problems and requests are seen."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from checks import outside_requests, page_problems
from matplotlib.figure import Figure
from matplotlib.image import imread

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_data_url() -> str:
    """A 400 x 300 px PNG chart drawn with Matplotlib, as a data: URL."""
    fig = Figure(figsize=(4, 3))
    fig.subplots().plot([0, 1, 2], [0, 1, 4])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def write_page(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(
        f'<!doctype html><html><head><meta charset="utf-8"><title>{name}</title></head>'
        f"<body>{body}</body></html>",
        encoding="utf-8",
    )
    return path


def table(n_rows: int, style: str = "") -> str:
    rows = "".join(f"<tr><td>week {k}</td><td>{k * 3}</td></tr>" for k in range(n_rows))
    return f'<table style="{style}"><tr><th>time</th><th>hires</th></tr>{rows}</table>'


GOOD = f'<h1>Report</h1><img id="chart" src="{png_data_url()}" alt="chart">{table(5)}'


def test_outside_requests_keeps_only_what_leaves_the_machine():
    urls = [
        "file:///tmp/report/index.html",
        "data:image/png;base64,AAAA",
        "http://127.0.0.1:8000/figure.png",
        "http://localhost/style.css",
        "https://localhost:8443/app.js",
        "https://cdn.example.org/plotly.js",
        "http://localhost.example.com/x.png",  # a host named like localhost
        "http://127.0.0.1@evil.example/x.png",  # 127.0.0.1 is the user name here
        "ftp://localhost/file",
        "https://cdn.example.org/plotly.js",
    ]
    assert outside_requests(urls) == [
        "https://cdn.example.org/plotly.js",
        "http://localhost.example.com/x.png",
        "http://127.0.0.1@evil.example/x.png",
        "ftp://localhost/file",
        "https://cdn.example.org/plotly.js",
    ]
    assert outside_requests([]) == []


def test_a_self_contained_page_has_no_problem(browser_page, browser_requests, tmp_path):
    path = write_page(tmp_path, "good.html", GOOD)
    browser_page.goto(path.as_uri())
    assert browser_page.title() == "good.html"
    assert browser_page.evaluate("document.getElementById('chart').naturalWidth") == 400
    assert page_problems(browser_page) == []
    assert path.as_uri() in browser_requests
    assert outside_requests(browser_requests) == []


def test_a_broken_page_reports_the_missing_image_and_the_wide_table(browser_page, tmp_path):
    body = f'<img src="missing.png" alt="lost">{table(3, "width: 3000px")}'
    browser_page.goto(write_page(tmp_path, "broken.html", body).as_uri())
    problems = page_problems(browser_page)
    assert "image not loaded: <img src=missing.png>" in problems
    assert any(p.startswith("<table> is 3000px wide, the body 1264px") for p in problems), problems
    assert any(p.startswith("page is ") for p in problems), problems
    assert len(problems) == 3, problems


def test_content_spilling_out_of_its_container_is_reported(browser_page, tmp_path):
    body = (
        f'<div style="width: 300px"><img id="wide" src="{png_data_url()}"></div>'
        f"<pre>{'x' * 400}</pre>"
    )
    browser_page.goto(write_page(tmp_path, "spill.html", body).as_uri())
    problems = page_problems(browser_page)
    assert "<img#wide src=data:image/png;base64,iVBORw0K> overflows its container" in problems
    assert "<pre> overflows its container" in problems


def test_a_wide_table_in_a_scrolling_container_is_not_a_problem(browser_page, tmp_path):
    body = f'<div style="overflow-x: auto">{table(3, "width: 3000px")}</div>'
    browser_page.goto(write_page(tmp_path, "scrolling.html", body).as_uri())
    assert page_problems(browser_page) == []


def test_outside_requests_are_recorded_and_blocked(browser_page, browser_requests, tmp_path):
    body = (
        '<link rel="stylesheet" href="https://cdn.example.org/report.css">'
        '<img src="http://example.com/logo.png" alt="logo">'
    )
    browser_page.goto(write_page(tmp_path, "outside.html", body).as_uri())
    assert outside_requests(browser_requests) == [
        "https://cdn.example.org/report.css",
        "http://example.com/logo.png",
    ]
    assert page_problems(browser_page) == [
        "image not loaded: <img src=http://example.com/logo.png>"
    ]


@pytest.mark.parametrize("n_rows", [5, 80])
def test_a_full_page_screenshot_is_a_png(browser_page, tmp_path, n_rows):
    body = f'<img src="{png_data_url()}" alt="chart">{table(n_rows)}'
    browser_page.goto(write_page(tmp_path, "report.html", body).as_uri())
    shot = tmp_path / "screenshots" / "report.png"
    browser_page.screenshot(path=shot, full_page=True)
    assert shot.read_bytes()[:8] == PNG_SIGNATURE
    height, width, _ = imread(shot).shape
    page_height = browser_page.evaluate("document.documentElement.scrollHeight")
    assert width == 1280
    assert height == max(page_height, 900)
    assert (height > 900) == (n_rows == 80)
