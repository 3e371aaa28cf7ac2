"""The recruiting market: vacancies, social-channel contacts and hires by channel.

Order within the phase: hired candidates who start looking again rejoin the
pool; new vacancies arrive; active recruiters contact active seeking
candidates on a platform they share, and active seeking candidates apply to
active recruiters with open vacancies there (social channel); remaining vacancies
fill through the traditional channel. Conflicts are resolved in a random
order: a candidate accepts one offer, a recruiter fills at most its open
vacancies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.network import Network
from sim.params import MarketParams, ScenarioParams
from sim.population import RECRUITER
from sim.rules import effective_skill, hazard_probability, pick_platform
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
        hired: (recruiter, candidate) of each hire, social then traditional.
        failed_applicants: candidates whose traditional application was not a hire.
        contacted: (recruiter, candidate) of each social contact.
    """

    vacancies: np.ndarray
    is_seeking: np.ndarray
    contacts: np.ndarray
    successes: np.ndarray
    hires_social: int
    hires_traditional: int
    hired: tuple[np.ndarray, np.ndarray]
    failed_applicants: np.ndarray
    contacted: tuple[np.ndarray, np.ndarray]


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

    A step makes about one offer per hundred actors: a loop over them in
    Python costs a tenth of the NumPy calls of a round at a few thousand
    actors, and about as much at 100,000.

    Args:
        who: recruiter of each contact.
        target: candidate of each contact.
        offers: indices of successful contacts, in the order they are considered.
        vacancies: open vacancies per actor.

    Returns:
        Indices of the contacts that became hires.
    """
    recruiters = who[offers]
    recruiter, candidate = recruiters.tolist(), target[offers].tolist()
    room = dict(zip(recruiter, vacancies[recruiters].tolist(), strict=True))
    hired_candidates: set[int] = set()
    hired: list[int] = []  # positions in `offers`
    pending: Sequence[int] = range(len(recruiter))
    while pending:
        accepted: set[int] = set()  # candidates who accepted an offer this round
        not_kept = []
        for i in pending:
            if candidate[i] not in accepted:
                accepted.add(candidate[i])  # its first remaining offer...
                if room[recruiter[i]] > 0:  # ...kept while its recruiter has room, in order
                    room[recruiter[i]] -= 1
                    hired.append(i)
                    hired_candidates.add(candidate[i])
                    continue
            not_kept.append(i)
        pending = [
            i for i in not_kept if candidate[i] not in hired_candidates and room[recruiter[i]] > 0
        ]
    return offers[np.array(hired, dtype=np.int64)]


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
    slots = recruiters.repeat(vacancies[recruiters])
    seekers = seeking.nonzero()[0]
    draws = rng.random(slots.size)
    if seekers.size == 0:
        return slots[:0], slots[:0]
    return slots, seekers[(draws * seekers.size).astype(np.int64)]


def social_contacts(
    *,
    senders: np.ndarray,
    n_contacts: np.ndarray,
    pool: np.ndarray,
    membership: np.ndarray,
    bits: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Senders contact members of the other side on a platform they share.

    Active recruiters with open vacancies contact active seeking candidates;
    active seeking candidates apply to active recruiters with open
    vacancies. Each contact happens on one of the sender's platforms,
    chosen uniformly, with a receiver drawn uniformly from that platform's
    pool (its members in the pool, in index order); a contact on a platform
    where nobody of the pool is a member is lost.

    Args:
        senders: indices of the actors making contacts (each on a platform).
        n_contacts: contacts each sender makes this step.
        pool: indices of the actors that can be contacted.
        membership: bitmask of memberships per actor.
        bits: (2**n_platforms, n_platforms) 0/1 rows of every membership set.
        rng: the market's random stream.

    Returns:
        (sender, receiver, platform) of each contact made.
    """
    who = senders.repeat(n_contacts)
    platform = pick_platform(membership[who], rng.random(who.size), bits.shape[1])
    position = rng.random(who.size)
    # every platform's pool, one after the other: platform k's is
    # on_platform[start[k]:start[k] + size[k]]
    platform_of_member, member = bits[membership[pool]].T.nonzero()
    on_platform = pool[member]
    size = np.bincount(platform_of_member, minlength=bits.shape[1])
    start = size.cumsum() - size
    size = size[platform]
    found = size > 0
    chosen = start[platform[found]] + (position[found] * size[found]).astype(np.int64)
    return who[found], on_platform[chosen], platform[found]


def gather_contacts(
    *,
    searching: np.ndarray,
    pool: np.ndarray,
    vacancies: np.ndarray,
    membership: np.ndarray,
    bits: np.ndarray,
    params: MarketParams,
    dt: float,
    rng: np.random.Generator,
    network: Network | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The step's social contacts: recruiters', candidates' applications, referrals.

    Searching recruiters contact the pool on shared platforms; with
    `candidate_contacts_per_week`, the pool applies to them there too; with
    `referrals_per_week`, each of the pool asks ties (a neighbour drawn
    uniformly, each time) and the asks that reach a searching recruiter are
    contacts through the network, on no platform (-1). Draws are made only
    for the kinds of contact switched on, in this order.

    Args:
        searching: mask of active recruiters with open vacancies and a platform.
        pool: indices of the active seeking candidates with a platform.
        vacancies: open vacancies per actor.
        membership: bitmask of memberships per actor.
        bits: (2**n_platforms, n_platforms) 0/1 rows of every membership set.
        params: the `[market]` table.
        dt: step length in weeks.
        rng: the market's random stream.
        network: the actors' ties (needed for referrals only).

    Returns:
        (recruiter, candidate, platform) of each contact, platform -1 for a referral.
    """
    recruiters = searching.nonzero()[0]
    who, target, platform = social_contacts(
        senders=recruiters,
        n_contacts=rng.poisson(params.contacts_per_vacancy_week * vacancies[recruiters] * dt),
        pool=pool,
        membership=membership,
        bits=bits,
        rng=rng,
    )
    parts = [(who, target, platform)]
    if params.candidate_contacts_per_week:  # candidates apply on the platforms too
        applicant, applied_to, on = social_contacts(
            senders=pool,
            n_contacts=rng.poisson(params.candidate_contacts_per_week * dt, pool.size),
            pool=recruiters,
            membership=membership,
            bits=bits,
            rng=rng,
        )
        parts.append((applied_to, applicant, on))
    if params.referrals_per_week and network is not None:  # ...and ask their ties
        asker = pool.repeat(rng.poisson(params.referrals_per_week * dt, pool.size))
        tie = network.random_neighbours(asker, rng.random(asker.size))
        reached = tie >= 0
        reached[reached] = searching[tie[reached]]
        parts.append((tie[reached], asker[reached], np.full(reached.sum(), -1, dtype=np.int64)))
    if len(parts) == 1:
        return who, target, platform
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))  # type: ignore[return-value]


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
    appeal: np.ndarray | None = None,
    network: Network | None = None,
) -> MarketOutcome:
    """One step of the recruiting market.

    Vacancy arrivals and re-seeking draw from their own stream
    (`arrivals_rng`, a fixed count of numbers per step), so that paired
    scenarios receive the same vacancies whatever happens in the channels.

    A social contact becomes a hire with probability
    p_hire_social * q_recruiter * q_candidate * fit_recruiter * fit_candidate
    (effective skills q = f^omega d^(1 - omega) from foundation f and digital
    skill d, and platform fits, all in [0, 1]), so it rises with both sides'
    foundation and digital skill; times the recruiter's `appeal` (certified
    recruiters whom candidates prefer), capped at 1. A referral (a contact
    through a tie, on no platform) has a fit factor of 1 on both sides.
    Through the traditional channel,
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
    reseek = arrivals_rng.random(n, dtype=np.float32) < hazard_probability(
        params.reseek_per_week, dt
    )
    is_seeking = is_seeking | (reseek & is_candidate)  # hired candidates who look again
    recruiters = is_recruiter.nonzero()[0]
    vacancies = vacancies.copy()
    vacancies[recruiters] += arrivals_rng.poisson(params.vacancies_per_week * dt, recruiters.size)

    is_searching = is_recruiter & is_active & (vacancies > 0) & (membership != 0)
    pool = (is_candidate & is_active & is_seeking & (membership != 0)).nonzero()[0]
    who, target, platform = gather_contacts(
        searching=is_searching,
        pool=pool,
        vacancies=vacancies,
        membership=membership,
        bits=bits,
        params=params,
        dt=dt,
        rng=rng,
        network=network,
    )
    k = who.size
    ends = np.concatenate([who, target])  # the recruiter then the candidate of each contact
    skill = effective_skill(foundation[ends], digital[ends], omega)
    on_platform = np.concatenate([platform, platform])
    fit_at_end = np.where(on_platform >= 0, fit[group[ends], on_platform], 1.0)
    p_hire = params.p_hire_social * skill[:k] * skill[k:]
    p_hire = p_hire * fit_at_end[:k] * fit_at_end[k:]
    if appeal is not None:
        p_hire = np.minimum(p_hire * appeal[who], 1.0)
    success = rng.random(k) < p_hire
    order = rng.permutation(k)
    hired = resolve_offers(who, target, order[success[order]], vacancies)
    np.subtract.at(vacancies, who[hired], 1)
    is_seeking[target[hired]] = False  # `is_seeking` is this function's own array here
    contacts = np.bincount(ends, minlength=n)
    successes = np.bincount(np.concatenate([who[hired], target[hired]]), minlength=n)

    slots, applicants = traditional_applications(
        recruiters, vacancies, is_candidate & is_seeking, rng
    )
    # thinning: the quality factor is at most 1, so only draws below the full-rate
    # probability can fill; the exact probability is computed for those alone
    draws = rng.random(slots.size)
    filled = draws < hazard_probability(params.traditional_fill_per_week, dt)
    maybe = filled.nonzero()[0]
    filled[maybe] = draws[maybe] < traditional_fill_probability(
        foundation[slots[maybe]], foundation[applicants[maybe]], params, dt
    )
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
        hired=(
            np.concatenate([who[hired], slots[hired_traditional]]),
            np.concatenate([target[hired], applicants[hired_traditional]]),
        ),
        failed_applicants=np.setdiff1d(applicants, applicants[hired_traditional]),
        contacted=(who, target),
    )


def market_phase(state: State, params: ScenarioParams) -> None:
    """Vacancies arrive, active recruiters contact active candidates, hires by channel."""
    a = state.actors
    outcome = market_step(
        vacancies=a.vacancies,
        is_seeking=a.is_seeking,
        is_recruiter=a.kind == RECRUITER,
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
        appeal=None if state.modifiers.appeal is state.base.appeal else state.modifiers.appeal,
        network=state.network,
    )
    a.vacancies, a.is_seeking = outcome.vacancies, outcome.is_seeking
    flows = state.flows
    flows.hires_social, flows.hires_traditional = outcome.hires_social, outcome.hires_traditional
    flows.contacts, flows.successes = outcome.contacts, outcome.successes
    a.n_contacts += outcome.contacts
    recruiters, candidates = outcome.hired
    flows.match_quality = match_quality(a.foundation[recruiters], a.foundation[candidates]).sum()
    flows.hired_profile, flows.hired_domain = a.profile[candidates], a.domain[candidates]
    flows.hired = outcome.hired
    flows.failed_applicants = outcome.failed_applicants
    flows.contacted = outcome.contacted


def match_quality(foundation_recruiter: np.ndarray, foundation_candidate: np.ndarray) -> np.ndarray:
    """Quality of each hire, in [0, 1]: the geometric mean of both sides' foundation.

    An observation, not a cause: it rises with either side's foundation, in
    both channels, and is 0 when either side has none.
    """
    return np.sqrt(foundation_recruiter * foundation_candidate)
