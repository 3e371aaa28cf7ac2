"""What one frame of the demo costs on the server, over a whole run at the demo's size.

A frame is what the page does after Step (or each tick of Play at one week
per frame): both models step one week, then the page draws both networks
(SVG with a tooltip per actor), both sides' curves and the difference panel
(PNG). Every week of the run is timed (`--weeks`, default the scenario's 260),
since later weeks have more members, ties to platforms and curve points than
the first. The browser's own rendering and the websocket are not included.

    .venv/bin/python benchmarks/demo_bench.py [--weeks 260] [--out benchmarks/demo_results.json]
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import time
from pathlib import Path

import numpy as np

from sim.demo_app import curves_figure, difference_figure, start_session
from sim.levers import apply_levers, read_levers
from sim.network_view import network_svg
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def png(fig) -> int:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.tell()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=260)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "demo_results.json")
    args = parser.parse_args()
    baseline = load_scenario(ROOT / "scenarios" / "baseline.toml")
    training = load_scenario(ROOT / "scenarios" / "foundations_training.toml")
    start = read_levers(baseline, training)
    started = time.perf_counter()
    session = start_session(*apply_levers(baseline, training, start, start), seed=0)
    build_s = time.perf_counter() - started
    parts = {"step": [], "networks": [], "curves": [], "difference": []}
    svg_bytes, png_bytes = [], []
    for _ in range(args.weeks):
        t0 = time.perf_counter()
        session.pair.step()
        t1 = time.perf_counter()
        svgs = [
            network_svg(view, model.state, name, f"network-{name}")
            for view, model, name in zip(
                session.layouts, session.pair.models, ("baseline", "intervention"), strict=True
            )
        ]
        t2 = time.perf_counter()
        sizes = [png(curves_figure(session, side, workshop=False)) for side in (0, 1)]
        t3 = time.perf_counter()
        sizes.append(png(difference_figure(session, workshop=False)))
        t4 = time.perf_counter()
        for name, seconds in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            parts[name].append(seconds)
        svg_bytes.append(sum(len(svg) for svg in svgs))
        png_bytes.append(sum(sizes))
    frame = np.sum([parts[name] for name in parts], axis=0)
    results = {
        "actors": session.pair.models[0].state.actors.n,
        "weeks": args.weeks,
        "build_s": build_s,
        "frame_s": {
            "median": float(np.median(frame)),
            "p90": float(np.quantile(frame, 0.9)),
            "total": float(frame.sum()),
        },
        "median_s_by_part": {name: float(np.median(values)) for name, values in parts.items()},
        "median_bytes_per_frame": {
            "network_svgs": int(np.median(svg_bytes)),
            "pngs": int(np.median(png_bytes)),
        },
        "python": platform.python_version(),
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
