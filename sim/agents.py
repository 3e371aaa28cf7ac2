"""Mesa agents as thin, live views on a run's state arrays.

The dynamics run on arrays; these agents exist so that Mesa tools, the app
and users can inspect actors one by one. Reading an attribute always reads
the current array value; an agent holds no state of its own but an index.
The model creates them on first use (`RecruitingModel.agents`).
"""

from __future__ import annotations

import mesa

from sim.population import Kind, Profile, Stage
from sim.state import State


class Actor(mesa.Agent):
    """Common view of a candidate or recruiter (actor `index` in the arrays)."""

    def __init__(self, model: mesa.Model, state: State, index: int) -> None:
        super().__init__(model)
        self.state = state
        self.index = index

    @property
    def stage(self) -> Stage:
        """Current adoption stage."""
        return Stage(int(self.state.actors.stage[self.index]))

    @property
    def risk_aversion(self) -> float:
        """Risk aversion rho in [0, 1]."""
        return float(self.state.actors.risk_aversion[self.index])

    @property
    def foundation(self) -> float:
        """Basic know-how f in [0, 1]; the skill gap is 1 - f."""
        return float(self.state.actors.foundation[self.index])

    @property
    def digital(self) -> float:
        """Know-how of the platforms' usages d in [0, 1]."""
        return float(self.state.actors.digital[self.index])

    @property
    def complexity(self) -> float:
        """Perceived complexity of the platforms in [0, 1]."""
        return float(self.state.actors.complexity[self.index])

    @property
    def risk_memory(self) -> float:
        """Multiplier of perceived risk learnt from safe use and incidents (1 at the start)."""
        return float(self.state.actors.risk_memory[self.index])

    @property
    def belief(self) -> float:
        """Expected success rate of a social-channel contact, alpha / (alpha + beta)."""
        a = self.state.actors
        return float(a.alpha[self.index] / (a.alpha[self.index] + a.beta[self.index]))

    @property
    def domain(self) -> int:
        """Job domain."""
        return int(self.state.actors.domain[self.index])

    @property
    def platforms(self) -> list[str]:
        """Names of the platforms this actor is a member of."""
        mask = int(self.state.actors.membership[self.index])
        return [name for k, name in enumerate(self.state.platforms.name) if mask >> k & 1]

    @property
    def neighbours(self) -> list[int]:
        """Indices of the actors this one is tied to."""
        return [int(i) for i in self.state.network.neighbours(self.index)]


class Candidate(Actor):
    """A job seeker."""

    @property
    def profile(self) -> Profile:
        """Junior (young graduate) or experienced."""
        return Profile(int(self.state.actors.profile[self.index]))

    @property
    def is_seeking(self) -> bool:
        """Whether the candidate is currently looking for a job."""
        return bool(self.state.actors.is_seeking[self.index])


class Recruiter(Actor):
    """A recruiter holding vacancies."""

    @property
    def vacancies(self) -> int:
        """Open vacancies."""
        return int(self.state.actors.vacancies[self.index])

    @property
    def is_certified(self) -> bool:
        """Whether the recruiter holds the certification label."""
        return bool(self.state.actors.is_certified[self.index])


class Platform(mesa.Agent):
    """A social network for recruiting (generalist or specialised)."""

    def __init__(self, model: mesa.Model, state: State, index: int) -> None:
        super().__init__(model)
        self.state = state
        self.index = index

    @property
    def name(self) -> str:
        """Platform name."""
        return self.state.platforms.name[self.index]

    @property
    def n_members(self) -> int:
        """Current number of members."""
        return int(self.state.actors.is_member_of(self.index).sum())

    @property
    def churn_per_week(self) -> float:
        """Feature releases per week in force (a platform policy may set them)."""
        return float(self.state.modifiers.churn_per_week[self.index])

    @property
    def data_safety(self) -> float:
        """Trust in what is done with users' data in force, in [0, 1]."""
        return float(self.state.modifiers.data_safety[self.index])


def create_agent_views(model: mesa.Model, state: State) -> None:
    """Register with `model` one Mesa agent per actor and per platform of `state`."""
    classes = {int(Kind.CANDIDATE): Candidate, int(Kind.RECRUITER): Recruiter}
    for index, kind in enumerate(state.actors.kind.tolist()):
        classes[kind](model, state, index)
    for index in range(state.platforms.n):
        Platform(model, state, index)
