"""Parameter schema of a scenario: frozen pydantic models, extra keys forbidden.

Every default is a documented number: what it means and its unit, and, where
one exists, where it comes from (the feasibility prototype of DESIGN.md
section 3b, the calibration of docs/calibration.md, or the literature);
values without a source are modelling assumptions, listed in docs/ODD.md.
Ranges are checked at load; interventions never rewrite these values, they
act on the model's state and modifier arrays. The `[[interventions]]`
tables are in `sim.intervention_params`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.intervention_params import InterventionParams
from sim.schema import NonNegative, Probability, RatePerWeek, Section, Share


class RunParams(Section):
    """Length and resolution of a run."""

    steps: int = Field(260, ge=1, le=1_000_000)  # number of steps; 260 weeks = 5 years
    dt: float = Field(1.0, gt=0.0, le=52.0)  # weeks per step; rates are per week
    stop_when_stable: bool = False  # stop once a step changes nobody's stage
    recruiting_layers: bool = True  # False: only the adoption rule runs (pure diffusion)


class PopulationParams(Section):
    """Who is simulated."""

    candidates: int = Field(2000, ge=0, le=50_000_000)  # job seekers (DESIGN 3b prototype size)
    recruiters: int = Field(200, ge=0, le=10_000_000)  # recruiters holding vacancies
    domains: int = Field(4, ge=1, le=1000)  # job domains (e.g. finance); SBM communities
    junior_share: Share = 0.3  # share of candidates who are young graduates
    # Basic know-how, Beta(mean, concentration): the source's "foundations".
    foundation_mean_candidates: Share = 0.5
    foundation_mean_recruiters: Share = 0.55
    digital_mean_juniors: Share = 0.55  # juniors know the platforms better
    digital_mean_experienced: Share = 0.3  # calibrated: juniors join more (Apec 2012)
    digital_mean_recruiters: Share = 0.4
    risk_aversion_mean: Share = 0.5  # mean of rho in [0, 1]
    concentration: float = Field(8.0, gt=0.0, le=1e6)  # Beta concentration a+b of traits
    complexity_initial: Share = 0.6  # perceived complexity of the platforms at t0
    turnover_per_week: RatePerWeek = 1.0 / 260  # candidates leaving the pool (5-year mean stay)
    junior_to_experienced_per_week: RatePerWeek = 1.0 / 260  # juniors gain experience (5 years)
    entrant_junior_share: Share = 0.8  # new entrants are mostly young graduates

    @property
    def n_actors(self) -> int:
        """Total number of actors (candidates + recruiters)."""
        return self.candidates + self.recruiters


class ThresholdDistribution(Section):
    """A distribution of individual adoption thresholds.

    `uniform` uses low/high; `normal` uses mean/sd (clipped to [0, 1]);
    `beta` uses a/b; `risk_aversion` ties the threshold to risk aversion:
    phi = low + (high - low) * rho.
    """

    dist: Literal["uniform", "normal", "beta", "risk_aversion"]
    low: Share = 0.0
    high: Share = 1.0
    mean: Share = 0.18
    sd: NonNegative = 0.05
    a: float = Field(2.0, gt=0.0)
    b: float = Field(8.0, gt=0.0)

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdDistribution:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self


class DecisionParams(Section):
    """The adoption rule and its parameters."""

    rule: Literal["utility", "threshold", "bass"] = "utility"
    # bass: P(activate) = (p + q * share of active neighbours) * dt
    # p, q: mean coefficients of Sultan, Farley & Lehmann (1990), per year there; here per
    # time unit (a week), as used by the validation against Bass (1969)
    p: Probability = 0.03  # innovation coefficient
    q: Annotated[float, Field(ge=0.0, le=10.0)] = 0.38  # imitation coefficient
    # threshold (Granovetter 1978, Watts 2002): share of active neighbours >= phi_i
    threshold: ThresholdDistribution | Share = 0.18
    threshold_count: int | None = Field(None, ge=1, le=1_000_000)  # absolute count instead
    # utility (TAM/UTAUT-like), hazards keep states persistent (DESIGN 3b)
    kappa_on: RatePerWeek = 0.1  # max activation hazard per week (prototype: <1% switching)
    kappa_off: RatePerWeek = 0.02  # max lapse hazard per week, < kappa_on
    steepness: float = Field(2.0, gt=0.0, le=100.0)  # lambda of logistic(lambda * U)
    gain: NonNegative = 8.0  # G: utility per unit of expected contact success rate
    peer_weight: NonNegative = 1.0  # w: weight of the share of active neighbours
    risk_weight: NonNegative = 1.0  # scale of perceived risk (exposure, reputation, data)
    complexity_weight: NonNegative = 1.5  # scale of complexity * (1 - q)
    cost: Annotated[float, Field(ge=-10.0, le=10.0)] = 0.2  # time cost of using the channel
    omega: Share = 0.5  # foundation's weight in effective skill q = f^omega * d^(1-omega)
    # sigma: self-efficacy, the expected benefit scaled by q^sigma (0: off, the benefit
    # expected does not depend on one's own skill)
    self_efficacy: Annotated[float, Field(ge=0.0, le=10.0)] = 0.0

    @model_validator(mode="after")
    def _kappas_ordered(self) -> DecisionParams:
        if self.rule == "utility" and self.kappa_off > self.kappa_on:
            raise ValueError(
                f"kappa_off ({self.kappa_off}) must not exceed kappa_on ({self.kappa_on})"
            )
        return self


class NetworkParams(Section):
    """Actor-actor ties."""

    kind: Literal[
        "complete", "erdos_renyi", "watts_strogatz", "barabasi_albert", "sbm", "edgelist"
    ] = "sbm"
    mean_degree: float = Field(10.0, gt=0.0, le=10_000.0)  # expected ties per actor
    rewire: Probability = 0.1  # watts_strogatz rewiring probability
    homophily: Share = 0.8  # sbm: share of an actor's ties inside its own domain
    p_in: Probability | None = None  # sbm: explicit within-domain tie probability
    p_out: Probability | None = None  # sbm: explicit between-domain tie probability
    path: str | None = None  # edgelist: file of node pairs, relative to the scenario file

    @model_validator(mode="after")
    def _kind_needs(self) -> NetworkParams:
        if self.kind == "edgelist" and not self.path:
            raise ValueError("kind 'edgelist' needs network.path")
        if (self.p_in is None) != (self.p_out is None):
            raise ValueError("give both p_in and p_out, or neither")
        return self


class InitialParams(Section):
    """Initial state."""

    active: int = Field(0, ge=0)  # actors ACTIVE at step 0
    seeding: Literal["random", "hubs", "neighbourhood"] = "random"
    aware_share: Share = 0.05  # share of actors already aware at step 0


class AwarenessParams(Section):
    """Learning that the social channel exists: a Bass-like hazard."""

    media_per_week: RatePerWeek = 0.005  # p: press, campaigns (Bass-like innovation hazard)
    word_of_mouth_per_week: RatePerWeek = 0.05  # q: times the share of informed neighbours


class PlatformParams(Section):
    """The platforms: one generalist, specialised ones by domain and by profile."""

    specialised_by_domain: bool = True  # one platform per domain (e.g. a finance network)
    specialised_by_profile: bool = True  # one platform for young graduates
    churn_generalist: RatePerWeek = 0.02  # feature releases per week eroding know-how
    churn_specialised: RatePerWeek = 0.01
    data_safety_generalist: Share = 0.5  # 1 = users fully trust what is done with data
    data_safety_specialised: Share = 0.6
    attractiveness_generalist: NonNegative = 1.0  # base pull relative to others
    attractiveness_specialised: NonNegative = 0.6
    network_effect: NonNegative = 1.0  # extra pull per unit share of members
    join_per_week: RatePerWeek = 0.1  # base joining hazard of an aware actor; calibrated
    leave_per_week: RatePerWeek = 0.01  # leaving hazard per platform of a non-active member
    digital_exponent: NonNegative = 2.5  # gamma: digital skill's weight in joining (3b)
    foundation_exponent: NonNegative = 0.0  # phi: foundation's weight in joining, f^phi (0: off)
    fit_generalist: Share = 0.6  # match quality of the generalist network for everyone
    fit_off_target: Share = 0.1  # fit of a specialised platform outside its target
    recruiter_fit_profile: Share = 0.5  # fit of the junior platform for recruiters
    erosion: NonNegative = 2.5  # digital know-how lost per unit churn; calibrated
    confusion: NonNegative = 1.0  # complexity gained per unit churn


class MarketParams(Section):
    """Vacancies, contacts and hires by channel."""

    vacancies_per_week: RatePerWeek = 0.1  # new vacancies per recruiter-week (DESIGN 3b)
    contacts_per_vacancy_week: RatePerWeek = 0.25  # social contacts per vacancy-week; calibrated
    # applications on the platforms by active seeking candidates, to active recruiters with
    # open vacancies on a platform they share (0: only recruiters start contacts)
    candidate_contacts_per_week: RatePerWeek = 0.0
    # referrals: active seeking candidates ask a tie (a neighbour drawn at random) each time;
    # an ask that reaches an active recruiter with open vacancies is a contact (0: none)
    referrals_per_week: RatePerWeek = 0.0
    p_hire_social: Probability = 0.64  # hire chance of a contact at full skills and fit; calibrated
    traditional_fill_per_week: RatePerWeek = 0.12  # traditional hazard per vacancy at full skills
    foundation_traditional: Share = 0.5  # e: foundation's weight in the traditional channel
    reseek_per_week: RatePerWeek = 1.0 / 104  # hired candidates seek again (2-year spell)
    initial_seeking_share: Share = 0.6  # share of candidates seeking at step 0


class LearningParams(Section):
    """Beliefs, skills and complexity change with experience and sharing."""

    prior_alpha: float = Field(1.0, gt=0.0)  # Beta prior successes (mean 0.1, DESIGN 3b)
    prior_beta: float = Field(9.0, gt=0.0)  # Beta prior failures
    sharing: Share = 0.3  # weight of neighbours' averaged outcomes in one's own belief
    decay_per_week: RatePerWeek = 0.02  # belief decay toward the prior (recent weighs more)
    practice_per_week: RatePerWeek = 0.02  # digital skill gained per week of active use
    peer_per_week: RatePerWeek = 0.002  # digital skill drawn toward better peers; calibrated
    complexity_experience_per_week: RatePerWeek = 0.02  # complexity falls with use
    complexity_sharing_per_week: RatePerWeek = 0.02  # ...and with shared experience
    complexity_floor: Share = 0.1  # tools never become effortless
    # learnt risk: safe use (own, and neighbours' shared) lowers each actor's risk memory,
    # a multiplier of perceived risk starting at 1; data incidents raise it (0: fixed risk)
    risk_safe_use_per_week: RatePerWeek = 0.0  # own safe use: memory relaxes to the floor
    risk_sharing_per_week: RatePerWeek = 0.0  # ...and x sharing x share of active neighbours
    risk_floor: Share = 0.5  # risk memory that safe use relaxes toward


class ScenarioParams(Section):
    """A whole scenario, as read from a TOML file."""

    name: str = "unnamed"
    description: str = ""
    run: RunParams = RunParams()
    population: PopulationParams = PopulationParams()
    network: NetworkParams = NetworkParams()
    initial: InitialParams = InitialParams()
    decision: DecisionParams = DecisionParams()
    awareness: AwarenessParams = AwarenessParams()
    platforms: PlatformParams = PlatformParams()
    market: MarketParams = MarketParams()
    learning: LearningParams = LearningParams()
    interventions: Annotated[tuple[InterventionParams, ...], Field(strict=False)] = ()

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioParams:
        n_actors = self.population.n_actors
        if n_actors < 1 and self.network.kind != "edgelist":
            raise ValueError("population needs at least one actor")
        if self.decision.rule == "utility" and not self.run.recruiting_layers:
            raise ValueError(
                "decision.rule = 'utility' needs run.recruiting_layers = true "
                "(without platforms and learning nobody could adopt)"
            )
        if self.initial.active > max(n_actors, 0) and self.network.kind != "edgelist":
            raise ValueError(f"initial.active ({self.initial.active}) exceeds {n_actors} actors")
        names = self.platform_names
        n_platforms = len(names)
        if n_platforms > 12:
            raise ValueError(
                f"{n_platforms} platforms (one per domain with population.domains = "
                f"{self.population.domains}): at most 12 are supported; use at most 10 "
                "domains or platforms.specialised_by_domain = false"
            )
        labels = [spec.name for spec in self.interventions if spec.name]
        if len(labels) != len(set(labels)):
            raise ValueError(f"intervention names must be unique, got {labels}")
        specs = enumerate(self.interventions)
        defaults = {f"{i}_{spec.type}" for i, spec in specs if not spec.name}
        for index, spec in enumerate(self.interventions):
            if spec.name in defaults:
                raise ValueError(
                    f"interventions.{index}.name = {spec.name!r} is the label of an unnamed "
                    "intervention (<position>_<type>); choose another name"
                )
        for index, spec in enumerate(self.interventions):
            if spec.domain is not None and spec.domain >= self.population.domains:
                raise ValueError(
                    f"interventions.{index}.domain = {spec.domain}: no such domain "
                    f"(population.domains = {self.population.domains}: 0 to "
                    f"{self.population.domains - 1})"
                )
            if spec.start > self.run.steps:
                raise ValueError(
                    f"interventions.{index}.start = {spec.start}: after the run's last step "
                    f"(run.steps = {self.run.steps}); it would never act"
                )
            if spec.type in ("platform_policy", "data_incident") and spec.platform not in (
                "all",
                *names,
            ):
                raise ValueError(
                    f"interventions.{index}.platform = {spec.platform!r}: no such platform "
                    f"(allowed: all, {', '.join(names)})"
                )
        return self

    @property
    def platform_names(self) -> tuple[str, ...]:
        """Names of the platforms: the generalist, one per domain, one for juniors."""
        names = ["generalist"]
        if self.platforms.specialised_by_domain:
            names += [f"domain_{d}" for d in range(self.population.domains)]
        if self.platforms.specialised_by_profile:
            names.append("juniors")
        return tuple(names)
