"""The store files this process has open, told by file identity (device and inode), not by the name given.

DuckDB shares one instance between opens of one file in a process, keyed by its name; race47's write lock was
keyed by the real path. The same file under a second name that is no symlink (a hard link: a backup tool's
snapshot folder, a data set folder linked to save space) opened two instances writing one file, neither refused
by DuckDB's per-process lock, and what one workspace stored was lost when both closed. :func:`file_name` gives
every name of one file the name it was first opened by, so both opens share the instance and the lock.

:func:`writer_of` tells a file another workspace of this process writes: ``ws.snapshot(path, replace=True)``
replaced it under that workspace, which went on writing the unlinked file, losing its runs without a word."""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any

_NAMES: dict[tuple[int, int], str] = {}  # (st_dev, st_ino) -> the name the file was first opened by
_GUARD = threading.Lock()
_WRITERS: weakref.WeakSet[Any] = weakref.WeakSet()  # the writable file workspaces not closed


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):  # (no file yet, or a name no file can have)
        return None
    return st.st_dev, st.st_ino


def file_name(path: str | os.PathLike[str]) -> str:
    """The name this process opens the file at ``path`` by: the name it first opened that file by (checked to be
    that file still: a name since given to another file is forgotten), else ``path``'s real path."""
    real = os.path.realpath(path)
    ident = _identity(real)
    if ident is None:
        return real
    with _GUARD:
        known = _NAMES.get(ident)
        if known is not None and _identity(known) == ident:
            return known
        _NAMES[ident] = real
        return real


def shared_name(path: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """``path``, or the name this process first opened its file by when that is another (a hard link's): the name
    to connect by, so that DuckDB shares that open's instance. (``path`` as given otherwise: errors name it.)"""
    if "\x00" in os.fspath(path):  # (no file's name: connect_file says so)
        return path
    name = file_name(path)
    return path if name == os.path.realpath(path) else name


def opened_for_writing(workspace: Any) -> None:
    """Note a workspace writing a file (its ``path``), until :func:`closed`."""
    with _GUARD:
        _WRITERS.add(workspace)


def closed(workspace: Any) -> None:
    with _GUARD:
        _WRITERS.discard(workspace)


def writer_of(path: str | os.PathLike[str]) -> Any | None:
    """A workspace of this process writing the file at ``path`` (by identity), or None."""
    ident = _identity(path)
    if ident is None:
        return None
    with _GUARD:
        writers = list(_WRITERS)
    return next((ws for ws in writers if _identity(ws.path) == ident), None)
