"""The system picker of a view over a store of several systems: one system's runs at a time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..exceptions import InvalidParameterError
from ..policy._limits import NO_SYSTEM, listed_systems
from ..store._outcomes import counted_as
from ..store._own_connection import fetch
from ._html import label
from ._runs import _file

if TYPE_CHECKING:
    from ..workspace import Workspace


def system_picker(ws: Workspace, query: str, system: str | None, what: str) -> w.Dropdown:
    """A "system" dropdown over the systems ``query`` (widgets/sql/``query``.sql) lists with a rank each (the
    lowest opens; the first by name among equals), on ``system`` when given. Hidden, and None (every run), when
    there is one system or none. ``what``: the runs the query counts, for the error naming a system it lacks."""
    ranked = dict(fetch(ws.con, _file(query).replace("__RUN_OUTCOMES__", counted_as(True))))
    return ranked_picker(ranked, system, what)


def ranked_picker(
    ranked: Mapping[str, Any], system: str | None, what: str, whole_store: bool = True
) -> w.Dropdown:
    """The picker of :func:`system_picker` over ``ranked`` (system -> rank, the lowest opens). ``whole_store``
    False: a view that always shows one system (the LimitTuner's limits are per system) keeps the one system as
    its value, the picker hidden all the same."""
    systems = sorted(ranked)
    if system is not None and system not in systems:
        raise InvalidParameterError(
            f"system: no {what} of {system!r} here (systems: {listed_systems(systems) or 'none'})"
        )
    if system is None and (len(systems) > 1 or (systems and not whole_store)):
        system = min(systems, key=lambda s: (ranked[s], s))
    picker = w.Dropdown(
        description="system",
        options=[(label(x) or NO_SYSTEM, x) for x in systems],
        value=system if len(systems) > 1 or not whole_store else None,
    )
    picker.layout.display = None if len(systems) > 1 else "none"
    return picker
