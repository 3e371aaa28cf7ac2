"""The state at step 0: population, network, platforms, initial adopters, interventions."""

from __future__ import annotations

import numpy as np

from sim.budget import check_memory
from sim.edgelist import read_edgelist
from sim.interventions import build_interventions
from sim.network import Network, build_network
from sim.params import ScenarioParams
from sim.population import (
    Actors,
    Stage,
    draw_thresholds,
    fit_table,
    init_actors,
    init_platforms,
    membership_bits,
    split_population,
)
from sim.scenario import Scenario, ScenarioError
from sim.state import Modifiers, State, random_stream


def build_state(scenario: Scenario, seed: int) -> State:
    """The state of a run at step 0.

    Each part draws from its own named stream (`population`, `network`,
    `thresholds`, `seeding`), so that two scenarios with the same seed
    start from the same actors wherever their parameters agree.

    Raises:
        ScenarioError: an edge list with fewer actors than `initial.active`, or
            a population and network too large for the memory available.
    """
    p = scenario.params
    check_memory(p, where=str(scenario.source or "<scenario>"), now=False)
    network = None
    if p.network.kind == "edgelist":
        network = read_edgelist(scenario.base_dir / str(p.network.path))
        if p.initial.active > network.n_nodes:
            raise ScenarioError(
                f"{scenario.source}: initial.active = {p.initial.active}: exceeds the "
                f"{network.n_nodes} actors of the edge list {p.network.path!r}"
            )
    n_actors = network.n_nodes if network is not None else p.population.n_actors
    n_candidates, n_recruiters = split_population(p.population, n_actors)
    platforms = init_platforms(p.platforms, p.platform_names)
    prior = (p.learning.prior_alpha, p.learning.prior_beta)
    actors = init_actors(
        p.population,
        n_candidates=n_candidates,
        n_recruiters=n_recruiters,
        prior=prior,
        rng=random_stream(seed, "population"),
    )
    if network is None:
        network = build_network(p.network, actors.n, actors.domain, random_stream(seed, "network"))
    actors.threshold = draw_thresholds(
        p.decision.threshold, actors.risk_aversion, random_stream(seed, "thresholds")
    )
    seed_initial_state(actors, network, p, random_stream(seed, "seeding"))
    base = Modifiers(
        media_per_week=p.awareness.media_per_week,
        risk_factor=np.ones(actors.n),
        appeal=np.ones(actors.n),
        sharing=np.full(actors.n, p.learning.sharing),
        data_safety=platforms.data_safety.copy(),
        churn_per_week=platforms.churn_per_week.copy(),
    )
    return State(
        actors=actors,
        platforms=platforms,
        network=network,
        interventions=build_interventions(p.interventions),
        seed=seed,
        dt_weeks=p.run.dt,
        base=base,
        fit_table=fit_table(platforms, p.platforms, p.population.domains),
        bits=membership_bits(platforms.n),
        group=actors.group,
        entrant_population=p.population.model_copy(
            update={"junior_share": p.population.entrant_junior_share}
        ),
        cohorts={
            name: np.zeros(actors.n, dtype=bool)
            for name in sorted({spec.cohort for spec in p.interventions if spec.cohort})
        },
    )


def seed_initial_state(
    actors: Actors, network: Network, params: ScenarioParams, rng: np.random.Generator
) -> None:
    """Set step-0 awareness, seeking, and the initial adopters (with a platform)."""
    n = actors.n
    aware = rng.random(n) < params.initial.aware_share
    actors.stage[aware] = Stage.AWARE
    seeking = rng.random(n) < params.market.initial_seeking_share
    actors.is_seeking = actors.is_candidate & seeking
    adopters = choose_initial_adopters(network, params.initial.active, params.initial.seeding, rng)
    actors.stage[adopters] = Stage.ACTIVE
    actors.membership[adopters] |= 1  # adopters use at least the generalist platform
    actors.t_active[adopters] = 0


def choose_initial_adopters(
    network: Network, n_active: int, seeding: str, rng: np.random.Generator
) -> np.ndarray:
    """Indices of the initial adopters.

    `random`: a uniform sample; `hubs`: the highest-degree actors (ties in
    random order); `neighbourhood`: one random actor and its neighbours, at
    most `n_active` actors in all (a random subset of neighbours if fewer).
    """
    n = network.n_nodes
    if n_active == 0:
        return np.empty(0, dtype=np.int64)
    if n_active > n:
        raise ValueError(f"initial.active = {n_active} exceeds the {n} actors")
    if seeding == "random":
        return rng.choice(n, size=n_active, replace=False)
    if seeding == "hubs":
        order = rng.permutation(n)
        return order[np.argsort(-network.degree[order], kind="stable")[:n_active]]
    centre = int(rng.integers(n))
    neighbours = rng.permutation(network.neighbours(centre))[: n_active - 1]
    return np.concatenate([[centre], neighbours]).astype(np.int64)
