"""Unit tests for sim.network: CSR construction, neighbour sums, generators, edge lists.

Statistical checks use one fixed seed and a tolerance of 5 standard deviations
of the quantity, derived in each test from the generator's distribution.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

import sim
from sim.edgelist import read_edgelist
from sim.network import Network, build_network, from_edges
from sim.params import NetworkParams
from sim.scenario import ScenarioError, load_scenario, scenario_from_dict


def edge_set(net: Network) -> set[tuple[int, int]]:
    coo = net.adjacency.tocoo()
    return {(int(a), int(b)) for a, b in zip(coo.row, coo.col, strict=True) if a < b}


def assert_simple_symmetric(net: Network) -> None:
    dense = net.adjacency.toarray()
    assert np.array_equal(dense, dense.T)
    assert np.all(np.diag(dense) == 0)
    assert set(np.unique(dense)) <= {0.0, 1.0}
    np.testing.assert_array_equal(net.degree, dense.sum(axis=1))
    assert net.n_edges == int(dense.sum()) // 2


def rng(seed: int = 12345) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------------
# from_edges and the Network helpers
# ---------------------------------------------------------------------------


def test_from_edges_drops_self_loops_merges_duplicates_and_symmetrises():
    u = np.array([0, 1, 2, 2, 3, 1, 4])
    v = np.array([1, 0, 2, 3, 2, 2, 4])  # 0-1 twice (both ways), 2-2 loop, 2-3 twice, 1-2, 4-4
    net = from_edges(6, u, v)
    assert edge_set(net) == {(0, 1), (1, 2), (2, 3)}
    assert net.n_edges == 3
    np.testing.assert_array_equal(net.degree, [1, 2, 2, 1, 0, 0])
    assert not net.is_complete
    assert_simple_symmetric(net)
    np.testing.assert_array_equal(net.neighbours(2), [1, 3])
    np.testing.assert_array_equal(net.neighbours(4), [])


def test_from_edges_with_no_edges():
    net = from_edges(3, np.array([], dtype=int), np.array([], dtype=int))
    assert net.n_edges == 0
    np.testing.assert_array_equal(net.degree, [0, 0, 0])
    np.testing.assert_array_equal(net.mean(np.array([1.0, 2.0, 3.0])), [0.0, 0.0, 0.0])


HAND_EDGES = [(0, 1), (0, 2), (0, 3), (1, 2), (3, 4)]  # node 5 isolated


def hand_graph() -> Network:
    u, v = np.array(HAND_EDGES).T
    return from_edges(6, u, v)


def test_count_and_mean_on_a_hand_graph():
    net = hand_graph()
    x = np.array([1.0, 10.0, 100.0, 1000.0, 10000.0, 5.0])
    # neighbours: 0:{1,2,3} 1:{0,2} 2:{0,1} 3:{0,4} 4:{3} 5:{}
    expected_count = [1110.0, 101.0, 11.0, 10001.0, 1000.0, 0.0]
    np.testing.assert_array_equal(net.count(x), expected_count)
    expected_mean = [1110.0 / 3, 101.0 / 2, 11.0 / 2, 10001.0 / 2, 1000.0, 0.0]
    np.testing.assert_allclose(net.mean(x), expected_mean, rtol=1e-15)
    # booleans count as 0/1 and give float64
    active = np.array([True, False, False, True, False, False])
    c = net.count(active)
    assert c.dtype == np.float64
    np.testing.assert_array_equal(c, [1, 1, 1, 1, 1, 0])
    np.testing.assert_allclose(net.mean(active), [1 / 3, 1 / 2, 1 / 2, 1 / 2, 1, 0])


def test_count_and_mean_of_several_columns():
    net = hand_graph()
    x = np.column_stack([np.arange(6.0), np.ones(6)])
    np.testing.assert_array_equal(net.count(x)[:, 1], net.degree)
    np.testing.assert_array_equal(net.count(x)[:, 0], [6.0, 2.0, 1.0, 4.0, 3.0, 0.0])
    np.testing.assert_allclose(net.mean(x)[:, 1], [1, 1, 1, 1, 1, 0])


@pytest.mark.parametrize("n_nonzero", [1, 2, 40])
def test_count_matches_dense_product_for_sparse_and_dense_values(n_nonzero):
    """The count must not depend on how many actors hold a non-zero value.

    One or two holders of 200 take the float64 path over their ties; 40 take the
    sparse product in float32, whose error on a sum of k positive terms is below
    2 k 2**-24 relative.
    """
    g = rng(7)
    n = 200
    u, v = g.integers(n, size=800), g.integers(n, size=800)
    net = from_edges(n, u, v)
    x = np.zeros(n)
    holders = g.choice(n, n_nonzero, replace=False)
    x[holders] = g.random(n_nonzero) + 0.5
    dense = net.adjacency.toarray().astype(np.float64)
    tolerance = 1e-15 if n_nonzero * 20 < n else 2 * net.degree.max() * 2.0**-24
    np.testing.assert_allclose(net.count(x), dense @ x, rtol=tolerance)
    np.testing.assert_array_equal(net.spread(np.sort(holders), x[np.sort(holders)]), net.count(x))
    counts = np.where(x > 0, 3.0, 0.0)  # integer values: exact on both paths
    np.testing.assert_array_equal(net.count(counts), dense @ counts)


@pytest.mark.parametrize("n_sources", [3, 60])
def test_add_spread_adds_the_neighbour_sums(n_sources):
    """In place for few sources, through a full array for many: the same sums."""
    g = rng(11)
    n = 200
    net = from_edges(n, g.integers(n, size=900), g.integers(n, size=900))
    sources = np.sort(g.choice(n, n_sources, replace=False))
    values = g.choice([-1.0, 1.0], n_sources)
    total = g.integers(0, 5, n).astype(np.float64)
    expected = total + net.adjacency.toarray().astype(np.float64)[:, sources] @ values
    np.testing.assert_array_equal(net.add_spread(total.copy(), sources, values), expected)


def test_spread_on_the_complete_graph_excludes_the_holder():
    net = build_network(NetworkParams(kind="complete"), 4, np.zeros(4, int), rng(0))
    out = net.spread(np.array([0, 2]), np.array([1.0, 5.0]))
    np.testing.assert_array_equal(out, [5.0, 6.0, 1.0, 6.0])
    np.testing.assert_array_equal(out, net.count(np.array([1.0, 0.0, 5.0, 0.0])))


def test_adjacency_uses_32_bit_indices_and_weights():
    net = from_edges(5, np.array([0, 1, 2]), np.array([1, 2, 3]))
    assert net.adjacency.indices.dtype == np.int32 and net.adjacency.indptr.dtype == np.int32
    assert net.adjacency.dtype == np.float32


def test_complete_graph_is_never_stored_and_counts_total_minus_self():
    params = NetworkParams(kind="complete")
    net = build_network(params, 5, np.zeros(5, dtype=int), rng())
    assert net.is_complete and net.adjacency is None
    np.testing.assert_array_equal(net.degree, [4, 4, 4, 4, 4])
    assert net.n_edges == 10
    x = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    np.testing.assert_array_equal(net.count(x), [30.0, 29.0, 27.0, 23.0, 15.0])
    np.testing.assert_allclose(net.mean(x), np.array([30.0, 29.0, 27.0, 23.0, 15.0]) / 4)
    two = np.column_stack([x, np.ones(5)])
    np.testing.assert_array_equal(net.count(two)[:, 1], [4, 4, 4, 4, 4])
    np.testing.assert_array_equal(net.neighbours(2), [0, 1, 3, 4])
    if hasattr(net, "count_at"):
        np.testing.assert_array_equal(net.count_at(x, np.array([0, 4])), [30.0, 15.0])


def test_complete_graph_of_one_actor_has_no_neighbours():
    net = build_network(NetworkParams(kind="complete"), 1, np.zeros(1, dtype=int), rng())
    np.testing.assert_array_equal(net.degree, [0])
    np.testing.assert_array_equal(net.mean(np.array([3.0])), [0.0])


def test_build_network_refuses_edgelist_kind():
    with pytest.raises(ValueError, match="read_edgelist"):
        build_network(NetworkParams(kind="edgelist", path="x"), 3, np.zeros(3, int), rng())


# ---------------------------------------------------------------------------
# Generators
# ---------------------------------------------------------------------------


def test_erdos_renyi_mean_degree_and_degree_variance():
    n, z = 2000, 10.0
    net = build_network(
        NetworkParams(kind="erdos_renyi", mean_degree=z), n, np.zeros(n, int), rng()
    )
    assert_simple_symmetric(net)
    # E ~ Binomial(N = n(n-1)/2, p = z/(n-1)): mean Np = n z / 2 = 10000,
    # sd sqrt(Np(1-p)) = 99.75; mean degree 2E/n has sd 2 * 99.75 / 2000 = 0.0998.
    p = z / (n - 1)
    n_pairs = n * (n - 1) / 2
    sd_mean_degree = 2 * math.sqrt(n_pairs * p * (1 - p)) / n
    assert abs(net.degree.mean() - z) < 5 * sd_mean_degree
    # Degrees are ~Poisson(z): sample variance ~ z with sd sqrt((mu4 - sigma^4)/n),
    # mu4 = z + 3 z^2, sigma^4 = z^2 -> sqrt((10 + 200)/2000) = 0.324.
    sd_var = math.sqrt((z + 2 * z * z) / n)
    assert abs(net.degree.var() - z * (1 - p)) < 5 * sd_var


def test_erdos_renyi_mean_degree_is_capped_by_population():
    n = 5
    net = build_network(
        NetworkParams(kind="erdos_renyi", mean_degree=50), n, np.zeros(n, int), rng()
    )
    assert net.n_edges == 10  # p = 1: every pair
    assert_simple_symmetric(net)


@pytest.mark.parametrize(("n", "z"), [(30, 4.0), (25, 6.0), (11, 2.0)])
def test_watts_strogatz_without_rewiring_is_the_ring_lattice(n, z):
    params = NetworkParams(kind="watts_strogatz", mean_degree=z, rewire=0.0)
    net = build_network(params, n, np.zeros(n, int), rng())
    half = int(z // 2)
    lattice = {tuple(sorted((i, (i + j) % n))) for i in range(n) for j in range(1, half + 1)}
    assert edge_set(net) == lattice
    assert edge_set(net) == {
        tuple(sorted(e)) for e in nx.watts_strogatz_graph(n, int(z), 0).edges()
    }
    np.testing.assert_array_equal(net.degree, np.full(n, int(z)))


def test_watts_strogatz_rewires_the_expected_share_of_ties():
    n, z, r = 2000, 10.0, 0.3
    params = NetworkParams(kind="watts_strogatz", mean_degree=z, rewire=r)
    net = build_network(params, n, np.zeros(n, int), rng())
    assert_simple_symmetric(net)
    half = 5
    lattice = {tuple(sorted((i, (i + j) % n))) for i in range(n) for j in range(1, half + 1)}
    edges = edge_set(net)
    n_ties = n * half  # 10000 ties, each rewired with probability r
    # A rewired end lands on a lattice neighbour or itself with prob (2 half + 1)/n; otherwise
    # the tie is new. New ties ~ Binomial(10000, r (1 - 11/2000)): mean 2983.5, sd 45.7.
    p_new = r * (1 - (2 * half + 1) / n)
    mean_new = n_ties * p_new
    sd_new = math.sqrt(n_ties * p_new * (1 - p_new))
    assert abs(len(edges - lattice) - mean_new) < 5 * sd_new
    # Only self-loops and duplicates are lost: about half * r * (2 half + 1) = 16.5 ties,
    # so the mean degree stays in (z - 0.1, z].
    assert z - 0.1 < net.degree.mean() <= z


def test_barabasi_albert_has_exactly_m_times_n_minus_m_ties():
    n, z = 500, 10.0
    params = NetworkParams(kind="barabasi_albert", mean_degree=z)
    net = build_network(params, n, np.zeros(n, int), rng())
    assert_simple_symmetric(net)
    m = 5  # round(z / 2); networkx starts from a star of m + 1 nodes, each newcomer adds m
    assert net.n_edges == m * (n - m)
    assert net.degree.mean() == pytest.approx(2 * m * (n - m) / n)  # 9.9
    # preferential attachment: the best-connected actor has far more than the mean
    assert net.degree.max() > 4 * net.degree.mean()


def test_barabasi_albert_differs_by_seed_and_repeats_with_same_seed():
    params = NetworkParams(kind="barabasi_albert", mean_degree=4)
    comm = np.zeros(100, int)
    a = build_network(params, 100, comm, rng(1))
    b = build_network(params, 100, comm, rng(1))
    c = build_network(params, 100, comm, rng(2))
    assert edge_set(a) == edge_set(b)
    assert edge_set(a) != edge_set(c)


def sbm_community(sizes: list[int], seed: int = 3) -> np.ndarray:
    community = np.repeat(np.arange(len(sizes)), sizes)
    return np.random.default_rng(seed).permutation(community)  # blocks need not be contiguous


def within_share(net: Network, community: np.ndarray) -> tuple[int, int]:
    coo = net.adjacency.tocoo()
    upper = coo.row < coo.col
    same = community[coo.row[upper]] == community[coo.col[upper]]
    return int(same.sum()), int((~same).sum())


@pytest.mark.parametrize("homophily", [0.8, 0.5])
def test_sbm_mean_degree_and_homophily(homophily):
    community = sbm_community([800, 600, 400, 200])
    n, z = community.size, 10.0
    params = NetworkParams(kind="sbm", mean_degree=z, homophily=homophily)
    net = build_network(params, n, community, rng())
    assert_simple_symmetric(net)
    n_in, n_out = within_share(net, community)
    expected_edges = n * z / 2  # 10000
    # within ~ Binomial with mean h E, between ~ Binomial with mean (1-h) E, independent:
    # sd of the total ~ sqrt(E) = 100 -> mean degree sd 2 * 100 / n = 0.1;
    # sd of the within share ~ sqrt(h (1-h) / E) = 0.004 (h = 0.8), 0.005 (h = 0.5).
    assert abs(2 * (n_in + n_out) / n - z) < 5 * 2 * math.sqrt(expected_edges) / n
    sd_share = math.sqrt(homophily * (1 - homophily) / expected_edges)
    assert abs(n_in / (n_in + n_out) - homophily) < 5 * sd_share


def test_sbm_with_explicit_probabilities():
    community = sbm_community([500, 500, 500, 500])
    n = community.size
    params = NetworkParams(kind="sbm", p_in=0.02, p_out=0.001)
    net = build_network(params, n, community, rng())
    n_in, n_out = within_share(net, community)
    within_pairs = 4 * 500 * 499 / 2  # 499000 -> mean 9980, sd 99.7
    between_pairs = n * (n - 1) / 2 - within_pairs  # 1500000 -> mean 1500, sd 38.7
    for count, pairs, p in [(n_in, within_pairs, 0.02), (n_out, between_pairs, 0.001)]:
        assert abs(count - pairs * p) < 5 * math.sqrt(pairs * p * (1 - p))


def test_sbm_with_full_homophily_has_no_ties_between_blocks():
    community = sbm_community([100, 100, 100])
    params = NetworkParams(kind="sbm", mean_degree=6, homophily=1.0)
    net = build_network(params, community.size, community, rng())
    n_in, n_out = within_share(net, community)
    assert n_out == 0 and n_in > 0


# ---------------------------------------------------------------------------
# Edge-list files
# ---------------------------------------------------------------------------


def test_read_edgelist_whitespace_commas_comments_and_duplicates(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text(
        "# a comment line\n"
        "0 1\n"
        "1\t2   # trailing comment\n"
        "\n"
        "2,3\n"
        "  3 ,  0  \n"
        "1 0\n"  # duplicate of 0 1
        "4 4\n",  # self-loop: node 4 exists but has no tie
        encoding="utf-8",
    )
    net = read_edgelist(path)
    assert net.n_nodes == 5
    assert edge_set(net) == {(0, 1), (1, 2), (2, 3), (0, 3)}
    np.testing.assert_array_equal(net.degree, [2, 2, 2, 2, 0])


def test_read_edgelist_numeric_labels_sorted_numerically(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text("10,2\n33,10\n", encoding="utf-8")
    net = read_edgelist(path)
    # labels 2 < 10 < 33 -> 0, 1, 2 (numeric order; text order would put "10" first)
    assert net.n_nodes == 3
    assert edge_set(net) == {(0, 1), (1, 2)}


def test_read_edgelist_string_labels(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("carol alice\nbob carol\ndave dave\n", encoding="utf-8")
    net = read_edgelist(path)
    # alice=0, bob=1, carol=2, dave=3
    assert net.n_nodes == 4
    assert edge_set(net) == {(0, 2), (1, 2)}
    np.testing.assert_array_equal(net.degree, [1, 1, 2, 0])


@pytest.mark.parametrize(("line", "n_fields"), [("1 2 3", 3), ("7", 1)])
def test_read_edgelist_bad_line_names_file_and_line(tmp_path, line, n_fields):
    path = tmp_path / "edges.txt"
    path.write_text(f"# header\n0 1\n{line}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        read_edgelist(path)
    message = str(info.value)
    assert f"{path}:3:" in message
    assert f"got {n_fields}" in message
    assert "\n" not in message


def test_read_edgelist_missing_and_empty_files(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        read_edgelist(tmp_path / "absent.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("# only a comment\n\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="no ties"):
        read_edgelist(empty)


def test_edgelist_sets_the_population_size(tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text("a b\nb c\nc d\nd e\ne f\nf g\ng h\nh i\ni j\nj a\nk k\nl a\n")
    # 12 labels a..l; the population table gives the recruiter share 10 / 100
    sc = scenario_from_dict(
        {
            "run": {"steps": 2},
            "population": {"candidates": 90, "recruiters": 10},
            "network": {"kind": "edgelist", "path": str(edges)},
        }
    )
    model = sim.RecruitingModel(sc, seed=1)
    assert model.actors.n == 12
    assert model.network.n_nodes == 12
    # round(12 * 0.1) = 1 recruiter, the last actor
    np.testing.assert_array_equal(model.actors.kind, [0] * 11 + [1])
    np.testing.assert_array_equal(model.network.degree[[0, 10, 11]], [3, 0, 1])  # a, k, l


def test_edgelist_path_is_relative_to_the_scenario_file(tmp_path):
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "g.txt").write_text("1 2\n2 3\n3 4\n")
    scenario_file = tmp_path / "s.toml"
    scenario_file.write_text(
        "[run]\nsteps = 1\n[population]\ncandidates = 4\nrecruiters = 0\n"
        '[network]\nkind = "edgelist"\npath = "nets/g.txt"\n'
    )
    model = sim.RecruitingModel(load_scenario(scenario_file), seed=0)
    assert model.actors.n == 4
    assert edge_set(model.network) == {(0, 1), (1, 2), (2, 3)}
