"""The IncidentExplorer's arguments, checked before any work: a bad one is an InvalidParameterError naming it and
its value (README, "Errors"), raised before the view says it is building or reads the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from .._params import integer_at_least
from ..exceptions import InvalidParameterError
from ._runs import RunFilter

_FILTERS = tuple(f.name for f in fields(RunFilter))


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def check_arguments(
    ws: Any, replay: Any, blame_model: Any, snapshot: Any, page_size: Any, filters: Any, max_moves: Any = 1
) -> RunFilter:
    """The explorer's arguments checked; returns the run filter ``filters`` asks for. (A plain ValueError for
    ``blame_model="nope"``, missed by ``except wb.WorkbenchError``; ``blame_model=5`` taken and failing at the first
    failed run; ``filters={"nope": 1}`` a bare TypeError from the filter's constructor.)"""
    from ..workspace import Workspace

    if not isinstance(ws, Workspace):
        raise InvalidParameterError(
            f"IncidentExplorer: ws must be a Workspace (wb.open(...)), got {_shown(ws)}"
        )
    for name, value, what in (
        ("replay", replay, "replay(run_id, intervention)"),
        ("snapshot", snapshot, "snapshot(run_id, step_id)"),
    ):
        if value is not None and not callable(value):
            raise InvalidParameterError(
                f"IncidentExplorer: {name} must be a callable {what} or None, got {_shown(value)}"
            )
    pretrained = isinstance(blame_model, str) and blame_model == "pretrained"
    if not (pretrained or blame_model is None or callable(getattr(blame_model, "predict", None))):
        raise InvalidParameterError(
            "IncidentExplorer: blame_model must be 'pretrained', None, a fitted BlameModel or an object with "
            f"predict(ws, run_ids), got {_shown(blame_model)}"
        )
    integer_at_least(page_size, "IncidentExplorer: page_size", 1)
    integer_at_least(max_moves, "IncidentExplorer: max_moves", 1)
    if filters is None:
        return RunFilter()
    if not isinstance(filters, Mapping):
        raise InvalidParameterError(
            f"IncidentExplorer: filters must be a dict of {', '.join(_FILTERS)}, got {_shown(filters)}"
        )
    unknown = [k for k in filters if k not in _FILTERS]
    if unknown:
        raise InvalidParameterError(
            f"IncidentExplorer: filters has no {', '.join(map(repr, unknown))}: the filters "
            f"are {', '.join(_FILTERS)}"
        )
    for name in ("system", "detector", "culprit"):
        value = filters.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidParameterError(
                f"IncidentExplorer: filters[{name!r}] must be a name (str) or None, got {_shown(value)}"
            )
    for name, value in filters.items():  # one at a time: the error names the filter it is of
        try:
            RunFilter(**{name: value})
        except (TypeError, ValueError) as exc:  # the outcome, a date or silent: the filter's own words
            said = str(exc).removeprefix("RunFilter: ")
            raise InvalidParameterError(f"IncidentExplorer: filters[{name!r}]: {said}") from None
    return RunFilter(**filters)
