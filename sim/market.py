"""The recruiting market: vacancies, social-channel contacts and hires by channel.

Order within the phase: hired candidates who start looking again rejoin the
pool; new vacancies arrive; active recruiters contact active seeking
candidates on a platform they share (social channel); remaining vacancies
fill through the traditional channel. Conflicts are resolved in a random
order: a candidate accepts one offer, a recruiter fills at most its open
vacancies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import MarketParams, ScenarioParams
from sim.rules import effective_skill, hazard_probability, pick_bit
from sim.state import State


@dataclass(frozen=True)
class MarketOutcome:
    """What the market phase changed and observed.

    Attributes:
        vacancies: open vacancies per actor after the phase.
        is_seeking: candidates still looking for a job.
        contacts: social-channel contacts each actor took part in.
        successes: of those contacts, the ones that became hires.
        hires_social: hires made through the social channel this step.
        hires_traditional: hires made through the traditional channel this step.
    """

    vacancies: np.ndarray
    is_seeking: np.ndarray
    contacts: np.ndarray
    successes: np.ndarray
    hires_social: int
    hires_traditional: int


def rank_within(groups: np.ndarray) -> np.ndarray:
    """Position of each element among the earlier elements of the same group (0, 1, ...)."""
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    counts = np.diff(np.r_[starts, ordered.size])
    ranks = np.empty(groups.size, dtype=np.int64)
    ranks[order] = np.arange(ordered.size) - np.repeat(starts, counts)
    return ranks


def resolve_offers(
    who: np.ndarray, target: np.ndarray, offers: np.ndarray, vacancies: np.ndarray
) -> np.ndarray:
    """Match offers to candidates and vacancies, in the given (random) order.

    In rounds: each candidate accepts its first remaining offer; each
    recruiter keeps, in order, as many accepted offers as it has open
    vacancies. Offers to hired candidates and from full recruiters are then
    dropped, and the rest go to the next round, so no candidate with an
    offer from a recruiter who still has a vacancy is left unhired.

    Args:
        who: recruiter of each contact.
        target: candidate of each contact.
        offers: indices of successful contacts, in the order they are considered.
        vacancies: open vacancies per actor.

    Returns:
        Indices of the contacts that became hires.
    """
    # work on local numbers of the recruiters and candidates that have offers
    recruiters, local_who = np.unique(who[offers], return_inverse=True)
    candidates, local_target = np.unique(target[offers], return_inverse=True)
    room = vacancies[recruiters]
    taken = np.zeros(candidates.size, dtype=bool)
    pending = np.arange(offers.size)  # positions in `offers`, in order
    hired = []
    while pending.size:
        _, first = np.unique(local_target[pending], return_index=True)
        accepted = pending[np.sort(first)]
        kept = accepted[rank_within(local_who[accepted]) < room[local_who[accepted]]]
        hired.append(offers[kept])
        room = room - np.bincount(local_who[kept], minlength=room.size)
        taken[local_target[kept]] = True
        pending = pending[~taken[local_target[pending]] & (room[local_who[pending]] > 0)]
    return np.concatenate(hired) if hired else np.empty(0, dtype=np.int64)


def traditional_fill_probability(
    foundation_recruiter: np.ndarray,
    foundation_candidate: np.ndarray,
    params: MarketParams,
    dt: float,
) -> np.ndarray:
    """Probability that a traditional application fills its vacancy within the step.

    1 - exp(-rate * ((1 - e) + e f_r) * ((1 - e) + e f_c) * dt), with
    e = `foundation_traditional` (e = 0: foundations do not matter here).
    """
    e = params.foundation_traditional
    quality = ((1.0 - e) + e * foundation_recruiter) * ((1.0 - e) + e * foundation_candidate)
    return hazard_probability(params.traditional_fill_per_week * quality, dt)


def traditional_applications(
    recruiters: np.ndarray, vacancies: np.ndarray, seeking: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each open vacancy meets one seeking candidate, drawn uniformly.

    Returns:
        (recruiter, candidate) of each application; empty if nobody seeks.
    """
    slots = np.repeat(recruiters, vacancies[recruiters])
    seekers = np.flatnonzero(seeking)
    draws = rng.random(slots.size)
    if seekers.size == 0:
        return slots[:0], slots[:0]
    return slots, seekers[(draws * seekers.size).astype(np.int64)]


def social_contacts(
    *,
    recruiters: np.ndarray,
    vacancies: np.ndarray,
    pool: np.ndarray,
    membership: np.ndarray,
    bits: np.ndarray,
    contacts_per_vacancy_week: float,
    dt: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Active recruiters with open vacancies contact candidates on shared platforms.

    Each contact happens on one of the recruiter's platforms, chosen
    uniformly, with a candidate drawn uniformly from that platform's pool.

    Args:
        recruiters: indices of active recruiters with vacancies and a platform.
        vacancies: open vacancies per actor.
        pool: mask of candidates that can be contacted (active and seeking).
        membership: bitmask of memberships per actor.
        bits: (2**n_platforms, n_platforms) 0/1 rows of every membership set.
        contacts_per_vacancy_week: contact rate per open vacancy.
        dt: step length in weeks.
        rng: the market's random stream.

    Returns:
        (recruiter, candidate, platform) of each contact made.
    """
    n_contacts = rng.poisson(contacts_per_vacancy_week * vacancies[recruiters] * dt)
    who = np.repeat(recruiters, n_contacts)
    platform = pick_bit(bits[membership[who]], rng.random(who.size))
    target = np.full(who.size, -1, dtype=np.int64)
    position = rng.random(who.size)
    in_pool = np.flatnonzero(pool)
    for k in np.unique(platform):
        on_k = platform == k
        candidates_k = in_pool[(membership[in_pool] & (1 << int(k))) != 0]
        if candidates_k.size:
            target[on_k] = candidates_k[(position[on_k] * candidates_k.size).astype(np.int64)]
    found = target >= 0
    return who[found], target[found], platform[found]


def market_step(
    *,
    vacancies: np.ndarray,
    is_seeking: np.ndarray,
    is_recruiter: np.ndarray,
    is_active: np.ndarray,
    membership: np.ndarray,
    bits: np.ndarray,
    foundation: np.ndarray,
    digital: np.ndarray,
    omega: float,
    group: np.ndarray,
    fit: np.ndarray,
    params: MarketParams,
    dt: float,
    rng: np.random.Generator,
    arrivals_rng: np.random.Generator,
) -> MarketOutcome:
    """One step of the recruiting market.

    Vacancy arrivals and re-seeking draw from their own stream
    (`arrivals_rng`, a fixed count of numbers per step), so that paired
    scenarios receive the same vacancies whatever happens in the channels.

    A social contact becomes a hire with probability
    p_hire_social * q_recruiter * q_candidate * fit_recruiter * fit_candidate
    (effective skills q = f^omega d^(1 - omega) from foundation f and digital
    skill d, and platform fits, all in [0, 1]), so it rises with both sides'
    foundation and digital skill. Through the traditional channel,
    each vacancy still open meets one seeking candidate, drawn uniformly, and
    fills at hazard traditional_fill_per_week * ((1 - e) + e f_recruiter) *
    ((1 - e) + e f_candidate), where e = `foundation_traditional`: with
    e > 0, both sides' foundations speed the traditional channel too.

    Returns:
        The new vacancies and seeking flags, each actor's contacts and
        successes, and hires by channel.
    """
    n = vacancies.size
    is_candidate = ~is_recruiter
    reseek = (
        is_candidate
        & ~is_seeking
        & (
            arrivals_rng.random(n, dtype=np.float32)
            < hazard_probability(params.reseek_per_week, dt)
        )
    )
    is_seeking = is_seeking | reseek
    recruiters = np.flatnonzero(is_recruiter)
    vacancies = vacancies.copy()
    vacancies[recruiters] += arrivals_rng.poisson(params.vacancies_per_week * dt, recruiters.size)

    searching = recruiters[
        is_active[recruiters] & (vacancies[recruiters] > 0) & (membership[recruiters] != 0)
    ]
    pool = is_candidate & is_active & is_seeking
    who, target, platform = social_contacts(
        recruiters=searching,
        vacancies=vacancies,
        pool=pool,
        membership=membership,
        bits=bits,
        contacts_per_vacancy_week=params.contacts_per_vacancy_week,
        dt=dt,
        rng=rng,
    )
    skill_who = effective_skill(foundation[who], digital[who], omega)
    skill_target = effective_skill(foundation[target], digital[target], omega)
    p_hire = params.p_hire_social * skill_who * skill_target
    p_hire = p_hire * fit[group[who], platform] * fit[group[target], platform]
    success = rng.random(who.size) < p_hire
    order = rng.permutation(who.size)
    hired = resolve_offers(who, target, order[success[order]], vacancies)
    np.subtract.at(vacancies, who[hired], 1)
    is_seeking[target[hired]] = False  # `is_seeking` is this function's own array here
    contacts = np.bincount(np.concatenate([who, target]), minlength=n)
    successes = np.bincount(np.concatenate([who[hired], target[hired]]), minlength=n)

    slots, applicants = traditional_applications(
        recruiters, vacancies, is_candidate & is_seeking, rng
    )
    # thinning: the quality factor is at most 1, so only draws below the full-rate
    # probability can fill; the exact probability is computed for those alone
    draws = rng.random(slots.size)
    maybe = np.flatnonzero(draws < hazard_probability(params.traditional_fill_per_week, dt))
    p_fill = traditional_fill_probability(
        foundation[slots[maybe]], foundation[applicants[maybe]], params, dt
    )
    filled = np.zeros(slots.size, dtype=bool)
    filled[maybe] = draws[maybe] < p_fill
    order = rng.permutation(slots.size)
    hired_traditional = resolve_offers(slots, applicants, order[filled[order]], vacancies)
    np.subtract.at(vacancies, slots[hired_traditional], 1)
    is_seeking[applicants[hired_traditional]] = False
    return MarketOutcome(
        vacancies=vacancies,
        is_seeking=is_seeking,
        contacts=contacts,
        successes=successes,
        hires_social=int(hired.size),
        hires_traditional=int(hired_traditional.size),
    )


def market_phase(state: State, params: ScenarioParams) -> None:
    """Vacancies arrive, active recruiters contact active candidates, hires by channel."""
    a = state.actors
    outcome = market_step(
        vacancies=a.vacancies,
        is_seeking=a.is_seeking,
        is_recruiter=~a.is_candidate,
        is_active=a.is_active,
        membership=a.membership,
        bits=state.bits,
        foundation=a.foundation,
        digital=a.digital,
        omega=params.decision.omega,
        group=state.group,
        fit=state.fit_table,
        params=params.market,
        dt=state.dt_weeks,
        rng=state.stream("market"),
        arrivals_rng=state.stream("arrivals"),
    )
    a.vacancies, a.is_seeking = outcome.vacancies, outcome.is_seeking
    flows = state.flows
    flows.hires_social, flows.hires_traditional = outcome.hires_social, outcome.hires_traditional
    flows.contacts, flows.successes = outcome.contacts, outcome.successes
