"""The workshop demo: a baseline and an intervention side by side, live in the browser.

A Solara page (started by `recruitsim demo`, which passes the scenario files
in the `RECRUITSIM_DEMO_*` environment variables). Each page session builds
its own pair of models inside the component, so every browser tab explores
on its own. The page holds no dynamics: it drives a `sim.lockstep.Pair` and
draws from its state and recorders.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import solara
import solara.lab
from matplotlib.figure import Figure

from sim.levers import (
    LEVERS,
    Levers,
    apply_levers,
    demo_files,
    read_levers,
    read_presets,
    with_lever,
)
from sim.lockstep import Pair, PhaseReport
from sim.network_view import Positions, actor_line, layout, network_svg
from sim.pair_plots import draw_difference, draw_hires, draw_shares
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.terminal import MAX_SEED

SPEEDS = {"1 week": 1, "2 weeks": 2, "4 weeks": 4, "8 weeks": 8}
"""Weeks advanced per frame while playing."""
FRAME_SECONDS = 0.05  # pause between frames: the drawing itself takes longer

WORKSHOP_CSS = """
.recruitsim-workshop { font-size: 22px; }
.recruitsim-workshop .v-btn { font-size: 20px !important; height: 52px !important; }
.recruitsim-workshop .v-label, .recruitsim-workshop .v-select__selection { font-size: 20px; }
"""


@dataclass
class Session:
    """One page session's models and what it drew them with.

    Attributes:
        pair: the two models in lockstep.
        layouts: the positions of each side's network (fixed for the session).
        weeks: the time axis' end (the scenarios' run length).
    """

    pair: Pair
    layouts: tuple[Positions, Positions]
    weeks: float


def start_session(baseline: Scenario, intervention: Scenario, seed: int) -> Session:
    """A new pair of models at step 0, with the layouts of their networks."""
    pair = Pair(baseline, intervention, seed)
    views = tuple(layout(model.state, seed) for model in pair.models)
    weeks = max(m.params.run.steps * m.params.run.dt for m in pair.models)
    return Session(pair, (views[0], views[1]), weeks)


def curves_figure(session: Session, side: int, workshop: bool) -> Figure:
    """Shares by stage and kind, and hires by channel, of one side."""
    fig = Figure(figsize=(5.2, 4.6), dpi=110 if workshop else 90)
    fig.subplots_adjust(left=0.13, right=0.97, top=0.97, bottom=0.1, hspace=0.3)  # fixed: fast
    shares, hires = fig.subplots(2, 1)
    timeseries = session.pair.models[side].recorder.timeseries()
    draw_shares(shares, timeseries, session.weeks)
    draw_hires(hires, timeseries, session.weeks)
    return fig


def difference_figure(session: Session, workshop: bool) -> Figure:
    """The difference panel: intervention minus baseline."""
    fig = Figure(figsize=(5.2, 3.2), dpi=110 if workshop else 90)
    fig.subplots_adjust(left=0.14, right=0.84, top=0.9, bottom=0.15)
    axis = fig.subplots()
    draw_difference(axis, axis.twinx(), session.pair.difference(), session.weeks)
    return fig


@solara.component
def Side(session: Session, side: int, version: int, workshop: bool, followed: int | None) -> None:
    """One side: its step, its network (hover an actor for its state) and its curves."""
    model = session.pair.models[side]
    name = ("baseline", "intervention")[side]
    with solara.Column(style={"min-width": "0", "flex": "1 1 0"}):
        solara.Text(
            f"{name}: {model.params.name}, week {session.pair.steps}",
            classes=[f"recruitsim-step-{name}"],
            style={"font-weight": "bold"},
        )
        svg = solara.use_memo(
            lambda: network_svg(
                session.layouts[side], model.state, name, f"network-{name}", followed
            ),
            [session, version, followed],
        )
        solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["recruitsim-network"])
        if followed is not None:
            solara.Text(actor_line(model.state, followed), classes=[f"recruitsim-followed-{name}"])
        drawn = [session, version, workshop]
        curves = solara.use_memo(lambda: curves_figure(session, side, workshop), drawn)
        solara.FigureMatplotlib(curves, format="png", dependencies=drawn)


@solara.component
def DifferencePanel(session: Session, version: int, workshop: bool) -> None:
    """Intervention minus baseline, redrawn when the pair steps."""
    drawn = [session, version, workshop]
    figure = solara.use_memo(lambda: difference_figure(session, workshop), drawn)
    solara.FigureMatplotlib(figure, format="png", dependencies=drawn)


@solara.component
def PhaseList(session: Session, report: PhaseReport) -> None:
    """The phases of a week in order, the one just run in bold (read from the phase list)."""
    with solara.Row(style={"flex-wrap": "wrap", "gap": "2px 10px"}):
        solara.Text(f"week {report.step}:")
        for phase in session.pair.models[0].phases:
            done = phase is report.phase
            solara.Text(
                phase.name,
                style={"font-weight": "bold", "text-decoration": "underline"} if done else {},
                classes=["recruitsim-phase-current"] if done else [],
            )


@solara.component
def Page() -> None:
    """The demo page: preset, levers, controls, the two sides and their difference."""
    files = solara.use_memo(demo_files, [])
    presets = solara.use_memo(lambda: read_presets(files[1].parent), [files])
    by_name = {preset.path.name: preset for preset in presets}
    chosen, set_chosen = solara.use_state(files[1].name)
    seed, set_seed = solara.use_state(0)
    moved, set_moved = solara.use_state(None)  # the levers as the sliders stand (None: as read)
    resets, set_resets = solara.use_state(0)
    version, set_version = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state("1 week")
    workshop, set_workshop = solara.use_state(False)
    report, set_report = solara.use_state(cast(PhaseReport | None, None))
    follow, set_follow = solara.use_state(cast(int | None, None))

    scenarios, error = solara.use_memo(lambda: _load(files[0], by_name[chosen].path), [chosen])
    start = solara.use_memo(lambda: read_levers(*scenarios) if scenarios else None, [scenarios])
    levers = moved or start
    session, refused = solara.use_memo(
        lambda: _build(scenarios, start, levers, seed) if scenarios else (None, ""),
        [scenarios, levers, seed, resets],
    )
    error = error or refused
    solara.use_effect(lambda: set_report(None), [session])  # a new pair: no phase in progress

    def advance() -> None:
        if session is not None:
            for _ in range(SPEEDS[speed]):
                session.pair.step()
            set_report(None)
            set_version(lambda v: v + 1)

    async def play() -> None:
        while playing and session is not None:
            advance()
            await asyncio.sleep(FRAME_SECONDS)

    # on the page's own event loop (not a thread): stepping and drawing never overlap, and
    # Pause cancels the loop at its next await
    solara.lab.use_task(play, dependencies=[playing, session, speed], prefer_threaded=False)

    def step_phase() -> None:
        if session is not None:
            set_report(session.pair.step_phase())
            set_version(lambda v: v + 1)

    def choose(name: str) -> None:
        set_playing(False)
        set_moved(None)
        set_chosen(name)

    solara.Style(WORKSHOP_CSS)
    with solara.Column(classes=["recruitsim-workshop"] if workshop else []):
        PresetPicker(list(by_name), chosen, by_name[chosen].question, choose)
        Controls(
            playing,
            {
                "step": advance,
                "play": lambda: set_playing(not playing),
                "phase": step_phase,
                "reset": lambda: (set_playing(False), set_resets(resets + 1)),
            },
            (speed, set_speed),
            (workshop, set_workshop),
            (follow, set_follow),
        )
        if not workshop and levers is not None:
            LeverPanel(levers, seed, set_moved, set_seed)
        if error:
            solara.Error(error, classes=["recruitsim-error"])
        if session is None:
            return
        solara.Text(
            report.line() if report else session.pair.caption(), classes=["recruitsim-caption"]
        )
        if report is not None:
            PhaseList(session, report)
        n_actors = session.pair.models[0].state.actors.n
        followed = follow if follow is not None and 0 <= follow < n_actors else None
        if follow is not None and followed is None:
            solara.Warning(
                f"follow an actor: no actor {follow}; the actors are 0 to {n_actors - 1}",
                classes=["recruitsim-follow-error"],
            )
        with solara.Row(style={"flex-wrap": "wrap" if workshop else "nowrap"}):
            Side(session, 0, version, workshop, followed)
            Side(session, 1, version, workshop, followed)
            with solara.Column(style={"min-width": "0", "flex": "1 1 0"}):
                DifferencePanel(session, version, workshop)
                solara.Text(
                    "Hover an actor in a network to see its state, or give its number to"
                    " follow it on both sides (ringed, its state under each network)."
                )


@solara.component
def PresetPicker(
    names: list[str], chosen: str, question: str, on_choose: Callable[[str], None]
) -> None:
    """The title, the intervention file of the right side and the question it answers."""
    solara.Text(
        "recruitsim: how learning moves the adoption of social recruiting",
        style={"font-size": "1.4em"},
    )
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.Select(
            "intervention (right side)",
            values=names,
            value=chosen,
            on_value=on_choose,
            classes=["recruitsim-preset"],
        )
        solara.Text(question, classes=["recruitsim-question"])


@solara.component
def Controls(
    playing: bool,
    actions: dict[str, Callable[[], object]],
    speed: tuple[str, Callable[[str], None]],
    workshop: tuple[bool, Callable[[bool], None]],
    follow: tuple[int | None, Callable[[int | None], None]],
) -> None:
    """Step, Play/Pause, Step one phase, Reset, the speed, workshop mode, the actor followed.

    Args:
        playing: whether Play runs (Step and Step one phase wait meanwhile).
        actions: what the buttons do, by `step`, `play`, `phase` and `reset`.
        speed: the weeks per frame (a key of `SPEEDS`) and its setter.
        workshop: workshop mode and its setter.
        follow: the number of the actor followed (None: none) and its setter.
    """
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
        for key, label, disabled in (
            ("step", "Step", playing),
            ("play", "Pause" if playing else "Play", False),
            ("phase", "Step one phase", playing),
            ("reset", "Reset", False),
        ):
            solara.Button(
                label, on_click=actions[key], disabled=disabled, classes=[f"recruitsim-{key}"]
            )
        solara.ToggleButtonsSingle(speed[0], values=list(SPEEDS), on_value=speed[1])
        solara.Switch(label="workshop mode", value=workshop[0], on_value=workshop[1])
        solara.InputInt(
            "follow an actor (number)",
            value=follow[0],
            optional=True,
            clearable=True,
            on_value=follow[1],
            classes=["recruitsim-follow"],
            style={"max-width": "220px"},
        )


@solara.component
def LeverPanel(
    levers: Levers,
    seed: int,
    on_levers: Callable[[Levers], None],
    on_seed: Callable[[int], None],
) -> None:
    """The sliders: world levers act on both sides, intervention levers on the right only."""
    with solara.Row(style={"flex-wrap": "wrap", "gap": "4px 24px"}):
        for lever in LEVERS:
            where = "both sides" if lever.side == "both" else "right side"
            value = getattr(levers, lever.name)

            def move(new: float, name: str = lever.name) -> None:
                on_levers(with_lever(levers, name, new))

            shown = f"{value:.0f}" if lever.name == "actors" else f"{value:.3g}"
            with solara.Column(
                style={"width": "280px"}, gap="0px", classes=[f"recruitsim-lever-{lever.name}"]
            ):
                solara.Text(f"{lever.label} ({where}): {shown}", style={"font-size": "0.85em"})
                if lever.name == "actors":
                    solara.SliderInt(
                        "",
                        value=int(value),
                        min=int(lever.low),
                        max=int(lever.high),
                        step=int(lever.step),
                        on_value=move,
                    )
                else:
                    solara.SliderFloat(
                        "",
                        value=value,
                        min=lever.low,
                        max=lever.high,
                        step=lever.step,
                        on_value=move,
                    )
        with solara.Column(style={"width": "200px"}):
            solara.InputInt("seed (both sides)", value=seed, on_value=on_seed)


def _load(baseline: Path, intervention: Path) -> tuple[tuple[Scenario, Scenario] | None, str]:
    """The two scenarios, or the one-line reason a file is refused."""
    try:
        return (load_scenario(baseline), load_scenario(intervention)), ""
    except ScenarioError as err:
        return None, str(err)


def _build(
    scenarios: tuple[Scenario, Scenario], start: Levers, levers: Levers, seed: int
) -> tuple[Session | None, str]:
    """A new session for the levers, or the one-line reason the levers are refused."""
    if not 0 <= seed <= MAX_SEED:
        return None, f"seed = {seed}: expected a whole number from 0 to {MAX_SEED}"
    try:
        return start_session(*apply_levers(*scenarios, start, levers), seed), ""
    except ScenarioError as err:
        return None, str(err)
