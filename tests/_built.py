"""Stores that several test modules (of several directories) build alike, built once per test process and handed
out as copies.

A store here is built the first time a test asks for it, kept in this process (each xdist worker is one) and never
handed out itself: every caller gets ``Workspace.copy()``, an in-memory copy of its own (~0.15 CPU s, where the
builds below cost 1-4 CPU s each), so one test's writes (attributions, labels, findings) never reach another's.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import workbench as wb

_MASTERS: dict[Hashable, Any] = {}


def once(key: Hashable, build: Callable[[], Any]) -> Any:
    """What ``build()`` returns, built at most once per process per ``key``: the caller must not change it (hand
    out copies)."""
    if key not in _MASTERS:
        _MASTERS[key] = build()
    return _MASTERS[key]


def copy_of(key: Hashable, build: Callable[[], wb.Workspace]) -> wb.Workspace:
    """A writable in-memory copy of the store ``build()`` makes, built at most once per process per ``key``."""
    return once(key, build).copy()
