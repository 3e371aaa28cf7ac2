"""Struct-of-arrays state of actors and platforms, and how it is initialised.

Actors 0..n_candidates-1 are candidates, the rest recruiters. Each attribute
is one NumPy array indexed by actor. Platform memberships are a bitmask per
actor (bit k = member of platform k): with at most `MAX_PLATFORMS`
platforms, anything that depends on the set of platforms an actor belongs to
(perceived data safety, churn exposure, joining rates) is a lookup in a
table with one row per possible set, instead of work on an
(n_actors, n_platforms) matrix every step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache
from itertools import groupby

import numpy as np

from sim.params import PlatformParams, PopulationParams, ThresholdDistribution

MAX_PLATFORMS = 12  # 1 generalist + up to 10 domains + 1 by profile; 4,096 possible sets


# The codes below are NumPy int8 scalars, the dtype of the arrays that store them:
# comparing an int8 array with an IntEnum member (a Python int subclass) makes NumPy
# cast the whole array to int64 first, about ten times slower at 100k actors. Being
# np.int8, not int, a member is not JSON-serialisable: write `.name` or `int(member)`.


class Stage(np.int8, Enum):
    """Adoption stage of an actor (stored as int8)."""

    UNAWARE = 0
    AWARE = 1
    MEMBER = 2
    ACTIVE = 3
    LAPSED = 4


class Kind(np.int8, Enum):
    """Kind of actor."""

    CANDIDATE = 0
    RECRUITER = 1


class Profile(np.int8, Enum):
    """Career profile (recruiters have NONE)."""

    NONE = -1
    JUNIOR = 0
    EXPERIENCED = 1


KIND_NAMES = {Kind.CANDIDATE: "candidates", Kind.RECRUITER: "recruiters"}

# The same codes as plain np.int8 scalars, for the steps' hot paths: reading `Stage.ACTIVE`
# goes through `EnumType.__getattr__`, and comparing an int8 array with an Enum member (an
# np.int8 subclass) takes four times as long as with a plain np.int8 at 2,200 actors.
UNAWARE = np.int8(Stage.UNAWARE)
AWARE = np.int8(Stage.AWARE)
MEMBER = np.int8(Stage.MEMBER)
ACTIVE = np.int8(Stage.ACTIVE)
LAPSED = np.int8(Stage.LAPSED)
CANDIDATE = np.int8(Kind.CANDIDATE)
RECRUITER = np.int8(Kind.RECRUITER)
NO_PROFILE = np.int8(Profile.NONE)
JUNIOR = np.int8(Profile.JUNIOR)
EXPERIENCED = np.int8(Profile.EXPERIENCED)


@dataclass
class Actors:
    """State of every actor, one array per attribute.

    Attributes:
        kind: Kind per actor (int8).
        domain: job domain, 0..domains-1 (int16).
        profile: Profile per actor (int8).
        risk_aversion: rho in [0, 1].
        foundation: basic recruiting / job-search know-how f in [0, 1] (gap 1 - f).
        digital: know-how of the platforms' usages d in [0, 1].
        complexity: perceived complexity of the platforms in [0, 1].
        risk_memory: multiplier of perceived risk learnt from experience (1 at
            the start; safe use lowers it, data incidents raise it).
        alpha: Beta pseudo-count of observed social-channel successes.
        beta: Beta pseudo-count of observed social-channel failures.
        stage: Stage per actor (int8).
        membership: bitmask of platform memberships (uint16; bit k = platform k).
        is_seeking: candidates currently looking for a job.
        vacancies: open vacancies held by each recruiter (0 for candidates).
        is_certified: recruiters holding the certification label.
        threshold: adoption threshold phi of the threshold rule.
        n_contacts: social-channel contacts taken part in since entering.
        t_active: step of the first activation, -1 for never.
    """

    kind: np.ndarray
    domain: np.ndarray
    profile: np.ndarray
    risk_aversion: np.ndarray
    foundation: np.ndarray
    digital: np.ndarray
    complexity: np.ndarray
    risk_memory: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    stage: np.ndarray
    membership: np.ndarray
    is_seeking: np.ndarray
    vacancies: np.ndarray
    is_certified: np.ndarray
    threshold: np.ndarray
    n_contacts: np.ndarray
    t_active: np.ndarray

    @property
    def n(self) -> int:
        """Number of actors."""
        return self.kind.size

    @property
    def is_candidate(self) -> np.ndarray:
        """Mask of candidates."""
        return self.kind == CANDIDATE

    @property
    def is_active(self) -> np.ndarray:
        """Mask of ACTIVE actors."""
        return self.stage == ACTIVE

    @property
    def group(self) -> np.ndarray:
        """Fit group of each actor: 3 * domain + (0 junior, 1 experienced, 2 recruiter)."""
        return self.group_of(np.arange(self.n))

    def group_of(self, actors: np.ndarray) -> np.ndarray:
        """Fit group of the given actors (see `group`)."""
        slot = np.where(self.kind[actors] == RECRUITER, 2, self.profile[actors])
        return 3 * self.domain[actors].astype(np.int64) + slot

    def is_member_of(self, platform: int) -> np.ndarray:
        """Mask of the members of one platform."""
        return (self.membership & (1 << platform)) != 0


@dataclass
class Platforms:
    """State of the platforms, one array per attribute.

    Attributes:
        name: platform names (``generalist``, ``domain_0``..., ``juniors``).
        target_domain: domain a platform specialises in, -1 for none.
        target_profile: profile a platform specialises in, -1 for none.
        churn_per_week: feature releases per week (erode know-how, add confusion),
            before any platform policy (the values in force are `State.modifiers`).
        data_safety: trust in what is done with users' data, in [0, 1], likewise.
        attractiveness: base pull of the platform.
    """

    name: tuple[str, ...]
    target_domain: np.ndarray
    target_profile: np.ndarray
    churn_per_week: np.ndarray
    data_safety: np.ndarray
    attractiveness: np.ndarray

    @property
    def n(self) -> int:
        """Number of platforms."""
        return len(self.name)


MAX_DRAWN_BY_RUN = 64
"""Actors up to which `beta_traits` draws each run of equal means with scalar parameters."""


def beta_traits(
    rng: np.random.Generator, mean: float | np.ndarray, concentration: float, size: int
) -> np.ndarray:
    """Draw traits in [0, 1] from Beta(mean * c, (1 - mean) * c); exact 0 or 1 means stay put.

    `mean` is one value or one per actor. A few actors (a step's entrants)
    are drawn in order, each run of equal means with scalar parameters: the
    numbers NumPy draws with per-actor parameters, without the checks it
    makes of parameter arrays, ten times the cost of the draws themselves.
    """
    if not isinstance(mean, np.ndarray):
        return _beta_run(rng, float(mean), concentration, size)
    if size <= MAX_DRAWN_BY_RUN:
        runs = [
            _beta_run(rng, value, concentration, sum(1 for _ in run))
            for value, run in groupby(mean.tolist())
        ]
        return np.concatenate(runs) if runs else np.empty(0)
    means = mean.astype(np.float64, copy=False)
    a = np.clip(means, 1e-9, 1 - 1e-9) * concentration
    draws = rng.beta(a, np.clip(1 - means, 1e-9, 1) * concentration)
    return np.where(means <= 0, 0.0, np.where(means >= 1, 1.0, draws))


def _beta_run(rng: np.random.Generator, mean: float, concentration: float, size: int) -> np.ndarray:
    """`size` traits of one mean (see `beta_traits`)."""
    draws = rng.beta(
        min(max(mean, 1e-9), 1 - 1e-9) * concentration,
        min(max(1 - mean, 1e-9), 1) * concentration,
        size,
    )
    return np.full(size, 0.0) if mean <= 0 else np.full(size, 1.0) if mean >= 1 else draws


def split_population(params: PopulationParams, n_actors: int) -> tuple[int, int]:
    """Numbers of candidates and recruiters among `n_actors` (edge lists set the total)."""
    if n_actors == params.n_actors:
        return params.candidates, params.recruiters
    share = params.recruiters / params.n_actors if params.n_actors else 0.0
    n_recruiters = round(n_actors * share)
    return n_actors - n_recruiters, n_recruiters


def init_actors(
    params: PopulationParams,
    *,
    n_candidates: int,
    n_recruiters: int,
    prior: tuple[float, float],
    rng: np.random.Generator,
) -> Actors:
    """Create the actors of a run with traits drawn from the population parameters.

    Args:
        params: the `[population]` table.
        n_candidates: number of candidates (actors 0..n_candidates-1).
        n_recruiters: number of recruiters (the following actors).
        prior: Beta prior (alpha0, beta0) of the social channel's success rate.
        rng: the population's random stream.
    """
    n = n_candidates + n_recruiters
    traits = draw_traits(params, n_candidates=n_candidates, n_recruiters=n_recruiters, rng=rng)
    start = {name: np.full(n, value) for name, value in initial_state(params, prior).items()}
    return Actors(**traits, **start)


def draw_traits(
    params: PopulationParams, *, n_candidates: int, n_recruiters: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Kind, domain, profile and skills of new actors (candidates first), drawn in this order.

    Returns:
        The arrays of the `Actors` fields `kind`, `domain`, `profile`,
        `risk_aversion`, `foundation` and `digital`.
    """
    n = n_candidates + n_recruiters
    kind = np.full(n, CANDIDATE)
    kind[n_candidates:] = RECRUITER
    is_candidate = kind == CANDIDATE
    is_junior = is_candidate & (rng.random(n) < params.junior_share)
    profile = np.where(is_junior, JUNIOR, EXPERIENCED)
    profile[n_candidates:] = NO_PROFILE
    c = params.concentration
    foundation_mean = np.where(
        is_candidate, params.foundation_mean_candidates, params.foundation_mean_recruiters
    )
    digital_mean = np.where(
        is_junior,
        params.digital_mean_juniors,
        np.where(is_candidate, params.digital_mean_experienced, params.digital_mean_recruiters),
    )
    return {
        "kind": kind,
        "domain": rng.integers(params.domains, size=n).astype(np.int16),
        "profile": profile,
        "risk_aversion": beta_traits(rng, params.risk_aversion_mean, c, n),
        "foundation": beta_traits(rng, foundation_mean, c, n),
        "digital": beta_traits(rng, digital_mean, c, n),
    }


def initial_state(params: PopulationParams, prior: tuple[float, float]) -> dict[str, np.generic]:
    """The value every new actor starts with, for each `Actors` field not drawn (with its dtype)."""
    return {
        "complexity": np.float64(params.complexity_initial),
        "risk_memory": np.float64(1.0),
        "alpha": np.float64(prior[0]),
        "beta": np.float64(prior[1]),
        "stage": UNAWARE,
        "membership": np.uint16(0),
        "is_seeking": np.False_,
        "vacancies": np.int64(0),
        "is_certified": np.False_,
        "threshold": np.float64(0.0),
        "n_contacts": np.int64(0),
        "t_active": np.int64(-1),
    }


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


def init_platforms(params: PlatformParams, names: tuple[str, ...]) -> Platforms:
    """Platforms named by `ScenarioParams.platform_names`: generalist, domain_<d>, juniors."""
    domains = [int(n.removeprefix("domain_")) if n.startswith("domain_") else -1 for n in names]
    profiles = [int(Profile.JUNIOR) if n == "juniors" else -1 for n in names]
    is_special = np.arange(len(names)) > 0
    return Platforms(
        name=tuple(names),
        target_domain=np.array(domains, dtype=np.int64),
        target_profile=np.array(profiles, dtype=np.int64),
        churn_per_week=np.where(is_special, params.churn_specialised, params.churn_generalist),
        data_safety=np.where(
            is_special, params.data_safety_specialised, params.data_safety_generalist
        ),
        attractiveness=np.where(
            is_special, params.attractiveness_specialised, params.attractiveness_generalist
        ),
    )


def fit_table(platforms: Platforms, params: PlatformParams, n_domains: int) -> np.ndarray:
    """Fit of each platform for each fit group (see `Actors.group`), in [0, 1].

    The generalist fits everyone at `fit_generalist`; a specialised platform
    fits its target domain or profile fully and others at `fit_off_target`;
    recruiters use the juniors' platform at `recruiter_fit_profile`.

    Returns:
        A (3 * n_domains, n_platforms) array.
    """
    domain = np.repeat(np.arange(n_domains), 3)[:, None]
    slot = np.tile(np.arange(3), n_domains)[:, None]
    on_domain = platforms.target_domain[None, :] == domain
    on_profile = platforms.target_profile[None, :] == slot  # slot 0 is Profile.JUNIOR
    fit = np.where(on_domain | on_profile, 1.0, params.fit_off_target)
    fit = np.where(
        (platforms.target_profile[None, :] >= 0) & (slot == 2), params.recruiter_fit_profile, fit
    )
    is_generalist = (platforms.target_domain < 0) & (platforms.target_profile < 0)
    return np.where(is_generalist[None, :], params.fit_generalist, fit)


@cache
def membership_bits(n_platforms: int) -> np.ndarray:
    """Every possible membership set as rows of 0/1: a (2**n_platforms, n_platforms) array.

    Made once per number of platforms and shared: the array is read-only.
    """
    bits = (np.arange(2**n_platforms)[:, None] >> np.arange(n_platforms)) & 1
    bits.setflags(write=False)
    return bits


@dataclass(frozen=True)
class SetTables:
    """Lookups by membership set (row s: the set of bitmask s), made once per number of platforms.

    Attributes:
        outside: 1 for each platform not in the set, 0 for those in it.
        size: number of platforms in the set.
        choice: the platform `sim.rules.pick_bit(membership_bits(n)[s], draw)`
            picks, at `choice[s, k]` for k = floor(draw * size[s]) (0 to n):
            with 0/1 weights, the draw matters only through that whole number.
        bit: the bitmask of each platform alone (uint16, as memberships are).
    """

    outside: np.ndarray
    size: np.ndarray
    choice: np.ndarray
    bit: np.ndarray


@cache
def set_tables(n_platforms: int) -> SetTables:
    """The lookups by membership set for `n_platforms` platforms (read-only, shared)."""
    bits = membership_bits(n_platforms)
    cumulative = bits.cumsum(axis=1)
    wholes = np.arange(n_platforms + 1)
    # pick_bit's count of the columns whose cumulative weight is at most the target
    picked = (cumulative[:, None, :] <= wholes[None, :, None]).sum(axis=2)
    tables = SetTables(
        outside=1 - bits,
        size=cumulative[:, -1].copy(),
        choice=np.minimum(picked, n_platforms - 1),
        bit=(1 << np.arange(n_platforms)).astype(np.uint16),
    )
    for table in (tables.outside, tables.size, tables.choice, tables.bit):
        table.setflags(write=False)
    return tables


def members_per_platform(membership: np.ndarray, n_platforms: int) -> np.ndarray:
    """Number of members of each platform, from the membership bitmasks (via members per set)."""
    return np.bincount(membership, minlength=1 << n_platforms) @ membership_bits(n_platforms)
