"""Scenario files: TOML loading, `extends`, dotted overrides, one-line errors.

A scenario is a TOML file validated against `sim.params.ScenarioParams`.
`extends = "other.toml"` (relative to the file) inherits the other file and
overrides it table by table; `overrides={"network.kind": "complete"}` (or
`--set network.kind=complete`) applies last. Any problem raises
`ScenarioError` with one line naming the file, the dotted key, the value and
what would be valid.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.params import INTERVENTION_TYPES, ScenarioParams


class ScenarioError(ValueError):
    """A scenario that cannot be loaded: the message is one line saying where and why."""


@dataclass(frozen=True)
class Scenario:
    """A validated scenario and where it came from.

    Attributes:
        params: the validated, frozen parameters.
        source: the file it was loaded from (None when built in code).
    """

    params: ScenarioParams
    source: Path | None = None

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths in the scenario are resolved against."""
        return self.source.parent if self.source else Path.cwd()

    def to_dict(self) -> dict[str, Any]:
        """The scenario as resolved, as plain JSON-able data."""
        return self.params.model_dump(mode="json")

    @property
    def hash(self) -> str:
        """SHA-256 of the resolved scenario (canonical JSON), first 16 hex digits."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """Return a copy with dotted-key overrides applied and validated."""
        data = self.to_dict()
        where = str(self.source) if self.source else "<scenario>"
        for key, value in overrides.items():
            _set_dotted(data, key, value, where)
        return Scenario(_validate(data, where), self.source)


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a scenario file, resolve `extends`, apply overrides and validate.

    Args:
        path: TOML scenario file.
        overrides: dotted keys to values, e.g. ``{"network.kind": "complete"}``;
            string values from the command line are parsed as TOML values.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: on a missing file, bad TOML, an unknown key, a wrong
            type or an out-of-range value.
    """
    path = Path(path)
    data = _read_with_extends(path, seen=())
    for key, value in (overrides or {}).items():
        _set_dotted(data, key, value, str(path))
    return Scenario(_validate(data, str(path)), path.resolve())


def scenario_from_dict(data: Mapping[str, Any], name: str = "<dict>") -> Scenario:
    """Validate a scenario given as nested dicts (e.g. built in a test or notebook)."""
    return Scenario(_validate(dict(data), name))


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``key=value`` from the command line; the value is read as TOML, else a string."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(f"--set {text!r}: expected KEY=VALUE, e.g. network.kind=complete")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.strip(), value


def _read_with_extends(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    if not path.is_file():
        raise ScenarioError(f"{path}: scenario file not found")
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(str(p) for p in (*seen, resolved))
        raise ScenarioError(f"{path}: `extends` forms a cycle: {chain}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: invalid TOML: {err}") from None
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends = {parent!r}: expected a file name (a string)")
    base = _read_with_extends(path.parent / parent, (*seen, resolved))
    return _merge(base, data)


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge tables; arrays (such as interventions) are replaced whole."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def _set_dotted(data: dict[str, Any], key: str, value: Any, where: str) -> None:
    parts = key.split(".")
    node = data
    for i, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            prefix = ".".join(parts[: i + 1])
            raise ScenarioError(f"{where}: cannot set {key!r}: {prefix!r} is not a table")
        node = child
    node[parts[-1]] = value


def _validate(data: dict[str, Any], where: str) -> ScenarioParams:
    try:
        return ScenarioParams.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_one_line(err, data, where)) from None


def _one_line(err: ValidationError, data: Mapping[str, Any], where: str) -> str:
    """Turn pydantic's first error into one line: file, dotted key, value, what is allowed."""
    errors = err.errors()
    # With a union (e.g. a number or a table), prefer the branch the input matched in type.
    matched = [e for e in errors if not e["type"].endswith(("_type", "_parsing"))]
    first = (matched or errors)[0]
    loc = _clean_loc(first["loc"])
    key = ".".join(loc) if loc else "<top level>"
    kind = first["type"]
    if kind == "extra_forbidden":
        fields = _fields_at(loc[:-1], data)
        close = difflib.get_close_matches(loc[-1], fields, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        allowed = ", ".join(sorted(fields))
        value = _lookup(data, loc)
        return f"{where}: unknown key {key!r} = {value!r}{hint} (allowed here: {allowed})"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        value = _lookup(data, [*loc, "type"])
        shown = f" = {value!r}" if value is not _MISSING else " is missing"
        allowed = ", ".join(INTERVENTION_TYPES)
        return f"{where}: {key}.type{shown}: unknown intervention type (allowed: {allowed})"
    message = first["msg"].removeprefix("Value error, ")
    if not loc:  # a check across sections: its message names the keys
        return f"{where}: {message}"
    value = _lookup(data, loc)
    shown = f" = {value!r}" if value is not _MISSING else ""
    return f"{where}: {key}{shown}: {message}"


_MISSING = object()
_UNION_MEMBERS = {
    "float",
    "int",
    "str",
    "bool",
    "none",
    "constrained-float",
    "ThresholdDistribution",
}


def _clean_loc(loc: tuple[Any, ...]) -> list[str]:
    """Dotted-key parts of an error location, without pydantic's union member names."""
    parts = [str(part) for part in loc]
    if len(parts) > 2 and parts[0] == "interventions":
        del parts[2]  # the intervention type tag
    return [p for p in parts if p not in _UNION_MEMBERS and not p.startswith("function-")]


def _lookup(data: Any, loc: list[str]) -> Any:
    node = data
    for part in loc:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list | tuple) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _fields_at(loc: list[str], data: Mapping[str, Any]) -> list[str]:
    """Field names allowed at a location in the schema (empty if unknown)."""
    if len(loc) == 2 and loc[0] == "interventions":
        spec = _lookup(data, loc)
        kind = spec.get("type") if isinstance(spec, Mapping) else None
        model = INTERVENTION_TYPES.get(kind) if isinstance(kind, str) else None
        return list(model.model_fields) if model else []
    model: type[BaseModel] = ScenarioParams
    for part in loc:
        field = model.model_fields.get(part)
        if field is None:
            return []
        annotation = field.annotation
        nested = [
            arg
            for arg in (*getattr(annotation, "__args__", ()), annotation)
            if isinstance(arg, type) and issubclass(arg, BaseModel)
        ]
        if not nested:
            return []
        model = nested[0]
    return list(model.model_fields)
