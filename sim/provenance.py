"""Where results come from: package versions, the source tree's git commit, how to cite it."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("recruitsim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "networkx", "pydantic")
CITATION = "CITATION.cff"
"""How to cite recruitsim: this file, at the root of its source tree."""


def package_versions() -> dict[str, str | None]:
    """Python's version and those of the packages results depend on (None if absent)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        versions[name] = _installed_version(name)
    return versions


def citation() -> dict[str, str | None]:
    """The keys every manifest.json holds: recruitsim's version, and how to cite it.

    `version` is the installed package's (None if it is not installed);
    `cite` names the citation file at the root of the source tree.
    """
    return {"version": _installed_version("recruitsim"), "cite": CITATION}


def git_commit() -> str | None:
    """Commit of the source tree, with ``-dirty`` if tracked files changed; None outside git."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.stdout.strip() + ("-dirty" if status.stdout.strip() else "")


def _installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
