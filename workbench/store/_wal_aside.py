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

An aside file is a dead process's only when no snapshot is in that window now (review50: an open during another
process's snapshot put its log back, the snapshot then replaced the store beside it and the snapshot could not be
opened). So the snapshot holds an exclusive ``fcntl.flock`` on ``.x.duckdb.aside.lock`` over the whole window
(:func:`replacing`), and an open recovers only under that lock, waiting a moment for it (a snapshot holds it for a
rename and a delete): still held, the aside file is a live snapshot's, and the open leaves it alone, unsaid. The
kernel lets go of a dead process's flock, so a dead snapshot's lock never blocks. Windows has no ``fcntl``: there an open cannot tell a
dead snapshot from a running one, puts nothing back and only names the file.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from .._open_files import writer_of
from ._read_only_open import connect_read_only

try:
    import fcntl
except ImportError:  # (Windows)
    fcntl = None  # type: ignore[assignment]

_log = logging.getLogger("workbench.store")
_WAIT_S = 2.0  # (an open's longest wait for the lock a snapshot or another open's recovery holds)


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


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[None]:
    """Held by a snapshot over its set-aside → replace → delete of ``target``'s log: an open's recovery leaves an
    aside log alone meanwhile (waits for an open recovering now). No lock on Windows (no ``fcntl``)."""
    if fcntl is None:
        yield
        return
    lock = _lock_path(target)
    try:
        fd = _take(lock, wait=True)
    except OSError as exc:
        # (a file system with no flock: an open there cannot take it either, and puts nothing back)
        _log.debug("%s: no lock %s for the snapshot's replace (%s)", target, lock.name, exc)
        fd = None
    try:
        yield
    finally:
        if fd is not None:
            _let_go(lock, fd)


@contextlib.contextmanager
def held(path: Path | None) -> Iterator[tuple[int, int] | None]:
    """The identity (device, inode) of the file at ``path`` (None for None), with the file held open meanwhile: an
    inode number is reused once its file is gone, and a file deleted by identity must not be a newer one."""
    if path is None:
        yield None
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        st = os.fstat(fd)
        yield st.st_dev, st.st_ino
    finally:
        os.close(fd)


def drop_aside(aside: Path, ident: tuple[int, int] | None, target: Path) -> None:
    """Delete the log ``replacing``'s holder set aside as ``aside`` (file identity ``ident``, :func:`held` open by the
    caller) after its replace.
    Under the lock nothing of this project's moves it; gone all the same (a program that does not take the lock), it
    must not lie beside the snapshot, which it makes unopenable: there, by that identity, it is deleted and said."""
    try:
        aside.unlink()
        return
    except FileNotFoundError:
        pass
    wal = Path(f"{target}.wal")
    if _unlink_if(wal, ident):
        _log.warning(
            "%s: the replaced store's write-ahead log, set aside as %s by this snapshot, was put back beside the "
            "snapshot by a process that does not take %s; it is deleted (beside the snapshot it made it "
            "unopenable, and the snapshot was asked to replace that store)",
            target,
            aside.name,
            _lock_path(target).name,
        )


def recover(target: str | os.PathLike[str]) -> None:
    """Before ``target`` is opened: put back the log a dead snapshot set aside from it when DuckDB takes it as that
    file's (the store then opens with its changes); say what every other one is (module docstring). A snapshot
    running now is waited for a moment (its lock), then left alone, unsaid."""
    target = Path(target)
    asides = set_aside_logs(target)
    if not asides:
        return
    if fcntl is None:
        for aside in asides:
            _log.warning(
                "%s is the write-ahead log of the store %s a snapshot set aside; on this system (no fcntl.flock) an "
                "open cannot tell a snapshot still running from one whose process died, so it is not put back: "
                "if no snapshot of that store is running, its changes are not in the store opened now; put it back "
                "as %s.wal (none there) or delete it",
                aside,
                target,
                target.name,
            )
        return
    lock = _lock_path(target)
    try:
        fd = _take_soon(lock)
    except OSError as exc:
        for aside in asides:
            _tell(
                aside,
                target,
                f"the lock file {lock.name} that tells a running snapshot could not be taken ({exc})",
            )
        return
    if fd is None:
        return  # (held past _WAIT_S: a snapshot stopped in its window; the aside log is its own, left alone)
    try:
        _recover_held(target)
    finally:
        _let_go(lock, fd)


def _recover_held(target: Path) -> None:
    asides = set_aside_logs(target)  # (again, under the lock: one a snapshot deleted meanwhile is gone)
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


def _take_soon(lock: Path) -> int | None:
    """The lock, waited for at most ``_WAIT_S`` (polled: flock has no timeout): a snapshot holds it for a rename
    and a delete, another open recovering for a read-only open; so the open then reads the snapshot, not the store
    it replaced, and two opens recovering at once take turns (the second no longer opened the store without the log
    the first was putting back). None when still held (a process stopped in its window)."""
    deadline = time.monotonic() + _WAIT_S
    while True:
        fd = _take(lock, wait=False)
        if fd is not None or time.monotonic() >= deadline:
            return fd
        time.sleep(0.01)


def _lock_path(target: Path) -> Path:
    return target.parent / f".{target.name}.aside.lock"


def _take(lock: Path, *, wait: bool) -> int | None:
    """An exclusive flock on the file named ``lock`` (made if absent), or None when another holds it (``wait``
    False). A lock on a file no longer at that name locks nothing (its holder deleted it as it let go), so the
    file locked is checked to be the one at the name, else taken again."""
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)  # (as umask allows: other users' opens take it too)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        own = os.fstat(fd)
        if _identity(lock) == (own.st_dev, own.st_ino):
            return fd
        os.close(fd)


def _let_go(lock: Path, fd: int) -> None:
    """Delete the lock file while still held (the next taker finds no file, or another, and takes again), then let go:
    no lock file is left beside the store."""
    try:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
    finally:
        os.close(fd)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _unlink_if(path: Path, ident: tuple[int, int] | None) -> bool:
    """Delete ``path`` if it is still the file ``ident`` (never by its name alone); whether it was."""
    if ident is None or _identity(path) != ident:
        return False
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
        return True
    return False


def _put_back(aside: Path, target: Path) -> None:
    try:
        with held(
            aside
        ) as ident:  # (the link made here is deleted by this identity, never by its name alone)
            _put_back_held(aside, ident, target)
    except FileNotFoundError:
        return  # (deleted meanwhile, by hand: nothing to put back)


def _put_back_held(aside: Path, ident: tuple[int, int] | None, target: Path) -> None:
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
            _unlink_if(wal, ident)  # (the link made here: the aside name keeps the file)
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
