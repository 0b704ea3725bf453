"""MLflow's own trace JSON: ``mlflow.get_trace(id).to_json()``, ``Trace.to_dict()`` lists, one trace a line.

An MLflow user hands over a trace as MLflow writes it (``{"info": {"trace_id": "tr-…", "state", …},
"data": {"spans": [...]}}``; a JSON list of such, as from ``mlflow.search_traces(return_type="list")``; or
one a line). Each span is an OTel span as a dict, ids in base64 (``Span.to_dict``), attribute values JSON
text (``mlflow.spanType``, ``mlflow.spanInputs`` …: read by :mod:`._mlflow` as in MLflow's OTLP export).
Ids are read as OTLP's hex, so the same trace exported both ways is one run.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from ._base import Adapter, Stage
from ._conventions import StepSink
from .openinference import _records, stage_span


def _hex_id(value: Any, size: int) -> Any:
    """A base64 id of ``size`` bytes as lower-case hex; anything else as it is (the span reader judges it)."""
    if not isinstance(value, str) or len(value) != 4 * ((size + 2) // 3):
        return value
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value
    return raw.hex() if len(raw) == size else value


class MlflowTraceJson(Adapter):
    """MLflow traces as MLflow's ``Trace.to_json()`` writes them (one, a list, or one a line)."""

    name = "mlflow-trace"
    description = "MLflow trace JSON: {'info': {'trace_id': 'tr-…'}, 'data': {'spans': [...]}} (Trace.to_json())"

    def sniff(self, path: Path, head: bytes) -> bool:
        start = head.lstrip()[:8192]
        return start[:1] in (b"{", b"[") and b'"info"' in start and b'"tr-' in start and (
            b'"trace_location"' in start or b'"request_time"' in start)

    def stage(self, path: Path, stage: Stage) -> None:
        sink, runs = StepSink(stage), set()
        try:
            for n, doc, raw in _records(path, stage):
                if isinstance(doc, Exception):
                    stage.reject(line=n, reason=f"broken JSON: {doc}", raw=raw)
                    continue
                for i, trace in enumerate(doc if isinstance(doc, list) else [doc]):
                    self._trace(trace, n, (n << 24) + (i << 12), stage, sink, runs)
        finally:
            sink.flush()

    @staticmethod
    def _trace(trace: Any, line: int, order: int, stage: Stage, sink: StepSink, runs: set[str]) -> None:
        data = trace.get("data") if isinstance(trace, dict) else None
        spans = data.get("spans") if isinstance(data, dict) else None
        if not isinstance(spans, list):
            stage.reject(line=line, reason="not an MLflow trace: needs an object with data.spans, a list", raw=trace)
            return
        for i, span in enumerate(spans):
            if not isinstance(span, dict):
                stage.reject(line=line, reason=f"span is a JSON {type(span).__name__}, not an object", raw=span)
                continue
            attrs = span.get("attributes")
            status = span.get("status") if isinstance(span.get("status"), dict) else {}
            with stage.guard(line, span):
                stage_span(
                    stage, sink, runs, line=line, order=order + i, raw=span,
                    trace_id=_hex_id(span.get("trace_id"), 16), span_id=_hex_id(span.get("span_id"), 8),
                    parent_id=_hex_id(span.get("parent_span_id"), 8), name=span.get("name"),
                    attrs=dict(attrs) if isinstance(attrs, dict) else {},
                    start=span.get("start_time_unix_nano"), end=span.get("end_time_unix_nano"),
                    status=status.get("code", "STATUS_CODE_UNSET"), message=status.get("message") or None,
                    events=span.get("events"), kind=None)
