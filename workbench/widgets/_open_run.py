"""Opening a run a view lists in an explorer: the one the view was given, else one opened below the view."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import InvalidParameterError

if TYPE_CHECKING:
    from ._explorer import IncidentExplorer


def open_in_explorer(view: Any, run_id: str | None, nothing: str) -> IncidentExplorer:
    """Show ``run_id`` in ``view.explorer``; with none, in an explorer of ``view.ws`` opened in ``view.opened`` on
    first use (kept as ``view.explorer``). ``nothing``: the error's words when no run is picked."""
    from ._explorer import IncidentExplorer

    if run_id is None:
        raise InvalidParameterError(f"open_run: {nothing}")
    if view.explorer is None:
        view.explorer = IncidentExplorer(view.ws)
        view.opened.children = (view.explorer,)
    view.explorer.show_run(run_id)
    return view.explorer
