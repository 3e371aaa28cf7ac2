"""Edge-list files: node pairs read into a `Network`, with one-line errors for bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.network import Network, from_edges
from sim.scenario import ScenarioError


def read_edgelist(path: Path) -> Network:
    """Read a whitespace- or comma-separated file of node pairs.

    Node labels are either all integers, numbered 0..n-1 in numeric order,
    or all text, numbered in sorted order; their number sets the
    population. ``#`` starts a comment. A mix of the two (a header line
    such as ``source,target``, or ``01`` beside ``1``, which would merge)
    is an error naming the line.

    Raises:
        ScenarioError: the file is missing, unreadable, not UTF-8 text,
            holds no ties, a line without two labels, or mixed labels.
    """
    where = f"network.path = {str(path)!r}"
    try:
        if path.exists() and not path.is_file():  # a folder, a FIFO, a device: never read
            raise ScenarioError(f"{where}: not a regular file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{where}: edge-list file not found") from None
    except UnicodeDecodeError as err:
        raise ScenarioError(f"{where}: not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise ScenarioError(f"{where}: cannot read the file: {err.strerror or err}") from None
    tokens: list[str] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("#", 1)[0].replace(",", " ").split()
        if not fields:
            continue
        if len(fields) != 2:
            raise ScenarioError(
                f"{path}:{number}: expected two node labels per line, got {len(fields)}"
            )
        tokens.extend(fields)
        lines.append(number)
    if not tokens:
        raise ScenarioError(f"{path}: edge list has no ties")
    labels = _node_labels(tokens, lines, path)
    unique, index = np.unique(labels, return_inverse=True)
    return from_edges(int(unique.size), index[0::2], index[1::2])


def _node_labels(tokens: list[str], lines: list[int], path: Path) -> np.ndarray:
    """The labels as integers if all are, as text if none is; an error naming the odd one."""
    is_integer = np.array([_canonical_integer(token) for token in tokens])
    if is_integer.all():
        return np.array(tokens).astype(np.int64)
    if is_integer.any():
        mostly_integers = 2 * np.count_nonzero(is_integer) >= is_integer.size
        odd = int(np.flatnonzero(is_integer != mostly_integers)[0])  # first of the minority
        kinds = ("text", "integer") if mostly_integers else ("an integer", "text")
        raise ScenarioError(
            f"{path}:{lines[odd // 2]}: label {tokens[odd]!r} is {kinds[0]} among "
            f"{kinds[1]} labels: labels must be all integers (no leading zeros) or all "
            "text, and a header line must start with #"
        )
    return np.array(tokens)


def _canonical_integer(token: str) -> bool:
    """Whether a label is an integer written the one way (`7`, `-3`; not `07`, `+7`, `7.0`)."""
    try:
        return str(int(token)) == token
    except ValueError:
        return False
