"""The schema of experiment files (see `sim.experiment` for the format and its checks).

Every field is documented where it is declared; unknown keys are refused.
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.scenario import ScenarioError

MAX_SEED = 2**63 - 1
DEFAULT_KPIS = (
    "t_half_final_recruiters",
    "t_half_final_candidates",
    "final_share_active_recruiters",
    "final_share_active_candidates",
    "social_hire_share",
    "cum_hires_social",
    "cum_hires",
    "cum_cost",
)
"""KPIs kept when an experiment names none (see `sim.results.summarize`)."""


class ExperimentError(ScenarioError):
    """An experiment that cannot be run: the message is one line saying where and why."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


Number = Annotated[float, Field(strict=False)]
Names = Annotated[tuple[str, ...], Field(strict=False)]


class FactorSpec(_Spec):
    """One factor: grid values, or bounds (with `points` evenly spaced values on a grid)."""

    values: Annotated[tuple[Any, ...], Field(strict=False)] | None = (
        None  # grid only: the values, in order
    )
    bounds: Annotated[tuple[Number, Number], Field(strict=False)] | None = None  # lower, upper
    points: int | None = Field(None, ge=2)  # grid only: evenly spaced values within bounds


class DesignSpec(_Spec):
    """How the factor space is covered, and how often each point is run."""

    kind: Literal["grid", "lhs", "sobol", "morris", "points"] = "grid"
    # points: a CSV file of the points (relative to the experiment file), one row per point
    # and a column per factor (e.g. a calibration's plausible.csv); factors are listed as {}
    file: str | None = None
    points: int | None = Field(None, ge=1)  # lhs: points; sobol: base samples; morris: trajectories
    levels: int = Field(4, ge=2)  # morris: grid levels
    second_order: bool = False  # sobol: second-order indices too
    replications: int = Field(1, ge=1)  # runs per point, with seeds shared by every point
    seed: int = Field(0, ge=0, le=MAX_SEED)  # root seed of the replications and of the sampler


class OutputSpec(_Spec):
    """What each run keeps, and where the sweep writes."""

    kpis: Annotated[Names, Field(min_length=1)] = DEFAULT_KPIS  # names of `sim.results.summarize`
    series: Names = ()  # timeseries columns kept (with step and time)
    every: int = Field(1, ge=1)  # keep every k-th step of the series (and the last)
    folder: str = ""  # default results/sweeps/<name>, relative to the current folder


class TargetSpec(_Spec):
    """A calibration target: the mean of a kept KPI (less another) expected inside a band."""

    band: Annotated[tuple[Number, Number], Field(strict=False)]  # low, high
    kpi: str = ""  # the KPI (default: the target's name)
    minus: str = ""  # a KPI subtracted from it, run by run (a gap between two groups)
    required: bool = True  # false: reported, but does not decide which points are kept

    @field_validator("band")
    @classmethod
    def _ordered(cls, band: tuple[float, float]) -> tuple[float, float]:
        if not band[0] < band[1]:
            raise ValueError(f"expected low < high (a band of some width), got {list(band)}")
        return band


class CalibrationSpec(_Spec):
    """Targets of `recruitsim calibrate` (history matching, see `sim.calibration`)."""

    targets: Annotated[dict[str, TargetSpec], Field(min_length=1)]
    cutoff: Number = Field(3.0, gt=0.0)  # largest implausibility of a kept point


class ExperimentSpec(_Spec):
    """A whole experiment file."""

    name: str
    description: str = ""
    scenario: str | None = None  # the base scenario (relative to the file)
    arms: dict[str, str] = {}  # or named arms: name -> scenario file
    overrides: dict[str, Any] = {}  # dotted keys applied to every run
    factors: dict[str, FactorSpec] = {}
    design: DesignSpec = DesignSpec()
    output: OutputSpec = OutputSpec()
    calibration: CalibrationSpec | None = None  # read by `recruitsim calibrate` only


def spec_error(error: ValidationError, data: Mapping[str, Any], where: str) -> str:
    """Pydantic's first complaint about an experiment file, in one line.

    It names the key and its value, and what is allowed there.
    """
    first = error.errors()[0]
    loc = [str(part) for part in first["loc"]]
    key = ".".join(loc) or "<top level>"
    value: Any = data
    for part in loc:
        value = value.get(part, _MISSING) if isinstance(value, Mapping) else _MISSING
    shown = "" if value is _MISSING else f" = {_short.repr(value)}"
    if first["type"] == "extra_forbidden":
        table = ("factors",) if loc[:1] == ["factors"] else tuple(loc[:-1])
        table = ("calibration", "targets") if loc[:2] == ["calibration", "targets"] else table
        allowed = [*_TABLES.get(table, {}), *(["extends"] if not table else [])]
        close = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{where}: unknown key {key!r}{shown}{hint} (allowed here: {', '.join(allowed)})"
    if loc[:1] == ["factors"] and len(loc) == 2:
        return (
            f"{where}: {key}{shown}: expected a table such as {{ values = [...] }} "
            "or { bounds = [low, high] }"
        )
    message = first["msg"].removeprefix("Value error, ").replace("a valid tuple", "a list")
    return f"{where}: {key}{shown}: {message}"


_MISSING = object()
_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxlevel = 50, 50, 2
_TABLES: dict[tuple[str, ...], dict[str, Any]] = {
    (): ExperimentSpec.model_fields,
    ("design",): DesignSpec.model_fields,
    ("output",): OutputSpec.model_fields,
    ("factors",): FactorSpec.model_fields,
    ("calibration",): CalibrationSpec.model_fields,
    ("calibration", "targets"): TargetSpec.model_fields,
}
