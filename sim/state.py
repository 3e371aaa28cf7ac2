"""The state of a run: what the phases read and write, in one object.

`State` holds the actors and platforms (struct-of-arrays), the network, the
interventions, the modifiers they adjust, what the last step produced
(`Flows`), the step counter, the step length and the named random streams.
Phases, interventions, the recorder and the Mesa agent views work on it; it
imports nothing above the arrays (`population`, `network`, `params`).

Modifiers are the quantities interventions adjust without touching the
parameters: each intervention writes only its own contribution, and
`combine_modifiers` recomputes every modifier from its base value and the
contributions in force, by the rule stated for that modifier in `RULES`.
Nothing is saved and restored.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from typing import Protocol

import numpy as np

from sim.network import NeighbourCount, Network
from sim.params import PopulationParams
from sim.population import Actors, Platforms


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


class Rule(Enum):
    """How the contributions to one modifier combine with its base value."""

    MULTIPLY = "multiply"  # base x every contribution (independent reductions)
    ADD = "add"  # base + every contribution (hazards that add up)
    MAXIMUM = "maximum"  # the largest of the base and the contributions
    LATEST = "latest"  # the latest-started contribution in force; base where none has a say


NEUTRAL = {Rule.MULTIPLY: 1.0, Rule.ADD: 0.0, Rule.MAXIMUM: -np.inf, Rule.LATEST: np.nan}
"""The value of a contribution where it has no say (per actor or per platform)."""


@dataclass(frozen=True, eq=False)
class Modifiers:
    """The values of the quantities interventions adjust, as the phases read them.

    Attributes:
        media_per_week: awareness hazard from the media (scalar).
        risk_factor: multiplier of each actor's perceived risk, in [0, 1].
        appeal: multiplier of the hire chance of each recruiter's social contacts
            (candidates prefer certified recruiters), at least 1.
        sharing: weight of neighbours' outcomes in each actor's belief, in [0, 1].
        data_safety: each platform's data safety, in [0, 1].
        churn_per_week: each platform's feature releases per week.
    """

    media_per_week: float
    risk_factor: np.ndarray
    appeal: np.ndarray
    sharing: np.ndarray
    data_safety: np.ndarray
    churn_per_week: np.ndarray


RULES: dict[str, Rule] = {
    "media_per_week": Rule.ADD,  # campaigns add to the media hazard
    "risk_factor": Rule.MULTIPLY,  # certifications reduce risk independently
    "appeal": Rule.MULTIPLY,  # preferences for several labels multiply
    "sharing": Rule.MAXIMUM,  # one's strongest community of practice sets the weight
    "data_safety": Rule.LATEST,  # a platform has one policy in force: the newest
    "churn_per_week": Rule.LATEST,
}
"""The combination rule of every modifier."""


@dataclass(frozen=True)
class Contribution:
    """One intervention's contribution to one modifier.

    Attributes:
        modifier: the field of `Modifiers` it contributes to.
        value: a scalar or an array shaped like the modifier; `NEUTRAL[rule]`
            where the intervention has no say.
        priority: order among `LATEST` contributions: the largest wins
            (interventions use (start step, position in the scenario)).
    """

    modifier: str
    value: float | np.ndarray
    priority: tuple[int, int] = (0, 0)


def read_only(modifiers: Modifiers) -> Modifiers:
    """The same modifiers with their arrays made read-only (phases never write them)."""
    for field_ in fields(modifiers):
        value = getattr(modifiers, field_.name)
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return modifiers


def combine_modifiers(base: Modifiers, contributions: Iterable[Contribution]) -> Modifiers:
    """Every modifier from its base value and the contributions, by its rule in `RULES`.

    A modifier with no contribution keeps its base value (the same object);
    the arrays returned are read-only, so no phase can change a modifier in
    place, nor, through it, the base.
    """
    by_modifier: dict[str, list[Contribution]] = {}
    for contribution in contributions:
        by_modifier.setdefault(contribution.modifier, []).append(contribution)
    changes = {}
    for name, items in by_modifier.items():
        value = getattr(base, name)
        rule = RULES[name]
        if rule is Rule.ADD:
            value = value + sum(c.value for c in items)
        elif rule is Rule.MULTIPLY:
            for c in items:
                value = value * c.value
        elif rule is Rule.MAXIMUM:
            for c in items:
                value = np.maximum(value, c.value)
        else:
            for c in sorted(items, key=lambda c: c.priority):
                value = np.where(np.isnan(c.value), value, c.value)
        changes[name] = value
    return read_only(replace(base, **changes)) if changes else base


class Intervention(Protocol):
    """What the state needs from an intervention (see `sim.interventions`)."""

    label: str
    source: str
    n_reached: int
    cost_total: float
    cost_this_step: float

    def apply(self, state: State) -> None:
        """Act on the state if due, write its contributions, account for reach and cost."""


@dataclass
class Flows:
    """What the last step produced, read by the recorder and by the next step.

    Attributes:
        hires_social: hires made through the social channel.
        hires_traditional: hires made through the traditional channel.
        contacts: social-channel contacts each actor took part in.
        successes: of those contacts, the ones that became hires.
        new_entrants: actor slots renewed by turnover.
        cost: what the interventions cost.
        match_quality: summed quality of the step's hires (`market.match_quality`).
        hired_profile: profile of each candidate hired, at the hire.
        hired_domain: domain of each candidate hired, at the hire.
        hired: (recruiter, candidate) of each hire.
        failed_applicants: candidates whose traditional application was not a hire.
        contacted: (recruiter, candidate) of each social contact.
    """

    hires_social: int = 0
    hires_traditional: int = 0
    match_quality: float = 0.0
    hired_profile: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    hired_domain: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    hired: tuple[np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    )
    failed_applicants: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    contacted: tuple[np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    )
    contacts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    successes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    new_entrants: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    cost: float = 0.0


@dataclass
class State:
    """Everything a run's phases read and write.

    Attributes:
        actors: actors' state, one array per attribute.
        platforms: platforms' fixed traits (their adjustable values are modifiers).
        network: actor-actor ties (a `community` intervention may add some).
        interventions: the scenario's interventions, in order.
        seed: the run's seed (streams are spawned from it by name).
        dt_weeks: weeks per step.
        base: the modifiers' values with no intervention.
        fit_table: fit of each platform for each fit group.
        bits: every possible membership set as rows of 0/1.
        group: each actor's fit group (changes with turnover and ageing).
        entrant_population: traits of new entrants.
        step: the step being computed (1-based; 0 before the first).
        contributions: each intervention's contributions, by (source, modifier).
        modifiers: the modifiers in force this step.
        flows: what the last step produced.
        share_active_neighbours: share of each actor's neighbours ACTIVE before activation.
        n_informed_neighbours: kept count of neighbours not UNAWARE.
        n_active_neighbours: kept count of ACTIVE neighbours.
        streams: the named random streams created so far.
        cohorts: actors each named cohort has reached so far (a mask per
            `cohort` of the scenario's interventions; entrants leave it).
        modifier_tables: tables by membership set made from a modifier, with
            the modifier's array they were made from (see `perceived_risk`).
    """

    actors: Actors
    platforms: Platforms
    network: Network
    interventions: list[Intervention]
    seed: int
    dt_weeks: float
    base: Modifiers
    fit_table: np.ndarray
    bits: np.ndarray
    group: np.ndarray
    entrant_population: PopulationParams
    step: int = 0
    contributions: dict[tuple[str, str], Contribution] = field(default_factory=dict)
    modifiers: Modifiers = field(init=False)
    flows: Flows = field(default_factory=Flows)
    share_active_neighbours: np.ndarray = field(init=False)
    n_informed_neighbours: NeighbourCount = field(default_factory=NeighbourCount)
    n_active_neighbours: NeighbourCount = field(default_factory=NeighbourCount)
    streams: dict[str, np.random.Generator] = field(default_factory=dict)
    cohorts: dict[str, np.ndarray] = field(default_factory=dict)
    modifier_tables: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.modifiers = self.base = read_only(self.base)
        self.share_active_neighbours = np.zeros(self.actors.n)
        n = self.actors.n
        self.flows.contacts = self.flows.successes = np.zeros(n, dtype=np.int64)

    @property
    def time_weeks(self) -> float:
        """Simulated time in weeks at the end of the current step."""
        return self.step * self.dt_weeks

    def stream(self, name: str) -> np.random.Generator:
        """The run's random stream called `name` (created on first use)."""
        if name not in self.streams:
            self.streams[name] = random_stream(self.seed, name)
        return self.streams[name]

    def contribute(
        self, source: str, modifier: str, value: float | np.ndarray, priority: tuple[int, int]
    ) -> None:
        """Set `source`'s contribution to `modifier` (it replaces its previous one)."""
        self.contributions[source, modifier] = Contribution(modifier, value, priority)

    def withdraw(self, source: str, modifier: str) -> None:
        """Remove `source`'s contribution to `modifier`, if any."""
        self.contributions.pop((source, modifier), None)

    def combine_modifiers(self) -> None:
        """Recompute the modifiers in force from the base and the contributions."""
        self.modifiers = combine_modifiers(self.base, self.contributions.values())

    def perceived_risk(self, actors: np.ndarray | None = None) -> np.ndarray:
        """Risk each actor perceives: 1 - mean data safety of its platforms (1 if none).

        Certification lowers candidates' risk through the `risk_factor` modifier;
        each actor's `risk_memory` (learnt from safe use and data incidents)
        multiplies it.

        Args:
            actors: indices of the actors wanted (default: all).
        """
        by_set = self._by_set("risk", self.modifiers.data_safety, risk_by_set)
        a, factor = self.actors, self.modifiers.risk_factor
        if actors is None:
            return by_set.take(a.membership) * factor * a.risk_memory
        return by_set.take(a.membership[actors]) * factor[actors] * a.risk_memory[actors]

    def churn_by_set(self) -> np.ndarray:
        """Churn exposure of each membership set: its platforms' highest churn (0 for none)."""
        return self._by_set("churn", self.modifiers.churn_per_week, churn_by_set)

    def _by_set(
        self,
        name: str,
        values: np.ndarray,
        table: Callable[[np.ndarray, np.ndarray], np.ndarray],
    ) -> np.ndarray:
        """`table(bits, values)`, made again only when the modifier's array is a new one.

        A modifier's array is read-only: the same array holds the same values,
        and most steps keep the arrays of the step before.
        """
        cached = self.modifier_tables.get(name)
        if cached is None or cached[0] is not values:
            cached = self.modifier_tables[name] = (values, table(self.bits, values))
        return cached[1]


def risk_by_set(bits: np.ndarray, data_safety: np.ndarray) -> np.ndarray:
    """Risk perceived on each membership set: 1 - mean data safety of its platforms (1 for none)."""
    n_platforms = bits.sum(axis=1)
    safety = bits @ data_safety
    mean_safety = np.divide(safety, n_platforms, out=np.zeros(safety.size), where=n_platforms > 0)
    return 1.0 - mean_safety


def churn_by_set(bits: np.ndarray, churn_per_week: np.ndarray) -> np.ndarray:
    """Churn exposure of each membership set: the highest churn of its platforms (0 for none)."""
    return (bits * churn_per_week).max(axis=1)
