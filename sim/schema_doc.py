"""The parameter tables of docs/ODD.md (section 7.10), generated from the scenario schema.

One table per TOML table of a scenario, found by walking `ScenarioParams`:
its top-level keys, each section (`[run]`, `[population]`, ...), a section
nested in a field (`[decision.threshold]`), and the `[[interventions]]`
tables: the keys every type shares, then those each type adds or changes.
Each row gives a key, its default as written in TOML, the values allowed
at load (the `Literal` choices, the `ge`/`gt`/`le`/`lt` bounds, `| None`),
and its meaning.

The meaning is read from the comments in the class's source: the block of
whole-line comments directly above the field (no blank line between), then
the comment at the end of the field's line(s), joined by "; ". A comment
block above a group of fields therefore documents the first field of the
group only. A class's docstring introduces its table.

`python -m sim.schema_doc docs/ODD.md` rewrites the part of the file between
`BEGIN` and `END` with `parameter_tables()`.
"""

from __future__ import annotations

import ast
import inspect
import io
import json
import os
import sys
import textwrap
import tokenize
import types
import typing
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic.fields import FieldInfo

from sim.params import ScenarioParams
from sim.schema import Section

BEGIN = "<!-- parameters:begin -->"
END = "<!-- parameters:end -->"
COMMAND = "python -m sim.schema_doc docs/ODD.md"
"""The command that regenerates the tables of docs/ODD.md."""

HEADER = "| key | default | allowed values | meaning |\n|---|---|---|---|"
BOUNDS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
NONE = "\N{EN DASH}"
"""The meaning cell of a field without a comment."""


def field_meanings(cls: type) -> dict[str, str]:
    """Meaning of each field `cls` itself declares, from the comments in its source.

    A field's meaning is the whole-line comment block directly above it
    followed by the comment(s) at the end of its line(s), joined by "; ";
    an uncommented field has an empty meaning.
    """
    source = _class_source(cls)
    whole_line: dict[int, str] = {}
    trailing: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, column = token.start
            text = token.string.lstrip("#").strip()
            (trailing if token.line[:column].strip() else whole_line)[row] = text
    meanings = {}
    for node in _class_node(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            above: list[str] = []
            row = node.lineno - 1
            while row in whole_line:
                above.insert(0, whole_line[row])
                row -= 1
            end = [trailing[r] for r in range(node.lineno, node.end_lineno + 1) if r in trailing]
            parts = (" ".join(above), " ".join(end))
            meanings[node.target.id] = "; ".join(part for part in parts if part)
    return meanings


def default_expressions(cls: type) -> dict[str, str]:
    """Each field's default as the source writes it, where that is not a plain literal.

    `1.0 / 260` is kept, so that the table can show it beside the value;
    for literals (`0.3`, `-1`, `"sbm"`) and calls (`RunParams()`) it is "".
    """
    expressions = {}
    for node in _class_node(_class_source(cls)).body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        value = node.value
        if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "Field":
            keywords = [k.value for k in value.keywords if k.arg == "default"]
            value = value.args[0] if value.args else (keywords[0] if keywords else None)
        if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
            value = value.operand
        plain = value is None or isinstance(value, ast.Constant | ast.Call)
        expressions[node.target.id] = "" if plain else ast.unparse(value)
    return expressions


def toml_value(value: Any) -> str:
    """A value as TOML writes it (floats in their shortest exact form)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return repr(value)


def allowed_values(annotation: Any, metadata: list[Any], key: str) -> str:
    """The values a field of this type and these constraints accepts at load.

    Args:
        annotation: the field's type.
        metadata: its constraints (`annotated_types` objects or `FieldInfo`).
        key: its dotted key, naming the table a section type is written as.
    """
    if get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        return allowed_values(base, [*metadata, *extra], key)
    if get_origin(annotation) in (typing.Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        text = " or ".join(allowed_values(option, metadata, key) for option in options)
        return f"{text}, or not set" if len(options) < len(get_args(annotation)) else text
    if get_origin(annotation) is Literal:
        return ", ".join(f"`{toml_value(choice)}`" for choice in get_args(annotation))
    if inspect.isclass(annotation) and issubclass(annotation, Section):
        return f"a table `[{key}]`"
    if annotation is bool:
        return "`true`, `false`"
    if annotation is str:
        return "text"
    kind = {int: "integer", float: "number"}.get(annotation, getattr(annotation, "__name__", ""))
    return _bounded(kind, _constraints(metadata))


def section_table(
    cls: type[Section], key: str, names: list[str] | None = None, title: str | None = None
) -> str:
    """The Markdown block of one TOML table: a heading, the class's docstring, a table.

    Args:
        cls: the section's class.
        key: its TOML table name (`run`, `decision.threshold`; "" for the top level).
        names: the fields to list, in order (default: all but those holding tables).
        title: the heading (default: the table's name, `[key]`).
    """
    meanings: dict[str, str] = {}
    expressions: dict[str, str] = {}
    for owner in reversed(cls.__mro__):  # a field declared again keeps its comment if it has none
        if issubclass(owner, Section) and inspect.get_annotations(owner):
            meanings |= {name: text for name, text in field_meanings(owner).items() if text}
            expressions |= default_expressions(owner)
    fields = cls.model_fields
    if names is None:
        names = [name for name in fields if not _holds_tables(fields[name])]
    rows = [HEADER]
    for name in names:
        info = fields[name]
        cells = (
            f"`{name}`",
            _default(info, expressions.get(name)),
            allowed_values(info.annotation, list(info.metadata), f"{key}.{name}".lstrip(".")),
            meanings.get(name) or NONE,
        )
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return f"{_introduction(cls, title or f'`[{key}]`')}\n\n" + "\n".join(rows)


def parameter_tables() -> str:
    """Every table of a scenario, in Markdown: the block between `BEGIN` and `END` in ODD.md."""
    blocks = [section_table(ScenarioParams, "", title="Top level")]
    for name, info in ScenarioParams.model_fields.items():
        if get_origin(info.annotation) is tuple:
            blocks += _list_tables(name, _sections_in(info.annotation))
        elif _holds_tables(info):
            blocks += _nested_tables(info.annotation, name)
    return "\n\n".join(blocks)


def replace_block(text: str, tables: str) -> str:
    """`text` with the lines between the `BEGIN` and `END` markers replaced by `tables`.

    Raises:
        ValueError: the markers are missing, repeated or out of order.
    """
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ValueError(f"expected one {BEGIN} line, then one {END} line")
    head, rest = text.split(BEGIN)
    tail = rest.split(END)[1]
    return f"{head}{BEGIN}\n{tables}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite the parameter tables of the Markdown file named on the command line.

    The new text is written to a temporary file beside it, then renamed
    over it. Returns the exit status (2 for a usage error or missing markers).
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(f"usage: {COMMAND}", file=sys.stderr)
        return 2
    path = Path(args[0])
    try:
        text = replace_block(path.read_text(encoding="utf-8"), parameter_tables())
    except (OSError, ValueError) as err:
        print(f"error: {path}: {err}", file=sys.stderr)
        return 2
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return 0


@cache
def _class_source(cls: type) -> str:
    """The class statement's source (`inspect` parses the whole module to find it: once)."""
    return textwrap.dedent(inspect.getsource(cls))


def _class_node(source: str) -> ast.ClassDef:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef), "inspect.getsource of a class is its class statement"
    return node


def _constraints(metadata: list[Any]) -> dict[str, float]:
    found: dict[str, float] = {}
    for item in metadata:
        for part in item.metadata if isinstance(item, FieldInfo) else [item]:
            for name in BOUNDS:
                if getattr(part, name, None) is not None:
                    found[name] = getattr(part, name)
    return found


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _bounded(kind: str, bounds: dict[str, float]) -> str:
    low = [(name, bounds[name]) for name in ("ge", "gt") if name in bounds]
    high = [(name, bounds[name]) for name in ("le", "lt") if name in bounds]
    if low and high:
        left = "[" if low[0][0] == "ge" else "("
        right = "]" if high[0][0] == "le" else ")"
        return f"{kind} in {left}{_number(low[0][1])}, {_number(high[0][1])}{right}"
    if low or high:
        name, value = (low or high)[0]
        return f"{kind} {BOUNDS[name]} {_number(value)}"
    return kind


def _default(info: FieldInfo, expression: str | None) -> str:
    if info.is_required():
        return "required"
    if info.default is None:
        return "not set"
    value = f"`{toml_value(info.default)}`"
    return f"{value} (= {expression})" if expression else value


def _sections_in(annotation: Any) -> list[type[Section]]:
    if inspect.isclass(annotation) and issubclass(annotation, Section):
        return [annotation]
    return [found for arg in get_args(annotation) for found in _sections_in(arg)]


def _holds_tables(info: FieldInfo) -> bool:
    """Whether a field holds only tables (a section, or a list of them): no row of its own."""
    annotation = info.annotation
    return get_origin(annotation) is tuple or (
        inspect.isclass(annotation) and issubclass(annotation, Section)
    )


def _introduction(cls: type, title: str) -> str:
    doc = inspect.cleandoc(cls.__dict__.get("__doc__") or "")
    paragraphs = [" ".join(p.split()) for p in doc.split("\n\n") if p.strip()]
    first = f"**{title}**" + (f": {paragraphs[0]}" if paragraphs else "")
    return "\n\n".join([first, *paragraphs[1:]])


def _nested_tables(cls: type[Section], key: str) -> list[str]:
    blocks = [section_table(cls, key)]
    for name, info in cls.model_fields.items():
        for nested in _sections_in(info.annotation):
            blocks += _nested_tables(nested, f"{key}.{name}")
    return blocks


def _list_tables(key: str, kinds: list[type[Section]]) -> list[str]:
    """An array of tables of several kinds: the keys they share, then each kind's own."""
    common = next(c for c in kinds[0].__mro__ if all(issubclass(k, c) for k in kinds))
    shared = common.model_fields
    blocks = [section_table(common, key, title=f"`[[{key}]]`, every type")]
    for kind in kinds:
        own = [name for name, info in kind.model_fields.items() if _changed(info, shared.get(name))]
        own.sort(key=lambda name: name != "type")  # the key that picks the kind first
        (label,) = get_args(kind.model_fields["type"].annotation)
        title = f"`[[{key}]]` with `type = {toml_value(label)}`"
        blocks.append(section_table(kind, key, own, title))
    return blocks


def _changed(info: FieldInfo, inherited: FieldInfo | None) -> bool:
    if inherited is None:
        return True
    return (info.annotation, info.default, info.metadata) != (
        inherited.annotation,
        inherited.default,
        inherited.metadata,
    )


if __name__ == "__main__":
    raise SystemExit(main())
