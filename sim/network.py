"""Actor-actor networks as CSR adjacency, and the neighbour sums the phases need.

Large graphs are built directly with NumPy (sampling edge counts, then
distinct node pairs) rather than through networkx, whose pure-Python
generators dominate the build time at 100k actors (DESIGN.md section 3b).
A complete graph is never stored: its neighbour sums are computed from the
population totals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np
from scipy import sparse

from sim.params import NetworkParams


@dataclass(frozen=True)
class Network:
    """Undirected, simple network over actors 0..n_nodes-1.

    Attributes:
        n_nodes: number of actors.
        adjacency: symmetric CSR matrix of ones, or None for the complete graph.
        degree: number of neighbours of each actor.
    """

    n_nodes: int
    adjacency: sparse.csr_array | None
    degree: np.ndarray

    @property
    def is_complete(self) -> bool:
        """True when every actor is tied to every other (no stored ties)."""
        return self.adjacency is None

    @property
    def n_edges(self) -> int:
        """Number of undirected ties."""
        if self.adjacency is None:
            return self.n_nodes * (self.n_nodes - 1) // 2
        return self.adjacency.nnz // 2

    def neighbours(self, node: int) -> np.ndarray:
        """Indices of one actor's neighbours (for inspection, not the hot path)."""
        if self.adjacency is None:
            return np.delete(np.arange(self.n_nodes), node)
        start, stop = self.adjacency.indptr[node], self.adjacency.indptr[node + 1]
        return self.adjacency.indices[start:stop]

    def random_neighbours(self, nodes: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """One neighbour of each of `nodes`, uniformly by its draw in [0, 1); -1 if isolated."""
        if self.adjacency is None:  # the others, in index order, skipping the node itself
            other = (draws * (self.n_nodes - 1)).astype(np.int64)
            return np.where(self.n_nodes > 1, other + (other >= nodes), -1)
        degree = self.degree[nodes]
        start = self.adjacency.indptr[nodes]
        position = start + (draws * degree).astype(np.int64)
        has = degree > 0
        picked = np.full(nodes.size, -1, dtype=np.int64)
        picked[has] = self.adjacency.indices[position[has]]
        return picked

    def count(self, values: np.ndarray) -> np.ndarray:
        """Sum of `values` (one row per actor) over each actor's neighbours (float64).

        When few actors have a non-zero value (e.g. this step's contact
        outcomes), only their ties are visited. Otherwise the sum is one
        sparse product accumulated in float32: exact for integer counts below
        2**24, within a relative 1e-7 for real values.
        """
        values = np.asarray(values, dtype=np.float64)
        if self.adjacency is None:
            return values.sum(axis=0) - values
        nonzero = values if values.ndim == 1 else np.logical_or.reduce(values.T != 0)
        if np.count_nonzero(nonzero) * 20 < self.n_nodes:
            sources = nonzero.nonzero()[0]
            return self.spread(sources, values[sources])
        return (self.adjacency @ values.astype(np.float32)).astype(np.float64)

    def spread(self, sources: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Sums over neighbours when only the distinct actors `sources` hold non-zero `values`.

        Args:
            sources: indices of distinct actors.
            values: their values, one row per source.

        Returns:
            Each actor's sum of its neighbours' values (float64), as `count` would give.
        """
        values = np.asarray(values, dtype=np.float64)
        shape = (self.n_nodes, *values.shape[1:])
        if self.adjacency is None:
            total = np.full(shape, values.sum(axis=0))
            total[sources] -= values
            return total
        if sources.size == 0:
            return np.zeros(shape)
        if sources.size * 20 < self.n_nodes:
            return self._spread(sources, values)
        dense = np.zeros(shape, dtype=np.float32)
        dense[sources] = values
        return (self.adjacency @ dense).astype(np.float64, order="F")  # columns contiguous

    def add_spread(self, total: np.ndarray, sources: np.ndarray, values: np.ndarray) -> np.ndarray:
        """`total + spread(sources, values)` for one value per source.

        With few sources the sums are added in place at their neighbours
        (`total` is changed and returned), without building a full array.
        """
        if self.adjacency is None or sources.size * 20 >= self.n_nodes:
            return total + self.spread(sources, values)
        targets, lengths = self._ties(sources)
        np.add.at(total, targets, np.asarray(values, dtype=np.float64).repeat(lengths))
        return total

    def _ties(self, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The neighbours of each source, concatenated, and how many each source has."""
        starts = self._tie_starts[sources]
        lengths = self.degree[sources]
        ends = lengths.cumsum()
        ties = (starts - ends + lengths).repeat(lengths) + np.arange(ends[-1] if ends.size else 0)
        return self.adjacency.indices[ties], lengths

    @cached_property
    def _tie_starts(self) -> np.ndarray:
        """Where each actor's ties start in the adjacency (int64).

        The adjacency's own 32-bit offsets would be cast to 64 bits in every
        sum and repeat over them, at a cost several times the operation's.
        """
        return self.adjacency.indptr[:-1].astype(np.int64)

    def _spread(self, sources: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Sum over neighbours when only `sources` have non-zero `values` (A symmetric)."""
        targets, lengths = self._ties(sources)
        columns = values.T if values.ndim == 2 else values[None, :]
        sums = [
            np.bincount(targets, column.repeat(lengths), minlength=self.n_nodes)
            for column in columns
        ]
        # columns contiguous: NumPy would loop over short rows of a row-major array
        return sums[0] if values.ndim == 1 else np.array(sums).T

    @cached_property
    def inverse_degree(self) -> np.ndarray:
        """1 / degree, and 0 for an isolated actor (so shares and means are 0 there)."""
        return np.divide(1.0, self.degree, out=np.zeros(self.n_nodes), where=self.degree > 0)

    def share(self, count: np.ndarray) -> np.ndarray:
        """Neighbour counts (one row per actor) as shares of each actor's degree (0 if isolated)."""
        if count.ndim == 1:
            return count * self.inverse_degree
        return count * self.inverse_degree[:, None]

    def mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of `values` (one row per actor) over each actor's neighbours; 0 if isolated."""
        return self.share(self.count(values))


class NeighbourCount:
    """How many neighbours of each actor have a yes/no attribute, kept up to date.

    Each update visits only the ties of the actors whose attribute changed
    since the last one (few per step once a run is under way), instead of
    every tie; a new network (e.g. ties added by an intervention) triggers a
    full count. Counts are sums of +-1 in float64, hence exact.
    """

    def __init__(self) -> None:
        self.network: Network | None = None
        self.mask = np.empty(0, dtype=bool)
        self.count = np.empty(0)

    def update(self, network: Network, mask: np.ndarray) -> np.ndarray:
        """Counts for the current `mask` (one bool per actor) on `network`."""
        if network is not self.network or mask.shape != self.mask.shape:
            self.count = network.count(mask)
        else:
            changed = (mask != self.mask).nonzero()[0]
            if changed.size:
                sign = mask[changed] * 2.0 - 1.0  # +1 for a gain, -1 for a loss
                self.count = network.add_spread(self.count, changed, sign)
        self.network, self.mask = network, mask
        return self.count


def from_edges(n_nodes: int, u: np.ndarray, v: np.ndarray) -> Network:
    """Build a simple undirected network from edge endpoint arrays.

    Self-loops are dropped and duplicate ties merged.
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    keep = u != v
    lo, hi = np.minimum(u[keep], v[keep]), np.maximum(u[keep], v[keep])
    codes = sorted_unique(lo * n_nodes + hi)
    lo, hi = codes // n_nodes, codes % n_nodes
    rows = np.concatenate([lo, hi])
    cols = np.concatenate([hi, lo])
    # 32-bit indices and weights when they fit: half the bytes each neighbour sum streams
    index = np.int32 if max(rows.size, n_nodes) < 2**31 else np.int64
    data = np.ones(rows.size, dtype=np.float32)
    adjacency = sparse.csr_array(
        (data, (rows.astype(index), cols.astype(index))), shape=(n_nodes, n_nodes)
    )
    adjacency.sort_indices()
    degree = np.diff(adjacency.indptr).astype(np.int64)
    return Network(n_nodes, adjacency, degree)


def build_network(
    params: NetworkParams,
    n_nodes: int,
    community: np.ndarray,
    rng: np.random.Generator,
) -> Network:
    """Build the network a scenario asks for.

    Args:
        params: the scenario's `[network]` table.
        n_nodes: number of actors.
        community: community (domain) of each actor, used by `sbm`.
        rng: the network's own random stream.

    Returns:
        The network over actors 0..n_nodes-1.
    """
    kind = params.kind
    if kind == "complete":
        return Network(n_nodes, None, np.full(n_nodes, n_nodes - 1, dtype=np.int64))
    if kind == "edgelist":
        raise ValueError("edge-list networks are read with read_edgelist, not generated")
    z = min(params.mean_degree, max(n_nodes - 1, 0))
    if kind == "erdos_renyi":
        p = z / (n_nodes - 1) if n_nodes > 1 else 0.0
        u, v = _gnp_pairs(rng, np.arange(n_nodes), p)
        return from_edges(n_nodes, u, v)
    if kind == "watts_strogatz":
        return from_edges(n_nodes, *_watts_strogatz_edges(rng, n_nodes, z, params.rewire))
    if kind == "barabasi_albert":
        if n_nodes < 2:
            return from_edges(n_nodes, np.empty(0, np.int64), np.empty(0, np.int64))
        m = max(1, min(round(z / 2), n_nodes - 1))
        graph = nx.barabasi_albert_graph(n_nodes, m, seed=int(rng.integers(2**31)))
        edges = np.array(graph.edges(), dtype=np.int64).reshape(-1, 2)
        return from_edges(n_nodes, edges[:, 0], edges[:, 1])
    return from_edges(n_nodes, *_sbm_edges(rng, community, params, z))


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort then a mask: faster than hash-based np.unique here)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if values.size else values


def _distinct_pairs(
    rng: np.random.Generator, n_wanted: int, draw: Callable, n_codes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw `n_wanted` distinct unordered pairs with `draw(size) -> (u, v)`.

    Pairs are encoded as lo * n_codes + hi; self-pairs are rejected and
    repeats dropped, drawing more until enough distinct pairs are found.
    """
    codes = np.empty(0, dtype=np.int64)
    while codes.size < n_wanted:
        u, v = draw(int((n_wanted - codes.size) * 1.05) + 16)
        keep = u != v
        fresh = np.minimum(u[keep], v[keep]) * n_codes + np.maximum(u[keep], v[keep])
        codes = sorted_unique(np.concatenate([codes, fresh]))
    if codes.size > n_wanted:
        codes = rng.choice(codes, size=n_wanted, replace=False)
    return codes // n_codes, codes % n_codes


def _gnp_pairs(
    rng: np.random.Generator, nodes: np.ndarray, p: float
) -> tuple[np.ndarray, np.ndarray]:
    """G(n, p) on `nodes`: a binomial number of ties, then that many distinct pairs."""
    n = nodes.size
    n_pairs = n * (n - 1) // 2
    if n < 2 or p <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    n_edges = int(rng.binomial(n_pairs, min(p, 1.0)))
    if 2 * n_edges > n_pairs:  # dense: choose among all pairs (rejection would crawl)
        lo, hi = _all_pairs(n)
        chosen = np.sort(rng.choice(n_pairs, size=n_edges, replace=False))
        return nodes[lo[chosen]], nodes[hi[chosen]]

    def draw(size: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.integers(n, size=size), rng.integers(n, size=size)

    lo, hi = _distinct_pairs(rng, n_edges, draw, n)
    return nodes[lo], nodes[hi]


def _all_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every unordered pair of 0..n-1 once, as (lo, hi) arrays (O(n^2) memory)."""
    lo, hi = np.triu_indices(n, k=1)
    return lo.astype(np.int64), hi.astype(np.int64)


def _watts_strogatz_edges(
    rng: np.random.Generator, n_nodes: int, mean_degree: float, rewire: float
) -> tuple[np.ndarray, np.ndarray]:
    """Ring lattice with k/2 neighbours each side; each tie's far end rewired with `rewire`.

    A rewired end goes to a uniformly chosen actor; the rare self-loops and
    duplicate ties this creates are dropped by `from_edges`.
    """
    half = max(1, round(mean_degree / 2))
    u = np.repeat(np.arange(n_nodes), half)
    v = (u + np.tile(np.arange(1, half + 1), n_nodes)) % n_nodes
    rewired = rng.random(u.size) < rewire
    v = np.where(rewired, rng.integers(n_nodes, size=u.size), v)
    return u, v


def _sbm_edges(
    rng: np.random.Generator, community: np.ndarray, params: NetworkParams, z: float
) -> tuple[np.ndarray, np.ndarray]:
    """Stochastic block model with one block per community.

    Probabilities are `p_in`/`p_out` if given; otherwise chosen so the mean
    degree is `z` with a share `homophily` of ties inside the own block.
    """
    n = community.size
    blocks = [np.flatnonzero(community == c) for c in np.unique(community)]
    sizes = np.array([b.size for b in blocks], dtype=np.float64)
    within_pairs = float((sizes * (sizes - 1) / 2).sum())
    between_pairs = n * (n - 1) / 2 - within_pairs
    if params.p_in is not None and params.p_out is not None:
        p_in, p_out = params.p_in, params.p_out
    else:
        n_edges = n * z / 2
        p_in = min(1.0, params.homophily * n_edges / within_pairs) if within_pairs else 0.0
        p_out = min(1.0, (1 - params.homophily) * n_edges / between_pairs) if between_pairs else 0.0
    parts = [_gnp_pairs(rng, block, p_in) for block in blocks]
    if between_pairs and p_out > 0:
        n_out = int(rng.binomial(int(between_pairs), p_out))
        parts.append(_pairs_across(rng, community, n_out, between_pairs))
    u = np.concatenate([p[0] for p in parts])
    v = np.concatenate([p[1] for p in parts])
    return u, v


def _pairs_across(
    rng: np.random.Generator, community: np.ndarray, n_wanted: int, n_possible: float
) -> tuple[np.ndarray, np.ndarray]:
    """`n_wanted` distinct pairs of actors of different communities."""
    n = community.size
    if 2 * n_wanted > n_possible:  # dense: choose among all pairs (rejection would crawl)
        lo, hi = _all_pairs(n)
        across = np.flatnonzero(community[lo] != community[hi])
        chosen = np.sort(rng.choice(across, size=n_wanted, replace=False))
        return lo[chosen], hi[chosen]

    def draw(size: int) -> tuple[np.ndarray, np.ndarray]:
        u, v = rng.integers(n, size=size), rng.integers(n, size=size)
        same = community[u] == community[v]
        return u, np.where(same, u, v)  # same-block pairs become self-loops, dropped

    return _distinct_pairs(rng, n_wanted, draw, n)
