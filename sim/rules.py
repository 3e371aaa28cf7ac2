"""Awareness, platform membership and the three adoption rules, as pure array functions.

Every function takes the state at time t and returns new values; the model
applies them. Probabilities per step come from hazards (rates per week
times `dt` weeks), so results do not depend on the step length, except for
the `bass` rule, which is the discrete Bass process by definition.
"""

from __future__ import annotations

import numpy as np

from sim.population import Stage


def hazard_probability(rate_per_week: np.ndarray | float, dt: float) -> np.ndarray:
    """Probability of at least one event in `dt` weeks at a constant rate: 1 - exp(-rate * dt)."""
    return -np.expm1(-np.asarray(rate_per_week, dtype=np.float64) * dt)


def logistic(x: np.ndarray) -> np.ndarray:
    """Standard logistic function 1 / (1 + exp(-x)), overflow-safe."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def become_aware(
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
    rate = media_per_week + word_of_mouth_per_week * share_informed_neighbours
    aware = (stage == Stage.UNAWARE) & (draws < hazard_probability(rate, dt))
    return np.where(aware, np.int8(Stage.AWARE), stage)


def join_rate_per_week(
    fit: np.ndarray,
    attractiveness: np.ndarray,
    member_share: np.ndarray,
    network_effect: float,
    digital: np.ndarray,
    digital_exponent: float,
    join_per_week: float,
) -> np.ndarray:
    """Hazard of joining each platform, an (n_actors, n_platforms) array in events per week.

    rate = join_per_week * fit * (attractiveness + network_effect * member_share) * d^gamma:
    bigger platforms pull harder (network effect) and digital know-how
    eases joining (gamma = `digital_exponent`).
    """
    pull = attractiveness + network_effect * member_share
    return join_per_week * fit * pull[None, :] * (digital**digital_exponent)[:, None]


def update_memberships(
    stage: np.ndarray,
    is_member: np.ndarray,
    join_rate: np.ndarray,
    leave_per_week: float,
    dt: float,
    join_draws: np.ndarray,
    leave_draws: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Aware actors join platforms; non-active members may leave them.

    An AWARE actor who joins any platform becomes a MEMBER; a MEMBER or
    LAPSED actor left with no platform falls back to AWARE. ACTIVE actors
    keep their memberships.

    Returns:
        (stage, is_member) after the phase.
    """
    informed = (stage != Stage.UNAWARE)[:, None]
    joins = informed & ~is_member & (join_draws < hazard_probability(join_rate, dt))
    can_leave = ((stage == Stage.MEMBER) | (stage == Stage.LAPSED))[:, None]
    leaves = can_leave & is_member & (leave_draws < hazard_probability(leave_per_week, dt))
    is_member = (is_member | joins) & ~leaves
    has_platform = is_member.any(axis=1)
    stage = np.where((stage == Stage.AWARE) & has_platform, np.int8(Stage.MEMBER), stage)
    dropped = ((stage == Stage.MEMBER) | (stage == Stage.LAPSED)) & ~has_platform
    return np.where(dropped, np.int8(Stage.AWARE), stage), is_member


def effective_skill(foundation: np.ndarray, digital: np.ndarray, omega: float) -> np.ndarray:
    """Effective skill q = f^omega * d^(1 - omega) in [0, 1]; omega is foundation's weight."""
    return foundation**omega * digital ** (1.0 - omega)


def adoption_utility(
    alpha: np.ndarray,
    beta: np.ndarray,
    risk_aversion: np.ndarray,
    perceived_risk: np.ndarray,
    complexity: np.ndarray,
    skill: np.ndarray,
    share_active_neighbours: np.ndarray,
    gain: float,
    risk_weight: float,
    complexity_weight: float,
    peer_weight: float,
    cost: float,
) -> np.ndarray:
    """TAM/UTAUT-like utility of using the social channel.

    U = G (E[b] - rho sd[b]) - rho r w_r - c (1 - q) w_c + w share_active - cost,
    with E[b], sd[b] the mean and standard deviation of the Beta(alpha, beta)
    belief about the channel's contact success rate.
    """
    total = alpha + beta
    mean = alpha / total
    sd = np.sqrt(alpha * beta / (total * total * (total + 1.0)))
    return (
        gain * (mean - risk_aversion * sd)
        - risk_weight * risk_aversion * perceived_risk
        - complexity_weight * complexity * (1.0 - skill)
        + peer_weight * share_active_neighbours
        - cost
    )


def activate_utility(
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
    can_activate = (stage == Stage.MEMBER) | (stage == Stage.LAPSED)
    p_on = hazard_probability(kappa_on * logistic(steepness * utility), dt)
    p_off = hazard_probability(kappa_off * logistic(-steepness * utility), dt)
    activate = can_activate & (draws < p_on)
    lapse = (stage == Stage.ACTIVE) & (draws < p_off)
    stage = np.where(activate, np.int8(Stage.ACTIVE), stage)
    return np.where(lapse, np.int8(Stage.LAPSED), stage)


def activate_threshold(
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
        share = np.divide(
            n_active_neighbours, degree, out=np.zeros_like(n_active_neighbours), where=degree > 0
        )
        reached = share >= threshold
    activate = reached & (degree > 0) & (stage != Stage.ACTIVE)
    return np.where(activate, np.int8(Stage.ACTIVE), stage)


def activate_bass(
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
    activate = (stage != Stage.ACTIVE) & (draws < probability)
    return np.where(activate, np.int8(Stage.ACTIVE), stage)
