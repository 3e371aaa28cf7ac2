"""The network of a run drawn for a room: actors by stage and kind, platforms by membership.

Positions are computed once per network (`layout`) and kept between steps,
so a drawing changes only where actors change. Candidates are circles and
recruiters squares, coloured by adoption stage; each platform is a labelled
diamond on a ring around the actors, tied by faint lines to its members.
`network_svg` draws the same as SVG with a tooltip per actor giving its
state, for the demo's hover. Drawing reads the state; it changes nothing.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import matplotlib
import networkx as nx
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.population import JUNIOR, Stage
from sim.state import State

STAGE_COLOURS = {
    Stage.UNAWARE: "#c8c8c8",
    Stage.AWARE: "#9ecae1",
    Stage.MEMBER: "#3182bd",
    Stage.ACTIVE: "#e6550d",
    Stage.LAPSED: "#8c6bb1",
}
"""Colour of each adoption stage (also the curves' colours)."""
PLATFORM_COLOUR = "#31a354"
MAX_DRAWN_TIES = 20_000  # beyond this the ties are a grey smear: only a sample is drawn
SVG = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class Positions:
    """Where each actor and platform is drawn.

    Attributes:
        actors: (n, 2) positions of the actors, in [-1, 1].
        platforms: (p, 2) positions of the platforms, on a ring outside the actors.
        ties: (m, 2) actor pairs drawn as ties (all, or a sample of `MAX_DRAWN_TIES`).
    """

    actors: np.ndarray
    platforms: np.ndarray
    ties: np.ndarray


def layout(state: State, seed: int = 0) -> Positions:
    """Positions that stay put for the whole run (the network's ties at step 0).

    A force-directed (spring) layout pulls tied actors together, so domains
    show as clusters; a complete network is drawn on a circle with no ties.

    Args:
        state: a run's state.
        seed: seed of the layout's own generator (the run's streams are not used).
    """
    network, n = state.network, state.actors.n
    rng = np.random.default_rng(seed)
    if network.adjacency is None or n == 0:
        angle = 2 * np.pi * np.arange(n) / max(n, 1)
        positions, ties = np.column_stack([np.cos(angle), np.sin(angle)]), np.zeros((0, 2), int)
    else:
        graph = nx.from_scipy_sparse_array(network.adjacency)
        placed = nx.spring_layout(graph, seed=int(rng.integers(2**31)), iterations=60)
        positions = np.array([placed[k] for k in range(n)])
        radius = np.hypot(*positions.T)
        positions *= 0.95 / max(np.quantile(radius, 0.95), 1e-12)  # a few outliers stay close
        positions = np.clip(positions, -1.1, 1.1)
        coo = network.adjacency.tocoo()
        upper = coo.row < coo.col
        ties = np.column_stack([coo.row[upper], coo.col[upper]])
        if len(ties) > MAX_DRAWN_TIES:
            ties = ties[np.sort(rng.choice(len(ties), MAX_DRAWN_TIES, replace=False))]
    n_platforms = state.platforms.n
    angle = np.pi / 2 - 2 * np.pi * np.arange(n_platforms) / max(n_platforms, 1)
    ring = 1.25 * np.column_stack([np.cos(angle), np.sin(angle)])
    return Positions(positions, ring, ties)


def draw_network(
    axis: Axes, view: Positions, state: State, title: str = "", highlight: int | None = None
) -> None:
    """Draw the actors, their ties and the platforms' memberships on `axis`.

    Args:
        axis: where to draw (cleared first).
        view: the positions (`layout`).
        state: the state to draw.
        title: the axis title.
        highlight: an actor to ring (the one a facilitator follows), or None.
    """
    a = state.actors
    axis.clear()
    axis.set_axis_off()
    axis.set_aspect("equal")
    axis.set_xlim(-1.5, 1.5)
    axis.set_ylim(-1.5, 1.5)
    axis.set_title(title, fontsize="medium")
    if len(view.ties):
        axis.plot(*polyline(view.actors[view.ties]), color="#b0b0b0", lw=0.3, alpha=0.5)
    members = np.flatnonzero(a.membership)
    is_in = (a.membership[members, None] >> np.arange(state.platforms.n)) & 1
    who, which = np.nonzero(is_in)
    if who.size:
        spokes = np.stack([view.actors[members[who]], view.platforms[which]], axis=1)
        axis.plot(*polyline(spokes), color=PLATFORM_COLOUR, lw=0.4, alpha=0.15)
    colours = np.array([STAGE_COLOURS[Stage(code)] for code in range(len(Stage))])[a.stage]
    for mask, marker, size, gid in (
        (a.is_candidate, "o", 18, "candidates"),
        (~a.is_candidate, "s", 30, "recruiters"),
    ):
        collection = axis.scatter(
            *view.actors[mask].T,
            s=size,
            c=colours[mask],
            marker=marker,
            edgecolors="#303030",
            linewidths=0.3,
            zorder=3,
        )
        collection.set_gid(gid)
    if highlight is not None:
        axis.scatter(
            *view.actors[highlight],
            s=260,
            facecolors="none",
            edgecolors="black",
            linewidths=2,
            zorder=4,
        ).set_gid("followed")
    counts = [int(np.count_nonzero(a.membership >> k & 1)) for k in range(state.platforms.n)]
    axis.scatter(*view.platforms.T, s=90, marker="D", c=PLATFORM_COLOUR, zorder=3)
    for (x, y), name, count in zip(view.platforms, state.platforms.name, counts, strict=True):
        axis.annotate(
            f"{name}\n{count}",
            (x, y),
            xytext=(0, -9),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize="x-small",
        )
    axis.legend(
        handles=legend_handles(),
        loc="lower center",
        ncol=4,
        fontsize="x-small",
        frameon=False,
        bbox_to_anchor=(0.5, -0.08),
    )


def legend_handles() -> list[Line2D]:
    """Legend entries: a stage per colour, a kind per shape, the platforms."""
    stages = [
        Line2D([], [], ls="", marker="o", color=colour, label=stage.name.lower())
        for stage, colour in STAGE_COLOURS.items()
    ]
    kinds = [
        Line2D([], [], ls="", marker=m, mfc="white", mec="#303030", label=label)
        for m, label in (("o", "candidate"), ("s", "recruiter"))
    ]
    platform = Line2D([], [], ls="", marker="D", color=PLATFORM_COLOUR, label="platform")
    return [*stages, *kinds, platform]


def polyline(segments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The x and y of (m, 2, 2) segments as one line broken by NaNs (one light SVG path)."""
    broken = np.concatenate([segments, np.full((len(segments), 1, 2), np.nan)], axis=1)
    return broken[:, :, 0].ravel(), broken[:, :, 1].ravel()


def actor_line(state: State, i: int) -> str:
    """One actor's state in a line: kind, profile, domain, stage, skills, belief, platforms."""
    a, names = state.actors, state.platforms.name
    if a.is_candidate[i]:
        who = f"candidate {i} ({'junior' if a.profile[i] == JUNIOR else 'experienced'}, "
    else:
        who = f"recruiter {i} ({'certified, ' if a.is_certified[i] else ''}"
    mask = int(a.membership[i])
    platforms = ", ".join(n for k, n in enumerate(names) if mask >> k & 1) or "none"
    return (
        f"{who}domain {a.domain[i]}): {Stage(a.stage[i]).name.lower()};"
        f" foundation {a.foundation[i]:.2f}, digital {a.digital[i]:.2f},"
        f" belief {a.alpha[i] / (a.alpha[i] + a.beta[i]):.2f},"
        f" risk aversion {a.risk_aversion[i]:.2f}; platforms: {platforms}"
    )


def actor_lines(state: State) -> list[str]:
    """`actor_line` of every actor, in order (the tooltips)."""
    return [actor_line(state, i) for i in range(state.actors.n)]


def network_svg(
    view: Positions, state: State, title: str, element_id: str, highlight: int | None = None
) -> str:
    """The network as an inline SVG element, each actor's marker with its state as a tooltip.

    Args:
        view: the positions (`layout`).
        state: the state to draw.
        title: the drawing's title.
        element_id: the SVG element's id (distinct for each drawing on a page).
        highlight: an actor to ring, or None.
    """
    fig = Figure(figsize=(5.2, 5.2))
    draw_network(fig.add_axes((0.0, 0.08, 1.0, 0.86)), view, state, title, highlight)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text as text: lighter, faster
        fig.savefig(buffer, format="svg")
    ET.register_namespace("", SVG)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(buffer.getvalue())
    lines = actor_lines(state)
    a = state.actors
    for gid, indices in (
        ("candidates", np.flatnonzero(a.is_candidate)),
        ("recruiters", np.flatnonzero(~a.is_candidate)),
    ):
        group = root.find(f".//{{{SVG}}}g[@id='{gid}']")
        markers = [] if group is None else group.findall(f".//{{{SVG}}}use")
        for marker, index in zip(markers, indices, strict=True):
            ET.SubElement(marker, f"{{{SVG}}}title").text = lines[index]
        if group is not None:
            group.set("id", f"{element_id}-{gid}")
    ring = root.find(f".//{{{SVG}}}g[@id='followed']")
    if ring is not None:
        ring.set("id", f"{element_id}-followed")  # ids stay unique with two drawings on a page
    root.set("id", element_id)
    root.set("width", "100%")
    root.attrib.pop("height", None)
    return ET.tostring(root, encoding="unicode")
