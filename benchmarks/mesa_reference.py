"""Idiomatic per-agent Mesa implementation of the Granovetter/Watts threshold rule.

This module is a *speed baseline*: it implements the same synchronous threshold
cascade as the vectorised engine in :mod:`sim`, but in the straightforward Mesa
style, with one Python object per node and per-agent method calls each step. It
deliberately avoids any vectorisation so that benchmarks measure what a typical
Mesa model would cost.

Rule (Watts 2002, synchronous form):

* an inactive agent becomes active when the share of its neighbours that are
  active is at least its threshold ``phi``;
* an agent with no neighbours never activates;
* active is absorbing (agents never deactivate).

Each step has two phases: every agent first ``compute``s its next state from the
*current* states of its neighbours, then every agent ``apply``s it, so the update
does not depend on activation order.

The module works with Mesa 3.3 and Mesa 3.5+. The differences handled here are:

* ``mesa.discrete_space.Network`` in Mesa >= 3.4 computes ``nx.spring_layout`` on
  construction unless ``layout=None`` is passed (prohibitively slow for 10^5
  nodes), while Mesa 3.3 does not accept a ``layout`` argument. The signature is
  inspected once at import time.
* ``mesa.Model`` is seeded with ``rng=`` (``seed=`` raises a ``FutureWarning`` in
  Mesa 3.5).

Example:
    >>> graph = build_er_graph(2_000, 4.0, seed=1)
    >>> model = ThresholdModel(graph, 0.18, [0, 1, 2, 3, 4], rng=1)
    >>> steps = model.run_until_stable()
    >>> 0.0 <= model.share_active <= 1.0
    True
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import FixedAgent, Network

__all__ = [
    "ThresholdAgent",
    "ThresholdModel",
    "build_er_graph",
]

# Mesa >= 3.4 builds a spring layout (and a KD-tree) in Network.__init__ unless told
# not to; Mesa 3.3 has no such parameter. Decide once which keyword to pass.
_NETWORK_KWARGS: dict[str, Any] = (
    {"layout": None} if "layout" in inspect.signature(Network.__init__).parameters else {}
)


def build_er_graph(n_nodes: int, mean_degree: float, seed: int) -> nx.Graph:
    """Build an Erdos-Renyi G(n, p) graph with the requested mean degree.

    Uses :func:`networkx.fast_gnp_random_graph` with ``p = mean_degree / (n - 1)``,
    which is O(n + m) and therefore practical for 10^5 nodes.

    Args:
        n_nodes: Number of nodes; nodes are labelled ``0 .. n_nodes - 1``.
        mean_degree: Expected mean degree ``z``.
        seed: Seed for networkx's random generator.

    Returns:
        An undirected simple graph with ``n_nodes`` nodes.

    Raises:
        ValueError: If ``n_nodes`` < 1 or ``mean_degree`` is negative or exceeds
            ``n_nodes - 1``.
    """
    if n_nodes < 1:
        raise ValueError(f"n_nodes must be >= 1, got {n_nodes}")
    if mean_degree < 0 or (n_nodes > 1 and mean_degree > n_nodes - 1):
        raise ValueError(f"mean_degree must be in [0, n_nodes - 1], got {mean_degree}")
    p = 0.0 if n_nodes == 1 else mean_degree / (n_nodes - 1)
    return nx.fast_gnp_random_graph(n_nodes, p, seed=seed)


class ThresholdAgent(FixedAgent):
    """A node of the network that adopts once enough of its neighbours have.

    Following Mesa's ``virus_on_network`` example, the agent is a
    :class:`~mesa.discrete_space.FixedAgent` placed on one cell of a
    :class:`~mesa.discrete_space.Network`; its neighbours are the agents on the
    neighbouring cells.

    Attributes:
        threshold: Fraction of active neighbours needed to activate.
        active: Current state.
        next_active: State computed in the ``compute`` phase, applied in ``apply``.
    """

    def __init__(
        self,
        model: ThresholdModel,
        threshold: float,
        active: bool,
        cell: Any,
    ) -> None:
        """Create an agent and place it on ``cell``.

        Args:
            model: The owning model.
            threshold: Activation threshold ``phi``.
            active: Initial state.
            cell: The :class:`~mesa.discrete_space.Cell` this agent occupies.
        """
        super().__init__(model)
        self.threshold = float(threshold)
        self.active = bool(active)
        self.next_active = self.active
        self.cell = cell

    def compute(self) -> None:
        """Phase 1: decide the next state from the neighbours' current states."""
        if self.active:
            self.next_active = True
            return
        n_neighbours = 0
        n_active = 0
        for neighbour in self.cell.neighborhood.agents:
            n_neighbours += 1
            if neighbour.active:
                n_active += 1
        self.next_active = n_neighbours > 0 and n_active / n_neighbours >= self.threshold

    def apply(self) -> None:
        """Phase 2: commit the state computed in :meth:`compute`."""
        if self.next_active and not self.active:
            self.model.n_newly_active += 1
        self.active = self.next_active


class ThresholdModel(mesa.Model):
    """Synchronous Granovetter/Watts threshold cascade on a network, one agent per node.

    Attributes:
        grid: The :class:`~mesa.discrete_space.Network` space built from the graph.
        threshold: The common activation threshold ``phi``.
        n_newly_active: Number of agents that activated in the last step.
        running: ``False`` once a step produced no new activations (stable state).
    """

    def __init__(
        self,
        graph: nx.Graph,
        threshold: float,
        initial_active: np.ndarray | list[int],
        rng: int | None = None,
    ) -> None:
        """Create the model.

        Args:
            graph: Undirected networkx graph; one agent is created per node.
            threshold: Activation threshold ``phi`` shared by all agents.
            initial_active: Node labels of the initially active agents.
            rng: Seed passed to :class:`mesa.Model` (the dynamics themselves are
                deterministic; the seed only initialises Mesa's generators).

        Raises:
            ValueError: If an entry of ``initial_active`` is not a node of ``graph``.
        """
        super().__init__(rng=rng)
        self.threshold = float(threshold)
        self.grid = Network(graph, capacity=1, random=self.random, **_NETWORK_KWARGS)

        seeds = {_as_node(v) for v in initial_active}
        missing = [v for v in seeds if v not in graph]
        if missing:
            raise ValueError(f"initial_active contains unknown nodes: {sorted(missing)[:5]}")

        cells = list(self.grid.all_cells)
        ThresholdAgent.create_agents(
            self,
            len(cells),
            self.threshold,
            [cell.coordinate in seeds for cell in cells],
            cells,
        )
        self.n_newly_active = 0
        self.running = True

    def step(self) -> None:
        """Advance one synchronous step: all agents compute, then all agents apply."""
        self.n_newly_active = 0
        self.agents.do("compute")
        self.agents.do("apply")
        self.running = self.n_newly_active > 0

    def run_until_stable(self, max_steps: int = 10_000) -> int:
        """Step until no agent changes state, or ``max_steps`` is reached.

        Args:
            max_steps: Upper bound on the number of steps.

        Returns:
            The number of steps executed (the last one produced no change unless
            ``max_steps`` was hit).
        """
        n_steps = 0
        while self.running and n_steps < max_steps:
            self.step()
            n_steps += 1
        return n_steps

    @property
    def n_active(self) -> int:
        """Number of active agents."""
        return sum(1 for agent in self.agents if agent.active)

    @property
    def share_active(self) -> float:
        """Fraction of agents that are active (0.0 for an empty model)."""
        n = len(self.agents)
        return self.n_active / n if n else 0.0

    def active_nodes(self) -> list[Any]:
        """Node labels of the active agents, sorted where the labels allow it."""
        nodes = [agent.cell.coordinate for agent in self.agents if agent.active]
        try:
            return sorted(nodes)
        except TypeError:
            return nodes


def _as_node(value: Any) -> Any:
    """Convert numpy scalars to plain Python values so they hash like graph labels."""
    return value.item() if isinstance(value, np.generic) else value


def _main(argv: Sequence[str] | None = None) -> None:
    """Tiny smoke run: ``python benchmarks/mesa_reference.py [n] [z] [phi] [seed]``."""
    import sys
    import time

    args = list(sys.argv[1:] if argv is None else argv)
    n = int(args[0]) if len(args) > 0 else 10_000
    z = float(args[1]) if len(args) > 1 else 10.0
    phi = float(args[2]) if len(args) > 2 else 0.18
    seed = int(args[3]) if len(args) > 3 else 0

    graph = build_er_graph(n, z, seed)
    initial = np.random.default_rng(seed).choice(n, size=max(1, n // 100), replace=False)
    t0 = time.perf_counter()
    model = ThresholdModel(graph, phi, initial, rng=seed)
    t1 = time.perf_counter()
    steps = model.run_until_stable()
    t2 = time.perf_counter()
    print(
        f"mesa {mesa.__version__}: n={n} z={z} phi={phi} build={t1 - t0:.3f}s "
        f"steps={steps} run={t2 - t1:.3f}s "
        f"agent-steps/s={n * steps / (t2 - t1):,.0f} share_active={model.share_active:.4f}"
    )


if __name__ == "__main__":
    _main()
