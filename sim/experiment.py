"""Experiment files: scenarios, overrides, factors, a design, replications and outputs.

An experiment is a TOML file (`experiments/*.toml`, documented in
`experiments/README.md`)::

    name = "training_x_sharing"
    scenario = "../scenarios/foundations_training.toml"   # or [arms] name = "file"
    [overrides]                                            # applied to every run
    "run.steps" = 156
    [factors]
    "interventions.foundations.coverage" = { values = [0.0, 0.2, 0.4] }
    "learning.sharing" = { bounds = [0.0, 1.0], points = 6 }   # 6 evenly spaced
    [design]
    kind = "grid"            # grid, lhs, sobol, morris, points (file = "points.csv")
    replications = 20
    seed = 2024
    [output]
    kpis = ["t_half_final_recruiters", "social_hire_share"]
    series = ["share_active_recruiters"]
    every = 4
    folder = "results/sweeps/training_x_sharing"

`load_experiment` validates all of it before any run: unknown keys, a factor
that names no parameter, values or bounds a parameter does not allow, a KPI
or series that no run records. Each problem is one line naming the file and
the key (`ExperimentError`, a `ScenarioError`). `Experiment.cells()` lists
every run: design point x arm x replication, with its resolved scenario,
seed and key.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.design_checks import check_design, read_points
from sim.designs import FactorRange, design_points
from sim.experiment_spec import (
    DesignSpec,
    ExperimentError,
    ExperimentSpec,
    OutputSpec,
    spec_error,
)
from sim.factors import resolve_factor
from sim.runner import output_names, replicate_seeds
from sim.scenario import Scenario, ScenarioError, load_scenario, read_with_extends


@dataclass(frozen=True)
class Cell:
    """One run of an experiment.

    Attributes:
        point: index of the design point (its row in the design).
        arm: name of the arm.
        replication: replication index (the seed's position).
        seed: the run's seed, shared by every point and arm of a replication.
        values: factor key -> value at this point.
        scenario: the resolved scenario.
        key: hash of the resolved scenario and the seed.
    """

    point: int
    arm: str
    replication: int
    seed: int
    values: dict[str, Any]
    scenario: Scenario
    key: str


@dataclass(frozen=True)
class Experiment:
    """A validated experiment.

    Attributes:
        spec: the file's contents, validated.
        source: the file.
        arms: arm name -> base scenario with the overrides applied.
        factors: the factors as the design sees them.
        points: the design points, in the design's order.
        data: the file as resolved (extends merged), for the record.
    """

    spec: ExperimentSpec
    source: Path
    arms: dict[str, Scenario]
    factors: tuple[FactorRange, ...]
    points: tuple[dict[str, Any], ...]
    data: dict[str, Any]

    @property
    def seeds(self) -> list[int]:
        """One seed per replication, spawned from the root seed (common to every point)."""
        return replicate_seeds(self.spec.design.seed, self.spec.design.replications)

    @property
    def n_runs(self) -> int:
        """Runs in the experiment: points x arms x replications."""
        return len(self.points) * len(self.arms) * self.spec.design.replications

    @property
    def hash(self) -> str:
        """Hash of what the results depend on: arms as resolved, design, outputs.

        The number of replications is left out: the seeds of more
        replications extend those of fewer, so a folder can take more (or
        fewer) replications of the same experiment and keep its runs.
        """
        record = {
            "arms": {name: content_hash(s) for name, s in self.arms.items()},
            "factors": [f.__dict__ for f in self.factors],
            "design": self.spec.design.model_dump(mode="json", exclude={"replications"}),
            "output": self.spec.output.model_dump(mode="json", exclude={"folder"}),
        }
        text = json.dumps(record, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def design_record(self) -> dict[str, Any]:
        """The design as stored in a sweep's manifest (what the analyses read)."""
        design = self.spec.design
        return {
            "kind": design.kind,
            "factors": [
                {"key": f.key, "bounds": f.bounds, "values": f.values} for f in self.factors
            ],
            "points": design.points or len(self.points),
            "n_points": len(self.points),
            "levels": design.levels,
            "second_order": design.second_order,
            "replications": design.replications,
            "seed": design.seed,
            "arms": list(self.arms),
        }

    def cells(self) -> Iterator[Cell]:
        """Every run, point by point; each point's scenario is validated here.

        Raises:
            ExperimentError: a point whose values the scenario does not accept
                together (one line naming the point and its values).
        """
        seeds = self.seeds
        for index, values in enumerate(self.points):
            for arm, base in self.arms.items():
                where = f"{self.source}: design point {index} ({_describe(values)}), arm {arm!r}"
                scenario = _with(base, values, where)
                for replication, seed in enumerate(seeds):
                    yield Cell(
                        index, arm, replication, seed, values, scenario, run_key(scenario, seed)
                    )


def run_key(scenario: Scenario, seed: int) -> str:
    """Key of a run: hash of its resolved scenario (with the files it reads) and its seed."""
    return hashlib.sha256(f"{content_hash(scenario)}:{seed}".encode()).hexdigest()[:20]


def content_hash(scenario: Scenario) -> str:
    """The scenario's hash, with the content of the edge-list file it reads, if any."""
    network = scenario.params.network
    if network.kind != "edgelist" or not network.path:
        return scenario.hash
    return f"{scenario.hash}:{_file_digest(scenario.base_dir / network.path)}"


@functools.lru_cache(maxsize=64)
def _digest_of(path: Path, size: int, modified_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _file_digest(path: Path) -> str:
    """SHA-256 of a file (cached while its size and time stay), or "missing"."""
    try:
        info = path.resolve().stat()
        return _digest_of(path.resolve(), info.st_size, info.st_mtime_ns)
    except OSError:
        return "missing"


def load_experiment(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Experiment:
    """Load and validate an experiment file (see the module's docstring).

    Args:
        path: the experiment file.
        overrides: settings of the experiment itself by dotted key, applied
            over the file, e.g. ``{"design.replications": 25}``.

    Raises:
        ExperimentError: one line naming the file and the key at fault.
    """
    path = Path(path)
    try:
        data, origins = read_with_extends(path, "experiment")
    except ExperimentError:
        raise
    except ScenarioError as err:
        raise ExperimentError(str(err)) from None
    data = _flatten_tables(data)
    broken = [k for k in _all_keys(data) if any(c in k for c in "\n\r")]
    if broken:
        raise ExperimentError(f"{path}: a key holds a line break: {broken[0]!r}")
    for key, value in (overrides or {}).items():
        table, _, name = key.partition(".")
        if name and table in ("design", "output"):
            data[table] = {**data.get(table, {}), name: value}
        else:
            data[key] = value
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as err:
        raise ExperimentError(spec_error(err, data, str(path))) from None
    arms = _arms(spec, path, origins)
    given = spec.design
    if spec.design.kind == "points":  # each factor's values are its column of the file
        spec = spec.model_copy(update={"factors": read_points(path, spec)})
        given = DesignSpec(kind="grid")  # values checked as a grid's are
    factors = tuple(
        resolve_factor(path, key, factor, given, arms) for key, factor in spec.factors.items()
    )
    check_design(path, spec, factors, len(arms))
    points = design_points(
        spec.design.kind,
        factors,
        spec.design.points or 0,
        spec.design.seed,
        spec.design.levels,
        spec.design.second_order,
    )
    _check_outputs(path, spec.output, arms)
    for index, values in enumerate(points):  # values valid alone may contradict each other
        for arm, base in arms.items():
            _with(base, values, f"{path}: design point {index} ({_describe(values)}), arm {arm!r}")
    return Experiment(spec, path.resolve(), arms, factors, tuple(points), data)


def arms_experiment(
    name: str,
    arms: Mapping[str, Scenario],
    replications: int,
    seed: int,
    output: Mapping[str, Any],
    source: Path,
) -> Experiment:
    """An experiment of named arms with no factors, built from scenarios already loaded.

    Args:
        name: the experiment's name.
        arms: arm name -> resolved scenario (each run with the same seeds).
        replications: runs per arm.
        seed: the root seed of the replications.
        output: the `[output]` table (kpis, series, every).
        source: where the experiment is recorded as coming from.

    Raises:
        ExperimentError: an output no arm records, or a bad setting (one line).
    """
    data: dict[str, Any] = {
        "name": name,
        "arms": {arm: str(s.source or arm) for arm, s in arms.items()},
        "design": {"replications": replications, "seed": seed},
        "output": dict(output),
    }
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as err:
        raise ExperimentError(spec_error(err, data, name)) from None
    check_design(source, spec, (), len(arms))
    _check_outputs(source, spec.output, arms)
    return Experiment(spec, source, dict(arms), (), ({},), data)


def _flatten_tables(data: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys written as nested TOML tables (``run.steps = 3``) made flat again."""
    out = dict(data)
    if isinstance(out.get("overrides"), dict):
        out["overrides"] = _flat(out["overrides"], stop=_never)
    if isinstance(out.get("factors"), dict):
        out["factors"] = _flat(out["factors"], stop=_is_factor)
    return out


def _all_keys(data: Mapping[str, Any]) -> list[str]:
    keys = []
    for key, value in data.items():
        keys.append(str(key))
        if isinstance(value, Mapping):
            keys.extend(_all_keys(value))
    return keys


def _never(_: Mapping[str, Any]) -> bool:
    return False


def _is_factor(table: Mapping[str, Any]) -> bool:
    """A factor's own table holds values (its keys' tables would hold tables only)."""
    return not table or not all(isinstance(value, Mapping) for value in table.values())


def _flat(
    table: Mapping[str, Any], stop: Callable[[Mapping[str, Any]], bool], prefix: str = ""
) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not stop(value):
            flat |= _flat(value, stop, f"{name}.")
        else:
            flat[name] = value
    return flat


def _arms(
    spec: ExperimentSpec, path: Path, origins: Mapping[tuple[str, ...], str]
) -> dict[str, Scenario]:
    if (spec.scenario is None) == (not spec.arms):
        raise ExperimentError(
            f'{path}: give either `scenario = "file.toml"` or an [arms] table of name = file'
        )
    files = {"base": spec.scenario} if spec.scenario is not None else dict(spec.arms)
    arms = {}
    for name, file in files.items():
        key = ("scenario",) if spec.scenario is not None else ("arms", name)
        base = Path(origins.get(key, str(path))).parent
        where = "scenario" if spec.scenario is not None else f"arms.{name}"
        try:
            scenario = load_scenario(base / file)
        except ScenarioError as err:
            raise ExperimentError(f"{path}: {where} = {file!r}: {err}") from None
        try:
            arms[name] = scenario.with_overrides(spec.overrides, f"{path}: overrides")
        except ScenarioError as err:
            raise ExperimentError(str(err)) from None
    return arms


def _check_outputs(path: Path, output: OutputSpec, arms: Mapping[str, Scenario]) -> None:
    for arm, scenario in arms.items():
        try:
            kpis, series = output_names(scenario)
        except (OSError, ValueError) as err:
            message = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise ExperimentError(f"{path}: arm {arm!r} cannot be built: {message}") from None
        for field, wanted, known in (
            ("kpis", output.kpis, kpis),
            ("series", output.series, series),
        ):
            unknown = [name for name in wanted if name not in known]
            if unknown:
                raise ExperimentError(
                    f"{path}: output.{field}: {unknown[0]!r} is not recorded in arm {arm!r} "
                    f"(known: {', '.join(known)})"
                )


def _with(base: Scenario, values: Mapping[str, Any], where: str) -> Scenario:
    try:
        return base.with_overrides(values, where) if values else base
    except ScenarioError as err:
        raise ExperimentError(str(err)) from None


def _describe(values: Mapping[str, Any]) -> str:
    return (
        ", ".join(
            f"{k} = {v:.6g}" if isinstance(v, float) else f"{k} = {v!r}" for k, v in values.items()
        )
        or "no factors"
    )
