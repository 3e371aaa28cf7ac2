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

from dataclasses import dataclass, fields
from enum import Enum

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
        alpha: Beta pseudo-count of observed social-channel successes.
        beta: Beta pseudo-count of observed social-channel failures.
        stage: Stage per actor (int8).
        membership: bitmask of platform memberships (uint16; bit k = platform k).
        is_seeking: candidates currently looking for a job.
        vacancies: open vacancies held by each recruiter (0 for candidates).
        is_certified: recruiters holding the certification label.
        threshold: adoption threshold phi of the threshold rule.
        t_active: step of the first activation, -1 for never.
    """

    kind: np.ndarray
    domain: np.ndarray
    profile: np.ndarray
    risk_aversion: np.ndarray
    foundation: np.ndarray
    digital: np.ndarray
    complexity: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    stage: np.ndarray
    membership: np.ndarray
    is_seeking: np.ndarray
    vacancies: np.ndarray
    is_certified: np.ndarray
    threshold: np.ndarray
    t_active: np.ndarray

    @property
    def n(self) -> int:
        """Number of actors."""
        return self.kind.size

    def replace(self, slots: np.ndarray, other: Actors) -> None:
        """Overwrite the actors at `slots` with the actors of `other`, field by field."""
        for field in fields(self):
            getattr(self, field.name)[slots] = getattr(other, field.name)

    @property
    def is_candidate(self) -> np.ndarray:
        """Mask of candidates."""
        return self.kind == Kind.CANDIDATE

    @property
    def is_active(self) -> np.ndarray:
        """Mask of ACTIVE actors."""
        return self.stage == Stage.ACTIVE

    @property
    def group(self) -> np.ndarray:
        """Fit group of each actor: 3 * domain + (0 junior, 1 experienced, 2 recruiter)."""
        return self.group_of(np.arange(self.n))

    def group_of(self, actors: np.ndarray) -> np.ndarray:
        """Fit group of the given actors (see `group`)."""
        slot = np.where(self.kind[actors] == Kind.RECRUITER, 2, self.profile[actors])
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


def beta_traits(
    rng: np.random.Generator, mean: float | np.ndarray, concentration: float, size: int
) -> np.ndarray:
    """Draw traits in [0, 1] from Beta(mean * c, (1 - mean) * c); exact 0 or 1 means stay put."""
    mean = np.broadcast_to(np.asarray(mean, dtype=np.float64), (size,))
    a = np.clip(mean, 1e-9, 1 - 1e-9) * concentration
    draws = rng.beta(a, np.clip(1 - mean, 1e-9, 1) * concentration)
    return np.where(mean <= 0, 0.0, np.where(mean >= 1, 1.0, draws))


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
    kind = np.repeat(
        np.array([Kind.CANDIDATE, Kind.RECRUITER], np.int8), [n_candidates, n_recruiters]
    )
    is_candidate = kind == Kind.CANDIDATE
    is_junior = is_candidate & (rng.random(n) < params.junior_share)
    profile = np.where(is_junior, Profile.JUNIOR, Profile.EXPERIENCED)
    profile = np.where(is_candidate, profile, Profile.NONE).astype(np.int8)
    c = params.concentration
    foundation_mean = np.where(
        is_candidate, params.foundation_mean_candidates, params.foundation_mean_recruiters
    )
    digital_mean = np.where(
        is_junior,
        params.digital_mean_juniors,
        np.where(is_candidate, params.digital_mean_experienced, params.digital_mean_recruiters),
    )
    return Actors(
        kind=kind,
        domain=rng.integers(params.domains, size=n).astype(np.int16),
        profile=profile,
        risk_aversion=beta_traits(rng, params.risk_aversion_mean, c, n),
        foundation=beta_traits(rng, foundation_mean, c, n),
        digital=beta_traits(rng, digital_mean, c, n),
        complexity=np.full(n, params.complexity_initial),
        alpha=np.full(n, prior[0]),
        beta=np.full(n, prior[1]),
        stage=np.zeros(n, dtype=np.int8),
        membership=np.zeros(n, dtype=np.uint16),
        is_seeking=np.zeros(n, dtype=bool),
        vacancies=np.zeros(n, dtype=np.int64),
        is_certified=np.zeros(n, dtype=bool),
        threshold=np.zeros(n),
        t_active=np.full(n, -1, dtype=np.int64),
    )


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


def membership_bits(n_platforms: int) -> np.ndarray:
    """Every possible membership set as rows of 0/1: a (2**n_platforms, n_platforms) array."""
    return (np.arange(2**n_platforms)[:, None] >> np.arange(n_platforms)) & 1


def members_per_platform(membership: np.ndarray, n_platforms: int) -> np.ndarray:
    """Number of members of each platform, from the membership bitmasks."""
    return np.array(
        [np.count_nonzero(membership & np.uint16(1 << k)) for k in range(n_platforms)],
        dtype=np.int64,
    )
