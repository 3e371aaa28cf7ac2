"""`recruitsim animate`: a GIF or MP4 of the network and the curves, for slides.

The drawing is in `sim.animation`, imported when the command runs (it loads
Matplotlib's animation writers, which the other commands do not need).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from sim.output import slug
from sim.scenario import ScenarioError, load_scenario, parse_override
from sim.terminal import MAX_SEED, console, err_console, fail

FORMATS = (".gif", ".mp4")


def animate_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario TOML file.")],
    compare: Annotated[
        Path | None, typer.Option(help="A second scenario, run in lockstep beside the first.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="A new .gif or .mp4 file (default results/<name>.gif)."),
    ] = None,
    steps: Annotated[int | None, typer.Option(min=1, help="Last step (default run.steps).")] = None,
    every: Annotated[int, typer.Option(min=1, help="Steps between frames.")] = 4,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Seed of both runs.")] = 0,
    dpi: Annotated[
        int | None, typer.Option(min=20, max=300, help="Pixels per inch (default 72).")
    ] = None,
    settings: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a parameter of every scenario: KEY=VALUE."),
    ] = None,
) -> None:
    """Write an animation of the network and the curves (side by side with --compare)."""
    from sim.animation import DPI, frame_steps, write_animation  # lazy: see the docstring

    scenarios = []
    for path, option in ((scenario_path, "SCENARIO"), (compare, "--compare")):
        if path is None:
            continue
        try:
            overrides = dict(parse_override(text) for text in settings or [])
            scenarios.append(load_scenario(path, overrides))
        except ScenarioError as err:
            fail(f"{option}: {err}")
    names = "-vs-".join(slug(s.params.name) for s in scenarios)
    out = out if out is not None else Path("results") / f"{names}.gif"
    if out.suffix.lower() not in FORMATS:
        fail(f"--out {out}: the file must end in .gif or .mp4")
    if out.exists() or out.is_symlink():
        fail(f"--out {out}: the file exists; choose a new name (an animation replaces nothing)")
    steps = steps if steps is not None else scenarios[0].params.run.steps
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(f"drawing {out.name}", total=len(frame_steps(steps, every)))
        frames = write_animation(
            scenarios,
            seed,
            steps,
            every,
            out,
            lambda done, total: progress.update(task, completed=done + 1, total=total),
            dpi or DPI,
        )
    console.print(f"animation: {out} ({frames} frames)", soft_wrap=True, highlight=False)
