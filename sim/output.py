"""Output folders that never lose a user's files.

A command writes its output into a staging folder beside the target, then
puts it in place. The rules:

* the target must be new, empty, or a previous output of the same command
  (its `manifest.json` says so, and it holds nothing but the files that
  command writes); a previous output is replaced only with `overwrite`;
* everything is checked, and the staging folder created, before any run
  starts, so a bad target fails in a second, not after the simulation;
* a previous output is replaced by exchanging it with the staging folder in
  one step (Linux `renameat2(RENAME_EXCHANGE)`): at every instant the
  target holds the old output or the new one. Where the exchange is not
  available, the old output is moved aside first and put back by the next
  command if it was killed in between. An empty target folder (a mount
  point, say) is kept and the files are moved into it, the manifest last;
* staging folders of commands that were killed are removed by the next
  command writing to the same target: only folders tagged with the id of a
  process of this host that no longer runs, holding nothing but that
  command's files.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import glob
import json
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

MARKER = "recruitsim"
"""Key of `manifest.json` that marks a folder as a recruitsim output."""

STAGING_TAG = ".recruitsim-staging"
"""File in a staging folder naming the writing process (`host:pid`), removed once in place."""

OWNED_FILES = {
    "run": frozenset(
        {"timeseries.parquet", "timeseries.csv", "summary.csv", "manifest.json", "adoption.png"}
    ),
    "validate": frozenset(
        {"manifest.json", "validation.md", "validation_checks.csv"}
        | {f"validation_{case}.png" for case in ("bass", "watts", "centola")}
        | {
            f"validation_{table}.csv"
            for table in ("bass", "watts", "watts_mean_field", "watts_window", "centola")
        }
        | {"validation_centola_runs.csv"}
    ),
}
"""The files each command's output holds (and may replace)."""

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


def _owned(names: set[str], kind: str) -> bool:
    return all(name in OWNED_FILES[kind] or name == STAGING_TAG for name in names)


def is_previous_output(folder: Path, kind: str = "run") -> bool:
    """Whether `folder` holds an output of the command `kind` and nothing else."""
    try:
        names = {entry.name for entry in folder.iterdir()}
    except OSError:
        return False
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict) and isinstance(data.get(MARKER), dict):
        marked = data[MARKER].get("output") == kind
    elif isinstance(data, dict):  # run outputs written before the marker
        marked = kind == "run" and {"scenario", "scenario_hash", "seeds", "packages"} <= data.keys()
    else:  # reports written before reports had a manifest
        legacy = {"validation.md", "validation_checks.csv"}
        marked = kind == "validate" and "manifest.json" not in names and legacy <= names
    return marked and _owned(names, kind)


def check_target(out: Path, overwrite: bool, option: str = "--out", kind: str = "run") -> None:
    """Refuse, with one line, a target that cannot receive an output folder.

    Raises:
        OutputError: the target is empty text, a file, a folder holding
            other files, a previous output without `overwrite`, or lies
            under a parent that is a file or cannot be written.
    """
    where = f"{option} = {str(out)!r}"
    if str(out) in ("", ".") or out.name in ("", ".", ".."):
        raise OutputError(f"{where}: give a folder name (new or empty)")
    try:
        if out.is_symlink() or (out.exists() and not out.is_dir()):
            raise OutputError(f"{where}: exists and is not a folder")
        if out.is_dir() and any(out.iterdir()):
            if not is_previous_output(out, kind):
                raise OutputError(
                    f"{where}: the folder holds files recruitsim {kind} did not write; "
                    "choose a new or empty folder"
                )
            if not overwrite:
                raise OutputError(
                    f"{where}: holds a previous output; pass --overwrite to replace it, "
                    "or choose another folder"
                )
            if not _movable(out):
                raise OutputError(
                    f"{where}: holds a previous output that cannot be moved (a mount point, "
                    "or another user's folder); empty it or choose another folder"
                )
        parent = out.parent
        while not parent.exists():
            parent = parent.parent
    except OSError as err:
        raise OutputError(f"{where}: {err.strerror or err}") from None
    if not parent.is_dir():
        raise OutputError(f"{where}: {str(parent)!r} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{where}: cannot write in {str(parent)!r}")


def _movable(folder: Path) -> bool:
    """Whether a folder can be renamed: not a mount point; ours, or its parent not sticky."""
    if os.path.ismount(folder):
        return False
    parent = folder.parent.stat()
    sticky = parent.st_mode & 0o1000
    return not sticky or os.geteuid() in (0, folder.stat().st_uid, parent.st_uid)


def _tag() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _stale(folder: Path, kind: str) -> bool:
    """Whether a tagged folder was left by a process of this host that no longer runs."""
    try:
        host, _, pid = (folder / STAGING_TAG).read_text(encoding="ascii").rpartition(":")
        names = {entry.name for entry in folder.iterdir()}
        if host != socket.gethostname() or not _owned(names - {"output"}, kind):
            return False
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (OSError, ValueError):  # no tag, not ours, or alive and someone else's
        return False
    return False


def _clean_up(out: Path, kind: str) -> None:
    """Remove stale staging folders of `out`; put back an old output a killed swap moved aside."""
    name = glob.escape(out.name)
    for folder in out.parent.glob(f".{name}.staging-*"):
        if folder.is_dir() and _stale(folder, kind):
            shutil.rmtree(folder, ignore_errors=True)
    for folder in out.parent.glob(f".{name}.old-*"):
        if not folder.is_dir() or not _stale(folder, kind):
            continue
        old = folder / "output"
        if not out.exists() and is_previous_output(old, kind):
            os.replace(old, out)
        if not old.exists():  # restored, or nothing there: the folder is empty of outputs
            shutil.rmtree(folder, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step; False where the system cannot.

    Raises:
        OSError: the system can, but refused (e.g. a mount point, a sticky folder).
    """
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError, TypeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    renameat2.restype = ctypes.c_int
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
    (folder / STAGING_TAG).write_text(_tag(), encoding="ascii")
    return folder


@contextlib.contextmanager
def staged_output(
    out: Path, overwrite: bool, option: str = "--out", kind: str = "run"
) -> Iterator[Path]:
    """A staging folder for the output at `out`, put in place when the block succeeds.

    The target is checked and the staging folder created on entry, before
    the caller runs anything. On an error or an interrupt the staging folder is removed and
    the target left as it was.

    Raises:
        OutputError: the target cannot receive an output (see `check_target`).
    """
    where = f"{option} = {str(out)!r}"
    with contextlib.suppress(OSError):
        if out.parent.is_dir() and out.name not in ("", ".", ".."):
            _clean_up(out, kind)  # first: it may put back an output a killed command moved aside
    check_target(out, overwrite, option, kind)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = _new_folder(out.parent, f".{out.name}.staging-")
    except OSError as err:
        raise OutputError(f"{where}: {err.strerror or err}") from None
    try:
        yield staging
        try:
            _put_in_place(staging, out, overwrite, option, kind)
        except OSError as err:
            raise OutputError(f"{where}: {err.strerror or err}") from None
        (out / STAGING_TAG).unlink(missing_ok=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _put_in_place(staging: Path, out: Path, overwrite: bool, option: str, kind: str) -> None:
    check_target(out, overwrite, option, kind)  # still new, empty or our output
    if not out.exists():
        os.replace(staging, out)
    elif not any(out.iterdir()):  # an empty folder (maybe a mount point): fill it, keep it
        files = sorted(staging.iterdir(), key=lambda p: p.name == "manifest.json")
        for path in files:  # the manifest last: a partial folder is never taken for an output
            os.replace(path, out / path.name)
    else:
        (out / STAGING_TAG).write_text(_tag(), encoding="ascii")  # the old one, once swapped
        if _exchange(staging, out):  # staging now holds the old output, removed on exit
            return
        aside = _new_folder(out.parent, f".{out.name}.old-")
        os.replace(out, aside / "output")  # a kill from here to the next line: restored next time
        os.replace(staging, out)
        shutil.rmtree(aside, ignore_errors=True)
