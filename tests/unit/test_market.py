"""Unit tests for sim.market on tiny hand-built markets.

Statistical checks use fixed seeds and a tolerance of 5 standard deviations
derived from the distribution of the quantity (binomial or Poisson).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from sim.market import (
    market_step,
    match_quality,
    rank_within,
    resolve_offers,
    traditional_applications,
    traditional_fill_probability,
)
from sim.network import Network, from_edges
from sim.params import MarketParams
from sim.population import membership_bits
from sim.rules import hazard_probability

QUIET = dict(
    vacancies_per_week=0.0,
    traditional_fill_per_week=0.0,
    reseek_per_week=0.0,
)


def market(
    *,
    n_recruiters: int,
    n_candidates: int,
    vacancies,
    params: MarketParams,
    seed: int = 0,
    dt: float = 1.0,
    active=None,
    seeking=None,
    membership=None,
    n_platforms: int = 1,
    skill=None,
    foundation=None,
    group=None,
    fit=None,
    appeal=None,
    network=None,
):
    """Run one market step; recruiters are actors 0..n_recruiters-1, then candidates."""
    n = n_recruiters + n_candidates
    is_recruiter = np.arange(n) < n_recruiters
    vac = np.zeros(n, dtype=np.int64)
    vac[:n_recruiters] = vacancies
    inputs = dict(
        vacancies=vac,
        is_seeking=(~is_recruiter if seeking is None else np.asarray(seeking, bool)),
        is_recruiter=is_recruiter,
        is_active=(np.ones(n, bool) if active is None else np.asarray(active, bool)),
        membership=(
            np.ones(n, np.uint16) if membership is None else np.asarray(membership, np.uint16)
        ),
        bits=membership_bits(n_platforms),
        digital=(np.ones(n) if skill is None else np.asarray(skill, float)),
        omega=0.0,  # effective skill = digital skill
        foundation=(np.ones(n) if foundation is None else np.asarray(foundation, float)),
        group=(np.zeros(n, np.int64) if group is None else np.asarray(group, np.int64)),
        fit=(np.ones((1, n_platforms)) if fit is None else np.asarray(fit, float)),
    )
    out = market_step(
        **inputs,
        params=params,
        dt=dt,
        rng=np.random.default_rng(seed),
        arrivals_rng=np.random.default_rng(seed + 1000),
        appeal=None if appeal is None else np.asarray(appeal, float),
        network=network,
    )
    return inputs, out


def check_accounting(inputs, out):
    """Invariants of any market step without arrivals or re-seeking."""
    rec = inputs["is_recruiter"]
    # each hire is one success for its recruiter and one for its candidate
    assert out.successes.sum() == 2 * out.hires_social
    assert out.successes[rec].sum() == out.hires_social == out.successes[~rec].sum()
    # each contact has one recruiter and one candidate
    assert out.contacts[rec].sum() == out.contacts[~rec].sum()
    assert np.all(out.successes <= out.contacts)
    # a candidate is hired at most once, and only if it was seeking
    assert np.all(out.successes[~rec] <= 1)
    assert np.all(inputs["is_seeking"][~rec][out.successes[~rec] == 1])
    assert not np.any(out.is_seeking[~rec][out.successes[~rec] == 1])
    assert np.all(out.vacancies >= 0)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def test_rank_within_groups():
    np.testing.assert_array_equal(rank_within(np.array([2, 1, 2, 2, 1, 7])), [0, 0, 1, 2, 1, 0])
    np.testing.assert_array_equal(rank_within(np.array([], dtype=np.int64)), [])
    np.testing.assert_array_equal(rank_within(np.array([5, 5, 5])), [0, 1, 2])


def test_resolve_offers_gives_a_rejected_candidate_a_second_round():
    # contacts: 0 = (R0, c5), 1 = (R0, c6), 2 = (R1, c6), considered in that order;
    # one vacancy each. Round 1: c5 and c6 both accept R0, which keeps c5 only.
    # Round 2: c6 is free and R1 has room -> hired. Two hires, not one.
    who, target = np.array([0, 0, 1]), np.array([5, 6, 6])
    vacancies = np.array([1, 1, 0, 0, 0, 0, 0])
    hired = resolve_offers(who, target, np.array([0, 1, 2]), vacancies)
    assert sorted(hired.tolist()) == [0, 2]
    np.testing.assert_array_equal(vacancies, [1, 1, 0, 0, 0, 0, 0])  # input untouched
    # with two vacancies R0 keeps both, and R1's offer to the hired c6 is dropped
    vacancies = np.array([2, 1, 0, 0, 0, 0, 0])
    hired = resolve_offers(who, target, np.array([0, 1, 2]), vacancies)
    assert sorted(hired.tolist()) == [0, 1]
    # the order decides: R1's offer first -> c6 goes to R1, c5 to R0
    hired = resolve_offers(who, target, np.array([2, 1, 0]), np.array([1, 1, 0, 0, 0, 0, 0]))
    assert sorted(hired.tolist()) == [0, 2]
    # no offers, no hires
    assert resolve_offers(who, target, np.array([], dtype=np.int64), vacancies).size == 0


# ---------------------------------------------------------------------------
# Social channel
# ---------------------------------------------------------------------------

SURE = MarketParams(p_hire_social=1.0, contacts_per_vacancy_week=50.0, **QUIET)


def test_single_recruiter_sure_hires_are_capped_by_vacancies():
    # 3 vacancies x 50 contacts: ~150 contacts over 6 candidates, each one a success
    inputs, out = market(n_recruiters=1, n_candidates=6, vacancies=[3], params=SURE)
    assert out.hires_social == 3
    assert out.hires_traditional == 0
    assert out.vacancies[0] == 0
    assert out.successes[0] == 3
    assert np.count_nonzero(out.is_seeking[1:]) == 3
    assert out.contacts[0] > 100  # Poisson(150): below 100 has probability < 1e-5
    check_accounting(inputs, out)


def test_single_recruiter_sure_hires_are_capped_by_candidates():
    inputs, out = market(n_recruiters=1, n_candidates=4, vacancies=[10], params=SURE)
    assert out.hires_social == 4
    assert out.vacancies[0] == 6
    assert not out.is_seeking.any()
    check_accounting(inputs, out)


@pytest.mark.parametrize("seed", range(5))
def test_competing_recruiters_each_candidate_hired_once(seed):
    vacancies = [2, 1, 1]
    inputs, out = market(
        n_recruiters=3, n_candidates=20, vacancies=vacancies, params=SURE, seed=seed
    )
    assert 1 <= out.hires_social <= sum(vacancies)
    # recruiters hire at most their open vacancies, and vacancies fall by the hires
    np.testing.assert_array_equal(out.vacancies[:3], np.array(vacancies) - out.successes[:3])
    check_accounting(inputs, out)


def test_sure_contacts_fill_every_vacancy_when_candidates_suffice():
    # two recruiters with one vacancy each, two candidates, every contact succeeds and
    # (with ~50 contacts each) each recruiter reaches both candidates: 2 hires are possible,
    # and resolving offers in a random order must make both (a candidate whose first offer
    # comes from a recruiter that is already full must still take the other one).
    hires = [
        market(n_recruiters=2, n_candidates=2, vacancies=[1, 1], params=SURE, seed=s)[1]
        for s in range(20)
    ]
    assert [h.hires_social for h in hires] == [2] * 20


def test_the_hired_pairs_are_reported_with_their_recruiter_and_candidate():
    _, out = market(n_recruiters=2, n_candidates=3, vacancies=[1, 1], params=SURE, seed=4)
    recruiters, candidates = out.hired
    assert len(recruiters) == len(candidates) == out.hires_social == 2
    assert sorted(recruiters.tolist()) == [0, 1]  # one vacancy each, both filled
    np.testing.assert_array_equal(np.sort(candidates), np.flatnonzero(out.successes[2:]) + 2)


def test_match_quality_is_the_geometric_mean_of_both_foundations():
    quality = match_quality(np.array([0.25, 1.0, 0.0, 0.36]), np.array([1.0, 0.49, 0.5, 0.25]))
    np.testing.assert_allclose(quality, [0.5, 0.7, 0.0, 0.3], rtol=0, atol=1e-15)


def test_no_social_hires_when_hire_probability_is_zero():
    params = MarketParams(p_hire_social=0.0, contacts_per_vacancy_week=10.0, **QUIET)
    inputs, out = market(n_recruiters=2, n_candidates=10, vacancies=[2, 3], params=params)
    assert out.hires_social == 0
    assert out.contacts[:2].sum() > 0  # contacts are made, none becomes a hire
    assert not out.successes.any()
    np.testing.assert_array_equal(out.vacancies[:2], [2, 3])
    assert out.is_seeking[2:].all()
    check_accounting(inputs, out)


def test_contacts_only_between_active_recruiters_and_active_seekers_on_a_shared_platform():
    # actors: R0 active on p0 with vacancies; R1 inactive; R2 active without vacancies;
    # c3 active seeking on p0; c4 active seeking on p1 only; c5 inactive seeking on p0;
    # c6 active not seeking on p0; c7 active seeking on p0 and p1; c8 active seeking, no platform
    params = MarketParams(p_hire_social=0.0, contacts_per_vacancy_week=50.0, **QUIET)
    inputs, out = market(
        n_recruiters=3,
        n_candidates=6,
        vacancies=[2, 2, 0],
        params=params,
        n_platforms=2,
        active=[1, 0, 1, 1, 1, 0, 1, 1, 1],
        seeking=[0, 0, 0, 1, 1, 1, 0, 1, 1],
        membership=[1, 1, 1, 1, 2, 1, 1, 3, 0],
        fit=np.ones((1, 2)),
    )
    contacts = out.contacts
    assert contacts[0] > 0
    assert contacts[1] == contacts[2] == 0
    assert contacts[3] > 0 and contacts[7] > 0
    assert contacts[4] == contacts[5] == contacts[6] == contacts[8] == 0
    assert contacts[3] + contacts[7] == contacts[0]
    check_accounting(inputs, out)


def test_contact_count_is_poisson_in_vacancies_and_dt():
    # 20 recruiters x 50 vacancies x 2 contacts/week x dt 0.5 -> Poisson(50) each,
    # Poisson(1000) in total: sd 31.6
    params = MarketParams(p_hire_social=0.0, contacts_per_vacancy_week=2.0, **QUIET)
    _, out = market(
        n_recruiters=20, n_candidates=50, vacancies=[50] * 20, params=params, dt=0.5, seed=4
    )
    total = out.contacts[:20].sum()
    assert abs(total - 1000) < 5 * math.sqrt(1000)


def test_contact_platform_is_uniform_among_the_recruiters_platforms():
    # recruiter on p0 and p1; 1000 candidates on p0 only, 1000 on p1 only
    n_c = 2000
    membership = np.r_[[3], np.where(np.arange(n_c) < 1000, 1, 2)]
    params = MarketParams(p_hire_social=0.0, contacts_per_vacancy_week=10.0, **QUIET)
    _, out = market(
        n_recruiters=1, n_candidates=n_c, vacancies=[300], params=params, seed=5,
        n_platforms=2, membership=membership, fit=np.ones((1, 2)),
    )  # fmt: skip
    total = out.contacts[0]
    on_p0 = out.contacts[1:1001].sum()
    assert total == on_p0 + out.contacts[1001:].sum()
    assert abs(on_p0 - total / 2) < 5 * math.sqrt(total * 0.25)


def test_hire_probability_is_product_of_skills_and_fits():
    # p = p_hire 0.5 * q_r 1 * q_c 0.5 * fit_r 1 * fit_c 0.5 = 0.125 per contact.
    # 100000 candidates, ~2000 contacts: repeated candidates are rare (~20 pairs), so hires ~
    # Binomial(contacts, 0.125): sd sqrt(2000 * .125 * .875) = 14.8.
    n_c = 100_000
    params = MarketParams(p_hire_social=0.5, contacts_per_vacancy_week=4.0, **QUIET)
    skill = np.r_[[1.0], np.full(n_c, 0.5)]
    group = np.r_[[0], np.ones(n_c, np.int64)]
    _, out = market(
        n_recruiters=1, n_candidates=n_c, vacancies=[500], params=params, seed=6,
        skill=skill, group=group, fit=np.array([[1.0], [0.5]]),
    )  # fmt: skip
    contacts = out.contacts[0]
    p = 0.125
    assert abs(out.hires_social - p * contacts) < 5 * math.sqrt(contacts * p * (1 - p)) + 1


def test_contacted_pairs_add_up_to_each_actors_contacts():
    params = MarketParams(p_hire_social=0.3, contacts_per_vacancy_week=3.0, **QUIET)
    _, out = market(n_recruiters=3, n_candidates=30, vacancies=[2, 1, 4], params=params, seed=2)
    who, target = out.contacted
    assert who.size > 0 and set(who.tolist()) <= {0, 1, 2} and target.min() >= 3
    np.testing.assert_array_equal(np.bincount(np.r_[who, target], minlength=33), out.contacts)


@pytest.mark.parametrize("appeal", [2.0, 1.5])
def test_a_recruiters_appeal_multiplies_its_hire_chance_capped_at_one(appeal):
    # p = p_hire 0.5 x appeal: 1 (capped) or 0.75. 100,000 candidates and about 500
    # contacts for 1,000 vacancies: neither vacancies nor repeated candidates bind
    n_c = 100_000
    params = MarketParams(p_hire_social=0.5, contacts_per_vacancy_week=0.5, **QUIET)
    _, out = market(
        n_recruiters=1, n_candidates=n_c, vacancies=[1000], params=params, seed=8,
        appeal=np.r_[[appeal], np.ones(n_c)],
    )  # fmt: skip
    _, target = out.contacted
    distinct = np.unique(target).size
    p = min(0.5 * appeal, 1.0)
    if p == 1.0:
        assert out.hires_social == distinct  # every contact an offer, one per candidate
    else:  # Binomial(distinct, 0.75) within 5 standard deviations
        assert abs(out.hires_social - p * distinct) < 5 * math.sqrt(distinct * p * (1 - p))
        assert out.hires_social < distinct


def test_candidates_apply_only_to_active_recruiters_with_vacancies_on_a_shared_platform():
    # recruiters 0-3: 0 active with vacancies on platform 0; 1 inactive; 2 active without a
    # vacancy; 3 active with vacancies on platform 1 only. Candidates 4-9, active and seeking,
    # on platform 0, except 9 (platform 1) and 8 (not seeking)
    params = MarketParams(
        p_hire_social=0.0, contacts_per_vacancy_week=0.0, candidate_contacts_per_week=20.0,
        **QUIET,
    )  # fmt: skip
    seeking = [0, 0, 0, 0, 1, 1, 1, 1, 0, 1]
    membership = [1, 1, 1, 2, 1, 1, 1, 1, 1, 2]
    active = [1, 0, 1, 1, 1, 1, 1, 1, 1, 1]
    _, out = market(
        n_recruiters=4, n_candidates=6, vacancies=[2, 2, 0, 3], params=params, seed=3,
        seeking=seeking, membership=membership, active=active, n_platforms=2,
    )  # fmt: skip
    who, target = out.contacted
    pairs = set(zip(who.tolist(), target.tolist(), strict=True))
    assert pairs == {(0, 4), (0, 5), (0, 6), (0, 7), (3, 9)}  # 20 a week each: all occur
    # each applicant sends Poisson(20) applications: 100 in all, sd 10
    assert abs(who.size - 100) < 50
    assert out.contacts[1] == out.contacts[2] == out.contacts[8] == 0


def test_applications_become_hires_with_the_same_chance_as_recruiters_contacts():
    # one recruiter with 1,000 vacancies, 4,000 applicants each applying ~0.1 a week:
    # p = 0.5 x q_c 0.5 = 0.25 per application; hires ~ Binomial(applications, 0.25)
    n_c = 4000
    params = MarketParams(
        p_hire_social=0.5, contacts_per_vacancy_week=0.0, candidate_contacts_per_week=0.1,
        **QUIET,
    )  # fmt: skip
    skill = np.r_[[1.0], np.full(n_c, 0.5)]
    _, out = market(n_recruiters=1, n_candidates=n_c, vacancies=[1000], params=params,
                    seed=5, skill=skill)  # fmt: skip
    _, applicant = out.contacted
    distinct = np.unique(applicant).size  # a candidate who applies twice is hired once
    assert out.contacts[0] > 300
    p = 0.25
    assert abs(out.hires_social - p * distinct) < 5 * math.sqrt(distinct * p * (1 - p)) + 2


def test_referrals_reach_only_the_searching_recruiters_among_ones_ties():
    # ties: candidate 4 - recruiter 0 (searching), candidate 5 - recruiter 1 (inactive),
    # candidate 6 - recruiter 2 (no vacancy), candidate 7 - recruiter 3 (searching, on
    # platform 1 only: a referral needs no shared platform), candidate 8 - candidate 9
    params = MarketParams(
        p_hire_social=0.0, contacts_per_vacancy_week=0.0, referrals_per_week=10.0, **QUIET
    )
    network = from_edges(10, np.array([4, 5, 6, 7, 8]), np.array([0, 1, 2, 3, 9]))
    _, out = market(
        n_recruiters=4, n_candidates=6, vacancies=[2, 2, 0, 3], params=params, seed=1,
        active=[1, 0, 1, 1, 1, 1, 1, 1, 1, 1], membership=[1, 1, 1, 2, 1, 1, 1, 1, 1, 1],
        n_platforms=2, network=network,
    )  # fmt: skip
    who, target = out.contacted
    assert set(zip(who.tolist(), target.tolist(), strict=True)) == {(0, 4), (3, 7)}
    # Poisson(10) asks each, every one reaching the one tie: about 10 contacts a pair
    assert 0 < np.count_nonzero(who == 0) < 30 and 0 < np.count_nonzero(who == 3) < 30


def test_a_referral_has_no_platform_fit():
    # fit 0.1 on the platform would make platform contacts rare hires; referrals ignore it
    params = MarketParams(
        p_hire_social=1.0, contacts_per_vacancy_week=0.0, referrals_per_week=5.0, **QUIET
    )
    network = from_edges(5, np.array([1, 2, 3, 4]), np.array([0, 0, 0, 0]))  # a star
    _, out = market(
        n_recruiters=1, n_candidates=4, vacancies=[10], params=params, seed=2,
        fit=np.array([[0.1]]), network=network,
    )  # fmt: skip
    assert out.hires_social == 4  # every candidate asked, every ask an offer


def test_random_neighbours_are_drawn_uniformly_among_ones_ties():
    network = from_edges(5, np.array([0, 0, 1]), np.array([1, 2, 3]))  # 4 isolated
    nodes = np.array([0, 0, 1, 1, 3, 4])
    draws = np.array([0.1, 0.9, 0.2, 0.7, 0.5, 0.5])
    np.testing.assert_array_equal(network.random_neighbours(nodes, draws), [1, 2, 0, 3, 1, -1])
    complete = from_edges(4, np.array([0, 0, 0, 1, 1, 2]), np.array([1, 2, 3, 2, 3, 3]))
    full = Network(4, None, np.full(4, 3))  # the complete graph, with no stored ties
    for node in range(4):
        draws = np.array([0.0, 0.34, 0.67, 0.99])
        np.testing.assert_array_equal(
            full.random_neighbours(np.full(4, node), draws)[[0, 1, 2]],
            complete.random_neighbours(np.full(4, node), draws)[[0, 1, 2]],
        )


# ---------------------------------------------------------------------------
# Traditional channel
# ---------------------------------------------------------------------------

FLOOD = MarketParams(
    p_hire_social=0.0,
    contacts_per_vacancy_week=0.0,
    vacancies_per_week=0.0,
    traditional_fill_per_week=100.0,  # hazard ~ 1 - e^-50: every open vacancy fills
    reseek_per_week=0.0,
)


def test_each_vacancy_meets_one_applicant_a_step():
    # one seeker, three vacancies, every application succeeds: the seeker takes one offer
    seeking = [0, 0, 1]
    inputs, out = market(
        n_recruiters=2, n_candidates=1, vacancies=[2, 1], params=FLOOD, seeking=seeking
    )
    assert out.hires_traditional == 1
    assert out.vacancies[:2].sum() == 2
    assert not out.is_seeking[2]
    check_accounting(inputs, out)


def test_traditional_applications_one_uniform_seeker_per_open_vacancy():
    rng = np.random.default_rng(3)
    recruiters = np.array([0, 1])
    vacancies = np.array([3, 0, 0, 0, 0, 0])
    seeking = np.array([False, False, True, False, True, True])
    slots, applicants = traditional_applications(recruiters, vacancies, seeking, rng)
    np.testing.assert_array_equal(slots, [0, 0, 0])
    assert set(applicants.tolist()) <= {2, 4, 5}
    empty = traditional_applications(recruiters, vacancies, np.zeros(6, bool), rng)
    assert empty[0].size == 0 and empty[1].size == 0


def test_traditional_hires_are_the_distinct_applicants_when_all_succeed():
    # 5 vacancies, 3 seekers, every application succeeds: the hires are the distinct
    # applicants among 5 uniform draws, mean 3 (1 - (2/3)^5) = 2.605 (sd <= 0.6 per market).
    seeking = [0, 1, 1, 1, 0, 0, 0]  # recruiter, then 6 candidates
    hires = []
    for seed in range(300):
        inputs, out = market(
            n_recruiters=1, n_candidates=6, vacancies=[5], params=FLOOD, seeking=seeking,
            seed=seed,
        )  # fmt: skip
        assert out.vacancies[0] == 5 - out.hires_traditional
        assert not out.is_seeking[4:].any()  # non-seekers are never hired
        check_accounting(inputs, out)
        hires.append(out.hires_traditional)
    expected = 3 * (1 - (2 / 3) ** 5)
    assert max(hires) == 3
    assert abs(np.mean(hires) - expected) < 5 * 0.6 / math.sqrt(len(hires))


def test_a_traditional_application_is_either_a_hire_or_a_failure():
    # candidates 1 and 2 have no foundation and it counts fully (e = 1): they always fail;
    # 3 and 4 apply to a recruiter of full foundation at a high rate: they are hired
    params = FLOOD.model_copy(update={"foundation_traditional": 1.0})
    failures = set()
    for seed in range(20):
        _, out = market(n_recruiters=1, n_candidates=4, vacancies=[3], params=params,
                        foundation=[1.0, 0.0, 0.0, 1.0, 1.0], seed=seed)  # fmt: skip
        hired = set(out.hired[1].tolist())
        failed = set(out.failed_applicants.tolist())
        assert hired <= {3, 4} and failed <= {1, 2}
        assert len(hired) == out.hires_traditional
        failures |= failed
    assert failures == {1, 2}  # each was drawn as an applicant in some step


def test_traditional_never_hires_zero_foundation_when_foundation_counts_fully():
    # e = 1: the fill hazard is rate * f_r * f_c, zero for a candidate with f = 0
    params = FLOOD.model_copy(update={"foundation_traditional": 1.0})
    foundation = [1.0, 0.0, 0.0, 0.0, 1.0, 0.5]  # recruiter, then 5 candidates
    for seed in range(20):
        _, out = market(
            n_recruiters=1, n_candidates=5, vacancies=[10], params=params,
            foundation=foundation, seed=seed,
        )  # fmt: skip
        np.testing.assert_array_equal(out.is_seeking[1:4], [True, True, True])
        assert out.hires_traditional == 2 - np.count_nonzero(out.is_seeking[4:])


def test_traditional_fill_probability_formula():
    params = MarketParams(traditional_fill_per_week=0.4, foundation_traditional=0.5)
    # quality = (0.5 + 0.5 * 1.0) * (0.5 + 0.5 * 0.2) = 0.6; hazard 0.4 * 0.6 over dt = 2
    p = traditional_fill_probability(np.array([1.0]), np.array([0.2]), params, 2.0)
    np.testing.assert_allclose(p, 1 - math.exp(-0.4 * 0.6 * 2.0))
    flat = params.model_copy(update={"foundation_traditional": 0.0})
    p0 = traditional_fill_probability(np.array([0.0, 1.0]), np.array([1.0, 0.0]), flat, 1.0)
    np.testing.assert_allclose(p0, [1 - math.exp(-0.4)] * 2)


def test_traditional_fill_hazard_depends_on_recruiter_foundation():
    # rate 0.5 * ((1 - e) + e f) with e = 0.5: f = 1 -> 0.5, f = 0 -> 0.25 per week.
    params = MarketParams(
        p_hire_social=0.0, contacts_per_vacancy_week=0.0, vacancies_per_week=0.0,
        traditional_fill_per_week=0.5, foundation_traditional=0.5, reseek_per_week=0.0,
    )  # fmt: skip
    n_r = 200
    foundation = np.r_[np.ones(100), np.zeros(100), np.ones(20000)]
    _, out = market(
        n_recruiters=n_r, n_candidates=20000, vacancies=[20] * n_r, params=params,
        foundation=foundation, seed=9,
    )  # fmt: skip
    filled = 20 - out.vacancies[:n_r]
    for block, rate in [(slice(0, 100), 0.5), (slice(100, 200), 0.25)]:
        p = hazard_probability(rate, 1.0)
        trials = 100 * 20
        assert abs(filled[block].sum() - trials * p) < 5 * math.sqrt(trials * p * (1 - p))


# ---------------------------------------------------------------------------
# Conservation with arrivals and re-seeking
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_vacancies_and_seekers_are_conserved(seed):
    g = np.random.default_rng(100 + seed)
    n_r, n_c, n_p = 30, 200, 3
    n = n_r + n_c
    params = MarketParams(
        vacancies_per_week=0.5,
        contacts_per_vacancy_week=3.0,
        p_hire_social=0.5,
        traditional_fill_per_week=0.3,
        foundation_traditional=0.5,
        reseek_per_week=0.05,
    )
    dt = 1.5
    is_recruiter = np.arange(n) < n_r
    inputs = dict(
        vacancies=np.where(is_recruiter, g.integers(0, 4, n), 0).astype(np.int64),
        is_seeking=~is_recruiter & (g.random(n) < 0.5),
        is_recruiter=is_recruiter,
        is_active=g.random(n) < 0.6,
        membership=g.integers(0, 2**n_p, n).astype(np.uint16),
        bits=membership_bits(n_p),
        digital=g.random(n),
        omega=0.3,
        foundation=g.random(n),
        group=g.integers(0, 3, n),
        fit=g.random((3, n_p)),
    )
    rng = np.random.default_rng(seed)
    arrivals_rng = np.random.default_rng(seed + 1000)
    twin = copy.deepcopy(arrivals_rng)
    # re-seeking, then arrivals, come from the arrivals stream; replay them from a twin
    reseek = (
        ~is_recruiter
        & ~inputs["is_seeking"]
        & (twin.random(n, dtype=np.float32) < hazard_probability(params.reseek_per_week, dt))
    )
    arrivals = np.zeros(n, np.int64)
    arrivals[is_recruiter] = twin.poisson(params.vacancies_per_week * dt, n_r)

    out = market_step(**inputs, params=params, dt=dt, rng=rng, arrivals_rng=arrivals_rng)

    before = inputs["vacancies"]
    assert out.vacancies.sum() == (
        before.sum() + arrivals.sum() - out.hires_social - out.hires_traditional
    )
    traditional = before + arrivals - out.successes * is_recruiter - out.vacancies
    assert np.all(traditional[is_recruiter] >= 0)
    assert np.all(traditional[~is_recruiter] == 0)
    assert traditional.sum() == out.hires_traditional
    assert np.all(out.vacancies[~is_recruiter] == 0)
    n_seeking = np.count_nonzero(inputs["is_seeking"]) + np.count_nonzero(reseek)
    assert np.count_nonzero(out.is_seeking) == n_seeking - out.hires_social - out.hires_traditional
    # only seekers (including re-seekers) can stop seeking; nobody starts except re-seekers
    assert not np.any(out.is_seeking & ~(inputs["is_seeking"] | reseek))
    rec = is_recruiter
    assert out.successes.sum() == 2 * out.hires_social
    assert out.contacts[rec].sum() == out.contacts[~rec].sum()
    assert np.all(out.successes[~rec] <= 1)
    # contacts only for active actors
    assert not np.any(out.contacts[~inputs["is_active"]])
    # inputs are not modified in place
    np.testing.assert_array_equal(inputs["vacancies"], before)
