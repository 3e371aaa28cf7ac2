"""Animations of runs for slides: frames of the network and the curves, as GIF or MP4.

One scenario is drawn as its network, its shares by stage and its hires by
channel; two scenarios run in lockstep with the same seed (see
`sim.lockstep`), one row each, beside the difference panel. A frame is drawn
every `every` steps, from step 0 to `steps`. The file is
written under a temporary name in its folder, then renamed: an existing file
is never replaced, and an interrupted run leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg
import matplotlib
from matplotlib import animation
from matplotlib.figure import Figure

from sim.lockstep import Pair
from sim.model import RecruitingModel
from sim.network_view import draw_network, layout
from sim.pair_plots import draw_difference, draw_hires, draw_shares
from sim.scenario import Scenario

FPS = 8
DPI = 72  # 1,368 x 662 pixels side by side


def frame_steps(steps: int, every: int) -> list[int]:
    """The steps drawn: 0, every, 2 x every, ... and `steps` itself (the last frame)."""
    drawn = list(range(0, steps + 1, every))
    return drawn if drawn[-1] == steps else [*drawn, steps]


class Animation:
    """The models of an animation and the figure they are drawn on.

    Args:
        scenarios: one scenario, or a baseline and an intervention (drawn in lockstep).
        seed: the seed of every model.
        dpi: pixels per inch of the figure.
    """

    def __init__(self, scenarios: list[Scenario], seed: int, dpi: int = DPI) -> None:
        if len(scenarios) == 2:
            self.pair: Pair | None = Pair(scenarios[0], scenarios[1], seed)
            self.models = self.pair.models
        else:
            self.pair, self.models = None, (RecruitingModel(scenarios[0], seed),)
        self.views = [layout(model.state, seed) for model in self.models]
        self.names = [model.params.name for model in self.models]
        rows = len(self.models)
        width = 15 if self.pair is None else 19
        self.figure = Figure(figsize=(width, 4.6 * rows), layout="constrained", dpi=dpi)
        grid = self.figure.add_gridspec(rows, 4 if self.pair else 3)
        self.axes = [[self.figure.add_subplot(grid[r, c]) for c in range(3)] for r in range(rows)]
        self.difference = None
        if self.pair is not None:
            axis = self.figure.add_subplot(grid[:, 3])
            self.difference = (axis, axis.twinx())

    def advance_to(self, step: int) -> None:
        """Step every model to `step`."""
        while self.models[0].recorder.n_rows - 1 < step:
            if self.pair is not None:
                self.pair.step()
            else:
                self.models[0].step()

    def draw(self, weeks: float) -> None:
        """Draw the current state of every model."""
        for model, view, name, (network, shares, hires) in zip(
            self.models, self.views, self.names, self.axes, strict=True
        ):
            timeseries = model.recorder.timeseries()
            draw_network(network, view, model.state, name)
            draw_shares(shares, timeseries, weeks)
            draw_hires(hires, timeseries, weeks)
        if self.difference is not None and self.pair is not None:
            draw_difference(*self.difference, self.pair.difference(), weeks)
        week = self.models[0].time_weeks
        self.figure.suptitle(f"week {week:g}: {' vs '.join(self.names)}", fontsize="x-large")


def write_animation(
    scenarios: list[Scenario],
    seed: int,
    steps: int,
    every: int,
    out: Path,
    tick: Callable[[int, int], object] | None = None,
    dpi: int = DPI,
) -> int:
    """Run the scenarios and write the animation to `out` (.gif or .mp4).

    Args:
        scenarios: one scenario, or a baseline and an intervention.
        seed: the seed of every model.
        steps: the last step drawn.
        every: steps between frames.
        out: the file to write (its folder is created if missing).
        tick: called with (frames done, frames in all) after each frame.
        dpi: pixels per inch (the frame is 19 x 9.2 inches side by side, 15 x 4.6 alone).

    Returns:
        The number of frames written.

    Raises:
        FileExistsError: `out` exists, even if it appeared while drawing; it is kept.
    """
    drawing = Animation(scenarios, seed, dpi)
    drawn = frame_steps(steps, every)
    weeks = steps * drawing.models[0].state.dt_weeks

    def frame(step: int) -> list:
        drawing.advance_to(step)
        drawing.draw(weeks)
        return []

    movie = animation.FuncAnimation(drawing.figure, frame, frames=drawn, cache_frame_data=False)
    if out.suffix == ".mp4":  # the ffmpeg imageio-ffmpeg bundles; no system ffmpeg needed
        writer = animation.FFMpegWriter(
            fps=FPS, codec="libx264", extra_args=["-pix_fmt", "yuv420p"]
        )
        settings = {"animation.ffmpeg_path": imageio_ffmpeg.get_ffmpeg_exe()}
    else:
        writer, settings = animation.PillowWriter(fps=FPS), {}
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=out.suffix, dir=out.parent)
    os.close(handle)
    partial = Path(name)
    try:
        with matplotlib.rc_context(settings):
            movie.save(partial, writer=writer, dpi=dpi, progress_callback=tick)
        umask = os.umask(0)
        os.umask(umask)
        partial.chmod(0o666 & ~umask)  # as an ordinary new file (mkstemp makes it private)
        os.link(partial, out)  # in one step, and never over a file (FileExistsError)
    finally:
        partial.unlink(missing_ok=True)
    return len(drawn)
