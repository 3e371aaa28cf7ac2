"""Interventions: scheduled actions on the state, a class each, a registry by type.

An intervention never rewrites parameters. It acts in one of two ways:

* events on the actors' state, which compose because each adds to what it
  finds: skills raised (training, certification, curriculum, coaching),
  labels given (certification), ties added (community), risk learnt from
  data incidents (data_incident, an event rather than a policy);
* contributions to modifiers (`sim.state.Modifiers`): each intervention
  writes only its own contribution, and `intervention_phase` combines them
  with the base values by the rule of each modifier (`sim.state.RULES`):
  certifications multiply candidates' perceived risk, campaigns add to the
  media hazard, communities raise sharing weights to the largest, and the
  latest-started platform policy in force sets a platform's data safety and
  churn (the base value returns when none is). Nothing is saved and restored.

Each knows its schedule, whom it targets, how many it reached and what it
cost. One-shot types (training, certification, community) act at `start`,
and every `every` steps until `end` if set; continuing types (curriculum,
coaching, platform_policy, awareness_campaign) act on every step of their
window.
"""

from __future__ import annotations

import numpy as np

from sim.intervention_base import Intervention, raise_skill
from sim.intervention_params import (
    AwarenessCampaignParams,
    CertificationParams,
    CoachingParams,
    CommunityParams,
    ControlParams,
    CurriculumParams,
    DataIncidentParams,
    InterventionBase,
    PlatformPolicyParams,
    TrainingParams,
)
from sim.network import Network, from_edges
from sim.params import ScenarioParams
from sim.population import Kind, Stage
from sim.rules import hazard_probability
from sim.state import NEUTRAL, RULES, State


class Training(Intervention):
    """Raises `skill` (foundation or digital) by `boost`; optionally decays back."""

    type_name = "training"
    params: TrainingParams

    def __init__(self, params: TrainingParams, index: int, stream_name: str) -> None:
        super().__init__(params, index, stream_name)
        self.boost_left: np.ndarray | None = None

    def update(self, state: State) -> None:
        """Trained know-how fades at `decay_per_week`; entrants lose nothing they never had."""
        if self.boost_left is None or self.params.decay_per_week == 0:
            return
        self.boost_left[state.flows.new_entrants] = 0.0
        lost = self.boost_left * -np.expm1(-self.params.decay_per_week * state.dt_weeks)
        skill = getattr(state.actors, self.params.skill)
        skill -= np.minimum(lost, skill)
        self.boost_left -= lost

    def act(self, state: State) -> int:
        """Raise the chosen skill of the actors reached."""
        p = self.params
        chosen = self.reach(state)
        gained = raise_skill(getattr(state.actors, p.skill), chosen, p.boost, p.gap_closed)
        if self.boost_left is None:
            self.boost_left = np.zeros(state.actors.n)
        self.boost_left[chosen] += gained
        return int(chosen.size)


class Certification(Intervention):
    """Labels recruiters: more foundation, and candidates perceive less risk.

    With `reaches = "everyone"`, its contribution to candidates'
    `risk_factor` is 1 - risk_reduction x (share of recruiters it
    certified): the more certified recruiters there are, the more likely a
    candidate deals with one. With `reaches = "contacts"`, only the
    candidates who had a social contact with a recruiter it certified (in
    the previous step's market) are reassured: their risk memory is
    multiplied by 1 - risk_reduction, once per programme. A `preference`
    above 0 makes candidates prefer certified recruiters: the `appeal` of
    its recruiters, 1 + preference, multiplies their contacts' hire chance.
    Labels, once given, stay: the effect outlasts `end`. Several
    certifications multiply.
    """

    type_name = "certification"
    params: CertificationParams

    def __init__(self, params: CertificationParams, index: int, stream_name: str) -> None:
        super().__init__(params, index, stream_name)
        self.certified: np.ndarray | None = None  # recruiters this programme labelled
        self.reassured: np.ndarray | None = None  # candidates it reassured through contacts

    def update(self, state: State) -> None:
        """Its risk factor for candidates, or the candidates its recruiters contacted."""
        a, p = state.actors, self.params
        recruiters = a.kind == Kind.RECRUITER
        if state.step < p.start or not recruiters.any() or self.certified is None:
            return
        if p.preference:
            self.contribute(state, "appeal", np.where(self.certified, 1.0 + p.preference, 1.0))
        if p.reaches == "everyone":
            factor = 1.0 - p.risk_reduction * (np.count_nonzero(self.certified) / recruiters.sum())
            self.contribute(state, "risk_factor", np.where(a.is_candidate, factor, 1.0))
            return
        if self.reassured is None:
            self.reassured = np.zeros(a.n, dtype=bool)
        self.reassured[state.flows.new_entrants] = False  # a new candidate in the slot
        who, target = state.flows.contacted
        met = np.unique(target[self.certified[who]])
        met = met[~self.reassured[met]]
        self.reassured[met] = True
        a.risk_memory[met] *= 1.0 - p.risk_reduction

    def act(self, state: State) -> int:
        """Certify recruiters not yet certified and raise their foundation."""
        a = state.actors
        eligible = self.eligible(state)
        n_pick = round(self.params.coverage * np.count_nonzero(eligible))
        chosen = self.select(state, eligible & ~a.is_certified, n_pick)
        a.is_certified[chosen] = True
        if self.certified is None:
            self.certified = np.zeros(a.n, dtype=bool)
        self.certified[chosen] = True
        raise_skill(a.foundation, chosen, self.params.boost)
        self.update(state)
        return int(chosen.size)


class Curriculum(Intervention):
    """Job-search skills taught in courses: entrants arrive with `boost` more foundation."""

    type_name = "curriculum"
    params: CurriculumParams

    def act(self, state: State) -> int:
        """Raise the foundation of this step's entrants (made in the previous step)."""
        entrants = state.flows.new_entrants
        raise_skill(state.actors.foundation, entrants, self.params.boost)
        return int(entrants.size)


class Coaching(Intervention):
    """Coaching sessions, up to a capacity per step, after a failure or by gap (`on`)."""

    type_name = "coaching"
    params: CoachingParams

    def act(self, state: State) -> int:
        """Coach, within capacity, those who ask: after a failure last step, or by gap."""
        flows, on, asked = state.flows, self.params.on, self.eligible(state)
        if on != "gap":
            failed = flows.contacts > flows.successes
            failed[flows.failed_applicants] |= on == "failed_application"  # either channel
            asked &= failed
            asked[flows.new_entrants] = False  # the failure was their slot's leaver's
        chosen = self.select(state, asked, self.params.capacity_per_step)
        raise_skill(state.actors.foundation, chosen, self.params.boost)
        return int(chosen.size)


class Community(Intervention):
    """Communities of practice: members weigh shared experience more; optional new ties.

    Its contribution to `sharing` is `sharing` for the actors it reached
    (the largest weight of one's communities applies); an actor who leaves
    the pool takes it along, and the entrant in its slot starts without it.
    """

    type_name = "community"
    params: CommunityParams

    def __init__(self, params: CommunityParams, index: int, stream_name: str) -> None:
        super().__init__(params, index, stream_name)
        self.sharing: np.ndarray | None = None  # its contribution, per actor

    def update(self, state: State) -> None:
        """Entrants in the slots of members are not members."""
        if self.sharing is not None and state.flows.new_entrants.size:
            self.sharing[state.flows.new_entrants] = NEUTRAL[RULES["sharing"]]
            self.contribute(state, "sharing", self.sharing)

    def act(self, state: State) -> int:
        """Raise the sharing weight of the actors reached and tie them within their domain."""
        chosen = self.reach(state)
        if self.sharing is None:
            self.sharing = np.full(state.actors.n, NEUTRAL[RULES["sharing"]])
        self.sharing[chosen] = self.params.sharing
        self.contribute(state, "sharing", self.sharing)
        if self.params.ties_per_member > 0 and not state.network.is_complete:
            state.network = self._add_ties(state, chosen)
        return int(chosen.size)

    def _add_ties(self, state: State, chosen: np.ndarray) -> Network:
        rng = state.stream(self.stream_name)
        old = state.network.adjacency.tocoo()
        new_u, new_v = [old.row], [old.col]
        for domain in np.unique(state.actors.domain[chosen]):
            members = chosen[state.actors.domain[chosen] == domain]
            n_ties = round(self.params.ties_per_member * members.size / 2)
            if members.size > 1 and n_ties:
                new_u.append(rng.choice(members, n_ties))
                new_v.append(rng.choice(members, n_ties))
        return from_edges(state.actors.n, np.concatenate(new_u), np.concatenate(new_v))


class PlatformPolicy(Intervention):
    """A platform's data safety and/or churn set from `start` to `end`.

    While in force, it contributes its values for its platforms to the
    `data_safety` and `churn_per_week` modifiers; of the policies in force on
    a platform, the latest started wins, and the base value returns when none
    is in force.
    """

    type_name = "platform_policy"
    params: PlatformPolicyParams

    def platforms(self, state: State) -> np.ndarray:
        """Indices of the platforms the policy applies to (names checked at load)."""
        return platform_indices(state, self.params.platform)

    def update(self, state: State) -> None:
        """Write its contributions while in force, withdraw them outside its window."""
        for modifier in ("data_safety", "churn_per_week"):
            value = getattr(self.params, modifier)
            if value is None or not self.in_force(state.step):
                state.withdraw(self.source, modifier)
                continue
            contribution = np.full(state.platforms.n, NEUTRAL[RULES[modifier]])
            contribution[self.platforms(state)] = value
            self.contribute(state, modifier, contribution)

    def act(self, state: State) -> int:
        """Reach, on its first step in force: the members of its platforms then."""
        if state.step != self.params.start:
            return 0
        bits = np.uint16(sum(1 << int(k) for k in self.platforms(state)))
        return int(np.count_nonzero(state.actors.membership & bits))


class DataIncident(Intervention):
    """A data incident: members of the platforms hit, and their neighbours, learn risk.

    Each member of a platform hit adds `shock` to its risk memory; each actor
    adds `shock` x its sharing weight x the share of its neighbours hit
    (shared experience). Random incidents (`per_week`) hit each platform
    independently, each step of the window, with probability
    1 - exp(-per_week dt), from the intervention's own stream.
    """

    type_name = "data_incident"
    params: DataIncidentParams

    def is_due(self, step: int) -> bool:
        """On schedule, or on every step of its window when incidents are random."""
        if self.params.per_week is None:
            return super().is_due(step)
        return self.in_force(step)

    def act(self, state: State) -> int:
        """Raise the risk memory of the members hit and of their neighbours; reach: members hit."""
        p, a = self.params, state.actors
        platforms = platform_indices(state, p.platform)
        if p.per_week is not None:
            draws = state.stream(self.stream_name).random(platforms.size)
            platforms = platforms[draws < hazard_probability(p.per_week, state.dt_weeks)]
        if platforms.size == 0:
            return 0
        hit = (a.membership & np.uint16(sum(1 << int(k) for k in platforms))) != 0
        shared = state.modifiers.sharing * state.network.mean(hit.astype(np.float64))
        a.risk_memory = a.risk_memory + p.shock * (hit + shared)
        return int(np.count_nonzero(hit))


class Control(Intervention):
    """A cohort's comparison group: picks actors as the cohort's interventions do, nothing more."""

    type_name = "control"
    params: ControlParams

    def act(self, state: State) -> int:
        """Pick the actors (they join the cohort); reach: how many."""
        return int(self.reach(state).size)


def platform_indices(state: State, name: str) -> np.ndarray:
    """Indices of the platform called `name`, or of every platform for "all" (checked at load)."""
    names = state.platforms.name
    if name == "all":
        return np.arange(len(names))
    return np.array([names.index(name)])


class AwarenessCampaign(Intervention):
    """A media campaign: the awareness hazard rises by `media_per_week` while it runs."""

    type_name = "awareness_campaign"
    params: AwarenessCampaignParams

    def update(self, state: State) -> None:
        """Its addition to the media hazard while in force; none outside its window."""
        if self.in_force(state.step):
            self.contribute(state, "media_per_week", self.params.media_per_week)
        else:
            state.withdraw(self.source, "media_per_week")

    def act(self, state: State) -> int:
        """Reach, on its first step: the actors still unaware."""
        if state.step != self.params.start:
            return 0
        return int(np.count_nonzero(state.actors.stage == Stage.UNAWARE))


REGISTRY: dict[str, type[Intervention]] = {
    cls.type_name: cls
    for cls in (
        Training,
        Certification,
        Curriculum,
        Coaching,
        Community,
        PlatformPolicy,
        AwarenessCampaign,
        DataIncident,
        Control,
    )
}


def stream_names(specs: tuple[InterventionBase, ...]) -> list[str]:
    """Names of the interventions' random streams, independent of their positions.

    `intervention:named:<name>` for a named intervention,
    `intervention:<type>-<k>` for the k-th unnamed one of its type. Adding,
    removing or reordering named interventions and interventions of other
    types leaves an intervention's random numbers unchanged, so scenarios
    that share it share its draws (common random numbers); give names to
    interventions of one type to make them independent of their order.
    """
    seen: dict[str, int] = {}
    names = []
    for spec in specs:
        if spec.name:
            names.append(f"intervention:named:{spec.name}")
        else:
            k = seen[spec.type] = seen.get(spec.type, -1) + 1
            names.append(f"intervention:{spec.type}-{k}")
    return names


def build_interventions(specs: tuple[InterventionBase, ...]) -> list[Intervention]:
    """Instantiate the scenario's interventions from the registry."""
    return [
        REGISTRY[spec.type](spec, index, stream)
        for index, (spec, stream) in enumerate(zip(specs, stream_names(specs), strict=True))
    ]


def intervention_phase(state: State, params: ScenarioParams) -> None:
    """Interventions act, then the modifiers in force are combined from their contributions.

    Args:
        state: the run's state; `state.flows.cost` receives this step's cost.
        params: the scenario (each intervention holds its own section).
    """
    for intervention in state.interventions:
        intervention.apply(state)
    state.combine_modifiers()
    state.flows.cost = sum(i.cost_this_step for i in state.interventions)
