"""RecruitingModel: owns the state arrays and runs the phases of a step in order."""

from __future__ import annotations

import zlib

import mesa
import numpy as np

from sim import learning, rules
from sim.agents import create_agent_views
from sim.interventions import build_interventions
from sim.market import market_step
from sim.network import Network, build_network, read_edgelist
from sim.params import ScenarioParams, ThresholdDistribution
from sim.population import (
    Actors,
    Profile,
    Stage,
    init_actors,
    init_platforms,
    platform_fit,
    split_population,
)
from sim.results import Recorder
from sim.scenario import Scenario


def random_stream(seed: int, name: str) -> np.random.Generator:
    """Independent generator for one named phase of a run.

    Streams are keyed by name (not by creation order), so adding a phase or
    an intervention leaves every other phase's random numbers unchanged:
    two scenarios run with the same seed share common random numbers.
    """
    key = zlib.crc32(name.encode())
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


class RecruitingModel(mesa.Model):
    """Adoption of social-network recruiting by candidates and recruiters.

    State lives in struct-of-arrays (`actors`, `platforms`); `Candidate`,
    `Recruiter` and `Platform` agents in `model.agents` are live views on it.

    Args:
        scenario: a loaded scenario (or its parameters).
        seed: the run's seed; every phase draws from its own stream spawned from it.
    """

    def __init__(self, scenario: Scenario | ScenarioParams, seed: int = 0) -> None:
        super().__init__(rng=seed)
        if isinstance(scenario, ScenarioParams):
            scenario = Scenario(scenario)
        self.scenario = scenario
        self.params = p = scenario.params
        self.seed = seed
        self.dt_weeks = p.run.dt
        self._streams = {
            name: random_stream(seed, name)
            for name in ("awareness", "membership", "activation", "market", "turnover")
        }
        if p.network.kind == "edgelist":
            self.network = read_edgelist(scenario.base_dir / str(p.network.path))
        n_candidates, n_recruiters = split_population(
            p.population,
            self.network.n_nodes if p.network.kind == "edgelist" else p.population.n_actors,
        )
        self.platforms = init_platforms(p.platforms, p.population.domains)
        self.actors = init_actors(
            p.population,
            n_candidates,
            n_recruiters,
            self.platforms.n,
            (p.learning.prior_alpha, p.learning.prior_beta),
            p.learning.sharing,
            random_stream(seed, "population"),
        )
        if p.network.kind != "edgelist":
            self.network = build_network(
                p.network, self.actors.n, self.actors.domain, random_stream(seed, "network")
            )
        self.actors.threshold = draw_thresholds(
            p.decision.threshold, self.actors.risk_aversion, random_stream(seed, "thresholds")
        )
        seed_initial_state(self.actors, self.network, p, random_stream(seed, "seeding"))
        self.interventions = build_interventions(p.interventions, self)
        self.media_boost_per_week = 0.0
        self.hires_social = self.hires_traditional = self.n_changed = 0
        create_agent_views(self)
        self.recorder = Recorder(self)
        self.recorder.record(self)

    def step(self) -> None:
        """Advance one step of `dt` weeks.

        Phases, in this order; within each, every actor's new value is
        computed from the state before the phase, then applied together:

        1. interventions scheduled for this step act on state and modifiers;
        2. platform churn erodes digital know-how and adds complexity;
        3. awareness: media and word of mouth (Bass-like hazard);
        4. membership: aware actors join platforms, non-active members leave;
        5. activation by the scenario's rule (utility, threshold or bass);
        6. market: vacancies, social contacts, hires by channel;
        7. learning: beliefs, digital skill, complexity; candidate turnover;
        8. record stocks and flows.

        With `run.recruiting_layers = false` only phases 1, 5 and 8 run.
        """
        layers = self.params.run.recruiting_layers
        for intervention in self.interventions:
            intervention.apply(self)
        if layers:
            self._platform_churn()
            self._awareness()
            self._membership()
        self._activation()
        if layers:
            self._market()
            self._learning()
        self.recorder.record(self)
        if self.steps >= self.params.run.steps or (
            self.params.run.stop_when_stable and self.n_changed == 0
        ):
            self.running = False

    def run_model(self) -> None:
        """Step until `run.steps` is reached (or the state is stable, if asked)."""
        while self.running:
            self.step()

    def intervention_stream(self, index: int) -> np.random.Generator:
        """The random stream of the scenario's `index`-th intervention (created once)."""
        name = f"intervention-{index}"
        if name not in self._streams:
            self._streams[name] = random_stream(self.seed, name)
        return self._streams[name]

    @property
    def time_weeks(self) -> float:
        """Simulated time in weeks."""
        return self.steps * self.dt_weeks

    # Phases: each calls pure functions of `sim.rules`, `sim.learning`, `sim.market`.

    def _platform_churn(self) -> None:
        a, pp = self.actors, self.params.platforms
        exposure = (a.is_member * self.platforms.churn_per_week).max(axis=1, initial=0.0)
        a.digital, a.complexity = learning.platform_churn(
            a.digital, a.complexity, exposure, pp.erosion, pp.confusion, self.dt_weeks
        )

    def _awareness(self) -> None:
        a, aw = self.actors, self.params.awareness
        informed = self.network.mean(a.stage != Stage.UNAWARE)
        a.stage = rules.become_aware(
            a.stage,
            informed,
            aw.media_per_week + self.media_boost_per_week,
            aw.word_of_mouth_per_week,
            self.dt_weeks,
            self._streams["awareness"].random(a.n),
        )

    def _membership(self) -> None:
        a, pp, rng = self.actors, self.params.platforms, self._streams["membership"]
        member_share = a.is_member.mean(axis=0)
        join_rate = rules.join_rate_per_week(
            platform_fit(a, self.platforms, pp),
            self.platforms.attractiveness,
            member_share,
            pp.network_effect,
            a.digital,
            pp.digital_exponent,
            pp.join_per_week,
        )
        a.stage, a.is_member = rules.update_memberships(
            a.stage,
            a.is_member,
            join_rate,
            pp.leave_per_week,
            self.dt_weeks,
            rng.random(a.is_member.shape),
            rng.random(a.is_member.shape),
        )

    def _activation(self) -> None:
        a, d, dt = self.actors, self.params.decision, self.dt_weeks
        before = a.stage == Stage.ACTIVE
        n_active_neighbours = self.network.count(before)
        share_active = np.divide(
            n_active_neighbours,
            self.network.degree,
            out=np.zeros(a.n),
            where=self.network.degree > 0,
        )
        draws = self._streams["activation"].random(a.n)
        if d.rule == "threshold":
            a.stage = rules.activate_threshold(
                a.stage, n_active_neighbours, self.network.degree, a.threshold, d.threshold_count
            )
        elif d.rule == "bass":
            a.stage = rules.activate_bass(a.stage, share_active, d.p, d.q, dt, draws)
        else:
            utility = rules.adoption_utility(
                a.alpha,
                a.beta,
                a.risk_aversion,
                self.perceived_risk(),
                a.complexity,
                rules.effective_skill(a.foundation, a.digital, d.omega),
                share_active,
                d.gain,
                d.risk_weight,
                d.complexity_weight,
                d.peer_weight,
                d.cost,
            )
            a.stage = rules.activate_utility(
                a.stage, utility, d.kappa_on, d.kappa_off, d.steepness, dt, draws
            )
        after = a.stage == Stage.ACTIVE
        self.n_changed = int(np.count_nonzero(before != after))
        a.t_active = np.where((a.t_active < 0) & after, self.steps, a.t_active)

    def perceived_risk(self) -> np.ndarray:
        """Risk each actor perceives: 1 - mean data safety of its platforms (1 if none)."""
        a = self.actors
        n_platforms = a.is_member.sum(axis=1)
        safety = a.is_member @ self.platforms.data_safety
        mean_safety = np.divide(safety, n_platforms, out=np.zeros(a.n), where=n_platforms > 0)
        return 1.0 - mean_safety

    def _market(self) -> None:
        a = self.actors
        outcome = market_step(
            a.vacancies,
            a.is_seeking,
            ~a.is_candidate,
            a.is_active,
            a.is_member,
            rules.effective_skill(a.foundation, a.digital, self.params.decision.omega),
            a.foundation,
            platform_fit(a, self.platforms, self.params.platforms),
            self.params.market,
            self.dt_weeks,
            self._streams["market"],
        )
        a.vacancies, a.is_seeking = outcome.vacancies, outcome.is_seeking
        self.hires_social, self.hires_traditional = outcome.hires_social, outcome.hires_traditional
        self.contacts, self.successes = outcome.contacts, outcome.successes

    def _learning(self) -> None:
        a, lp, dt = self.actors, self.params.learning, self.dt_weeks
        is_active = a.is_active.astype(np.float64)
        failures = self.contacts - self.successes
        neighbour = self.network.mean(
            np.column_stack([self.successes, failures, a.digital, is_active])
        )
        a.alpha, a.beta = learning.update_beliefs(
            a.alpha,
            a.beta,
            self.successes,
            failures,
            neighbour[:, 0],
            neighbour[:, 1],
            a.sharing,
            (lp.prior_alpha, lp.prior_beta),
            lp.decay_per_week,
            dt,
        )
        a.digital = learning.update_digital(
            a.digital, is_active, neighbour[:, 2], lp.practice_per_week, lp.peer_per_week, dt
        )
        a.complexity = learning.update_complexity(
            a.complexity,
            is_active,
            neighbour[:, 3],
            a.sharing,
            lp.complexity_experience_per_week,
            lp.complexity_sharing_per_week,
            lp.complexity_floor,
            dt,
        )
        self._turnover()

    def _turnover(self) -> None:
        a, pop, rng = self.actors, self.params.population, self._streams["turnover"]
        draws = rng.random((2, a.n))
        ages = a.profile == Profile.JUNIOR
        ages &= draws[0] < rules.hazard_probability(
            pop.junior_to_experienced_per_week, self.dt_weeks
        )
        a.profile = np.where(ages, np.int8(Profile.EXPERIENCED), a.profile)
        leaving = a.is_candidate & (
            draws[1] < rules.hazard_probability(pop.turnover_per_week, self.dt_weeks)
        )
        if self.params.decision.rule != "utility":
            leaving &= ~a.is_active  # ACTIVE is absorbing under threshold and bass
        slots = np.flatnonzero(leaving)
        entrants = init_actors(
            pop.model_copy(update={"junior_share": pop.entrant_junior_share}),
            slots.size,
            0,
            self.platforms.n,
            (self.params.learning.prior_alpha, self.params.learning.prior_beta),
            self.params.learning.sharing,
            rng,
        )
        entrants.domain = a.domain[slots]
        entrants.is_seeking[:] = True
        a.replace(slots, entrants)


def draw_thresholds(
    spec: float | ThresholdDistribution, risk_aversion: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Adoption thresholds phi in [0, 1] for the threshold rule."""
    n = risk_aversion.size
    if not isinstance(spec, ThresholdDistribution):
        return np.full(n, float(spec))
    if spec.dist == "uniform":
        values = rng.uniform(spec.low, spec.high, n)
    elif spec.dist == "normal":
        values = rng.normal(spec.mean, spec.sd, n)
    elif spec.dist == "beta":
        values = rng.beta(spec.a, spec.b, n)
    else:
        values = spec.low + (spec.high - spec.low) * risk_aversion
    return np.clip(values, 0.0, 1.0)


def seed_initial_state(
    actors: Actors, network: Network, params: ScenarioParams, rng: np.random.Generator
) -> None:
    """Set step-0 awareness, seeking, initial adopters (with a platform) and vacancies."""
    n = actors.n
    aware = rng.random(n) < params.initial.aware_share
    actors.stage[aware] = Stage.AWARE
    seeking = rng.random(n) < params.market.initial_seeking_share
    actors.is_seeking = actors.is_candidate & seeking
    adopters = choose_initial_adopters(network, params.initial.active, params.initial.seeding, rng)
    actors.stage[adopters] = Stage.ACTIVE
    actors.is_member[adopters, 0] = True  # adopters use at least the generalist platform
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
