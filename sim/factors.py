"""An experiment's factors: the parameter a dotted key names, and the values it may take.

`resolve_factor` checks one `[factors]` entry against every arm's scenario:
the key must name a parameter (an intervention's field by the intervention's
name, label or position), grid values and both bounds of a sampled factor
must be values the parameter accepts, and values are given the parameter's
type (a grid of ``[0, 0.5]`` on a real parameter is ``[0.0, 0.5]``), so that
the design table has one type per column. Errors are one line naming the
experiment file and the key (`ExperimentError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sim.designs import FactorRange
from sim.experiment_spec import DesignSpec, ExperimentError, FactorSpec
from sim.intervention_params import INTERVENTION_TYPES
from sim.params import ScenarioParams
from sim.scenario import Scenario, ScenarioError


def resolve_factor(
    path: Path, key: str, factor: FactorSpec, design: DesignSpec, arms: Mapping[str, Scenario]
) -> FactorRange:
    """Check a factor against every arm and return it as the design sees it.

    Raises:
        ExperimentError: one line naming the file and ``factors.<key>``.
    """
    where = f"{path}: factors.{key}"
    annotation = None
    for arm, scenario in arms.items():
        annotation = _annotation(scenario.to_dict(), key)
        if annotation is None:
            raise ExperimentError(f"{where}: {_no_parameter(scenario, key)} (arm {arm!r})")
    if _is_table(annotation):
        raise ExperimentError(f"{where}: names a table, not a parameter; give one of its fields")
    integer = _base_type(annotation) is int
    real = _base_type(annotation) is float
    if design.kind == "grid":
        values = _grid_values(where, factor, integer)
        if real:  # one type per design column: 0 and 0.5 are both reals
            values = tuple(float(v) if _is_number(v) else v for v in values)
        for value in values:
            _check_value(arms, key, value, where)
        return FactorRange(key, values=values, integer=integer)
    if factor.bounds is None or factor.values is not None or factor.points is not None:
        raise ExperimentError(
            f"{where}: a {design.kind} design samples each factor within "
            "`bounds = [low, high]` (no values, no points)"
        )
    if not (integer or real):
        raise ExperimentError(f"{where}: not a number; a {design.kind} design samples numbers")
    low, high = factor.bounds
    if not low < high:
        raise ExperimentError(
            f"{where}: bounds = [{low:g}, {high:g}]: the lower bound must be below the upper"
        )
    if design.kind == "morris" and integer and (high - low) % (design.levels - 1):
        raise ExperimentError(
            f"{where}: an integer factor on a {design.levels}-level Morris grid needs "
            f"high - low divisible by {design.levels - 1} (else the steps are rounded unevenly)"
        )
    for value in (low, high):
        _check_value(arms, key, round(value) if integer else value, where)
    return FactorRange(key, bounds=(float(low), float(high)), integer=integer)


def _grid_values(where: str, factor: FactorSpec, integer: bool) -> tuple[Any, ...]:
    if (factor.values is None) == (factor.bounds is None):
        raise ExperimentError(f"{where}: a grid factor needs `values` or `bounds` with `points`")
    if factor.values is not None:
        if factor.points is not None:
            raise ExperimentError(f"{where}: `points` goes with `bounds`, not with `values`")
        if not factor.values:
            raise ExperimentError(f"{where}: values = []: give at least one value")
        return tuple(factor.values)
    if factor.points is None:
        raise ExperimentError(f"{where}: `bounds` on a grid needs `points` (how many values)")
    low, high = factor.bounds  # type: ignore[misc]
    step = (high - low) / (factor.points - 1)
    values = [low + i * step for i in range(factor.points)]
    if not integer:
        return tuple(round(v, 12) for v in values)
    whole = tuple(dict.fromkeys(round(v) for v in values))
    if len(whole) < factor.points:
        raise ExperimentError(
            f"{where}: {factor.points} evenly spaced whole numbers within "
            f"[{low:g}, {high:g}] repeat; use at most {len(whole)} points or wider bounds"
        )
    return whole


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _base_type(annotation: Any) -> Any:
    """`int` for ``int`` or ``int | None``, and so on; the annotation itself otherwise."""
    args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    return args[0] if len(args) == 1 else annotation


def _is_table(annotation: Any) -> bool:
    candidates = (*getattr(annotation, "__args__", ()), annotation)
    return any(isinstance(c, type) and issubclass(c, BaseModel) for c in candidates)


def _check_value(arms: Mapping[str, Scenario], key: str, value: Any, where: str) -> None:
    for arm, scenario in arms.items():
        try:
            scenario.with_overrides({key: value}, f"{where}, arm {arm!r}")
        except ScenarioError as err:
            raise ExperimentError(str(err)) from None


def _annotation(data: Mapping[str, Any], key: str) -> Any:
    """The type of the parameter a dotted key names in a scenario, or None if it names none."""
    parts = key.split(".")
    model: Any = ScenarioParams
    if parts[0] == "interventions":
        if len(parts) != 3:
            return None
        specs = data["interventions"]
        labels = [str(d.get("name") or f"{i}_{d['type']}") for i, d in enumerate(specs)]
        if parts[1].isdigit():
            index = int(parts[1]) if int(parts[1]) < len(specs) else None
        else:
            index = labels.index(parts[1]) if parts[1] in labels else None
        if index is None:
            return None
        model, parts = INTERVENTION_TYPES[specs[index]["type"]], parts[2:]
    for i, part in enumerate(parts):
        field = getattr(model, "model_fields", {}).get(part)
        if field is None or part in ("name", "description", "type"):
            return None
        if i == len(parts) - 1:
            return field.annotation
        model = field.annotation
    return None


def _no_parameter(scenario: Scenario, key: str) -> str:
    """Why a dotted key names no parameter, with what it could name instead."""
    parts = key.split(".")
    if parts[0] == "interventions":
        specs = scenario.params.interventions
        labels = [spec.name or f"{i}_{spec.type}" for i, spec in enumerate(specs)]
        if len(parts) != 3 or (parts[1] not in labels and not parts[1].isdigit()):
            named = ", ".join(labels) or "none in this scenario"
            return f"give interventions.<name, label or position>.<field> (interventions: {named})"
    return "names no parameter of the scenario schema (see the parameter tables in docs/ODD.md)"
