"""Output folders that never lose a user's files.

A command writes its output into a staging folder beside the target, then
swaps it into place. The rules:

* the target must be new, empty, or a previous recruitsim output (its
  `manifest.json` says so, and it holds nothing but the files recruitsim
  writes); a previous output is replaced only with `overwrite`;
* everything is checked, and the staging folder created, before any run
  starts, so a bad target fails in a second, not after the simulation;
* the swap exchanges the staging folder and the old output in one step
  (Linux `renameat2(RENAME_EXCHANGE)`): at every instant the target holds
  the old output or the new one. Where the exchange is not available, the
  old output is moved aside first and put back by the next command if it
  was killed in between;
* staging folders of commands that were killed are removed by the next
  command writing to the same target.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

MARKER = "recruitsim"
"""Key of `manifest.json` that marks a folder as a recruitsim output."""

STAGING_TAG = ".recruitsim-staging"
"""File in a staging folder holding the writing process's id (removed once in place)."""

OUTPUT_FILES = frozenset(
    {"timeseries.parquet", "timeseries.csv", "summary.csv", "manifest.json", "adoption.png"}
    | {STAGING_TAG}
)
"""The files a `recruitsim run` output may hold."""
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputError(Exception):
    """An output folder that cannot be written: the message is one line."""


def slug(name: str) -> str:
    """A folder name made from a scenario name: letters, digits, `.`, `_`, `-`.

    Anything else becomes `-`; leading dots and dashes are dropped, so the
    result never climbs out of its parent folder; an empty result is
    `unnamed`.
    """
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")
    return text[:100] or "unnamed"


def owns_run_file(name: str) -> bool:
    """Whether a file name is one a `recruitsim run` output holds."""
    return name in OUTPUT_FILES


def owns_validation_file(name: str) -> bool:
    """Whether a file name is one a `recruitsim validate` report holds."""
    return name in ("manifest.json", STAGING_TAG) or name.startswith("validation")


def is_previous_output(folder: Path, owns: Callable[[str], bool] = owns_run_file) -> bool:
    """Whether `folder` holds a recruitsim output (of the files `owns` names) and nothing else."""
    try:
        names = {entry.name for entry in folder.iterdir()}
    except OSError:
        return False
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict):  # older run outputs have no marker but these keys
        marked = MARKER in data or {"scenario", "scenario_hash", "seeds", "packages"} <= data.keys()
    else:  # a report written before reports had a manifest
        legacy = {"validation.md", "validation_checks.csv"}
        marked = owns is owns_validation_file and legacy <= names
    return marked and all(owns(name) for name in names)


def check_target(
    out: Path, overwrite: bool, option: str = "--out", owns: Callable[[str], bool] = owns_run_file
) -> None:
    """Refuse, with one line, a target that cannot receive an output folder.

    Raises:
        OutputError: the target is empty text, a file, a folder holding
            other files, a previous output without `overwrite`, or lies
            under a parent that is a file or cannot be written.
    """
    if str(out) in ("", "."):
        raise OutputError(f"{option} = {str(out)!r}: give a folder name (new or empty)")
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError(f"{option} = {str(out)!r}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not is_previous_output(out, owns):
            raise OutputError(
                f"{option} = {str(out)!r}: the folder holds files recruitsim did not write; "
                "choose a new or empty folder"
            )
        if not overwrite:
            raise OutputError(
                f"{option} = {str(out)!r}: holds a previous output; pass --overwrite "
                "to replace it, or choose another folder"
            )
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{option} = {str(out)!r}: {str(parent)!r} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{option} = {str(out)!r}: cannot write in {str(parent)!r}")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(folder: Path, owns: Callable[[str], bool]) -> bool:
    """Whether a staging folder was left by a command that no longer runs.

    A folder with a tag is stale when its process is gone; one without a
    tag only when it holds a whole previous output (the old output an
    exchange left there). Anything else is left alone: being created, or
    not ours.
    """
    try:
        pid = int((folder / STAGING_TAG).read_text(encoding="ascii"))
    except FileNotFoundError:
        return is_previous_output(folder, owns)
    except (OSError, ValueError):
        return False
    return not _process_alive(pid)


def _clean_up(out: Path, owns: Callable[[str], bool]) -> None:
    """Remove stale staging folders of `out`; put back an old output a killed swap moved aside."""
    for folder in out.parent.glob(f".{out.name}.staging-*"):
        if folder.is_dir() and _stale(folder, owns):
            shutil.rmtree(folder, ignore_errors=True)
    for folder in out.parent.glob(f".{out.name}.old-*"):
        if not folder.is_dir() or not _stale(folder, owns):
            continue
        if not out.exists() and is_previous_output(folder / "output", owns):
            os.replace(folder / "output", out)
        shutil.rmtree(folder, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step; False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _new_folder(parent: Path, prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)  # as a plain mkdir would, not mkdtemp's 0700
    (folder / STAGING_TAG).write_text(str(os.getpid()), encoding="ascii")
    return folder


@contextlib.contextmanager
def staged_output(
    out: Path, overwrite: bool, option: str = "--out", owns: Callable[[str], bool] = owns_run_file
) -> Iterator[Path]:
    """A staging folder for the output at `out`, swapped into place when the block succeeds.

    The target is checked and the staging folder created on entry, before
    the caller runs anything. On an error or an interrupt the staging
    folder is removed and the target left as it was.

    Raises:
        OutputError: the target cannot receive an output (see `check_target`).
    """
    if out.parent.is_dir() and str(out) not in ("", "."):
        _clean_up(out, owns)  # first: it may put back an output a killed command moved aside
    check_target(out, overwrite, option, owns)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = _new_folder(out.parent, f".{out.name}.staging-")
    except OSError as err:
        raise OutputError(f"{option} = {str(out)!r}: {err.strerror or err}") from err
    try:
        yield staging
        _swap_into_place(staging, out, overwrite, option, owns)
        (out / STAGING_TAG).unlink(missing_ok=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap_into_place(
    staging: Path, out: Path, overwrite: bool, option: str, owns: Callable[[str], bool]
) -> None:
    check_target(out, overwrite, option, owns)  # still new, empty or our output
    if not out.exists():
        os.replace(staging, out)
        return
    if _exchange(staging, out):  # staging now holds the old output, removed on exit
        return
    aside = _new_folder(out.parent, f".{out.name}.old-")
    os.replace(out, aside / "output")  # a kill from here to the next line: restored next time
    os.replace(staging, out)
    shutil.rmtree(aside, ignore_errors=True)
