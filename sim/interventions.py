"""Interventions: scheduled actions on the model's state, a class each, a registry by type.

An intervention never rewrites parameters: it acts on state arrays (skills,
certification, platforms' churn and data safety, ties) or on the model's
modifier arrays (sharing weights, perceived-risk factor, media boost,
entrants' foundation boost). Each knows its schedule, whom it targets, how
many actors it reached and what it cost.

Schedules: one-shot types (training, certification, community) act at
`start`, and again every `every` steps until `end` if `every` is set.
Continuing types (curriculum, coaching, platform_policy,
awareness_campaign) are in force on every step from `start` to `end`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.network import Network, from_edges
from sim.params import (
    AwarenessCampaignParams,
    CertificationParams,
    CoachingParams,
    CommunityParams,
    CurriculumParams,
    InterventionBase,
    PlatformPolicyParams,
    TrainingParams,
)
from sim.population import Kind, Profile, Stage

if TYPE_CHECKING:
    from sim.model import RecruitingModel


class Intervention:
    """Base class: schedule, target group, selection, reach and cost.

    Args:
        params: the `[[interventions]]` table.
        index: position in the scenario's list (names its random stream).
    """

    type_name: ClassVar[str] = ""
    continuing: ClassVar[bool] = False

    def __init__(self, params: InterventionBase, index: int) -> None:
        self.params = params
        self.index = index
        self.n_reached = 0
        self.cost_total = 0.0
        self.cost_this_step = 0.0

    @property
    def label(self) -> str:
        """Name used in summaries: `name`, or `<index>_<type>`."""
        return self.params.name or f"{self.index}_{self.type_name}"

    def in_force(self, step: int) -> bool:
        """Whether `step` lies in the window [start, end]."""
        p = self.params
        return p.start <= step and (p.end is None or step <= p.end)

    def is_due(self, step: int) -> bool:
        """Whether the intervention acts at `step` (the 1-based step being computed)."""
        p = self.params
        if not self.in_force(step):
            return False
        if self.continuing:
            return True
        if p.every is None:
            return step == p.start
        return (step - p.start) % p.every == 0

    def eligible(self, model: RecruitingModel) -> np.ndarray:
        """Mask of the target group: kind, then domain, profile, stage and skill filters."""
        p, a = self.params, model.actors
        mask = np.ones(a.n, dtype=bool)
        if p.target != "all":
            kind = Kind.CANDIDATE if p.target == "candidates" else Kind.RECRUITER
            mask &= a.kind == kind
        if p.domain is not None:
            mask &= a.domain == p.domain
        if p.profile is not None:
            mask &= a.profile == Profile[p.profile.upper()]
        if p.stage is not None:
            mask &= a.stage == Stage[p.stage.upper()]
        if p.skill_below is not None:
            mask &= getattr(a, p.skill) < p.skill_below
        return mask

    def select(self, model: RecruitingModel, eligible: np.ndarray, n_pick: int) -> np.ndarray:
        """Pick `n_pick` eligible actors by the targeting strategy (ties broken at random)."""
        rng = model.intervention_stream(self.index)
        pool = np.flatnonzero(eligible)
        n_pick = min(n_pick, pool.size)
        tiebreak = rng.random(pool.size)
        targeting = self.params.targeting
        if targeting == "lowest_skill":
            order = np.lexsort((tiebreak, getattr(model.actors, self.params.skill)[pool]))
        elif targeting == "hubs":
            order = np.lexsort((tiebreak, -model.network.degree[pool]))
        elif targeting == "per_community":
            domain = model.actors.domain[pool]
            rank = np.empty(pool.size, dtype=np.int64)
            by_domain = np.lexsort((tiebreak, domain))
            starts = np.searchsorted(domain[by_domain], domain[by_domain])
            rank[by_domain] = np.arange(pool.size) - starts
            order = np.lexsort((tiebreak, rank))  # round-robin over domains
        else:
            order = np.argsort(tiebreak)
        return pool[order[:n_pick]]

    def reach(self, model: RecruitingModel) -> np.ndarray:
        """The `coverage` share of the target group, selected by the targeting strategy."""
        eligible = self.eligible(model)
        n_pick = round(self.params.coverage * np.count_nonzero(eligible))
        return self.select(model, eligible, n_pick)

    def apply(self, model: RecruitingModel) -> None:
        """Act if due this step, and account for reach and cost."""
        self.cost_this_step = 0.0
        self.update(model)
        if not self.is_due(model.steps):
            return
        reached = self.act(model)
        self.n_reached += reached
        self.cost_this_step = reached * self.params.cost_per_person + self.params.cost_fixed
        self.cost_total += self.cost_this_step

    def update(self, model: RecruitingModel) -> None:
        """Work done every step whether due or not (decay, ending). Nothing by default."""

    def act(self, model: RecruitingModel) -> int:
        """Change the model's state; return the number of actors reached."""
        raise NotImplementedError


def raise_skill(values: np.ndarray, chosen: np.ndarray, boost: float) -> np.ndarray:
    """Add `boost` to `values[chosen]` in place, capped at 1; return the gains actually made."""
    gained = np.minimum(values[chosen] + boost, 1.0) - values[chosen]
    values[chosen] += gained
    return gained


class Training(Intervention):
    """Raises `skill` (foundation or digital) by `boost`; optionally decays back."""

    type_name = "training"
    params: TrainingParams

    def __init__(self, params: TrainingParams, index: int) -> None:
        super().__init__(params, index)
        self.boost_left: np.ndarray | None = None

    def update(self, model: RecruitingModel) -> None:
        """Trained know-how fades at `decay_per_week`; entrants lose nothing they never had."""
        if self.boost_left is None or self.params.decay_per_week == 0:
            return
        self.boost_left[model.new_entrants] = 0.0
        lost = self.boost_left * -np.expm1(-self.params.decay_per_week * model.dt_weeks)
        skill = getattr(model.actors, self.params.skill)
        skill -= np.minimum(lost, skill)
        self.boost_left -= lost

    def act(self, model: RecruitingModel) -> int:
        """Raise the chosen skill of the actors reached."""
        chosen = self.reach(model)
        gained = raise_skill(getattr(model.actors, self.params.skill), chosen, self.params.boost)
        if self.boost_left is None:
            self.boost_left = np.zeros(model.actors.n)
        self.boost_left[chosen] += gained
        return int(chosen.size)


class Certification(Intervention):
    """Labels recruiters: more foundation, and candidates perceive less risk.

    Candidates' perceived risk is multiplied by 1 - risk_reduction x (share of
    recruiters certified): the more certified recruiters there are, the more
    likely a candidate deals with one.
    """

    type_name = "certification"
    params: CertificationParams

    def update(self, model: RecruitingModel) -> None:
        """Refresh candidates' risk factor from the current share of certified recruiters."""
        a = model.actors
        recruiters = a.kind == Kind.RECRUITER
        if model.steps < self.params.start or not recruiters.any():
            return  # labels, once given, stay: the effect outlasts `end`
        share_certified = np.count_nonzero(a.is_certified & recruiters) / recruiters.sum()
        factor = 1.0 - self.params.risk_reduction * share_certified
        model.risk_factor = np.where(a.is_candidate, factor, model.risk_factor)

    def act(self, model: RecruitingModel) -> int:
        """Certify recruiters not yet certified and raise their foundation."""
        eligible = self.eligible(model)
        n_pick = round(self.params.coverage * np.count_nonzero(eligible))
        chosen = self.select(model, eligible & ~model.actors.is_certified, n_pick)
        model.actors.is_certified[chosen] = True
        raise_skill(model.actors.foundation, chosen, self.params.boost)
        self.update(model)
        return int(chosen.size)


class Curriculum(Intervention):
    """Job-search skills taught in courses: entrants arrive with `boost` more foundation."""

    type_name = "curriculum"
    continuing = True
    params: CurriculumParams

    def act(self, model: RecruitingModel) -> int:
        """Raise the foundation of this step's entrants (made in the previous step)."""
        entrants = model.new_entrants
        raise_skill(model.actors.foundation, entrants, self.params.boost)
        return int(entrants.size)


class Coaching(Intervention):
    """Coaching sessions, up to a capacity per step, for candidates after a failed contact."""

    type_name = "coaching"
    continuing = True
    params: CoachingParams

    def act(self, model: RecruitingModel) -> int:
        """Coach candidates whose last step brought a failed social contact."""
        asked = self.eligible(model) & (model.contacts > model.successes)
        chosen = self.select(model, asked, self.params.capacity_per_step)
        raise_skill(model.actors.foundation, chosen, self.params.boost)
        return int(chosen.size)


class Community(Intervention):
    """Communities of practice: members weigh shared experience more; optional new ties."""

    type_name = "community"
    params: CommunityParams

    def act(self, model: RecruitingModel) -> int:
        """Raise the sharing weight of the actors reached and tie them within their domain."""
        chosen = self.reach(model)
        a = model.actors
        a.sharing[chosen] = np.maximum(a.sharing[chosen], self.params.sharing)
        if self.params.ties_per_member > 0 and not model.network.is_complete:
            model.network = self._add_ties(model, chosen)
        return int(chosen.size)

    def _add_ties(self, model: RecruitingModel, chosen: np.ndarray) -> Network:
        rng = model.intervention_stream(self.index)
        old = model.network.adjacency.tocoo()
        new_u, new_v = [old.row], [old.col]
        for domain in np.unique(model.actors.domain[chosen]):
            members = chosen[model.actors.domain[chosen] == domain]
            n_ties = round(self.params.ties_per_member * members.size / 2)
            if members.size > 1 and n_ties:
                new_u.append(rng.choice(members, n_ties))
                new_v.append(rng.choice(members, n_ties))
        return from_edges(model.actors.n, np.concatenate(new_u), np.concatenate(new_v))


class PlatformPolicy(Intervention):
    """A platform's data safety raised and/or churn lowered from `start` (to `end`)."""

    type_name = "platform_policy"
    continuing = True
    params: PlatformPolicyParams

    def __init__(self, params: PlatformPolicyParams, index: int) -> None:
        super().__init__(params, index)
        self.saved: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def platforms(self, model: RecruitingModel) -> np.ndarray:
        """Indices of the platforms the policy applies to (names checked at load)."""
        names = model.platforms.name
        if self.params.platform == "all":
            return np.arange(len(names))
        return np.array([names.index(self.params.platform)])

    def update(self, model: RecruitingModel) -> None:
        """Restore its platforms' previous values once the policy has ended."""
        if self.saved is not None and not self.in_force(model.steps):
            which, data_safety, churn = self.saved
            model.platforms.data_safety[which] = data_safety
            model.platforms.churn_per_week[which] = churn
            self.saved = None

    def act(self, model: RecruitingModel) -> int:
        """Set the policy's values on its first step in force; reach is their members then."""
        if model.steps != self.params.start:
            return 0
        which = self.platforms(model)
        pl = model.platforms
        self.saved = (which, pl.data_safety[which].copy(), pl.churn_per_week[which].copy())
        if self.params.data_safety is not None:
            pl.data_safety[which] = self.params.data_safety
        if self.params.churn_per_week is not None:
            pl.churn_per_week[which] = self.params.churn_per_week
        bits = np.uint16(sum(1 << int(k) for k in which))
        return int(np.count_nonzero(model.actors.membership & bits))


class AwarenessCampaign(Intervention):
    """A media campaign: the awareness hazard rises by `media_per_week` while it runs."""

    type_name = "awareness_campaign"
    continuing = True
    params: AwarenessCampaignParams

    def update(self, model: RecruitingModel) -> None:
        """Switch the campaign's share of the media boost off outside its window."""
        if not self.in_force(model.steps):
            model.media_boost_per_week[self.index] = 0.0

    def act(self, model: RecruitingModel) -> int:
        """Switch the boost on; the actors reached are those unaware when it starts."""
        model.media_boost_per_week[self.index] = self.params.media_per_week
        if model.steps != self.params.start:
            return 0
        return int(np.count_nonzero(model.actors.stage == Stage.UNAWARE))


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
    )
}


def build_interventions(specs: tuple[InterventionBase, ...]) -> list[Intervention]:
    """Instantiate the scenario's interventions from the registry."""
    return [REGISTRY[spec.type](spec, index) for index, spec in enumerate(specs)]
