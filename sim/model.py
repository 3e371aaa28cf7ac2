"""RecruitingModel: owns the state arrays and runs the phases of a step in order."""

from __future__ import annotations

import zlib

import mesa
import numpy as np

from sim import learning, rules
from sim.agents import create_agent_views
from sim.interventions import build_interventions
from sim.market import market_step
from sim.network import NeighbourCount, Network, build_network, read_edgelist
from sim.params import ScenarioParams, ThresholdDistribution
from sim.population import (
    Actors,
    Kind,
    Profile,
    Stage,
    fit_table,
    init_actors,
    init_platforms,
    members_per_platform,
    membership_bits,
    split_population,
)
from sim.results import Recorder
from sim.scenario import Scenario, ScenarioError


def random_stream(seed: int, name: str) -> np.random.Generator:
    """Independent generator for one named phase of a run.

    Streams are keyed by name (not by creation order), so adding a phase or
    an intervention leaves every other phase's random numbers unchanged:
    two scenarios run with the same seed share common random numbers.
    The bit generator is SFC64: a third faster than NumPy's default PCG64
    for the uniforms every step draws, and of the same statistical quality.
    """
    key = zlib.crc32(name.encode())
    return np.random.Generator(np.random.SFC64(np.random.SeedSequence(seed, spawn_key=(key,))))


class RecruitingModel(mesa.Model):
    """Adoption of social-network recruiting by candidates and recruiters.

    State lives in struct-of-arrays (`actors`, `platforms`); `Candidate`,
    `Recruiter` and `Platform` agents in `model.agents` are live views on it.

    Args:
        scenario: a loaded scenario (or its parameters).
        seed: the run's seed; every phase draws from its own stream spawned from it.
        agent_views: register one Mesa agent per actor and platform (for
            inspection and the app). Batch runs skip them: the dynamics never
            use them, and registering 100k agents costs more than a dozen steps.
    """

    def __init__(
        self, scenario: Scenario | ScenarioParams, seed: int = 0, agent_views: bool = True
    ) -> None:
        super().__init__(rng=seed)
        if isinstance(scenario, ScenarioParams):
            scenario = Scenario(scenario)
        self.spec = scenario  # `scenario` is taken by Mesa 3.5
        self.params = p = scenario.params
        self.seed = seed
        self.dt_weeks = p.run.dt
        self._streams = {
            name: random_stream(seed, name)
            for name in ("awareness", "membership", "activation", "market", "arrivals", "turnover")
        }
        if p.network.kind == "edgelist":
            self.network = read_edgelist(scenario.base_dir / str(p.network.path))
            if p.initial.active > self.network.n_nodes:
                raise ScenarioError(
                    f"{scenario.source}: initial.active = {p.initial.active}: exceeds the "
                    f"{self.network.n_nodes} actors of the edge list {p.network.path!r}"
                )
        n_candidates, n_recruiters = split_population(
            p.population,
            self.network.n_nodes if p.network.kind == "edgelist" else p.population.n_actors,
        )
        self.platforms = init_platforms(p.platforms, p.platform_names)
        self.fit_table = fit_table(self.platforms, p.platforms, p.population.domains)
        self.bits = membership_bits(self.platforms.n)
        self.actors = init_actors(
            p.population,
            n_candidates,
            n_recruiters,
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
        self.interventions = build_interventions(p.interventions)
        self._entrant_population = p.population.model_copy(
            update={"junior_share": p.population.entrant_junior_share}
        )
        self.group = self.actors.group  # fit group; changes only with turnover and ageing
        self.media_boost_per_week: dict[int, float] = {}  # by intervention index
        self.risk_factor = np.ones(self.actors.n)  # perceived-risk multiplier (certification)
        self.new_entrants = np.empty(0, dtype=np.int64)  # slots renewed at the last step
        self.hires_social = self.hires_traditional = 0
        self.contacts = self.successes = np.zeros(self.actors.n, dtype=np.int64)
        self.share_active_neighbours = np.zeros(self.actors.n)
        self.n_informed_neighbours = NeighbourCount()
        self.n_active_neighbours = NeighbourCount()
        if agent_views:
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
        stage_before = self.actors.stage.copy()
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
        changed = stage_before.shape != self.actors.stage.shape or np.any(
            stage_before != self.actors.stage
        )
        if self.steps >= self.params.run.steps or (
            self.params.run.stop_when_stable and not changed
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
        exposure_by_set = (self.bits * self.platforms.churn_per_week).max(axis=1)
        a.digital, a.complexity = learning.platform_churn(
            a.digital,
            a.complexity,
            a.membership,
            exposure_by_set,
            pp.erosion,
            pp.confusion,
            self.dt_weeks,
        )

    def _awareness(self) -> None:
        a, aw = self.actors, self.params.awareness
        n_informed = self.n_informed_neighbours.update(self.network, a.stage != Stage.UNAWARE)
        a.stage = rules.become_aware(
            a.stage,
            self.share_of_neighbours(n_informed),
            aw.media_per_week + sum(self.media_boost_per_week.values()),
            aw.word_of_mouth_per_week,
            self.dt_weeks,
            self._streams["awareness"].random(a.n, dtype=np.float32),
        )

    def _membership(self) -> None:
        a, pp = self.actors, self.params.platforms
        member_share = members_per_platform(a.membership, self.platforms.n) / max(a.n, 1)
        join_table = rules.join_rate_table(
            self.fit_table,
            self.platforms.attractiveness,
            member_share,
            pp.network_effect,
            pp.join_per_week,
        )
        a.stage, a.membership = rules.update_memberships(
            a.stage,
            a.membership,
            self.group,
            a.digital,
            pp.digital_exponent,
            join_table,
            self.bits,
            pp.leave_per_week,
            self.dt_weeks,
            self._streams["membership"].random((2, a.n), dtype=np.float32),
        )

    def _activation(self) -> None:
        a, d, dt = self.actors, self.params.decision, self.dt_weeks
        before = a.stage == Stage.ACTIVE
        n_active_neighbours = self.n_active_neighbours.update(self.network, before)
        degree = self.network.degree
        self.share_active_neighbours = self.share_of_neighbours(n_active_neighbours)
        draws = self._streams["activation"].random(a.n, dtype=np.float32)
        if d.rule == "threshold":
            a.stage = rules.activate_threshold(
                a.stage, n_active_neighbours, degree, a.threshold, d.threshold_count
            )
            may_change = np.flatnonzero(~before)
        elif d.rule == "bass":
            a.stage = rules.activate_bass(
                a.stage, self.share_active_neighbours, d.p, d.q, dt, draws
            )
            may_change = np.flatnonzero(~before)
        else:
            may_change = self._activate_by_utility(draws)
        first = may_change[(a.stage[may_change] == Stage.ACTIVE) & ~before[may_change]]
        a.t_active[first[a.t_active[first] < 0]] = self.steps

    def _activate_by_utility(self, draws: np.ndarray) -> np.ndarray:
        """Utility rule: activation and lapsing hazards; returns the actors that may change.

        Thinning: logistic() <= 1 bounds each hazard by kappa, so only actors whose
        draw is below that bound can change stage; utility is computed for them alone.
        """
        a, d, dt = self.actors, self.params.decision, self.dt_weeks
        bound_on = rules.hazard_probability(d.kappa_on, dt)
        bound_off = rules.hazard_probability(d.kappa_off, dt)
        users = np.flatnonzero(draws < np.maximum(bound_on, bound_off))
        stage = a.stage[users]
        bound = np.where(stage == Stage.ACTIVE, bound_off, bound_on)
        users = users[(stage >= Stage.MEMBER) & (draws[users] < bound)]  # on a platform
        utility = rules.adoption_utility(
            a.alpha[users],
            a.beta[users],
            a.risk_aversion[users],
            self.perceived_risk(users),
            a.complexity[users],
            rules.effective_skill(a.foundation[users], a.digital[users], d.omega),
            self.share_active_neighbours[users],
            d.gain,
            d.risk_weight,
            d.complexity_weight,
            d.peer_weight,
            d.cost,
        )
        stage = a.stage.copy()
        stage[users] = rules.activate_utility(
            a.stage[users], utility, d.kappa_on, d.kappa_off, d.steepness, dt, draws[users]
        )
        a.stage = stage
        return users

    def share_of_neighbours(self, count: np.ndarray) -> np.ndarray:
        """Neighbour counts as shares of each actor's degree (0 for an isolated actor)."""
        return count * self.network.inverse_degree

    def perceived_risk(self, actors: np.ndarray | None = None) -> np.ndarray:
        """Risk each actor perceives: 1 - mean data safety of its platforms (1 if none).

        Certification lowers candidates' risk through `risk_factor`.

        Args:
            actors: indices of the actors wanted (default: all).
        """
        n_platforms = self.bits.sum(axis=1)
        safety = self.bits @ self.platforms.data_safety
        mean_safety = np.divide(
            safety, n_platforms, out=np.zeros(safety.size), where=n_platforms > 0
        )
        if actors is None:
            return (1.0 - mean_safety).take(self.actors.membership) * self.risk_factor
        return (1.0 - mean_safety).take(self.actors.membership[actors]) * self.risk_factor[actors]

    def _market(self) -> None:
        a = self.actors
        outcome = market_step(
            a.vacancies,
            a.is_seeking,
            ~a.is_candidate,
            a.is_active,
            a.membership,
            self.bits,
            a.foundation,
            a.digital,
            self.params.decision.omega,
            self.group,
            self.fit_table,
            self.params.market,
            self.dt_weeks,
            self._streams["market"],
            self._streams["arrivals"],
        )
        a.vacancies, a.is_seeking = outcome.vacancies, outcome.is_seeking
        self.hires_social, self.hires_traditional = outcome.hires_social, outcome.hires_traditional
        self.contacts, self.successes = outcome.contacts, outcome.successes

    def _learning(self) -> None:
        a, lp, dt = self.actors, self.params.learning, self.dt_weeks
        is_active = a.is_active
        failures = self.contacts - self.successes
        # outcomes are shared from the few actors with contacts this step
        reporters = np.flatnonzero(self.contacts)
        shared_successes = self.share_of_neighbours(
            self.network.spread(reporters, self.successes[reporters])
        )
        shared_failures = self.share_of_neighbours(
            self.network.spread(reporters, failures[reporters])
        )
        neighbour_digital = self.network.mean(a.digital)
        a.alpha, a.beta = learning.update_beliefs(
            a.alpha,
            a.beta,
            self.successes,
            failures,
            shared_successes,
            shared_failures,
            a.sharing,
            (lp.prior_alpha, lp.prior_beta),
            lp.decay_per_week,
            dt,
        )
        a.digital = learning.update_digital(
            a.digital, is_active, neighbour_digital, lp.practice_per_week, lp.peer_per_week, dt
        )
        a.complexity = learning.update_complexity(
            a.complexity,
            is_active,
            self.share_active_neighbours,
            a.sharing,
            lp.complexity_experience_per_week,
            lp.complexity_sharing_per_week,
            lp.complexity_floor,
            dt,
        )
        self._turnover()

    def _turnover(self) -> None:
        a, pop, rng = self.actors, self.params.population, self._streams["turnover"]
        # One draw per actor for both events: leaving below p_leave, ageing in the top
        # p_age (1 - p_leave) of [0, 1) for those who can leave, so that a candidate who
        # stays ages with probability p_age, as with independent draws; in the top p_age
        # for those who cannot. A leaver does not also age: its slot takes an entrant.
        draws = rng.random(a.n, dtype=np.float32)
        p_leave = rules.hazard_probability(pop.turnover_per_week, self.dt_weeks)
        p_age = rules.hazard_probability(pop.junior_to_experienced_per_week, self.dt_weeks)
        events = np.flatnonzero((draws < p_leave) | (draws >= 1.0 - p_age))
        can_leave = a.kind[events] == Kind.CANDIDATE
        if self.params.decision.rule != "utility":
            can_leave &= a.stage[events] != Stage.ACTIVE  # ACTIVE is absorbing there
        leaves = can_leave & (draws[events] < p_leave)
        age_from = np.where(can_leave, 1.0 - p_age * (1.0 - p_leave), 1.0 - p_age)
        ages = events[~leaves & (draws[events] >= age_from)]
        ages = ages[a.profile[ages] == Profile.JUNIOR]
        profile = a.profile.copy()
        profile[ages] = Profile.EXPERIENCED
        a.profile = profile
        slots = events[leaves]
        entrants = init_actors(
            self._entrant_population,
            slots.size,
            0,
            (self.params.learning.prior_alpha, self.params.learning.prior_beta),
            self.params.learning.sharing,
            rng,
        )
        entrants.domain = a.domain[slots]
        entrants.is_seeking[:] = True
        entrants.threshold = draw_thresholds(
            self.params.decision.threshold, entrants.risk_aversion, rng
        )
        a.replace(slots, entrants)
        self.new_entrants = slots
        self.group[ages] = a.group_of(ages)
        self.group[slots] = a.group_of(slots)


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
