"""Learning: beliefs, digital skill, complexity, learnt risk, and the churn that undoes them.

The kernels are pure array functions; `churn_phase` and `learning_phase`
read their inputs from a `State` and write the results back. Rates are per
week and applied through exponential relaxation over `dt` weeks, so the
step length does not change the result of a steady process.
"""

from __future__ import annotations

import numpy as np

from sim.params import ScenarioParams
from sim.state import State


def relax(
    value: np.ndarray, target: np.ndarray | float, rate_per_week: np.ndarray | float, dt: float
) -> np.ndarray:
    """Move `value` toward `target` by the share 1 - exp(-rate * dt)."""
    return target + (value - target) * np.exp(-np.asarray(rate_per_week) * dt)


def platform_churn(
    *,
    digital: np.ndarray,
    complexity: np.ndarray,
    membership: np.ndarray,
    churn_by_set_per_week: np.ndarray,
    erosion: float,
    confusion: float,
    dt: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Feature releases erode digital know-how and raise perceived complexity.

    An actor is exposed to the highest churn among its platforms; the decay
    factors are computed once per membership set and looked up per actor.

    Args:
        digital: digital skill d in [0, 1].
        complexity: perceived complexity in [0, 1].
        membership: each actor's membership set (index into the next table).
        churn_by_set_per_week: churn exposure of each membership set (0 for none).
        erosion: know-how lost per unit churn (d decays toward 0).
        confusion: complexity added per unit churn (complexity relaxes toward 1).
        dt: step length in weeks.

    Returns:
        (digital, complexity) after the phase.
    """
    keep_digital = np.exp(-erosion * churn_by_set_per_week * dt).take(membership)
    keep_clarity = np.exp(-confusion * churn_by_set_per_week * dt).take(membership)
    return digital * keep_digital, 1.0 - (1.0 - complexity) * keep_clarity


def update_beliefs(
    *,
    alpha: np.ndarray,
    beta: np.ndarray,
    own_successes: np.ndarray,
    own_failures: np.ndarray,
    shared_successes: np.ndarray,
    shared_failures: np.ndarray,
    sharing: np.ndarray | float,
    prior: tuple[float, float],
    decay_per_week: float,
    dt: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Bayesian update of the Beta belief, then decay toward the prior.

    Own contact outcomes count fully; neighbours' outcomes (averaged over
    neighbours, so evidence does not grow with degree) count with weight
    `sharing`. Decay keeps recent experience weighing more.

    Returns:
        (alpha, beta) after the phase.
    """
    keep = np.exp(-decay_per_week * dt)
    updated = []
    for value, own, shared, target in (
        (alpha, own_successes, shared_successes, prior[0]),
        (beta, own_failures, shared_failures, prior[1]),
    ):
        out = np.multiply(sharing, shared, dtype=np.float64)  # one new array, updated in place
        out += own
        out += value
        out *= keep
        out += (1.0 - keep) * target  # = relax(value + evidence, target, decay_per_week, dt)
        updated.append(out)
    return updated[0], updated[1]


def update_digital(
    *,
    digital: np.ndarray,
    is_active: np.ndarray,
    neighbour_digital: np.ndarray,
    practice_per_week: float,
    peer_per_week: np.ndarray | float,
    dt: float,
) -> np.ndarray:
    """Digital skill grows by practice (experience curve toward 1) and from better peers.

    Active users close a share of their gap to full skill each week; anyone
    whose neighbours know the tools better closes part of that gap.
    """
    # practice: relax toward 1 for the active, d' = 1 - (1 - d) k = d k + (1 - k); a
    # select costs a third of the masked ufuncs (`where=`) that would do it in place
    keep = np.exp(-practice_per_week * dt)
    out = np.where(is_active, digital * keep + (1.0 - keep), digital)
    # peers: relax toward max(d, neighbours' mean), d' = d k + target (1 - k)
    keep = np.exp(-np.asarray(peer_per_week) * dt)
    target = np.maximum(out, neighbour_digital)
    target *= 1.0 - keep
    out *= keep
    out += target
    return out  # stays in [d, 1]: both moves are toward values in [0, 1]


def fall_with_use(
    *,
    value: np.ndarray,
    is_active: np.ndarray,
    share_active_neighbours: np.ndarray,
    sharing: np.ndarray | float,
    own_per_week: float,
    sharing_per_week: float,
    floor: float,
    dt: float,
) -> np.ndarray:
    """A perception that falls with one's own use and with shared experience, to a floor.

    Perceived complexity and learnt risk both follow it: the active relax
    toward `floor` at `own_per_week`, everyone at `sharing_per_week` x
    `sharing` x the share of active neighbours; values below the floor stay.
    """
    exponent = np.multiply(sharing, share_active_neighbours, dtype=np.float64)  # -rate * dt
    exponent *= -sharing_per_week * dt
    exponent -= np.multiply(is_active, own_per_week * dt)  # x - 0.0 is x: exact
    # relax toward the floor: c' = c + (c - floor) * (exp(-rate dt) - 1); expm1 is exact
    # for small rate * dt, and costs less than exp here
    relaxed = np.expm1(exponent, out=exponent)
    relaxed *= value - floor
    relaxed += value
    # relaxing toward the floor lowers values above it and would raise values below it,
    # which stay as they are: the minimum keeps both
    return np.minimum(value, relaxed, out=relaxed)


# Phases: functions of (state, params) that call the kernels above.


def churn_phase(state: State, params: ScenarioParams) -> None:
    """Platform churn erodes members' digital know-how and adds to perceived complexity."""
    a, pp = state.actors, params.platforms
    a.digital, a.complexity = platform_churn(
        digital=a.digital,
        complexity=a.complexity,
        membership=a.membership,
        churn_by_set_per_week=state.churn_by_set(),
        erosion=pp.erosion,
        confusion=pp.confusion,
        dt=state.dt_weeks,
    )


def learning_phase(state: State, params: ScenarioParams) -> None:
    """Own and shared outcomes update beliefs; practice and peers teach the tools.

    Use, one's own and one's neighbours', lowers perceived complexity and, when
    risk is learnt (`risk_safe_use_per_week` or `risk_sharing_per_week` above
    0), the risk memory.
    """
    a, lp, dt, flows = state.actors, params.learning, state.dt_weeks, state.flows
    network, sharing = state.network, state.modifiers.sharing
    is_active = a.is_active
    failures = flows.contacts - flows.successes
    # outcomes are shared from the few actors with contacts this step: one pass over
    # their ties sums both columns (sums of counts, exact whichever way they are added)
    reporters = flows.contacts.nonzero()[0]
    outcomes = np.array([flows.successes[reporters], failures[reporters]]).T  # row per reporter
    shared = network.share(network.spread(reporters, outcomes))
    neighbour_digital = network.mean(a.digital)
    a.alpha, a.beta = update_beliefs(
        alpha=a.alpha,
        beta=a.beta,
        own_successes=flows.successes,
        own_failures=failures,
        shared_successes=shared[:, 0],
        shared_failures=shared[:, 1],
        sharing=sharing,
        prior=(lp.prior_alpha, lp.prior_beta),
        decay_per_week=lp.decay_per_week,
        dt=dt,
    )
    a.digital = update_digital(
        digital=a.digital,
        is_active=is_active,
        neighbour_digital=neighbour_digital,
        practice_per_week=lp.practice_per_week,
        peer_per_week=lp.peer_per_week,
        dt=dt,
    )
    a.complexity = fall_with_use(
        value=a.complexity,
        is_active=is_active,
        share_active_neighbours=state.share_active_neighbours,
        sharing=sharing,
        own_per_week=lp.complexity_experience_per_week,
        sharing_per_week=lp.complexity_sharing_per_week,
        floor=lp.complexity_floor,
        dt=dt,
    )
    if lp.risk_safe_use_per_week or lp.risk_sharing_per_week:  # risk is learnt
        a.risk_memory = fall_with_use(
            value=a.risk_memory,
            is_active=is_active,
            share_active_neighbours=state.share_active_neighbours,
            sharing=sharing,
            own_per_week=lp.risk_safe_use_per_week,
            sharing_per_week=lp.risk_sharing_per_week,
            floor=lp.risk_floor,
            dt=dt,
        )
