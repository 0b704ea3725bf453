"""The store a command analyses: the detectors and the attribution write their findings and verdicts, so a
store this process may only read is analysed on a copy in memory, the file left as it was."""

from __future__ import annotations

import os
from typing import Any

# What the OS says when a file may be read but not written (its mode, its owner, a read-only mount, an
# immutable file): DuckDB passes the text on in its "Cannot open file" error.
_CANNOT_WRITE = ("permission denied", "operation not permitted", "read-only file system")


def open_to_analyse(path: str) -> tuple[Any, str | None]:
    """The workspace at ``path`` and, when it is a copy in memory, the sentence saying so (else None).

    A Parquet export opens read-only; a DuckDB file the user may only read (mode 0444, another user's, a CI
    artifact on a read-only mount) does not open for writing at all. Both are read, copied to memory and
    analysed there: the findings and verdicts are not saved, and the file is not changed.
    """
    from .exceptions import StoreError, StoreLockedError
    from .workspace import open as wb_open

    why = "a Parquet export"
    try:
        ws = wb_open(path)
    except StoreLockedError:
        raise
    except StoreError as exc:
        if not (
            os.path.isfile(path)
            and (not os.access(path, os.W_OK) or any(s in str(exc).lower() for s in _CANNOT_WRITE))
        ):
            raise
        ws = wb_open(path, read_only=True)  # (if it cannot be read either, that error says why)
        why = "this user may not write it"
    if not ws.read_only:
        return ws, None
    try:
        copy = ws.copy()
    finally:
        ws.close()
    return (
        copy,
        f"{path} is read-only ({why}): analysing an in-memory copy (findings and verdicts are not saved)",
    )
