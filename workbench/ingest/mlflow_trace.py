"""MLflow's own trace JSON: ``mlflow.get_trace(id).to_json()``, ``Trace.to_dict()`` lists, one trace a line.

An MLflow user hands over a trace as MLflow writes it (``{"info": {"trace_id": "tr-…", "state", …},
"data": {"spans": [...]}}``; a JSON list of such, as from ``mlflow.search_traces(return_type="list")``; or
one a line), or its spans alone: ``trace.data.to_dict()`` (``{"spans": [...], "request", "response"}``), what
MLflow's own documentation prints as "the final mlflow trace". Such a document has no ``info``, so it is told by
its spans' MLflow attributes (``mlflow.traceRequestId``, ``mlflow.spanType``). Each span is an OTel span as a dict, ids in base64 (``Span.to_dict``), attribute values JSON
text (``mlflow.spanType``, ``mlflow.spanInputs`` …: read by :mod:`._mlflow` as in MLflow's OTLP export).
Ids are read as OTLP's hex, so the same trace exported both ways is one run.

MLflow 2.x writes another span shape (``Span.to_dict`` of mlflow 2.22, trace schema 2; ``info`` has a
``request_id``, no ``tr-``): ids in hex under ``context`` (``0x``-prefixed in earlier 2.x releases),
``parent_id``, ``start_time`` / ``end_time`` in ns, ``status_code`` / ``status_message``. MLflow 2 also renames
the spans of a trace that share a name (``get_price`` twice -> ``get_price_1``, ``get_price_2``:
``deduplicate_span_names_in_place``); a trace whose spans are ``X_1`` .. ``X_k`` (k >= 2, in that order) and none
``X`` gets the name back, so the same tool called twice is one tool, unless a span's traced function bears the
numbered name (``_undo_numbering``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from ._base import Adapter, Stage
from ._documents import Place, iter_placed_items, nested_item_lines
from ._otlp_shapes import json_type
from ._step_sink import StepSink
from .openinference import stage_span


def _hex_id(value: Any, size: int) -> Any:
    """A base64 id of ``size`` bytes as lower-case hex; anything else as it is (the span reader judges it)."""
    if not isinstance(value, str) or len(value) != 4 * ((size + 2) // 3):
        return value
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value
    return raw.hex() if len(raw) == size else value


def _hex_text(value: Any, size: int) -> Any:
    """A hex id of MLflow 2.x (``0x`` prefix optional) as ``size`` bytes of lower-case hex; else as it is."""
    if not isinstance(value, str):
        return value
    digits = value[2:] if value[:2].lower() == "0x" else value
    if not digits or len(digits) > 2 * size or not all(c in "0123456789abcdefABCDEF" for c in digits):
        return value
    return digits.lower().zfill(2 * size)


# (a count of at most 18 digits: a longer one is no renumbering, and int() refuses past 4,300 digits)
# An MLflow span attribute as a trace's JSON writes it: what tells a bare TraceData document (no "info").
_SPAN_ATTRIBUTE = re.compile(rb'"mlflow\.(?:traceRequestId|spanType|spanInputs|spanFunctionName)"\s*:')
_NUMBERED = re.compile(r"(.+)_([1-9][0-9]{0,17})")


def _function_name(span: dict[str, Any]) -> Any:
    """The ``mlflow.spanFunctionName`` of a span (JSON text of the traced function's name), or None."""
    attrs = span.get("attributes")
    value = attrs.get("mlflow.spanFunctionName") if isinstance(attrs, dict) else None
    if isinstance(value, str) and value[:1] == '"':
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, str) else None


def _undo_numbering(spans: list[dict[str, Any]]) -> list[Any]:
    """Span names as they were before MLflow 2 numbered the ones a trace repeats (see the module docstring).

    MLflow numbers the spans of one name 1..k in the order the trace lists them, so names ``X_1`` .. ``X_k``
    are taken for one name ``X`` only when that is how they could have come about: none is ``X`` itself, the
    numbers run 1..k in the list's order, and no span's traced function bears its numbered name (a function
    ``worker_1`` traced under its own name gave that name; MLflow's numbering leaves the function name as it
    was). Names a user wrote so (``worker_1``, ``worker_2`` from ``start_span``, in order) cannot be told apart:
    run for real (mlflow-skinny 2.22.5, real22), ``start_span("worker")`` twice and ``start_span("worker_1")``,
    ``start_span("worker_2")`` give the same trace JSON but for ids and times (``deduplicate_span_names_in_place``
    renames the span only; no attribute records it), so such names are read as MLflow's numbering."""
    names = [sp.get("name") for sp in spans]
    numbered: dict[str, list[int]] = defaultdict(list)
    own: set[str] = set()
    for span, name in zip(spans, names, strict=True):
        m = _NUMBERED.fullmatch(name) if isinstance(name, str) else None
        if m:
            numbered[m.group(1)].append(int(m.group(2)))
            if _function_name(span) == name:
                own.add(m.group(1))
    plain = {n for n in names if isinstance(n, str)}
    back = {
        base
        for base, ns in numbered.items()
        if len(ns) >= 2 and ns == list(range(1, len(ns) + 1)) and base not in plain and base not in own
    }
    out = []
    for name in names:
        m = _NUMBERED.fullmatch(name) if isinstance(name, str) else None
        out.append(m.group(1) if m and m.group(1) in back else name)
    return out


def _span_fields(span: dict[str, Any], name: Any) -> dict[str, Any]:
    """The span's fields for ``stage_span``, from MLflow 3's shape or MLflow 2's (``context``)."""
    attrs = span.get("attributes")
    attrs = dict(attrs) if isinstance(attrs, dict) else {}
    ctx = span.get("context")
    if isinstance(ctx, dict):  # MLflow 2.x
        message = span.get("status_message")
        return dict(
            trace_id=_hex_text(ctx.get("trace_id"), 16),
            span_id=_hex_text(ctx.get("span_id"), 8),
            parent_id=_hex_text(span.get("parent_id"), 8),
            name=name,
            attrs=attrs,
            start=span.get("start_time"),
            end=span.get("end_time"),
            status=span.get("status_code") or "STATUS_CODE_UNSET",
            message=message or None,
        )
    status = span.get("status") if isinstance(span.get("status"), dict) else {}
    return dict(
        trace_id=_hex_id(span.get("trace_id"), 16),
        span_id=_hex_id(span.get("span_id"), 8),
        parent_id=_hex_id(span.get("parent_span_id"), 8),
        name=name,
        attrs=attrs,
        start=span.get("start_time_unix_nano"),
        end=span.get("end_time_unix_nano"),
        status=status.get("code", "STATUS_CODE_UNSET"),
        message=status.get("message") or None,
    )


class MlflowTraceJson(Adapter):
    """MLflow traces as MLflow's ``Trace.to_json()`` writes them (one, a list, or one a line)."""

    name = "mlflow-trace"
    description = (
        "MLflow trace JSON: {'info': {'trace_id': 'tr-…' or 'trace:/…'}, 'data': {'spans': [...]}} (Trace.to_json(); "
        "MLflow 2.x: info.request_id, spans with context.span_id), or the trace's data alone "
        "({'spans': [...]} with mlflow.* span attributes)"
    )

    def sniff(self, path: Path, head: bytes) -> bool:
        start = head.lstrip()[:8192]
        # (a trace kept in a Unity Catalog schema has a V4 id, "trace:/<catalog>.<schema>/<hex>", not "tr-…";
        # TraceInfo's own field names tell it whatever the id)
        if start[:1] not in (b"{", b"["):
            return False
        if b'"info"' not in start:  # a trace's data alone: its spans carry MLflow's attributes
            return b'"spans"' in start and _SPAN_ATTRIBUTE.search(start) is not None
        return (
            (b'"tr-' in start and (b'"trace_location"' in start or b'"request_time"' in start))
            or (b'"trace_location"' in start and b'"request_time"' in start)
            or (b'"request_id"' in start and b'"request_metadata"' in start and b'"timestamp_ms"' in start)
        )

    def stage(self, path: Path, stage: Stage) -> None:
        sink, runs = StepSink(stage), set()
        try:
            for n, i, trace, raw, error, place in iter_placed_items(path, stage):
                if error is not None:
                    stage.reject(line=n, reason=error, raw=raw)
                else:
                    self._trace(trace, n, i, stage, sink, runs, place)
        finally:
            sink.flush()

    @staticmethod
    def _trace(
        trace: Any,
        line: int,
        item: int | None,
        stage: Stage,
        sink: StepSink,
        runs: set[str],
        place: Place | None = None,
    ) -> None:
        """One trace, ``item`` its place in the file's list (None: the file's or line's only one), at ``line``,
        where it starts (``place``: where in a document written over many lines, so that each span is read at
        the line it starts on)."""
        order = (line << 24) + ((item or 0) << 12)
        data = trace.get("data") if isinstance(trace, dict) else None
        keys = ("data", "spans")
        if data is None and isinstance(trace, dict) and "info" not in trace:
            data, keys = trace, ("spans",)  # the trace's data alone (TraceData.to_dict())
        spans = data.get("spans") if isinstance(data, dict) else None
        if not isinstance(spans, list):
            where = "" if item is None else f" (item {item} of the list)"
            stage.reject(
                line=line,
                reason=f"not an MLflow trace{where}: needs an object with data.spans (or "
                "spans, the trace's data alone), a list",
                raw=trace,
            )
            return
        names = _undo_numbering([sp for sp in spans if isinstance(sp, dict) and "context" in sp])
        renamed = iter(names)
        lines = nested_item_lines(place, line, keys, len(spans)) or [line] * len(spans)
        trace_of = "" if item is None else f" of item {item} of the list"
        for i, span in enumerate(spans):
            if not isinstance(span, dict):
                stage.reject(
                    line=lines[i],
                    reason=f"span {i}{trace_of} is a JSON {json_type(span)}, not an object",
                    raw=span,
                )
                continue
            name = next(renamed) if "context" in span else span.get("name")
            with stage.guard(lines[i], span):
                stage_span(
                    stage,
                    sink,
                    runs,
                    line=lines[i],
                    order=order + i,
                    raw=span,
                    events=span.get("events"),
                    kind=None,
                    **_span_fields(span, name),
                )
