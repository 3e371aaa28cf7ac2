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
import reprlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.intervention_params import INTERVENTION_TYPES
from sim.params import ScenarioParams


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

    def with_overrides(self, overrides: Mapping[str, Any], where: str | None = None) -> Scenario:
        """Return a copy with dotted-key overrides applied and validated.

        Args:
            overrides: dotted keys to values; an intervention is addressed by
                its name, its label (``<position>_<type>``) or its position,
                e.g. ``interventions.foundations.coverage``.
            where: what errors name as the source of the values (default:
                the scenario's file).
        """
        data = self.to_dict()
        where = where or (str(self.source) if self.source else "<scenario>")
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
        ScenarioError: on a missing or unreadable file, bad TOML, an unknown
            key, a wrong type or an out-of-range value; a value inherited
            through `extends` is reported against the file that sets it.
    """
    path = Path(path)
    origins: dict[tuple[str, ...], str] = {}
    try:
        data = _read_with_extends(path, seen=(), origins=origins, referrer=None)
        for key, value in (overrides or {}).items():
            _set_dotted(data, key, value, str(path))
            origins[tuple(key.split("."))] = str(path)
        return Scenario(_validate(data, str(path), origins), path.resolve())
    except RecursionError:
        raise ScenarioError(f"{path}: tables, arrays or keys nested too deeply") from None


def scenario_from_dict(data: Mapping[str, Any], name: str = "<dict>") -> Scenario:
    """Validate a scenario given as nested dicts (e.g. built in a test or notebook)."""
    return Scenario(_validate(dict(data), name))


def _plain(value: Any) -> Any:
    """`value` with NumPy scalars turned into Python ones, in nested dicts and lists."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    item = getattr(value, "item", None)  # a NumPy scalar, without importing NumPy here
    return item() if callable(item) and type(value).__module__ == "numpy" else value


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``key=value`` from the command line; the value is read as TOML, else a string."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(f"--set {text!r}: expected KEY=VALUE, e.g. network.kind=complete")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    except RecursionError:
        raise ScenarioError(f"--set {key.strip()[:60]!r}: value nested too deeply") from None
    return key.strip(), value


def _read_toml(path: Path, referrer: str | None, what: str = "scenario") -> dict[str, Any]:
    """One file's TOML, or a one-line error naming the file (and the one extending it)."""
    try:
        found = path.is_file()
        text = path.read_text(encoding="utf-8") if found else ""
    except UnicodeDecodeError as err:
        raise ScenarioError(
            f"{path}: not UTF-8 text (byte {err.start} is 0x{err.object[err.start]:02x}); "
            "save the scenario as UTF-8"
        ) from None
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read the file: {err.strerror or err}") from None
    if not found:
        if referrer is not None:
            raise ScenarioError(f"{referrer}: extends = {str(path)!r}: file not found")
        raise ScenarioError(f"{path}: {what} file not found")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: invalid TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    if not data:
        raise ScenarioError(
            f"{path}: the file sets nothing; a {what} needs at least a name "
            "(or `extends` and what it changes)"
        )
    return data


def _read_with_extends(
    path: Path,
    seen: tuple[Path, ...],
    origins: dict[tuple[str, ...], str],
    referrer: str | None,
    what: str = "scenario",
) -> dict[str, Any]:
    """A file merged over the files it extends; `origins` records which file set each key."""
    data = _read_toml(path, referrer, what)
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(str(p) for p in (*seen, resolved))
        raise ScenarioError(f"{path}: `extends` forms a cycle: {chain}")
    parent = data.pop("extends", None)
    if parent is not None and not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends = {_short(parent)}: expected a file name (a string)")
    own = data
    if parent is not None:
        base = _read_with_extends(path.parent / parent, (*seen, resolved), origins, str(path), what)
        data = _merge(base, own)
    for key in _leaves(own):
        origins[key] = str(path)  # after the parents: the file read last sets the value
    return data


def read_with_extends(path: Path, what: str) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """A TOML file merged over the files it `extends`, and which file set each key.

    Args:
        path: the file.
        what: what the file is, for messages ("scenario", "experiment").

    Raises:
        ScenarioError: one line, on a missing, unreadable or empty file,
            bad TOML or a cycle of `extends`.
    """
    origins: dict[tuple[str, ...], str] = {}
    try:
        return _read_with_extends(path, (), origins, None, what), origins
    except RecursionError:
        raise ScenarioError(f"{path}: tables, arrays or keys nested too deeply") from None


def _leaves(data: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Dotted-key paths of a file's values (tables are walked, arrays are one value)."""
    paths = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            paths.extend(_leaves(value, (*prefix, key)))
        else:
            paths.append((*prefix, key))
    return paths


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
    """Set a dotted key; an intervention is addressed by its name, label or position."""
    parts = key.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        prefix = ".".join(parts[: i + 1])
        if isinstance(node, list):
            index = _item_index(node, part)
            if index is None:
                named = ", ".join(_item_labels(node)) or "none"
                raise ScenarioError(
                    f"{where}: cannot set {key!r}: no intervention {part!r} "
                    f"(by name, label or position: {named})"
                )
            part = index
        elif not isinstance(node, dict):
            raise ScenarioError(f"{where}: cannot set {key!r}: {prefix!r} is not a table")
        if i == len(parts) - 1:
            node[part] = value
        elif isinstance(node, dict):
            node = node.setdefault(part, {})
        else:
            node = node[part]


def _item_labels(items: list[Any]) -> list[str]:
    """Labels of interventions as reports show them: the name, else ``<position>_<type>``."""
    return [
        str(item.get("name") or f"{i}_{item.get('type')}") if isinstance(item, dict) else str(i)
        for i, item in enumerate(items)
    ]


def _item_index(items: list[Any], part: str) -> int | None:
    """Position of the intervention a dotted-key part names (name, label or position)."""
    if part.isdigit():
        return int(part) if int(part) < len(items) else None
    labels = _item_labels(items)
    return labels.index(part) if part in labels else None


def _validate(
    data: dict[str, Any], where: str, origins: Mapping[tuple[str, ...], str] | None = None
) -> ScenarioParams:
    try:
        return ScenarioParams.model_validate(_plain(data))  # NumPy numbers count as numbers
    except ValidationError as err:
        raise ScenarioError(_one_line(err, data, where, origins or {})) from None
    except RecursionError:
        raise ScenarioError(f"{where}: tables, arrays or keys nested too deeply") from None


def _origin(loc: list[str], where: str, origins: Mapping[tuple[str, ...], str]) -> str:
    """The file that set the value at `loc`: `where`, or the file it extends that set it."""
    for end in range(len(loc), 0, -1):
        source = origins.get(tuple(loc[:end]))
        if source is not None:
            return where if source == where else f"{source} (extended by {where})"
    return where


def _one_line(
    err: ValidationError,
    data: Mapping[str, Any],
    where: str,
    origins: Mapping[tuple[str, ...], str],
) -> str:
    """Turn pydantic's first error into one line: file, dotted key, value, what is allowed."""
    errors = err.errors()
    # With a union (e.g. a number or a table), prefer the branch the input matched in type.
    matched = [e for e in errors if not e["type"].endswith(("_type", "_parsing"))]
    first = (matched or errors)[0]
    loc = _clean_loc(first["loc"])
    where = _origin(loc, where, origins)
    key = ".".join(loc) if loc else "<top level>"
    kind = first["type"]
    if kind == "extra_forbidden":
        fields = _fields_at(loc[:-1], data)
        close = difflib.get_close_matches(loc[-1], fields, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        allowed = ", ".join(sorted(fields))
        value = _lookup(data, loc)
        return f"{where}: unknown key {key!r} = {_short(value)}{hint} (allowed here: {allowed})"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        value = _lookup(data, [*loc, "type"])
        shown = f" = {_short(value)}" if value is not _MISSING else " is missing"
        allowed = ", ".join(INTERVENTION_TYPES)
        return f"{where}: {key}.type{shown}: unknown intervention type (allowed: {allowed})"
    message = first["msg"].removeprefix("Value error, ")
    if not loc:  # a check across sections: its message names the keys
        return f"{where}: {message}"
    value = _lookup(data, loc)
    shown = f" = {_short(value)}" if value is not _MISSING else ""
    return f"{where}: {key}{shown}: {message}"


_MISSING = object()


def _short(value: Any, limit: int = 60) -> str:
    """A value as written in a message, cut to `limit` characters (and to 3 levels of nesting)."""
    shorter = reprlib.Repr()  # keyword arguments only from Python 3.12
    shorter.maxlevel, shorter.maxstring, shorter.maxother = 3, 50, 50
    text = shorter.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
