"""Awareness, platform membership and the three adoption rules.

The kernels are pure array functions: they take the state at time t and
return new values. The phases (`awareness_phase`, `membership_phase`,
`activation_phase`) read them from a `State` and write the results back.
Probabilities per step come from hazards (rates per week times `dt` weeks),
so results do not depend on the step length, except for the `bass` rule,
which is the discrete Bass process by definition.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from sim.params import DecisionParams, ScenarioParams
from sim.population import (
    ACTIVE,
    AWARE,
    LAPSED,
    MEMBER,
    UNAWARE,
    members_per_platform,
    set_tables,
)
from sim.state import State


def hazard_probability(rate_per_week: np.ndarray | float, dt: float) -> np.ndarray:
    """Probability of at least one event in `dt` weeks at a constant rate: 1 - exp(-rate * dt).

    A scalar rate's probability is computed once: a run asks for the same few
    (its parameters' rates) at every step.
    """
    if isinstance(rate_per_week, (int, float)):
        return _scalar_hazard_probability(rate_per_week, dt)
    return -np.expm1(np.asarray(rate_per_week, dtype=np.float64) * -dt)


@lru_cache(maxsize=256)
def _scalar_hazard_probability(rate_per_week: float, dt: float) -> np.float64:
    """`hazard_probability` of one rate, remembered (the same NumPy arithmetic)."""
    return -np.expm1(np.asarray(rate_per_week, dtype=np.float64) * -dt)


def logistic(x: np.ndarray) -> np.ndarray:
    """Standard logistic function 1 / (1 + exp(-x)), overflow-safe."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def become_aware(
    *,
    stage: np.ndarray,
    share_informed_neighbours: np.ndarray,
    media_per_week: float | np.ndarray,
    word_of_mouth_per_week: float,
    dt: float,
    draws: np.ndarray,
) -> np.ndarray:
    """UNAWARE actors become AWARE at a Bass-like hazard.

    Args:
        stage: stages at t.
        share_informed_neighbours: share of each actor's neighbours not UNAWARE.
        media_per_week: media (innovation) hazard p.
        word_of_mouth_per_week: word-of-mouth (imitation) hazard q.
        dt: step length in weeks.
        draws: uniform [0, 1) numbers, one per actor.

    Returns:
        Stages after the awareness phase.
    """
    # Thinning: the share is at most 1, so only draws below the hazard at share 1 can
    # succeed; the exact probability is computed for those alone (same draws, same outcome).
    per_actor = np.ndim(media_per_week) > 0
    top_media = np.max(media_per_week) if per_actor else media_per_week
    bound = hazard_probability(top_media + word_of_mouth_per_week, dt)
    maybe = (draws < bound).nonzero()[0]
    maybe = maybe[stage[maybe] == UNAWARE]
    media = media_per_week[maybe] if per_actor else media_per_week
    rate = media + word_of_mouth_per_week * share_informed_neighbours[maybe]
    stage = stage.copy()
    stage[maybe[draws[maybe] < hazard_probability(rate, dt)]] = AWARE
    return stage


def join_rate_table(
    *,
    fit: np.ndarray,
    attractiveness: np.ndarray,
    member_share: np.ndarray,
    network_effect: float,
    join_per_week: float,
) -> np.ndarray:
    """Joining hazard per fit group and platform, before the digital-skill factor.

    rate = join_per_week * fit * (attractiveness + network_effect * member_share):
    bigger platforms pull harder (network effect).

    Returns:
        A (n_groups, n_platforms) array in events per week.
    """
    return join_per_week * fit * (attractiveness + network_effect * member_share)[None, :]


def pick_bit(weights: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """For each row of non-negative weights, the column chosen with probability ∝ weight."""
    cumulative = weights.cumsum(axis=1)
    target = draws * cumulative[:, -1]
    chosen = (cumulative <= target[:, None]).sum(axis=1)
    return np.minimum(chosen, weights.shape[1] - 1, out=chosen)


def pick_platform(sets: np.ndarray, draws: np.ndarray, n_platforms: int) -> np.ndarray:
    """For each membership set, one of its platforms chosen uniformly by `draws` in [0, 1].

    The choice of `pick_bit(membership_bits(n_platforms)[sets], draws)`, read
    from a table (`sim.population.SetTables.choice`).
    """
    tables = set_tables(n_platforms)
    return tables.choice[sets, (draws * tables.size[sets]).astype(np.int64)]


def update_memberships(
    *,
    stage: np.ndarray,
    membership: np.ndarray,
    group: np.ndarray,
    digital: np.ndarray,
    digital_exponent: float,
    join_table: np.ndarray,
    bits: np.ndarray,
    leave_per_week: float,
    dt: float,
    draws: np.ndarray,
    foundation: np.ndarray | None = None,
    foundation_exponent: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Aware actors join platforms; non-active members may leave one.

    Joining and leaving are competing risks: an informed actor joins some
    platform at total hazard d^gamma * f^phi * (sum of the table rates of
    the platforms it is not yet on), and the platform is chosen in proportion to
    its rate; a MEMBER or LAPSED actor leaves one of its n platforms at
    hazard n * leave_per_week, chosen uniformly. At most one join and one
    leave per actor and step. An AWARE actor who joins becomes a MEMBER; a
    MEMBER or LAPSED actor left with no platform falls back to AWARE;
    ACTIVE actors keep their memberships. Only the actors who join or leave
    change stage, so stages and memberships must agree on entry (AWARE
    actors on no platform, MEMBER and LAPSED actors on at least one), as
    every phase keeps them (`tests/unit/test_invariants.py` checks it after
    every step of random scenarios).

    Args:
        stage: stages at t.
        membership: bitmask of memberships at t.
        group: fit group of each actor (row of `join_table`).
        digital: digital skill d in [0, 1]; d^gamma eases joining.
        digital_exponent: gamma, digital skill's weight in joining.
        foundation: foundation f in [0, 1]; f^phi eases joining.
        foundation_exponent: phi, foundation's weight in joining (0: none).
        join_table: (n_groups, n_platforms) joining rates per week.
        bits: (2**n_platforms, n_platforms) 0/1 rows of every membership set
            (`sim.population.membership_bits`).
        leave_per_week: leaving hazard per platform.
        dt: step length in weeks.
        draws: (2, n_actors) uniforms: joining, leaving.

    Returns:
        (stage, membership) after the phase.
    """
    n_sets, n_platforms = bits.shape
    sets = set_tables(n_platforms)
    rate_table = join_table @ sets.outside.T  # (group, set): rate at full digital skill
    cell = group.astype(np.int64, copy=False) * n_sets + membership
    # Thinning: d^gamma f^phi <= 1, so only draws below the full-skill probability can join;
    # the exact probability is computed for those alone (same draws, same outcome).
    maybe = (draws[0] < hazard_probability(rate_table, dt).ravel().take(cell)).nonzero()[0]
    maybe = maybe[stage[maybe] != UNAWARE]
    open_rate = rate_table.ravel().take(cell[maybe])
    skill = digital[maybe] ** digital_exponent
    if foundation_exponent:
        skill = skill * foundation[maybe] ** foundation_exponent
    p_join = hazard_probability(skill * open_rate, dt)
    chosen = draws[0, maybe] < p_join
    joins = maybe[chosen]
    row_rates = join_table[group[joins]] * sets.outside[membership[joins]]
    new_bit = pick_bit(row_rates, draws[0, joins] / p_join[chosen])
    membership = membership.copy()
    membership[joins] |= sets.bit[new_bit]

    p_leave = hazard_probability(leave_per_week * sets.size, dt)  # by set; 0 for none
    leaves = (draws[1] < p_leave.take(membership)).nonzero()[0]
    leaving_stage = stage[leaves]
    leaves = leaves[(leaving_stage == MEMBER) | (leaving_stage == LAPSED)]
    p_leave = p_leave.take(membership[leaves])
    old_bit = pick_platform(membership[leaves], draws[1, leaves] / p_leave, n_platforms)
    membership[leaves] &= ~sets.bit[old_bit]

    stage = stage.copy()
    stage[joins[stage[joins] == AWARE]] = MEMBER
    stage[leaves[membership[leaves] == 0]] = AWARE
    return stage, membership


def effective_skill(foundation: np.ndarray, digital: np.ndarray, omega: float) -> np.ndarray:
    """Effective skill q = f^omega * d^(1 - omega) in [0, 1]; omega is foundation's weight."""
    return foundation**omega * digital ** (1.0 - omega)


def adoption_utility(
    *,
    alpha: np.ndarray,
    beta: np.ndarray,
    risk_aversion: np.ndarray,
    perceived_risk: np.ndarray,
    complexity: np.ndarray,
    skill: np.ndarray,
    share_active_neighbours: np.ndarray,
    decision: DecisionParams,
) -> np.ndarray:
    """TAM/UTAUT-like utility of using the social channel.

    U = G (E[b] q^sigma - rho sd[b]) - rho r w_r - c (1 - q) w_c + w share_active - cost,
    with E[b], sd[b] the mean and standard deviation of the Beta(alpha, beta)
    belief about the channel's contact success rate, q the effective skill,
    and the weights G (`gain`), sigma (`self_efficacy`: one's own skill
    shapes the benefit one expects; 0 leaves it out), w_r (`risk_weight`),
    w_c (`complexity_weight`), w (`peer_weight`) and `cost` from the
    `[decision]` section.
    """
    d = decision
    total = alpha + beta
    mean = alpha / total
    sd = np.sqrt(alpha * beta / (total * total * (total + 1.0)))
    expected = mean * skill**d.self_efficacy if d.self_efficacy else mean
    return (
        d.gain * (expected - risk_aversion * sd)
        - d.risk_weight * risk_aversion * perceived_risk
        - d.complexity_weight * complexity * (1.0 - skill)
        + d.peer_weight * share_active_neighbours
        - d.cost
    )


def activate_utility(
    *,
    stage: np.ndarray,
    utility: np.ndarray,
    kappa_on: float,
    kappa_off: float,
    steepness: float,
    dt: float,
    draws: np.ndarray,
) -> np.ndarray:
    """Utility rule: activation and lapsing as hazards driven by utility.

    P(activate) = 1 - exp(-kappa_on logistic(lambda U) dt) for MEMBER and LAPSED;
    P(lapse) = 1 - exp(-kappa_off logistic(-lambda U) dt) for ACTIVE.
    """
    can_activate = (stage == MEMBER) | (stage == LAPSED)
    p_on = hazard_probability(kappa_on * logistic(steepness * utility), dt)
    p_off = hazard_probability(kappa_off * logistic(-steepness * utility), dt)
    activate = can_activate & (draws < p_on)
    lapse = (stage == ACTIVE) & (draws < p_off)
    stage = np.where(activate, ACTIVE, stage)
    return np.where(lapse, LAPSED, stage)


def activate_threshold(
    *,
    stage: np.ndarray,
    n_active_neighbours: np.ndarray,
    degree: np.ndarray,
    threshold: np.ndarray,
    threshold_count: int | None,
) -> np.ndarray:
    """Threshold rule (Granovetter 1978; Watts 2002; Centola & Macy 2007).

    A non-active actor activates when the share of its ACTIVE neighbours is
    at least its threshold, or, with `threshold_count`, when at least that
    many neighbours are ACTIVE. An actor with no neighbours never activates.
    ACTIVE is absorbing.
    """
    if threshold_count is not None:
        reached = n_active_neighbours >= threshold_count
    else:
        share = np.divide(n_active_neighbours, degree, out=np.zeros(degree.shape), where=degree > 0)
        reached = share >= threshold
    activate = reached & (degree > 0) & (stage != ACTIVE)
    return np.where(activate, ACTIVE, stage)


def activate_bass(
    *,
    stage: np.ndarray,
    share_active_neighbours: np.ndarray,
    p: float,
    q: float,
    dt: float,
    draws: np.ndarray,
) -> np.ndarray:
    """Bass rule: a non-active actor activates with probability (p + q share) dt, capped at 1.

    ACTIVE is absorbing. At dt = 1 on a complete graph the expected share
    follows the explicit Euler recursion of the Bass equation; as dt -> 0 it
    approaches the closed form (Bass 1969).
    """
    probability = np.minimum((p + q * share_active_neighbours) * dt, 1.0)
    activate = (stage != ACTIVE) & (draws < probability)
    return np.where(activate, ACTIVE, stage)


# Phases: functions of (state, params) that call the kernels above.


def awareness_phase(state: State, params: ScenarioParams) -> None:
    """Media and word of mouth make UNAWARE actors AWARE."""
    a = state.actors
    n_informed = state.n_informed_neighbours.update(state.network, a.stage != UNAWARE)
    a.stage = become_aware(
        stage=a.stage,
        share_informed_neighbours=state.network.share(n_informed),
        media_per_week=state.modifiers.media_per_week,
        word_of_mouth_per_week=params.awareness.word_of_mouth_per_week,
        dt=state.dt_weeks,
        draws=state.stream("awareness").random(a.n, dtype=np.float32),
    )


def membership_phase(state: State, params: ScenarioParams) -> None:
    """Aware actors join platforms by fit, pull and digital skill; non-active members leave."""
    a, pp = state.actors, params.platforms
    member_share = members_per_platform(a.membership, state.platforms.n) / max(a.n, 1)
    join_table = join_rate_table(
        fit=state.fit_table,
        attractiveness=state.platforms.attractiveness,
        member_share=member_share,
        network_effect=pp.network_effect,
        join_per_week=pp.join_per_week,
    )
    a.stage, a.membership = update_memberships(
        stage=a.stage,
        membership=a.membership,
        group=state.group,
        digital=a.digital,
        digital_exponent=pp.digital_exponent,
        foundation=a.foundation,
        foundation_exponent=pp.foundation_exponent,
        join_table=join_table,
        bits=state.bits,
        leave_per_week=pp.leave_per_week,
        dt=state.dt_weeks,
        draws=state.stream("membership").random((2, a.n), dtype=np.float32),
    )


def activation_phase(state: State, params: ScenarioParams) -> None:
    """The adoption decision by the scenario's rule; first activations are dated."""
    a, d, dt = state.actors, params.decision, state.dt_weeks
    before = a.stage == ACTIVE
    n_active_neighbours = state.n_active_neighbours.update(state.network, before)
    state.share_active_neighbours = state.network.share(n_active_neighbours)
    draws = state.stream("activation").random(a.n, dtype=np.float32)
    if d.rule == "threshold":
        a.stage = activate_threshold(
            stage=a.stage,
            n_active_neighbours=n_active_neighbours,
            degree=state.network.degree,
            threshold=a.threshold,
            threshold_count=d.threshold_count,
        )
        may_change = (~before).nonzero()[0]
    elif d.rule == "bass":
        a.stage = activate_bass(
            stage=a.stage,
            share_active_neighbours=state.share_active_neighbours,
            p=d.p,
            q=d.q,
            dt=dt,
            draws=draws,
        )
        may_change = (~before).nonzero()[0]
    else:
        may_change = activate_by_utility(state, d, draws)
    first = may_change[(a.stage[may_change] == ACTIVE) & ~before[may_change]]
    a.t_active[first[a.t_active[first] < 0]] = state.step


def activate_by_utility(state: State, d: DecisionParams, draws: np.ndarray) -> np.ndarray:
    """Utility rule: activation and lapsing hazards; returns the actors that may change.

    Thinning: logistic() <= 1 bounds each hazard by kappa, so only actors whose
    draw is below that bound can change stage; utility is computed for them alone.
    """
    a, dt = state.actors, state.dt_weeks
    bound_on = hazard_probability(d.kappa_on, dt)
    bound_off = hazard_probability(d.kappa_off, dt)
    users = (draws < max(bound_on, bound_off)).nonzero()[0]
    stage = a.stage[users]
    bound = np.where(stage == ACTIVE, bound_off, bound_on)
    users = users[(stage >= MEMBER) & (draws[users] < bound)]  # on a platform
    utility = adoption_utility(
        alpha=a.alpha[users],
        beta=a.beta[users],
        risk_aversion=a.risk_aversion[users],
        perceived_risk=state.perceived_risk(users),
        complexity=a.complexity[users],
        skill=effective_skill(a.foundation[users], a.digital[users], d.omega),
        share_active_neighbours=state.share_active_neighbours[users],
        decision=d,
    )
    stage = a.stage.copy()
    stage[users] = activate_utility(
        stage=a.stage[users],
        utility=utility,
        kappa_on=d.kappa_on,
        kappa_off=d.kappa_off,
        steepness=d.steepness,
        dt=dt,
        draws=draws[users],
    )
    a.stage = stage
    return users
