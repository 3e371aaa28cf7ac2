"""Schema of the `[[interventions]]` tables of a scenario, one frozen pydantic model per type.

What each type does to the state is in `sim.interventions`; docs/ODD.md
section 7.1 describes them.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from sim.schema import NonNegative, RatePerWeek, Section, Share


class InterventionBase(Section):
    """What every intervention has: schedule, target group, reach and cost.

    `target` picks candidates, recruiters or all actors, optionally narrowed
    by `domain`, `profile`, `stage` and `skill_below` (on `skill`);
    `coverage` is the share of that group reached each time it acts.
    """

    name: str = ""  # label in reports; defaults to the type
    target: Literal["candidates", "recruiters", "all"] = "candidates"
    domain: int | None = Field(None, ge=0)
    profile: Literal["junior", "experienced"] | None = None
    stage: Literal["unaware", "aware", "member", "active", "lapsed"] | None = None
    skill: Literal["foundation", "digital"] = "foundation"  # skill acted on / targeted by
    skill_below: Share | None = None  # only actors whose `skill` is below this level
    start: int = Field(1, ge=1)  # first step it acts (steps are 1-based)
    end: int | None = Field(None, ge=0)  # last step it acts (None: acts once, or forever)
    every: int | None = Field(None, ge=1)  # repeat period in steps (None: once at start)
    coverage: Share = 0.3
    targeting: Literal["random", "lowest_skill", "hubs", "per_community"] = "random"
    cost_per_person: NonNegative = 0.0  # currency per actor reached
    cost_fixed: NonNegative = 0.0  # currency per step the intervention acts
    cohort: str = ""  # selection stream shared by name ("": its own): same draws, same people

    continuing: ClassVar[bool] = False  # in force on every step of its window (no `every`)
    picks: ClassVar[bool] = True  # picks actors from its target group (so it can have a cohort)

    @model_validator(mode="after")
    def _schedule(self) -> InterventionBase:
        if self.cohort and not self.picks:
            raise ValueError(
                f"cohort = {self.cohort!r}: a {self.type} intervention picks nobody, so it "
                "has no cohort; remove `cohort`"
            )
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        if self.every is not None and self.continuing:
            raise ValueError(
                f"every = {self.every}: a {self.type} intervention acts on every step "
                "from start to end; remove `every`"
            )
        return self


class TrainingParams(InterventionBase):
    """Training raises `skill` by `boost` plus `gap_closed` x (1 - skill), optionally decaying.

    With `boost = 0` and `gap_closed = k`, each trainee closes the same share
    k of their own gap to 1: doses of two skills are then equal in that sense,
    whatever their means.
    """

    type: Literal["training"]
    boost: Annotated[float, Field(ge=0.0, le=1.0)] = 0.2  # added to the skill
    gap_closed: Share = 0.0  # share of the gap to 1 closed, after the boost's addition
    decay_per_week: RatePerWeek = 0.0  # trained know-how lost again per week (0: kept)

    @model_validator(mode="after")
    def _some_dose(self) -> TrainingParams:
        if self.boost == 0.0 and self.gap_closed == 0.0:
            raise ValueError("boost = 0 and gap_closed = 0: the training would teach nothing")
        return self


class CertificationParams(InterventionBase):
    """Certification (labelling) of recruiters."""

    type: Literal["certification"]
    target: Literal["recruiters"] = "recruiters"
    boost: Annotated[float, Field(ge=0.0, le=1.0)] = 0.1  # foundation gained
    # everyone: candidates' perceived risk x (1 - risk_reduction x share certified);
    # contacts: a candidate's risk memory x (1 - risk_reduction) once it has had a social
    # contact with a recruiter the programme certified
    reaches: Literal["everyone", "contacts"] = "everyone"
    risk_reduction: Share = 0.5
    preference: NonNegative = 0.0  # hire chance of certified recruiters' contacts x (1 + this)


class CurriculumParams(InterventionBase):
    """Job-search skills in the curriculum: new entrants arrive with more foundation."""

    continuing: ClassVar[bool] = True
    picks: ClassVar[bool] = False

    type: Literal["curriculum"]
    boost: Annotated[float, Field(gt=0.0, le=1.0)] = 0.15


class CoachingParams(InterventionBase):
    """Coaching sessions, up to a capacity per step, for those who ask (`on`, docs/ODD.md)."""

    continuing: ClassVar[bool] = True

    type: Literal["coaching"]
    capacity_per_step: int = Field(10, ge=0)  # sessions available per step
    boost: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1
    # after a failed social contact, or a failed one in either channel, or anyone by gap
    on: Literal["failed_contact", "failed_application", "gap"] = "failed_contact"


class CommunityParams(InterventionBase):
    """Communities of practice: more weight on shared experience, optional new ties."""

    type: Literal["community"]
    sharing: Share = 0.8  # sharing weight of the actors reached
    ties_per_member: Annotated[float, Field(ge=0.0, le=1000.0)] = 0.0  # new ties per member


class PlatformPolicyParams(InterventionBase):
    """A platform's data safety up or its churn down."""

    continuing: ClassVar[bool] = True
    picks: ClassVar[bool] = False

    type: Literal["platform_policy"]
    target: Literal["all"] = "all"
    platform: str = "all"  # platform name (generalist, domain_0, juniors...) or all
    data_safety: Share | None = None  # new data safety
    churn_per_week: RatePerWeek | None = None  # new churn


class DataIncidentParams(InterventionBase):
    """A data incident on a platform: its members', and through ties their neighbours', risk rises.

    An event rather than a policy: on schedule (`start`, `every`, `end`), or
    at random with `per_week` on each platform from `start` to `end`.
    """

    picks: ClassVar[bool] = False

    type: Literal["data_incident"]
    target: Literal["all"] = "all"
    platform: str = "all"  # platform name (generalist, domain_0, juniors...) or all
    shock: Annotated[float, Field(gt=0.0, le=100.0)] = 0.5  # added to members' risk memory
    per_week: RatePerWeek | None = None  # random incidents per platform-week (None: scheduled)

    @model_validator(mode="after")
    def _random_or_scheduled(self) -> DataIncidentParams:
        if self.per_week is not None and self.every is not None:
            raise ValueError(
                f"per_week = {self.per_week} and every = {self.every}: incidents are either "
                "random (per_week) or scheduled (every); remove one"
            )
        return self


class ControlParams(InterventionBase):
    """The comparison group of a cohort: selects as its interventions do, and does nothing else.

    In a baseline, a control with the same `cohort`, target, coverage,
    targeting and schedule as a training elsewhere picks the same actors
    (the same draws), so their outcomes can be set against the trainees'.
    """

    type: Literal["control"]
    cohort: str = Field(min_length=1)  # the cohort whose draws it shares (required)


class AwarenessCampaignParams(InterventionBase):
    """A media campaign raising the awareness hazard while it runs."""

    continuing: ClassVar[bool] = True
    picks: ClassVar[bool] = False

    type: Literal["awareness_campaign"]
    target: Literal["all"] = "all"
    media_per_week: RatePerWeek = 0.02  # added to the media awareness hazard


INTERVENTION_TYPES: dict[str, type[InterventionBase]] = {
    cls.model_fields["type"].annotation.__args__[0]: cls
    for cls in (
        TrainingParams,
        CertificationParams,
        CurriculumParams,
        CoachingParams,
        CommunityParams,
        PlatformPolicyParams,
        AwarenessCampaignParams,
        DataIncidentParams,
        ControlParams,
    )
}

InterventionParams = Annotated[
    TrainingParams
    | CertificationParams
    | CurriculumParams
    | CoachingParams
    | CommunityParams
    | PlatformPolicyParams
    | AwarenessCampaignParams
    | DataIncidentParams
    | ControlParams,
    Field(discriminator="type"),
]
