"""OTLP JSON decoding in Python: ids, attribute values, spans, documents, JSONL lines.

The reader every OTLP record can go through; :mod:`._otlp_sql` hands it whatever the SQL path cannot vouch for.
"""

from __future__ import annotations

import binascii
import json
import math
import re
from pathlib import Path
from typing import Any

import orjson

from ._ag2 import failed_without_status
from ._agent_ids import has_identifier
from ._base import Stage
from ._convention_table import status_of
from ._framework_agents import agents_trace_root, agno_run_agent
from ._jsonio import MAX_DEPTH, deeper_than, joined_values, jsonl_lines, may_be_deep
from ._langgraph_shape import node_agent
from ._links import LINKS_KEY, is_messaging, link_list, note_root_link
from ._logfire import rendered_name
from ._map_span import map_span
from ._otlp_logs import stage_resource_logs
from ._otlp_shapes import attributes_problem, json_type, key_problem
from ._span_outcome import ended_well, recorded_failure
from ._span_values import as_text
from ._stage_tables import arrow_column
from ._step_sink import StepSink
from ._time_units import number_ns
from ._values import TimeRangeError

# Largest single-document (non-JSONL) file parsed in one go; a bigger file is read line by line.
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024

_HEX = frozenset("0123456789abcdefABCDEF")
_ZERO_IDS = frozenset({"0" * 16, "0" * 32})
# A root span's parentSpanId as exporters write it: none, or zeros, in hex or (the protobuf JSON mapping of bytes)
# base64, of a span id's 8 bytes or a trace id's 16. Base64 zeros were quarantined as "all zeros" where hex read
# as a root. (The SQL path, _otlp_sql, takes the same set.)
ROOT_PARENT_IDS = frozenset(
    {
        "",
        *_ZERO_IDS,
        binascii.b2a_base64(bytes(8), newline=False).decode(),
        binascii.b2a_base64(bytes(16), newline=False).decode(),
    }
)


_INTEGER = re.compile(r"[+-]?[0-9]+")


class BadRecord(ValueError):
    """A span or resource that cannot be read; the message is the quarantine reason."""


# Key spellings: the OTLP JSON encoding (camelCase) and protobuf JSON with proto field names.
class _Keys:
    __slots__ = ("scope_spans", "scope", "spans", "trace", "span", "parent", "start", "end", "string")

    def __init__(self, snake: bool) -> None:
        if snake:
            self.scope_spans, self.scope, self.spans = "scope_spans", "scope", "spans"
            self.trace, self.span, self.parent = "trace_id", "span_id", "parent_span_id"
            self.start, self.end, self.string = "start_time_unix_nano", "end_time_unix_nano", "string_value"
        else:
            self.scope_spans, self.scope, self.spans = "scopeSpans", "scope", "spans"
            self.trace, self.span, self.parent = "traceId", "spanId", "parentSpanId"
            self.start, self.end, self.string = "startTimeUnixNano", "endTimeUnixNano", "stringValue"


_CAMEL = _Keys(snake=False)
_SNAKE = _Keys(snake=True)


def _js_buffer(value: dict, what: str) -> bytes:
    """The bytes of a Node.js ``Buffer`` as ``JSON.stringify`` writes it: ``{"type": "Buffer", "data": [...]}``.

    JavaScript exporters that serialise their protobuf objects (not the OTLP JSON encoding) write ids so
    (Langfuse's OTel mapping tests hold such spans).
    """
    data = value.get("data")
    if value.get("type") != "Buffer" or not isinstance(data, list):
        raise BadRecord(f"invalid {what}: an object {_keys(value)}, not hex, base64 or a Node.js Buffer")
    if not all(b.__class__ is int and 0 <= b < 256 for b in data):
        raise BadRecord(f"invalid {what}: a Node.js Buffer whose data are not all bytes (0 to 255)")
    return bytes(data)


def _keys(value: dict) -> str:
    return "{" + ", ".join(repr(k)[:40] for k in list(value)[:4]) + (", …}" if len(value) > 4 else "}")


def hex_id(value: Any, nbytes: int, what: str) -> str:
    """Lower-case hex of a trace/span id given as hex, as base64 of ``nbytes`` bytes, or as a Node.js Buffer."""
    if isinstance(value, dict):
        raw = _js_buffer(value, what)
        if len(raw) != nbytes:
            raise BadRecord(f"invalid {what}: a Node.js Buffer of {len(raw)} bytes (not {nbytes})")
        if not any(raw):
            raise BadRecord(f"{what} is all zeros")
        return raw.hex()
    if isinstance(value, str):
        if len(value) == 2 * nbytes and _HEX.issuperset(value):
            if value in _ZERO_IDS:
                raise BadRecord(f"{what} is all zeros")
            return value.lower()
        if value and len(value) <= 4 * nbytes:
            try:
                raw = binascii.a2b_base64(value, strict_mode=True)
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) == nbytes:
                if not any(raw):
                    raise BadRecord(f"{what} is all zeros")
                return raw.hex()
    raise BadRecord(f"invalid {what} {str(value)[:60]!r} (not {nbytes} bytes as hex or base64)")


def _int_value(x: Any) -> int:
    if x.__class__ is int:
        return x
    if isinstance(x, str):
        # int() also takes "1_000", other scripts' digits and spaces, which the SQL path's cast refuses or reads
        # otherwise; a count written so is malformed, as "abc" is
        if _INTEGER.fullmatch(x) is None:
            raise BadRecord(f"intValue {x[:40]!r} is not a decimal integer")
        return int(x)
    if isinstance(x, dict):
        return _js_long(x, "intValue")
    raise BadRecord(f"intValue is a JSON {json_type(x)}")


def _js_long(value: dict, what: str) -> int:
    """A 64-bit integer as JavaScript's long.js writes it: ``{"low": int32, "high": int32, "unsigned": bool}``.

    protobuf.js objects hold int64 fields so (times, integer attributes) and ``JSON.stringify`` keeps them.
    """
    low, high, unsigned = value.get("low"), value.get("high"), value.get("unsigned", False)
    if not (
        low.__class__ is int
        and high.__class__ is int
        and isinstance(unsigned, bool)
        and -(2**31) <= low < 2**32
        and -(2**31) <= high < 2**32
        and set(value) <= {"low", "high", "unsigned"}
    ):
        raise BadRecord(
            f"{what} is an object {_keys(value)}, not a number nor a long.js "
            "{'low', 'high', 'unsigned'} integer"
        )
    n = ((high & 0xFFFFFFFF) << 32) | (low & 0xFFFFFFFF)
    return n - 2**64 if not unsigned and n >= 2**63 else n


def _double_value(x: Any) -> float:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    if isinstance(x, str):  # protobuf JSON writes "NaN", "Infinity"
        try:
            return float(x)
        except ValueError:
            raise BadRecord(f"doubleValue {x[:40]!r} is not a number") from None
    raise BadRecord(f"doubleValue is a JSON {json_type(x)}")


def _bool_value(x: Any) -> bool:
    if isinstance(x, bool):
        return x
    raise BadRecord(f"boolValue is a JSON {json_type(x)}")


def _str_value(x: Any) -> str:
    if isinstance(x, str):
        return x
    raise BadRecord(f"stringValue is a JSON {json_type(x)}")


def _bytes_value(x: Any) -> str:
    if isinstance(x, str):
        return x
    raise BadRecord(f"bytesValue is a JSON {json_type(x)}, not base64 text")


def _values_of(x: Any, what: str) -> list:
    """The ``values`` list of an ``arrayValue`` / ``kvlistValue``, or a BadRecord saying what it was instead."""
    if x.__class__ is not dict:
        raise BadRecord(f"{what} is a JSON {json_type(x)}, not an object {{'values': [...]}}")
    values = x.get("values") or []
    if values.__class__ is not list:
        raise BadRecord(f"{what}.values is a JSON {json_type(values)}, not a list")
    return values


def _array_value(x: Any) -> list:
    return [any_value(v) for v in _values_of(x, "arrayValue")]


def _kvlist_value(x: Any) -> dict:
    return attributes(_values_of(x, "kvlistValue"), what="kvlistValue.values")


_DECODERS = {
    "stringValue": _str_value,
    "string_value": _str_value,
    "intValue": _int_value,
    "int_value": _int_value,
    "doubleValue": _double_value,
    "double_value": _double_value,
    "boolValue": _bool_value,
    "bool_value": _bool_value,
    "arrayValue": _array_value,
    "array_value": _array_value,
    "kvlistValue": _kvlist_value,
    "kvlist_value": _kvlist_value,
    "bytesValue": _bytes_value,
    "bytes_value": _bytes_value,  # kept as the base64 text
}


def any_value(v: Any) -> Any:
    """Decode an OTLP ``AnyValue`` (``{"stringValue": "x"}`` …); an empty value is None."""
    if v is None:
        return None
    if v.__class__ is not dict:
        raise BadRecord(f"a value is a JSON {json_type(v)}, not an AnyValue object ({{'stringValue': ...}})")
    for key, x in v.items():
        decode = _DECODERS.get(key)
        if decode is None:
            raise BadRecord(f"unknown attribute value type {key!r}")
        return decode(x)
    return None


def attributes(kvs: Any, string_key: str = "stringValue", what: str = "attributes") -> dict[str, Any]:
    """A flat dict from an OTLP ``[{"key", "value": AnyValue}]`` list (``what``: the field, for the error)."""
    out: dict[str, Any] = {}
    if not kvs:
        return out
    try:
        for kv in kvs:
            v = kv["value"] if "value" in kv else None
            # Most values are strings: look that one up directly, decode the rest.
            s = v.get(string_key) if v else None
            out[kv["key"]] = s if s.__class__ is str else any_value(v)
    except (BadRecord, TypeError, AttributeError, KeyError) as exc:
        # (the shape checked only once it failed: a well-formed list pays nothing for the words)
        raise BadRecord(
            attributes_problem(kvs, string_key, what, any_value, _why) or f"{what}: {_why(exc)}"
        ) from None
    return out


def _nanos(value: Any, what: str, stage: Stage) -> int | None:
    """Nanoseconds of a ``*UnixNano`` field: an integer (or its digit text, or a long.js object) as it is.

    A number with a fraction (a buggy exporter's ``time.time()``: seconds, or ``performance.now()``-style
    milliseconds) is read in the unit its size tells, as the native reader does (:mod:`._time_units`);
    integers in another unit are scaled after staging, file by file, the same way.
    """
    if value.__class__ is str:
        if value.isascii() and value.isdigit():  # (str.isdigit and int take any script's digits)
            n = int(value)
        elif _DECIMAL.fullmatch(value):
            n = _fraction_ns(value, what, stage)
        else:
            raise BadRecord(f"{what} is not a number: {value[:40]!r}")
    elif value.__class__ is int:
        n = value
    elif value is None:
        return None
    elif isinstance(value, float) and math.isfinite(value):
        n = int(value) if value.is_integer() else _fraction_ns(value, what, stage)
    elif isinstance(value, dict):
        n = _js_long(value, what)
    else:
        raise BadRecord(f"{what} is not a number: {str(value)[:40]!r}")
    if not 0 <= n < 2**63:
        raise BadRecord(f"{what} is out of range: {n}")
    return n or None  # protobuf JSON leaves 0 out; 0 means "not recorded"


_DECIMAL = re.compile(r"[0-9]+\.[0-9]+")


def _fraction_ns(value: float | str, what: str, stage: Stage) -> int:
    try:
        return number_ns(value, stage.time_units, stage.file)
    except ValueError as exc:
        raise BadRecord(f"{what} {exc}") from None


def _events(evs: Any, string_key: str) -> list[dict[str, Any]] | None:
    if not evs:
        return None
    if evs.__class__ is not list:
        raise BadRecord(f"events is a JSON {json_type(evs)}, not a list")
    out = []
    for e in evs:
        if e.__class__ is not dict:
            raise BadRecord(f"an event is a JSON {json_type(e)}, not an object")
        name = e.get("name")
        if name.__class__ in (list, dict):
            raise BadRecord(f"an event's name is a JSON {json_type(name)}, not text")
        out.append(
            {"name": name, "attributes": attributes(e.get("attributes"), string_key, "event attributes")}
        )
    return out


class _Context:
    """Per-file state: the sink, the runs seen, the trace id cache, the position in the document."""

    def __init__(self, stage: Stage, sink: StepSink) -> None:
        self.stage = stage
        self.sink = sink
        # run_id -> (order_hint, line, system, resource attributes as JSON): the first span wins.
        self.runs: dict[str, tuple[int, int, str | None, str | None]] = {}
        self.trace_ids: dict[str, str] = {}
        self.pos = 0


def stage_document(
    top: Any, line: int, ctx: _Context, check_sizes: bool, only: set[tuple[int, int, int]] | None = None
) -> None:
    """Stage every span of one parsed ``{"resourceSpans": [...]}`` object (or a list of them).

    ``only`` restricts the work to the spans at those 1-based (resource, scope, span) indexes (the
    ones the SQL path handed back); positions still count every span, so ``order_hint`` agrees.
    """
    ctx.pos = 0
    if isinstance(top, list):
        for item in top:
            _document(item, line, ctx, check_sizes, None)
        return
    _document(top, line, ctx, check_sizes, only)


def _document(
    top: Any, line: int, ctx: _Context, check_sizes: bool, only: set[tuple[int, int, int]] | None
) -> None:
    stage = ctx.stage
    if not isinstance(top, dict):
        stage.reject(line=line, reason=f"record is a JSON {json_type(top)}, not an OTLP object", raw=top)
        return
    keys = _CAMEL
    rss = top.get("resourceSpans")
    if rss is None and "resource_spans" in top:
        rss, keys = top["resource_spans"], _SNAKE
    if rss is None and ("resourceLogs" in top or "resource_logs" in top):  # a Collector's logs line
        snake = "resourceLogs" not in top
        stage_resource_logs(top["resource_logs" if snake else "resourceLogs"], line, stage, snake)
        return
    if not isinstance(rss, list):
        what = "not a list" if rss is not None else f"missing (keys: {', '.join(list(top)[:5])})"
        stage.reject(line=line, reason=f"resourceSpans is {what}", raw=top)
        return
    for ri, rs in enumerate(rss, start=1):
        try:
            scopes, service, resource = _resource(rs, keys)
        except (BadRecord, KeyError, TypeError, AttributeError, ValueError, RecursionError) as exc:
            stage.reject(line=line, reason=f"malformed resourceSpans entry: {_why(exc)}", raw=rs)
            continue
        for si, ss in enumerate(scopes, start=1):
            if not isinstance(ss, dict) or not isinstance(ss.get(keys.spans) or [], list):
                what = f"a JSON {json_type(ss)}" if not isinstance(ss, dict) else "its spans are not a list"
                stage.reject(line=line, reason=f"malformed scopeSpans entry: {what}", raw=ss)
                continue
            scope = ss.get(keys.scope) or ss.get("instrumentationLibrary") or {}
            base = {"service.name": service} if service is not None else {}
            scope_name = scope.get("name") if isinstance(scope, dict) else None
            if scope_name:
                base["otel.scope.name"] = scope_name
            for pi, sp in enumerate(ss.get(keys.spans) or (), start=1):
                ctx.pos += 1
                if only is not None and (ri, si, pi) not in only:
                    continue
                _span(sp, line, keys, base, service, resource, ctx, check_sizes, scope_name)


def _resource(rs: Any, keys: _Keys) -> tuple[list, Any, dict[str, Any]]:
    if not isinstance(rs, dict):
        raise BadRecord(f"a JSON {json_type(rs)}, not an object")
    resource = rs.get("resource") or {}
    if resource.__class__ is not dict:
        raise BadRecord(f"resource is a JSON {json_type(resource)}, not an object")
    rattrs = attributes(resource.get("attributes"), keys.string, "resource attributes")
    scopes = rs.get(keys.scope_spans)
    if scopes is None:  # OTLP before 0.15 called them instrumentationLibrarySpans
        scopes = rs.get("instrumentationLibrarySpans") or rs.get("instrumentation_library_spans") or []
    if not isinstance(scopes, list):
        raise BadRecord("scopeSpans is not a list")
    service = rattrs.get("service.name")
    return scopes, service, rattrs


def _why(exc: Exception) -> str:
    if isinstance(exc, (BadRecord, TimeRangeError)):
        return str(exc)
    if isinstance(exc, KeyError):
        return f"missing key {exc}"
    return f"{type(exc).__name__}: {exc}"


def _span(
    sp: Any,
    line: int,
    keys: _Keys,
    base: dict[str, Any],
    service: Any,
    resource: dict[str, Any],
    ctx: _Context,
    check_sizes: bool,
    scope_name: Any = None,
) -> None:
    stage = ctx.stage
    order = (line << 24) + ctx.pos - 1
    tid = sid = None
    try:
        if sp.__class__ is not dict:
            raise BadRecord(f"span is a JSON {json_type(sp)}, not an object")
        if check_sizes and deeper_than(sp):
            raise BadRecord(f"nested deeper than {MAX_DEPTH} levels of arrays and objects (the limit)")
        raw_tid = sp.get(keys.trace)
        tid = ctx.trace_ids.get(raw_tid) if raw_tid.__class__ is str else None
        if tid is None:
            tid = hex_id(raw_tid, 16, "traceId")
            if len(ctx.trace_ids) > 100_000:
                ctx.trace_ids.clear()
            if raw_tid.__class__ is str:  # (not a Node.js Buffer: an object)
                ctx.trace_ids[raw_tid] = tid
        sid = hex_id(sp.get(keys.span), 8, "spanId")
        pid = sp.get(keys.parent)
        if pid.__class__ is dict:  # a Node.js Buffer: a root span's is empty (or zeros, as in text)
            pid = _js_buffer(pid, "parentSpanId").hex() or None
        pid = (
            None
            if not pid or (pid.__class__ is str and pid in ROOT_PARENT_IDS)
            else hex_id(pid, 8, "parentSpanId")
        )
        start = _nanos(sp.get(keys.start), "startTimeUnixNano", stage)
        end = _nanos(sp.get(keys.end), "endTimeUnixNano", stage)
        name = sp.get("name")
        if name is not None and name.__class__ is not str:
            raise BadRecord(f"span name is a JSON {json_type(name)}, not text")
        attrs = attributes(sp.get("attributes"), keys.string)
        name = rendered_name(name, attrs)
        events = _events(sp.get("events"), keys.string)
        status = sp.get("status") or {}
        if status.__class__ is not dict:
            raise BadRecord(f"status is a JSON {json_type(status)}, not an object {{'code', 'message'}}")
        status_code = status_of(status.get("code"))
        if status_code is None:
            raise BadRecord(f"unknown status code {status.get('code')!r}")
        if status_code == "unset" and failed_without_status(attrs):
            status_code = "error"
        message = status.get("message") or None
        if message is not None and message.__class__ is not str:
            raise BadRecord(f"status message is a JSON {json_type(message)}, not text")
        # (a root's links only: one may make the trace part of another's run; the SQL path reads the others'
        # no more than it did before links were read)
        links = _links(sp.get("links"), keys) if pid is None and sp.get("links") else None
        m = map_span(attrs, name, events, root=pid is None)
        if m["failed"]:
            status_code = "error"
        elif status_code != "error" and (caught := recorded_failure(events)) is not None:
            status_code, m["error"] = (
                "error",
                caught,
            )  # (an exception recorded and the status left alone: _span_outcome)
        elif status_code == "unset" and pid is None and ended_well(attrs, events):
            status_code = "ok"
    except (BadRecord, KeyError, TypeError, AttributeError, ValueError, RecursionError) as exc:
        # (the ids as the stored steps spell them, once read: a base64 trace id kept as written named no run)
        sid = sid if sid is not None else sp.get(keys.span) if isinstance(sp, dict) else None
        tid = tid if tid is not None else sp.get(keys.trace) if isinstance(sp, dict) else None
        why = _why(exc) if isinstance(exc, (BadRecord, TimeRangeError)) else key_problem(sp) or _why(exc)
        stage.reject(line=line, reason=f"bad span: {why}", raw=sp, run_id=tid, step_id=sid)
        return
    if tid not in ctx.runs:
        ctx.runs[tid] = (order, line, _scalar_text(service), _json_text(resource))
    rest = m["attributes"]
    if m["agent_of_previous"]:
        stage.agent_of_previous.append((tid, sid))
    if m["turns"]:
        stage.turn_runs.add(tid)
    if not stage.node_calls and pid is not None and m["kind"] == "llm" and m["agent"] is None:
        stage.node_calls = (
            node_agent(rest) is not None
        )  # (named once staged, if no parent: _step_agents.node_agents)
    if m["kind"] == "agent" and m["agent"] == name and scope_name:
        m["agent"] = agno_run_agent(name, scope_name) or m["agent"]
        if pid is None and agents_trace_root(attrs, scope_name):
            m["kind"], m["agent"] = "chain", None
    if m["agent"].__class__ is str and has_identifier(m["agent"]):
        m["agent"] = ctx.sink.agent_ids.name(tid, m["agent"], attrs)
    if base:
        rest.update(base)
    if links:
        rest[LINKS_KEY] = link_list(links)
        note_root_link(stage, tid, sid, pid, links, is_messaging(sp.get("kind"), attrs))
    m["error"] = message if message is not None else (m["error"] if status_code == "error" else None)
    ctx.sink.add(line, tid, sid, pid, name, start, end, status_code, m, order, sp, check_sizes)


def _links(value: Any, keys: _Keys) -> list[tuple[str, str, dict[str, Any]]]:
    """A span's links as (trace id, span id, attributes), ids in lower-case hex (read as the span's own)."""
    if not isinstance(value, list):
        raise BadRecord(f"links is a JSON {json_type(value)}, not a list")
    out = []
    for link in value:
        if link.__class__ is not dict:
            raise BadRecord(f"a link is a JSON {json_type(link)}, not an object")
        out.append(
            (
                hex_id(link.get(keys.trace), 16, "link traceId"),
                hex_id(link.get(keys.span), 8, "link spanId"),
                attributes(link.get("attributes"), keys.string),
            )
        )
    return out


def _scalar_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return as_text(value) if isinstance(value, (list, dict)) else str(value)


def _json_text(value: dict[str, Any]) -> str | None:
    if not value:
        return None
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # an integer beyond 64 bits
        return json.dumps(value, default=str)


def write_runs(ctx: _Context, extra: str | None = None) -> None:
    """Stage one run per trace: the first span's resource (``service.name`` is the system).

    ``extra`` names a table of more candidates (the SQL path's) with the same columns.
    """
    stage = ctx.stage
    if (
        not ctx.runs and extra
    ):  # (every span read by the SQL path: no Arrow table, so no pyarrow/pandas import)
        _insert_runs(stage, f"SELECT * FROM {extra}")
        return
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    rows = [(k, *v) for k, v in ctx.runs.items()]
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 5
    # (arrow_column, not pa.array: that imports pandas)
    table = pa.table(
        {
            name: arrow_column(col, t)
            for name, col, t in zip(
                ("run_id", "order_hint", "line", "system", "attributes"),
                cols,
                ("VARCHAR", "BIGINT", "BIGINT", "VARCHAR", "VARCHAR"),
                strict=True,
            )
        }
    )
    view = f"_wb_otlp_runs_py_{id(ctx)}"
    stage.con.register(view, table)
    union = f"SELECT * FROM {view}" + (f" UNION ALL BY NAME SELECT * FROM {extra}" if extra else "")
    try:
        _insert_runs(stage, union, one_each=not extra)  # (ctx.runs holds one candidate a run)
    finally:
        stage.con.unregister(view)


#: A run's candidates (one per trace the Python reader found, and one per block of the SQL path's) as one
#: stage_runs row: the first's line, system and resource, each the first not NULL (arg_min's reading). A run of
#: one candidate (nearly all: only a trace split over blocks, or over both readers, gives more) is taken as it
#: is, and only runs of several are aggregated. Aggregated all at once, every run's text states (which DuckDB
#: cannot spill) ran out of a small memory limit (tests/ingest/test_perf44_insert_runs.py: 50,000 runs at 16MB,
#: 5 of 5), as refresh_runs.sql's run_declared did at 5M spans in the merge's 192MB (perf43). ``{union}`` is
#: the candidates' query (a table or view name of this module's, never input), read again rather than as a CTE
#: DuckDB may materialise.
_ONE_CANDIDATE = """
SELECT $file AS file, CASE WHEN order_hint IS NOT NULL THEN line END AS line, run_id, $source AS source,
       CASE WHEN order_hint IS NOT NULL THEN system END AS system,
       CASE WHEN order_hint IS NOT NULL THEN attributes END AS attributes
FROM ({union}) c"""
_SEVERAL = "(SELECT run_id FROM ({union}) GROUP BY run_id HAVING count(*) > 1)"
_INSERT_RUNS = f"""
INSERT INTO stage_runs BY NAME
{_ONE_CANDIDATE}
WHERE NOT EXISTS (SELECT 1 FROM {_SEVERAL} g WHERE g.run_id IS NOT DISTINCT FROM c.run_id)
UNION ALL
SELECT $file AS file, arg_min(line, order_hint) AS line, run_id, $source AS source,
       arg_min(system, order_hint) AS system, arg_min(attributes, order_hint) AS attributes
FROM ({{union}}) c
WHERE EXISTS (SELECT 1 FROM {_SEVERAL} g WHERE g.run_id IS NOT DISTINCT FROM c.run_id)
GROUP BY run_id
"""


def _insert_runs(stage: Stage, union: str, one_each: bool = False) -> None:
    """Stage the runs of the candidates ``union`` selects; ``one_each``: it selects one candidate a run (the
    Python reader's alone, a row per trace), so no run is aggregated nor looked for twice."""
    sql = "INSERT INTO stage_runs BY NAME" + _ONE_CANDIDATE if one_each else _INSERT_RUNS
    stage.con.execute(sql.format(union=union), {"file": stage.file, "source": stage.source})


def _is_single_document(path: Path) -> bool:
    """True when the file is one (multi-line) JSON document rather than JSONL."""
    for _, line in jsonl_lines(path):
        try:
            orjson.loads(line)
            return False  # the first line is a whole record: JSONL
        except orjson.JSONDecodeError:
            return path.stat().st_size <= MAX_DOCUMENT_BYTES
    return False


def stage_line(line: bytes, n: int, ctx: _Context, only: set[tuple[int, int, int]] | None = None) -> None:
    """Parse one JSONL line and stage its spans (or quarantine it)."""
    line = line.removeprefix(
        b"\xef\xbb\xbf"
    )  # (files each with its mark, concatenated: see native.stage_line)
    try:
        top = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        values = joined_values(line) if only is None and "after document" in str(exc) else None
        for value in values or ():  # (two files' records on one line: see joined_values)
            stage_line(value, n, ctx)
        if values is not None:
            return
        if only is None:
            ctx.stage.reject(line=n, reason=f"broken JSON: {exc}", raw=line)
        else:  # the SQL path read the line; account for each span it handed back
            for _ in only:
                ctx.stage.reject(line=n, reason=f"span could not be re-read: {exc}", raw=line)
        return
    # A field can only exceed the size limit, or nest past the depth limit, when its line does.
    stage_document(top, n, ctx, len(line) > ctx.sink.max_field_bytes or may_be_deep(line), only)
