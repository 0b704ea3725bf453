"""A store's write-ahead log set aside by a snapshot, and what an open does with one a dead process left.

``ws.snapshot(path, replace=True)`` over a store with its log (``x.duckdb.wal``: a killed kernel's changes not yet
checkpointed into ``x.duckdb``) sets the log aside as ``.x.duckdb.wal.XXXXXXXX.old`` before it puts the snapshot in
the store's place (left beside the snapshot, the old log made it unopenable), and deletes it after. Two files cannot
change in one step, so a process dying in between leaves the aside file behind, in one of two states:

- died before the replace: ``x.duckdb`` is still the old store and the aside file is *its* log. Opened as it is, the
  store read without those changes, and nothing said so. Putting the log back is provably right when DuckDB itself
  takes it as that file's log: its header names the database file it was written for and the checkpoint it follows,
  and DuckDB refuses a log of another file ("WAL does not match database file") or of an earlier state of this one
  (a store written and checkpointed since: "checkpoint iteration does not match"). So the open puts it back (a hard
  link in the log's place, which fails if a log is there), checks it with a read-only open (DuckDB replays a log in
  memory there, changing no file) and, accepted, deletes the aside name: the store's own open replays it.
- died after the replace: ``x.duckdb`` is the snapshot and the aside file the replaced store's log, which belongs to
  no file any more (DuckDB refuses it, as above). It is left where it is and the open says what it is: a snapshot
  was asked to replace that store, so its changes went with it on purpose; the user deletes it.

Anything else (a log already beside the store: two logs cannot both be replayed; DuckDB refusing it for another
reason; no store file) leaves the aside file untouched and is said too: nothing is deleted that was not replayed.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import tempfile
from pathlib import Path

import duckdb

from .._open_files import writer_of
from ._read_only_open import connect_read_only

_log = logging.getLogger("workbench.store")


def set_aside(target: Path) -> Path | None:
    """Move ``target``'s write-ahead log (if any) to a new ``.NAME.wal.XXXXXXXX.old`` beside it; its new path."""
    wal = Path(f"{target}.wal")
    if not wal.exists():
        return None
    fd, aside = tempfile.mkstemp(prefix=f".{wal.name}.", suffix=".old", dir=target.parent)
    os.close(fd)
    os.replace(wal, aside)
    return Path(aside)


def set_aside_logs(target: Path) -> list[Path]:
    """The logs snapshots set aside from ``target`` and did not delete (their processes died), oldest first."""
    pattern = os.path.join(glob.escape(str(target.parent)), f".{glob.escape(target.name)}.wal.*.old")
    found = [Path(p) for p in glob.glob(pattern)]
    return sorted(found, key=lambda p: (_mtime(p), p.name))


def recover(target: str | os.PathLike[str]) -> None:
    """Before ``target`` is opened: put back the log a dead snapshot set aside from it when DuckDB takes it as that
    file's (the store then opens with its changes); say what every other one is (module docstring)."""
    target = Path(target)
    asides = set_aside_logs(target)
    if not asides:
        return
    if not target.is_file():
        for aside in asides:
            _tell(aside, target, f"there is no store file {target} any more")
        return
    if not _nobody_writes(target):
        return  # (another process, or this one, holds it for writing: the open says so; the log waits)
    for aside in asides:
        _put_back(aside, target)


def _put_back(aside: Path, target: Path) -> None:
    wal = Path(f"{target}.wal")
    try:
        os.link(aside, wal)
    except FileExistsError:
        _tell(
            aside,
            target,
            f"the store has a log of its own beside it ({wal.name}, written after), and DuckDB replays one log",
        )
        return
    except OSError as exc:
        _tell(aside, target, f"it could not be put back as {wal.name} ({exc.strerror or exc})")
        return
    try:
        connect_read_only(str(target)).close()
    except duckdb.Error as exc:
        with contextlib.suppress(OSError):
            if os.path.samefile(wal, aside):
                wal.unlink()  # (the link made here: the aside name keeps the file)
        text = str(exc)
        if "does not match database file" in text:
            why = (
                "DuckDB says it is no log of the file there now: the snapshot had replaced the store it was "
                "set aside from (so its changes went with that store, as the snapshot was asked), or the file was "
                "replaced since"
            )
        elif "checkpoint iteration does not match" in text:
            why = (
                "DuckDB says it is a log of an earlier state of this store, which was written and checkpointed "
                "since: its changes cannot be replayed into the store any more"
            )
        else:
            why = f"DuckDB could not replay it: {type(exc).__name__}: {text[:300]}"
        _tell(aside, target, why)
        return
    aside.unlink()
    _log.warning(
        "%s: a snapshot over this store was stopped (its process died) after it set the store's write-ahead log "
        "aside as %s and before it replaced the store; the log is put back as %s (DuckDB takes it as this file's), "
        "so the store opens with the changes it holds, and the snapshot was not written: write it again",
        target,
        aside.name,
        wal.name,
    )


def _tell(aside: Path, target: Path, why: str) -> None:
    _log.warning(
        "%s is the write-ahead log of the store %s a snapshot set aside (its process died before deleting it): the "
        "changes it holds are not in the store opened now, because %s. It was left as it is; delete it once "
        "nothing in it is wanted",
        aside,
        target,
        why,
    )


def _nobody_writes(target: Path) -> bool:
    """Whether no DuckDB instance holds ``target`` for writing (a read-only open is refused while one does)."""
    if writer_of(target) is not None:
        return False
    try:
        connect_read_only(str(target)).close()
    except (duckdb.ConnectionException, duckdb.ResourceInUseException):
        return False  # (this process holds it: DuckDB refuses a second instance of the file)
    except duckdb.IOException as exc:
        return (
            "lock" not in str(exc).lower()
        )  # (another process's write lock; else the put-back's check says why)
    except duckdb.Error:
        return True
    return True


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0
