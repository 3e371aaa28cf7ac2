"""RecruitingModel: a Mesa model that builds the state and runs the phases of a step in order."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import mesa
import numpy as np

from sim.agents import create_agent_views
from sim.initial import build_state
from sim.network import Network
from sim.params import ScenarioParams
from sim.phases import Phase, phases_for
from sim.population import Actors, Platforms
from sim.results import Recorder
from sim.scenario import Scenario
from sim.state import Intervention, State


class RecruitingModel(mesa.Model):
    """Adoption of social-network recruiting by candidates and recruiters.

    The state lives in `state` (struct-of-arrays, see `sim.state.State`);
    `step()` runs the phases of `phases` (`sim.phases.PHASES`, less the
    recruiting layers if the scenario switches them off) and records a row.
    `Candidate`, `Recruiter` and `Platform` agents in `model.agents` are
    live views on the arrays, created the first time `agents` or
    `agents_by_type` is read: a batch run never creates them.

    Args:
        scenario: a loaded scenario (or its parameters).
        seed: the run's seed; every phase draws from its own stream spawned from it.
        extra_columns: further timeseries columns, each a function of the
            state returning a number, recorded after every step.
    """

    def __init__(
        self,
        scenario: Scenario | ScenarioParams,
        seed: int = 0,
        extra_columns: Mapping[str, Callable[[State], float]] | None = None,
    ) -> None:
        super().__init__(rng=seed)
        if isinstance(scenario, ScenarioParams):
            scenario = Scenario(scenario)
        self.spec = scenario  # `scenario` is taken by Mesa 3.5
        self.params = scenario.params
        self.seed = seed
        self.state = build_state(scenario, seed)
        self.phases: tuple[Phase, ...] = phases_for(self.params)
        self.recorder = Recorder(self.state, self.params.run.steps, extra_columns)
        self.recorder.record(self.state)
        self._has_views = False
        self._pause_between_phases = False
        self._unfinished: Iterator[Phase] | None = None

    def step(self) -> None:
        """Advance one step of `dt` weeks: each phase of `phases` in order, then record.

        Steps past `run.steps` are allowed (an app's Step button): the
        recorder grows, and `running` stays false. A step left unfinished by
        `step_by_phase` is finished first (Mesa has counted it already).
        """
        self.finish_step()
        steps = self._run_step()
        if self._pause_between_phases:
            self._unfinished = steps  # step_by_phase drives it
        else:
            for _ in steps:
                pass

    def step_by_phase(self) -> Iterator[Phase]:
        """Advance one step like `step()`, pausing after each phase.

        Yields each phase of `phases` after it has run (its `summary` says
        what it did); the step is recorded after the last one. Mesa's step
        counter advances as with `step()`. A step left unfinished is finished
        by `finish_step()` or by the next `step()` or `step_by_phase()`.
        """
        self.finish_step()
        self._pause_between_phases = True
        try:
            self.step()  # Mesa advances its counters; the phases wait for this generator
        finally:
            self._pause_between_phases = False
        steps = self._unfinished
        yield from steps
        if self._unfinished is steps:
            self._unfinished = None

    def finish_step(self) -> None:
        """Run the remaining phases of a step started by `step_by_phase`, and record it."""
        if self._unfinished is not None:
            for _ in self._unfinished:
                pass
            self._unfinished = None

    def _run_step(self) -> Iterator[Phase]:
        """The phases of the step being computed, one per iteration, then the recording."""
        state, params = self.state, self.params
        state.step = self.steps  # Mesa counts the step being computed from 1
        stage_before = state.actors.stage.copy() if params.run.stop_when_stable else None
        for phase in self.phases:
            phase.run(state, params)
            yield phase
        self.recorder.record(state)
        stable = stage_before is not None and np.array_equal(stage_before, state.actors.stage)
        if self.steps >= params.run.steps or stable:
            self.running = False

    def run_model(self) -> None:
        """Step until `run.steps` is reached (or the state is stable, if asked)."""
        while self.running:
            self.step()

    @property
    def actors(self) -> Actors:
        """The actors' arrays (`state.actors`)."""
        return self.state.actors

    @property
    def platforms(self) -> Platforms:
        """The platforms' fixed traits (`state.platforms`)."""
        return self.state.platforms

    @property
    def network(self) -> Network:
        """The actor-actor network (`state.network`)."""
        return self.state.network

    @property
    def interventions(self) -> list[Intervention]:
        """The scenario's interventions, in order (`state.interventions`)."""
        return self.state.interventions

    @property
    def time_weeks(self) -> float:
        """Simulated time in weeks."""
        return self.steps * self.state.dt_weeks

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Every agent view (created on first use)."""
        self._create_views()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type[mesa.Agent], mesa.agent.AgentSet]:
        """Agent views by class (created on first use)."""
        self._create_views()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type[mesa.Agent]]:
        """Classes of the agent views (created on first use)."""
        self._create_views()
        return super().agent_types

    def _create_views(self) -> None:
        if not self._has_views:
            self._has_views = True
            create_agent_views(self, self.state)
