"""JSON objects that hold spans without being one: span lists under a key, lists keyed by trace id, and a span
dataframe saved by pandas' ``to_json`` in an orient other than records (:mod:`.openinference` reads their spans)."""

from __future__ import annotations

from typing import Any


def _is_span(value: dict[str, Any]) -> bool:
    return any(k in value for k in _SPAN_KEYS) or any(
        k.startswith(("context.", "attributes.")) for k in value
    )


_SPAN_KEYS = ("context", "span_id", "parent_id", "name", "span_kind", "start_time", "attributes")
#: Keys that wrap a list of spans rather than name its trace ({"spans": [...]}, a paged API's {"data": [...]})
WRAPPERS = frozenset({"", "spans", "data", "items", "results", "records", "rows"})


def span_lists(value: Any) -> list[tuple[str, list[Any]]] | str | None:
    """The span lists of a JSON object that is no span but holds lists of them: ``{"spans": [...]}`` (with the
    export's other facts beside), or ``{"<trace id>": [...spans], ...}``; None for anything else (a span, or
    what the span reader says is wrong with it). A reason (text) when the object is neither a span nor such a
    holder: what it found and what it expected, for the quarantine."""
    if not isinstance(value, dict) or not value:
        return None
    rows = frame_rows(value)
    if rows is not None:
        return [("", rows)]
    if _is_span(value):
        return None
    lists = [(k, v) for k, v in value.items() if isinstance(v, list) and v]
    spans = [(k, v) for k, v in lists if all(isinstance(x, dict) and _is_span(x) for x in v)]
    if spans and len(spans) == len(lists):
        return spans
    keys = ", ".join(repr(k)[:40] for k in list(value)[:6]) + (", …" if len(value) > 6 else "")
    found = (
        f"lists under {', '.join(repr(k)[:40] for k, _ in lists[:3])} that are not all spans"
        if lists
        else "no list of spans"
    )
    return (
        f"a JSON object with keys {keys} is no span (no context.span_id, span_id or name) and holds {found}: "
        "expected a span a line, a list of spans, or an object whose lists hold spans ({'spans': [...]}, or "
        "span lists keyed by trace id)"
    )


def frame_rows(value: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The spans of Phoenix's span dataframe saved with pandas' ``to_json`` in an orient other than records: the
    default ``columns`` (``{"name": {"<span id>": ...}, ...}``), ``index`` (``{"<span id>": {"name": ...}}``) or
    ``split`` (``{"columns", "index", "data"}``); the frame's index, ``context.span_id``, fills a row's span id
    when it is not also a column. None for any other object."""
    ids: list[Any]
    if (
        isinstance(value.get("columns"), list)
        and isinstance(value.get("data"), list)
        and all(isinstance(r, list) and len(r) == len(value["columns"]) for r in value["data"])
    ):
        rows = [dict(zip(value["columns"], r, strict=True)) for r in value["data"]]
        index = value.get("index")
        ids = index if isinstance(index, list) and len(index) == len(rows) else [None] * len(rows)
    elif all(isinstance(v, dict) for v in value.values()) and "context.trace_id" in value:
        keys = list(next(iter(value.values())))
        if any(list(v) != keys for v in value.values()):
            return None
        rows = [{col: value[col][k] for col in value} for k in keys]
        ids = keys
    elif all(isinstance(v, dict) and "context.trace_id" in v for v in value.values()):
        rows, ids = list(value.values()), list(value)
    else:
        return None
    if not any("context.trace_id" in r for r in rows):
        return None
    return [
        r if "context.span_id" in r or i is None else {**r, "context.span_id": i}
        for r, i in zip(rows, ids, strict=True)
    ]
