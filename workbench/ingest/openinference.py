"""OpenInference spans outside OTLP: Phoenix span exports and smolagents-style span trees.

OpenInference attributes inside OTLP files are read by :class:`workbench.ingest.otlp.OtlpJson`; both
go through the same mapper (:func:`workbench.ingest._map_span.map_span`).

:class:`OpenInferenceJsonl` (``openinference``)
    One span per line, as Arize Phoenix exports them: ``px.Client().get_spans_dataframe()`` written
    with ``to_json(orient="records", lines=True)`` (flat columns ``context.trace_id``,
    ``context.span_id``, ``parent_id``, ``name``, ``span_kind``, ``start_time``, ``end_time``,
    ``status_code``, ``status_message``, ``events``, ``attributes.input.value`` …), or Phoenix's span
    JSON (``{"context": {"trace_id", "span_id"}, "parent_id", "attributes": {...}}``, attributes flat or
    nested), or what the OpenTelemetry SDK's ``ConsoleSpanExporter`` prints (the same keys, ids in
    ``0x`` hex, ``"status": {"status_code", "description"}``; one indented span after another). Times are ISO-8601 or epoch numbers (pandas writes epoch milliseconds by default; the unit
    is told from the magnitude). The same dataframe saved as Parquet (``df.to_parquet(...)``, or
    ``TraceDataset(df).save()``'s ``trace_dataset-<id>.parquet``) is read row by row (``line`` is the row).
:class:`SpanTreeJson` (``span-tree``)
    ``{"trace_id": …, "spans": [...]}`` documents (one per file, or one per line) whose spans have
    ``span_id``, ``parent_span_id``, ``span_name``, ``span_kind``, ``scope_name``, ``span_attributes``,
    ``timestamp`` (ISO start), ``duration`` (ISO-8601, e.g. ``PT1.5S``), ``status_code``,
    ``status_message``, ``events`` and nested ``child_spans`` (each one step; a child without
    ``parent_span_id`` gets its enclosing span as parent). AgentOps' trace export has the same span
    keys, flat (``parent_span_id``) with the trace id under ``trace``, ``start_time`` / ``end_time``
    and AgentOps' own kinds (``agentops.span.kind``) and agent names (a CrewAI agent's role).

``line`` is the 1-based line of the record for JSONL, and 1 for a single multi-line document.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ._ag2 import failed_without_status
from ._agent_ids import has_identifier
from ._base import Adapter, Stage
from ._convention_table import status_of
from ._depth import depth_error
from ._documents import each_document, iter_items, iter_placed_items, nested_item_lines
from ._langgraph_shape import node_agent
from ._links import LINKS_KEY, is_messaging, link_list, note_root_link
from ._logfire import rendered_name
from ._map_span import map_span
from ._otlp_shapes import json_type
from ._parquet_rows import DamagedRows, has_span_ids, is_parquet, rows
from ._span_holders import WRAPPERS, span_lists
from ._span_outcome import ended_well, recorded_failure
from ._span_values import as_text
from ._step_sink import StepSink
from ._time_units import epoch_or_iso_ns
from ._values import checked_ns, iso_duration_ms


class BadSpan(ValueError):
    """A span that cannot be read; the message is the quarantine reason."""


def flatten(value: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """OpenInference's flat dotted keys from nested dicts and lists of dicts (Phoenix unflattens them).

    ``{"llm": {"input_messages": [{"message": {"role": "user"}}]}}`` becomes
    ``{"llm.input_messages.0.message.role": "user"}``; lists of scalars stay lists; None is dropped.
    """
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, item in enumerate(value):
            flatten(item, f"{prefix}.{i}", out)
    elif value is not None and prefix:
        out[prefix] = value
    return out


_HEX = frozenset("0123456789abcdefABCDEF")


def _text_id(value: Any, what: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise BadSpan(f"missing or invalid {what} {str(value)[:60]!r}")
    if value.startswith("0x") and len(value) > 2 and _HEX.issuperset(value[2:]):
        return value[2:].lower()  # the SDK's console exporter: the same id as OTLP's hex
    return value


def _events(value: Any) -> list[dict[str, Any]] | None:
    if not value:
        return None
    if isinstance(value, str):  # a dataframe column written as text
        value = orjson.loads(value)
    if not isinstance(value, list):
        raise BadSpan(f"events is a {json_type(value)}, not a list")
    return [
        {"name": e.get("name"), "attributes": flatten(e.get("attributes") or {})}
        for e in value
        if isinstance(e, dict)
    ]


def _links(value: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """A span's links as (trace id, span id, attributes): the console exporter's ``context`` objects, or
    flat ``trace_id`` / ``span_id``."""
    if isinstance(value, str):  # a dataframe column written as text
        value = orjson.loads(value)
    if not isinstance(value, list):
        raise BadSpan(f"links is a {json_type(value)}, not a list")
    out = []
    for link in value:
        if not isinstance(link, dict):
            raise BadSpan(f"a link is a {json_type(link)}, not an object")
        ctx = link.get("context") if isinstance(link.get("context"), dict) else link
        attrs = link.get("attributes")
        out.append(
            (
                _text_id(ctx.get("trace_id"), "link trace id"),
                _text_id(ctx.get("span_id"), "link span id"),
                flatten(attrs) if isinstance(attrs, dict) else {},
            )
        )
    return out


def _time_ns(value: Any, what: str) -> int | None:
    """A span's time in nanoseconds (epoch number or ISO text); a value that is no time, or out of the store's
    range, a BadSpan naming the field (it was "ValueError: Invalid isoformat string: 'soon'")."""
    try:
        return checked_ns(epoch_or_iso_ns(value), what)
    except (ValueError, TypeError, OverflowError) as exc:
        text = str(exc)
        raise BadSpan(
            text if text.startswith(what) else f"{what} {str(value)[:40]!r} is no time ({text})"
        ) from None


def stage_span(
    stage: Stage,
    sink: StepSink,
    runs: set[str],
    *,
    line: int,
    order: int,
    raw: Any,
    trace_id: Any,
    span_id: Any,
    parent_id: Any,
    name: Any,
    attrs: dict[str, Any],
    start: Any,
    end: Any,
    status: Any,
    message: Any,
    events: Any,
    kind: Any,
    duration_ms: float | None = None,
    extra: dict[str, Any] | None = None,
    agentops: bool = False,
    run_facts: dict[str, Any] | None = None,
    links: Any = None,
    span_kind: Any = None,
) -> None:
    """Map and stage one span read outside OTLP (shared by the span adapters); quarantine it if unreadable.

    ``run_facts`` are the run's fields (system, attributes) staged with its first readable span; ``links``
    the span's links as the console exporter prints them (``[{"context": {"trace_id", "span_id"},
    "attributes"}]``), kept in its attributes and read as :mod:`._links` says; ``span_kind`` its OTel kind
    (``SpanKind.PRODUCER`` …).
    """
    try:
        tid = _text_id(trace_id, "trace id")
        sid = _text_id(span_id, "span id")
        pid = None if parent_id in (None, "") else _text_id(parent_id, "parent id")
        if name is not None and not isinstance(name, str):
            raise BadSpan(f"span name is a {json_type(name)}")
        name = rendered_name(name, attrs)
        start_ns, end_ns = _time_ns(start, "start time"), _time_ns(end, "end time")
        if end_ns is None and start_ns is not None and duration_ms is not None:
            end_ns = start_ns + int(round(duration_ms * 1e6))
        code = status_of(status)
        if code is None:
            raise BadSpan(f"unknown status code {status!r}")
        if code == "unset" and failed_without_status(attrs):
            code = "error"
        if message is not None and not isinstance(message, str):
            raise BadSpan(f"status message is a {json_type(message)}")
        span_links = _links(links) if links and pid is None else None
        evs = _events(events)
        m = map_span(attrs, name, evs, fallback_kind=kind, root=pid is None)
        if m["failed"]:
            code = "error"
        elif code != "error" and (caught := recorded_failure(evs)) is not None:
            code, m["error"] = (
                "error",
                caught,
            )  # (an exception recorded and the status left alone: _span_outcome)
        elif code == "unset" and pid is None and ended_well(attrs, evs):
            code = "ok"  # (as the OTLP readers read the same frameworks' root spans)
    except (BadSpan, ValueError, TypeError, AttributeError, OverflowError) as exc:
        reason = str(exc) if isinstance(exc, BadSpan) else f"{type(exc).__name__}: {exc}"
        stage.reject(
            line=line,
            reason=f"bad span: {reason}",
            raw=raw,
            run_id=trace_id if isinstance(trace_id, str) else None,
            step_id=span_id if isinstance(span_id, str) else None,
        )
        return
    if tid not in runs:
        runs.add(tid)
        stage.run(run_id=tid, line=line, **(run_facts or {}))
    if m["agent_of_previous"]:
        stage.agent_of_previous.append((tid, sid))
    if (
        pid is not None
        and m["kind"] == "llm"
        and m["agent"] is None
        and (node := node_agent(m["attributes"]))
    ):
        stage.node_agents.append(
            (tid, sid, pid, node)
        )  # (its agent if its node's span is not at hand: _step_agents)
    if m["turns"]:
        stage.turn_runs.add(tid)
    if isinstance(m["agent"], str) and has_identifier(m["agent"]):
        m["agent"] = sink.agent_ids.name(tid, m["agent"], attrs)
    if extra:
        m["attributes"].update(extra)
    if span_links:
        m["attributes"][LINKS_KEY] = link_list(span_links)
        note_root_link(stage, tid, sid, pid, span_links, is_messaging(span_kind, attrs))
    if agentops:
        _amend_agentops(m, name)
    m["error"] = message or (m["error"] if code == "error" else None)
    sink.add(line, tid, sid, pid, name, start_ns, end_ns, code, m, order, raw, True)


def _row_records(path: Path) -> Iterator[tuple[int, None, Any, None, str | None]]:
    """The rows of a Parquet span export in :func:`._documents.iter_items`' shape (damaged rows: the reason)."""
    for n, row in rows(path):
        yield (
            n,
            None,
            (None if isinstance(row, DamagedRows) else row),
            None,
            (str(row) if isinstance(row, DamagedRows) else None),
        )


def _get(rec: dict[str, Any], flat: str, *path: str) -> Any:
    if flat in rec:
        return rec[flat]
    value: Any = rec
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


class OpenInferenceJsonl(Adapter):
    """Phoenix / OpenInference span exports: one span per line (flat dataframe columns or nested)."""

    name = "openinference"
    description = (
        "OpenInference spans, one per line (Phoenix export: context.span_id, span_kind, attributes.*), "
        "or that dataframe saved as Parquet"
    )
    reads_parquet = True

    def sniff(self, path: Path, head: bytes) -> bool:
        if is_parquet(head):  # the same dataframe saved with to_parquet / TraceDataset.save()
            return has_span_ids(path)
        start = head.lstrip()[:4096]
        return start[:1] in (b"{", b"[") and (
            b'"context.span_id"' in start
            or b'"context.trace_id"' in start
            or (
                b'"context"' in start
                and b'"span_id"' in start
                and (b'"span_kind"' in start or b'"kind": "SpanKind.' in start)
            )
        )

    def stage(self, path: Path, stage: Stage) -> None:
        sink, runs = StepSink(stage), set()
        try:
            with path.open("rb") as f:
                parquet = is_parquet(f.read(4))
            records = ((*r, None) for r in _row_records(path)) if parquet else iter_placed_items(path, stage)
            for n, i, span, raw, error, place in records:
                if error is not None:
                    stage.reject(line=n, reason=error, raw=raw)
                    continue
                lists = span_lists(span)
                if lists is None:
                    with stage.guard(n, raw if raw is not None else span):
                        self._span(span, n, (n << 24) + (i or 0), raw, stage, sink, runs)
                    continue
                if isinstance(lists, str):
                    stage.reject(line=n, reason=lists, raw=raw if raw is not None else span)
                    continue
                # an object holding lists of spans ({"spans": [...]}, or keyed by trace id): each span at its
                # own line when the document was written over many lines
                order = (n << 24) + (i or 0) * 4096
                for key, items in lists:
                    starts = nested_item_lines(place, n, (key,), len(items)) or [n] * len(items)
                    for at, item in zip(starts, items, strict=True):
                        with stage.guard(at, item):
                            self._span(
                                item,
                                at,
                                order,
                                None,
                                stage,
                                sink,
                                runs,
                                trace=None if key in WRAPPERS else key,
                            )
                        order += 1
        finally:
            sink.flush()

    @staticmethod
    def _span(
        rec: Any,
        line: int,
        order: int,
        raw: Any,
        stage: Stage,
        sink: StepSink,
        runs: set[str],
        trace: str | None = None,
    ) -> None:
        if not isinstance(rec, dict):
            stage.reject(line=line, reason=f"record is a JSON {json_type(rec)}, not an object", raw=rec)
            return
        deep = depth_error(rec, raw)
        if deep is not None:
            stage.reject(line=line, reason=f"bad span: {deep}", raw=raw if raw is not None else rec)
            return
        if "context.trace_id" in rec and _get(rec, "context.span_id", "context", "span_id") is None:
            # (pandas' to_json(orient="records") drops the dataframe's index, where Phoenix keeps the span id)
            stage.reject(
                line=line,
                reason="bad span: no span id (context.span_id): a Phoenix span dataframe keeps "
                "it as its index, which to_json(orient='records') leaves out; save df.reset_index(), or "
                "with to_json's default orient",
                raw=raw if raw is not None else rec,
                run_id=rec["context.trace_id"] if isinstance(rec["context.trace_id"], str) else None,
            )
            return
        attrs: dict[str, Any] = {}
        nested = rec.get("attributes")
        if isinstance(nested, str):  # a dataframe column written as JSON text
            try:
                nested = orjson.loads(nested)
            except orjson.JSONDecodeError:
                nested = None
        if isinstance(nested, dict):
            flatten(nested, "", attrs)
        for key, value in rec.items():
            if key.startswith("attributes.") and value is not None:
                flatten(value, key[len("attributes.") :], attrs)
        stage_span(
            stage,
            sink,
            runs,
            line=line,
            order=order,
            raw=raw if raw is not None else rec,
            trace_id=_get(rec, "context.trace_id", "context", "trace_id") or trace,
            span_id=_get(rec, "context.span_id", "context", "span_id"),
            parent_id=rec.get("parent_id", rec.get("parent_span_id")),
            name=rec.get("name"),
            attrs=attrs,
            start=rec.get("start_time"),
            end=rec.get("end_time"),
            status=_get(rec, "status_code", "status", "status_code"),
            message=_get(rec, "status_message", "status", "description") or None,
            events=rec.get("events"),
            kind=rec.get("span_kind"),
            links=rec.get("links"),
            span_kind=rec.get("kind"),
        )


# AgentOps' span kinds (``agentops.span.kind``) -> OpenInference's, for the spans that carry no other kind. With
# those of its SDK's earlier releases (agentops/semconv/span_kinds.py's legacy SpanKind: an LLM call as "llm.call"
# or "llm.stream", an agent's steps as "agent.action" / "agent.thinking" / "agent.decision", "workflow.task"; and
# "team", "chain", "guardrail" of later ones), which read as "other". ("text", "http", "unknown" say no kind.)
_AGENTOPS_KINDS = {
    "agent": "AGENT",
    "llm": "LLM",
    "tool": "TOOL",
    "workflow": "CHAIN",
    "workflow.step": "CHAIN",
    "task": "CHAIN",
    "session": "CHAIN",
    "operation": "CHAIN",
    "llm.call": "LLM",
    "llm.stream": "LLM",
    "agent.action": "CHAIN",
    "agent.thinking": "CHAIN",
    "agent.decision": "CHAIN",
    "workflow.task": "CHAIN",
    "team": "CHAIN",
    "chain": "CHAIN",
    "guardrail": "GUARDRAIL",
}


def _agentops_kind(attrs: dict[str, Any]) -> str | None:
    """The OpenInference kind of an AgentOps span (its dashboard's trace export), None for any other span."""
    ao = attrs.get("agentops.span.kind")
    return _AGENTOPS_KINDS.get(ao.lower()) if isinstance(ao, str) else None


def _amend_agentops(m: dict[str, Any], name: Any) -> None:
    """Read what AgentOps keeps in its own attributes into the mapped span ``m``.

    A CrewAI agent is named by its role (``agent.role``, span ``<role>.agent``), a task span by the agent
    doing it (``crewai.task.agent``); a task's or agent's text is ``agentops.entity.input`` / ``output``.
    The workflow span's usage sums its LLM calls': it is kept in the attributes, so that a run's totals do
    not count the same tokens twice.
    """
    rest = m["attributes"]
    if m["agent"] in (None, name):  # (a span name is only the fallback of an agent span)
        m["agent"] = next(
            (
                rest[k]
                for k in ("agent.role", "crewai.task.agent")
                if isinstance(rest.get(k), str) and rest[k].strip()
            ),
            m["agent"],
        )
        if m["kind"] == "agent" and m["agent"] == name and isinstance(name, str) and name.endswith(".agent"):
            m["agent"] = name[: -len(".agent")] or name
    for slot in ("input", "output"):
        if m[slot] is None and rest.get(f"agentops.entity.{slot}") is not None:
            m[slot] = as_text(rest.pop(f"agentops.entity.{slot}"))
    if m["kind"] != "llm" and (
        m["tokens_in"] is not None or m["tokens_out"] is not None or m["cost"] is not None
    ):
        rest["agentops.usage"] = {"input": m["tokens_in"], "output": m["tokens_out"], "cost": m["cost"]}
        m["tokens_in"] = m["tokens_out"] = m["cost"] = None


class SpanTreeJson(Adapter):
    """OpenInference span trees (smolagents / Phoenix-based benchmarks): ``{"trace_id", "spans": [...]}``."""

    name = "span-tree"
    description = (
        "OpenInference span trees: {'trace_id', 'spans': [{'span_id', 'span_attributes', 'child_spans'}]}"
    )

    def sniff(self, path: Path, head: bytes) -> bool:
        start = head.lstrip()[:8192]
        return (
            start[:1] in (b"{", b"[")
            and b'"spans"' in start
            and (b'"span_attributes"' in start or b'"child_spans"' in start or b'"span_name"' in start)
        )

    def stage(self, path: Path, stage: Stage) -> None:
        sink, runs = StepSink(stage), set()
        try:
            for n, _, item, _ in each_document(iter_items(path, stage), stage):
                self._document(item, n, stage, sink, runs)
        finally:
            sink.flush()

    def _document(self, doc: Any, line: int, stage: Stage, sink: StepSink, runs: set[str]) -> None:
        if not isinstance(doc, dict) or not isinstance(doc.get("spans"), list):
            stage.reject(line=line, reason="not a span tree: needs an object with a 'spans' list", raw=doc)
            return
        if doc.get("trace_id") is None and isinstance(doc.get("trace"), dict):
            doc = {**doc, "trace_id": doc["trace"].get("trace_id")}  # AgentOps: the trace's facts apart
        order = line << 24
        stack = [(span, None) for span in reversed(doc["spans"])]
        while stack:  # depth-first, in document order; no recursion limit on deep trees
            span, parent = stack.pop()
            if not isinstance(span, dict):
                stage.reject(line=line, reason=f"span is a JSON {json_type(span)}, not an object", raw=span)
                order += 1
                continue
            children = span.get("child_spans") or []
            raw = {k: v for k, v in span.items() if k != "child_spans"}
            deep = depth_error(raw)
            if deep is not None:
                stage.reject(
                    line=line,
                    reason=f"bad span: {deep}",
                    raw=None,
                    run_id=doc.get("trace_id"),
                    step_id=span.get("span_id"),
                )
            else:
                with stage.guard(line, raw, doc.get("trace_id"), span.get("span_id")):
                    self._span(span, doc.get("trace_id"), parent, line, order, raw, stage, sink, runs)
            order += 1
            if isinstance(children, list):
                stack.extend((child, span.get("span_id")) for child in reversed(children))

    @staticmethod
    def _span(
        span: dict[str, Any],
        trace_id: Any,
        parent: Any,
        line: int,
        order: int,
        raw: Any,
        stage: Stage,
        sink: StepSink,
        runs: set[str],
    ) -> None:
        attrs = span.get("span_attributes") or {}
        if isinstance(attrs, str):
            try:
                attrs = orjson.loads(attrs)
            except orjson.JSONDecodeError:
                attrs = None
        if not isinstance(attrs, dict):
            stage.reject(
                line=line,
                reason="span_attributes is not an object",
                raw=raw,
                step_id=span.get("span_id") if isinstance(span.get("span_id"), str) else None,
            )
            return
        try:
            duration = iso_duration_ms(span.get("duration"))
        except ValueError as exc:
            stage.reject(line=line, reason=f"bad span: {exc}", raw=raw)
            return
        extra = {"otel.scope.name": span["scope_name"]} if span.get("scope_name") else None
        pid = span.get("parent_span_id")
        flat = flatten(attrs)
        kind = _agentops_kind(flat)
        stage_span(
            stage,
            sink,
            runs,
            line=line,
            order=order,
            raw=raw,
            trace_id=span.get("trace_id") or trace_id,
            span_id=span.get("span_id"),
            parent_id=pid if pid not in (None, "") else parent,
            name=span.get("span_name"),
            attrs=flat,
            start=span["timestamp"] if span.get("timestamp") is not None else span.get("start_time"),
            end=span.get("end_time"),
            status=span.get("status_code"),
            message=span.get("status_message") or None,
            events=span.get("events"),
            kind=kind or span.get("span_kind"),
            duration_ms=duration if kind is None else None,
            extra=extra,
            agentops=kind is not None,
        )
