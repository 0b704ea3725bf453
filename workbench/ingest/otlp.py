"""OTLP JSON traces, as the OpenTelemetry Collector's file exporter writes them.

The file is either JSONL (one ``{"resourceSpans": [...]}`` object per line, the exporter's default) or
a single JSON document (possibly pretty-printed, or a JSON array of such objects). Both the OTLP JSON
encoding (lowerCamelCase keys, hex ids) and protobuf's generic JSON mapping (base64 ids, and
``snake_case`` keys when the proto field names are kept) are read.

Every span becomes one step (see :mod:`workbench.ingest._conventions` for the attribute mapping);
every trace becomes one run whose ``system`` is the resource's ``service.name``.

Line numbers: for JSONL a record's ``line`` is its 1-based line in the file. For a single multi-line
document every record gets ``line = 1`` (finding each span's line would need a second, position-aware
parse); ``order_hint`` (``line << 24`` plus the span's index in its line) still orders spans as in the file.

Two readers give the same rows: JSONL goes through DuckDB's JSON functions (:func:`stage_jsonl_sql`,
vectorised, several times faster), which hands every line or span it cannot vouch for to the Python
reader (:func:`stage_document`); single documents are read in Python. Spans staged by the SQL path
carry no ``raw`` text (their file and line locate them); quarantined records always do.
Ids must be 16/8 bytes and not all zeros (the OTLP rule); an all-zero parent id means "no parent".
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from ._base import MAX_FIELD_BYTES, Adapter, Stage
from ._conventions import (
    KEEP_KEYS,
    MESSAGE_KINDS,
    OI_KINDS,
    OPERATION_KINDS,
    SLOT_KEYS,
    StepSink,
    as_text,
    map_span,
    status_of,
)

# Largest single-document (non-JSONL) file parsed in one go; a bigger file is read line by line.
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024

_HEX = frozenset("0123456789abcdefABCDEF")
_ZERO_IDS = frozenset({"0" * 16, "0" * 32})


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


def hex_id(value: Any, nbytes: int, what: str) -> str:
    """Lower-case hex of a trace/span id given as hex, or as base64 of ``nbytes`` bytes."""
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
        return int(x)
    raise BadRecord(f"intValue is a {type(x).__name__}")


def _double_value(x: Any) -> float:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    if isinstance(x, str):  # protobuf JSON writes "NaN", "Infinity"
        return float(x)
    raise BadRecord(f"doubleValue is a {type(x).__name__}")


def _bool_value(x: Any) -> bool:
    if isinstance(x, bool):
        return x
    raise BadRecord(f"boolValue is a {type(x).__name__}")


def _str_value(x: Any) -> str:
    if isinstance(x, str):
        return x
    raise BadRecord(f"stringValue is a {type(x).__name__}")


def _array_value(x: Any) -> list:
    return [any_value(v) for v in (x.get("values") or ())]


def _kvlist_value(x: Any) -> dict:
    return {kv["key"]: any_value(kv.get("value")) for kv in (x.get("values") or ())}


_DECODERS = {
    "stringValue": _str_value, "string_value": _str_value,
    "intValue": _int_value, "int_value": _int_value,
    "doubleValue": _double_value, "double_value": _double_value,
    "boolValue": _bool_value, "bool_value": _bool_value,
    "arrayValue": _array_value, "array_value": _array_value,
    "kvlistValue": _kvlist_value, "kvlist_value": _kvlist_value,
    "bytesValue": _str_value, "bytes_value": _str_value,  # kept as the base64 text
}


def any_value(v: Any) -> Any:
    """Decode an OTLP ``AnyValue`` (``{"stringValue": "x"}`` …); an empty value is None."""
    if v is None:
        return None
    for key, x in v.items():
        decode = _DECODERS.get(key)
        if decode is None:
            raise BadRecord(f"unknown attribute value type {key!r}")
        return decode(x)
    return None


def attributes(kvs: Any, string_key: str = "stringValue") -> dict[str, Any]:
    """A flat dict from an OTLP ``[{"key", "value": AnyValue}]`` list."""
    out: dict[str, Any] = {}
    if not kvs:
        return out
    for kv in kvs:
        v = kv["value"] if "value" in kv else None
        # Most values are strings: look that one up directly, decode the rest.
        s = v.get(string_key) if v else None
        out[kv["key"]] = s if s.__class__ is str else any_value(v)
    return out


def _nanos(value: Any, what: str) -> int | None:
    if value.__class__ is str:
        if value.isdigit():
            n = int(value)
        else:
            raise BadRecord(f"{what} is not a number: {value[:40]!r}")
    elif value.__class__ is int:
        n = value
    elif value is None:
        return None
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    else:
        raise BadRecord(f"{what} is not a number: {str(value)[:40]!r}")
    if not 0 <= n < 2**63:
        raise BadRecord(f"{what} is out of range: {n}")
    return n or None  # protobuf JSON leaves 0 out; 0 means "not recorded"


def _events(evs: Any, string_key: str) -> list[dict[str, Any]] | None:
    if not evs:
        return None
    return [{"name": e.get("name"), "attributes": attributes(e.get("attributes"), string_key)} for e in evs]


class _Context:
    """Per-file state: the sink, the runs seen, the trace id cache, the position in the document."""

    def __init__(self, stage: Stage, sink: StepSink) -> None:
        self.stage = stage
        self.sink = sink
        # run_id -> (order_hint, line, system, resource attributes as JSON): the first span wins.
        self.runs: dict[str, tuple[int, int, str | None, str | None]] = {}
        self.trace_ids: dict[str, str] = {}
        self.pos = 0


def stage_document(top: Any, line: int, ctx: _Context, check_sizes: bool,
                   only: set[tuple[int, int, int]] | None = None) -> None:
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


def _document(top: Any, line: int, ctx: _Context, check_sizes: bool,
              only: set[tuple[int, int, int]] | None) -> None:
    stage = ctx.stage
    if not isinstance(top, dict):
        stage.reject(line=line, reason=f"record is a JSON {type(top).__name__}, not an OTLP object", raw=top)
        return
    keys = _CAMEL
    rss = top.get("resourceSpans")
    if rss is None and "resource_spans" in top:
        rss, keys = top["resource_spans"], _SNAKE
    if not isinstance(rss, list):
        what = "not a list" if rss is not None else f"missing (keys: {', '.join(list(top)[:5])})"
        stage.reject(line=line, reason=f"resourceSpans is {what}", raw=top)
        return
    for ri, rs in enumerate(rss, start=1):
        try:
            scopes, service, resource = _resource(rs, keys)
        except (BadRecord, KeyError, TypeError, AttributeError, ValueError) as exc:
            stage.reject(line=line, reason=f"malformed resourceSpans entry: {_why(exc)}", raw=rs)
            continue
        for si, ss in enumerate(scopes, start=1):
            if not isinstance(ss, dict) or not isinstance(ss.get(keys.spans) or [], list):
                stage.reject(line=line, reason="malformed scopeSpans entry", raw=ss)
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
                _span(sp, line, keys, base, service, resource, ctx, check_sizes)


def _resource(rs: Any, keys: _Keys) -> tuple[list, Any, dict[str, Any]]:
    if not isinstance(rs, dict):
        raise BadRecord(f"a JSON {type(rs).__name__}, not an object")
    resource = rs.get("resource") or {}
    rattrs = attributes(resource.get("attributes"), keys.string)
    scopes = rs.get(keys.scope_spans)
    if scopes is None:  # OTLP before 0.15 called them instrumentationLibrarySpans
        scopes = rs.get("instrumentationLibrarySpans") or rs.get("instrumentation_library_spans") or []
    if not isinstance(scopes, list):
        raise BadRecord("scopeSpans is not a list")
    service = rattrs.get("service.name")
    return scopes, service, rattrs


def _why(exc: Exception) -> str:
    if isinstance(exc, BadRecord):
        return str(exc)
    if isinstance(exc, KeyError):
        return f"missing key {exc}"
    return f"{type(exc).__name__}: {exc}"


def _span(sp: Any, line: int, keys: _Keys, base: dict[str, Any], service: Any,
          resource: dict[str, Any], ctx: _Context, check_sizes: bool) -> None:
    stage = ctx.stage
    order = (line << 24) + ctx.pos - 1
    try:
        if sp.__class__ is not dict:
            raise BadRecord(f"span is a JSON {type(sp).__name__}, not an object")
        raw_tid = sp.get(keys.trace)
        tid = ctx.trace_ids.get(raw_tid) if raw_tid.__class__ is str else None
        if tid is None:
            tid = hex_id(raw_tid, 16, "traceId")
            if len(ctx.trace_ids) > 100_000:
                ctx.trace_ids.clear()
            ctx.trace_ids[raw_tid] = tid
        sid = hex_id(sp.get(keys.span), 8, "spanId")
        pid = sp.get(keys.parent)
        pid = hex_id(pid, 8, "parentSpanId") if pid and pid not in _ZERO_IDS else None
        start = _nanos(sp.get(keys.start), "startTimeUnixNano")
        end = _nanos(sp.get(keys.end), "endTimeUnixNano")
        name = sp.get("name")
        if name is not None and name.__class__ is not str:
            raise BadRecord(f"span name is a {type(name).__name__}")
        attrs = attributes(sp.get("attributes"), keys.string)
        events = _events(sp.get("events"), keys.string)
        status = sp.get("status") or {}
        status_code = status_of(status.get("code"))
        if status_code is None:
            raise BadRecord(f"unknown status code {status.get('code')!r}")
        message = status.get("message") or None
        if message is not None and message.__class__ is not str:
            raise BadRecord(f"status message is a {type(message).__name__}")
        m = map_span(attrs, name, events)
    except (BadRecord, KeyError, TypeError, AttributeError, ValueError) as exc:
        sid = sp.get(keys.span) if isinstance(sp, dict) else None
        tid = sp.get(keys.trace) if isinstance(sp, dict) else None
        stage.reject(line=line, reason=f"bad span: {_why(exc)}", raw=sp, run_id=tid, step_id=sid)
        return
    if tid not in ctx.runs:
        ctx.runs[tid] = (order, line, _scalar_text(service), _json_text(resource))
    rest = m["attributes"]
    if base:
        rest.update(base)
    m["error"] = message if message is not None else (m["error"] if status_code == "error" else None)
    ctx.sink.add(line, tid, sid, pid, name, start, end, status_code, m, order, sp, check_sizes)


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
    rows = [(k, *v) for k, v in ctx.runs.items()]
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 5
    table = pa.table({"run_id": pa.array(cols[0], pa.string()), "order_hint": pa.array(cols[1], pa.int64()),
                      "line": pa.array(cols[2], pa.int64()), "system": pa.array(cols[3], pa.string()),
                      "attributes": pa.array(cols[4], pa.string())})
    view = f"_wb_otlp_runs_py_{id(ctx)}"
    stage.con.register(view, table)
    union = f"SELECT * FROM {view}" + (f" UNION ALL BY NAME SELECT * FROM {extra}" if extra else "")
    try:
        stage.con.execute(
            "INSERT INTO stage_runs BY NAME SELECT $file AS file, arg_min(line, order_hint) AS line, run_id, "
            "$source AS source, arg_min(system, order_hint) AS system, "
            f"arg_min(attributes, order_hint) AS attributes FROM ({union}) GROUP BY run_id",
            {"file": stage.file, "source": stage.source})
    finally:
        stage.con.unregister(view)


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, start=1):
            if n == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if line.strip():
                yield n, line


def _is_single_document(path: Path) -> bool:
    """True when the file is one (multi-line) JSON document rather than JSONL."""
    for _, line in _lines(path):
        try:
            orjson.loads(line)
            return False  # the first line is a whole record: JSONL
        except orjson.JSONDecodeError:
            return path.stat().st_size <= MAX_DOCUMENT_BYTES
    return False


def stage_line(line: bytes, n: int, ctx: _Context, only: set[tuple[int, int, int]] | None = None) -> None:
    """Parse one JSONL line and stage its spans (or quarantine it)."""
    try:
        top = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if only is None:
            ctx.stage.reject(line=n, reason=f"broken JSON: {exc}", raw=line)
        else:  # the SQL path read the line; account for each span it handed back
            for _ in only:
                ctx.stage.reject(line=n, reason=f"span could not be re-read: {exc}", raw=line)
        return
    # A field can only exceed the size limit when its line does.
    stage_document(top, n, ctx, len(line) > ctx.sink.max_field_bytes, only)


class OtlpJson(Adapter):
    """OTLP JSON traces (Collector file exporter; JSONL or one document).

    Parameters
    ----------
    fast
        Read JSONL through DuckDB's JSON functions (:func:`stage_jsonl_sql`), handing anything
        unusual back to the Python reader; False reads every line in Python.
    """

    name = "otlp"
    description = "OTLP JSON traces: {'resourceSpans': [...]} per line (Collector file exporter) or per file"

    def __init__(self, fast: bool = True) -> None:
        self.fast = fast

    def sniff(self, path: Path, head: bytes) -> bool:
        start = head.lstrip(b" \t\r\n\xef\xbb\xbf")[:256]
        return start[:1] in (b"{", b"[") and (b'"resourceSpans"' in start or b'"resource_spans"' in start)

    def stage(self, path: Path, stage: Stage) -> None:
        ctx = _Context(stage, StepSink(stage))
        extra_runs = None
        try:
            if _is_single_document(path):
                data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
                try:
                    top = orjson.loads(data)
                except orjson.JSONDecodeError:
                    top = None
                if top is not None:
                    stage_document(top, 1, ctx, check_sizes=True)
                    return
            if self.fast:
                extra_runs = stage_jsonl_sql(path, ctx)
                return
            for n, line in _lines(path):
                stage_line(line, n, ctx)
        finally:
            ctx.sink.flush()
            write_runs(ctx, extra_runs)
            if extra_runs:
                stage.con.execute(f"DROP TABLE IF EXISTS {extra_runs}")


# -- the SQL path ------------------------------------------------------------------------------------
# Well-formed lines are decoded and mapped by DuckDB (vectorised, on all cores); the Python reader above
# gets every line or span the SQL cannot vouch for (flagged below), so the rows and the quarantine are
# the same either way (tests/ingest/test_otlp_fast.py checks this).

# Lines the typed JSON transform would read leniently (a non-string where a string belongs, a
# non-list/non-object container, NaN, trailing commas …) go to Python. False alarms (the pattern
# inside a string value) only cost speed.
_GUARD = "|".join((
    r'"(?:stringValue|key|bytesValue|name|message|traceId|spanId|parentSpanId)"\s*:\s*[^"\s]',
    r'"boolValue"\s*:\s*[^tf\s]',
    r'"(?:resourceSpans|scopeSpans|spans|attributes)"\s*:\s*[^\[\s]',
    r'"(?:resource|scope|status|value)"\s*:\s*[^{\s]',
    r'[:,\[]\s*-?(?:NaN|Infinity)', r',\s*[}\]]',
))
_VALUE = {"stringValue": "VARCHAR", "intValue": "VARCHAR", "doubleValue": "DOUBLE", "boolValue": "BOOLEAN",
          "arrayValue": "JSON", "kvlistValue": "JSON", "bytesValue": "JSON"}
_KVS = [{"key": "VARCHAR", "value": _VALUE}]
_SPAN = {"traceId": "VARCHAR", "spanId": "VARCHAR", "parentSpanId": "VARCHAR", "name": "VARCHAR",
         "startTimeUnixNano": "VARCHAR", "endTimeUnixNano": "VARCHAR", "attributes": _KVS, "events": "JSON",
         "status": {"code": "VARCHAR", "message": "VARCHAR"}}
_DOC = {"resourceSpans": [{"resource": {"attributes": _KVS}, "scopeSpans": [
    {"scope": {"name": "VARCHAR"}, "instrumentationLibrary": "JSON", "spans": [_SPAN]}]}]}

_MACROS = r"""
CREATE OR REPLACE TEMP MACRO _wb_attrs(l) AS list_transform(coalesce(l, []), lambda a: struct_pack(
  k := a.key, s := a.value.stringValue, i := TRY_CAST(a.value.intValue AS BIGINT),
  n := coalesce(a.value.doubleValue, TRY_CAST(a.value.intValue AS DOUBLE)),
  j := coalesce(to_json(a.value.stringValue)::VARCHAR, a.value.intValue, to_json(a.value.doubleValue)::VARCHAR,
                a.value.boolValue::VARCHAR),
  ok := a.key IS NOT NULL AND a.value.arrayValue IS NULL AND a.value.kvlistValue IS NULL
        AND a.value.bytesValue IS NULL AND (a.value.doubleValue IS NULL OR isfinite(a.value.doubleValue))
        AND (a.value.intValue IS NULL OR coalesce(TRY_CAST(a.value.intValue AS BIGINT)::VARCHAR = a.value.intValue, false))
        AND (a.value.stringValue IS NOT NULL)::INT + (a.value.intValue IS NOT NULL)::INT
            + (a.value.doubleValue IS NOT NULL)::INT + (a.value.boolValue IS NOT NULL)::INT = 1));
CREATE OR REPLACE TEMP MACRO _wb_ok(l) AS coalesce(list_bool_and(list_transform(l, lambda a: a.ok)), true)
  AND len(list_distinct(list_transform(l, lambda a: a.k))) = len(l);
CREATE OR REPLACE TEMP MACRO _wb_any(l) AS coalesce(list_bool_or(l), false);
CREATE OR REPLACE TEMP MACRO _wb_entries(l) AS list_transform(l, lambda a: to_json(a.k)::VARCHAR || ':' || a.j);
CREATE OR REPLACE TEMP MACRO _wb_obj(e) AS CASE WHEN len(e) > 0 THEN '{' || array_to_string(e, ',') || '}' END;
CREATE OR REPLACE TEMP MACRO _wb_nanos(x) AS CASE WHEN TRY_CAST(x AS BIGINT) >= 0
  AND TRY_CAST(x AS BIGINT)::VARCHAR = x THEN TRY_CAST(x AS BIGINT) END;
"""


def _q(text: str) -> str:
    """A SQL string literal of one of this module's own constants (never of input data)."""
    return "'" + text.replace("'", "''") + "'"


def _spans_sql() -> str:
    """One statement: decode, flag and map every span of the batch in ``_wb_otlp_in(line, json)``.

    A line the SQL cannot vouch for yields one row with ``bad``; a span it cannot vouch for is a row
    with ``fast = false``; both go back to the Python path.
    """
    keys = [k for ks in SLOT_KEYS.values() for k in ks]
    idx = {k: n for n, k in enumerate(keys)}
    positions = ", ".join(f"list_position(keys, {_q(k)}) AS p{n}" for n, k in enumerate(keys))
    slots, chosen = [], []
    for slot, ks in SLOT_KEYS.items():
        slots.append("CASE " + " ".join(f"WHEN p{idx[k]} IS NOT NULL THEN attrs[p{idx[k]}]" for k in ks)
                     + f" END AS v_{slot}")
        if not KEEP_KEYS.intersection(ks):
            chosen.append("coalesce(" + ", ".join(f"p{idx[k]}" for k in ks) + ")")
    op = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in OPERATION_KINDS.items())
    oi = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in OI_KINDS.items())
    status = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in _STATUS_SQL.items())
    text_slots = " OR ".join(f"(v_{s} IS NOT NULL AND v_{s}.s IS NULL)" for s in
                             ("op", "oi_kind", "agent", "tool", "model", "input", "output", "error_type"))
    msg_kinds = ", ".join(_q(k) for k in sorted(MESSAGE_KINDS))
    z16, z32, big = "0" * 16, "0" * 32, MAX_FIELD_BYTES // 4
    doc = _q(orjson.dumps(_DOC).decode())
    return f"""
CREATE OR REPLACE TEMP TABLE _wb_otlp_spans AS
WITH docs AS (
  -- NULL-safe tests only: a NULL in an OR chain would flag the line
  SELECT line, d, coalesce(d.resourceSpans IS NULL OR regexp_matches(json, {_q(_GUARD)}), true) AS bad,
         -- positions across several resources/scopes need the span counts; one scope (the usual) does not
         CASE WHEN len(d.resourceSpans) > 1 OR len(d.resourceSpans[1].scopeSpans) > 1 THEN
           list_transform(d.resourceSpans, lambda r: list_transform(r.scopeSpans, lambda x: len(x.spans))) END AS counts
  FROM (SELECT line, json, CASE WHEN json_valid(json) THEN json_transform(json, {doc}) END AS d FROM _wb_otlp_in)
), rs AS (
  -- a bad line keeps one all-NULL row down to the end, so it can be handed back whole
  SELECT line, bad, counts, unnest(CASE WHEN bad THEN [NULL] ELSE d.resourceSpans END) AS r,
         unnest(CASE WHEN bad THEN [NULL] ELSE range(1, len(d.resourceSpans) + 1) END) AS ri
  FROM docs
), rs2 AS (
  SELECT *, bad OR coalesce(scopes IS NULL OR NOT _wb_ok(rattrs)
                            OR _wb_any(list_transform(rattrs, lambda a: a.k = 'service.name' AND a.s IS NULL)), true) AS rbad
  FROM (SELECT *, r.scopeSpans AS scopes, _wb_attrs(r.resource.attributes) AS rattrs FROM rs)
), ss AS (
  SELECT line, rbad AS bad, counts, ri, list_filter(rattrs, lambda a: a.k = 'service.name')[1] AS service,
         _wb_obj(_wb_entries(rattrs)) AS resource, unnest(CASE WHEN rbad THEN [NULL] ELSE scopes END) AS x,
         unnest(CASE WHEN rbad THEN [NULL] ELSE range(1, len(scopes) + 1) END) AS si
  FROM rs2
), a AS (
  SELECT line, bad OR coalesce(x.spans IS NULL OR x.instrumentationLibrary IS NOT NULL, true) AS bad, ri, si,
         service, resource, nullif(x.scope.name, '') AS scope_name,
         CASE WHEN counts IS NULL THEN 0 ELSE coalesce(list_sum(list_transform(counts[1:ri-1], lambda c: list_sum(c))), 0)
           + coalesce(list_sum(counts[ri][1:si-1]), 0) END AS off,
         unnest(CASE WHEN bad OR x.spans IS NULL OR x.instrumentationLibrary IS NOT NULL THEN [NULL] ELSE x.spans END) AS s,
         unnest(CASE WHEN bad OR x.spans IS NULL OR x.instrumentationLibrary IS NOT NULL THEN [NULL]
                     ELSE range(1, len(x.spans) + 1) END) AS pi
  FROM ss
), b AS (
  SELECT *, _wb_attrs(s.attributes) AS attrs, _wb_nanos(s.startTimeUnixNano) AS t0,
         _wb_nanos(s.endTimeUnixNano) AS t1, CASE coalesce(upper(s.status.code), '') {status} END AS status
  FROM a
), c AS (SELECT *, {positions} FROM (SELECT *, list_transform(attrs, lambda x: x.k) AS keys FROM b)
), d AS (SELECT *, {", ".join(slots)}, [{", ".join(chosen)}] AS chosen FROM c
), e AS (
  SELECT *, CASE WHEN (k0 IS NULL OR k0 IN ('tool', 'other')) AND lower(left(s.name, 7)) = 'handoff' THEN 'handoff'
                 ELSE coalesce(k0, 'other') END AS kind
  FROM (SELECT *, coalesce(CASE v_op.s {op} END, CASE upper(v_oi_kind.s) {oi} END) AS k0 FROM d)
), f AS (
  SELECT *,
    coalesce(v_agent.s, CASE WHEN kind = 'agent' AND s.name <> '' THEN CASE WHEN starts_with(s.name, 'invoke_agent ')
      OR starts_with(s.name, 'create_agent ') THEN coalesce(nullif(s.name[14:], ''), s.name) ELSE s.name END END) AS agent,
    coalesce(v_tool.s, CASE WHEN kind = 'tool' AND s.name <> '' THEN CASE WHEN starts_with(s.name, 'execute_tool ')
      THEN coalesce(nullif(s.name[14:], ''), s.name) ELSE s.name END END) AS tool,
    coalesce(nullif(s.status.message, ''), CASE WHEN status = 'error' THEN v_error_type.s END) AS error,
    _wb_obj(list_concat(_wb_entries(list_filter(attrs, lambda x, i: NOT list_contains(chosen, i))),
                        CASE WHEN service IS NOT NULL THEN ['"service.name":' || service.j] ELSE [] END,
                        CASE WHEN scope_name IS NOT NULL THEN ['"otel.scope.name":' || to_json(scope_name)::VARCHAR]
                             ELSE [] END)) AS attributes
  FROM e
)
SELECT line, bad, ri, si, pi, (line << 24) + off + pi - 1 AS order_hint, service.s AS system, resource,
  lower(s.traceId) AS run_id, lower(s.spanId) AS step_id,
  CASE WHEN coalesce(s.parentSpanId, '') IN ('', '{z16}', '{z32}') THEN NULL ELSE lower(s.parentSpanId) END AS parent_id,
  s.name AS name, kind, kind = 'agent' AS is_agent, agent, tool, v_model.s AS model,
  nullif(t0, 0) AS start_ns, nullif(t1, 0) AS end_ns, (nullif(t1, 0) - nullif(t0, 0)) / 1e6 AS latency_ms,
  status, error, v_input.s AS input, v_output.s AS output, v_tokens_in.i AS tokens_in, v_tokens_out.i AS tokens_out,
  v_cost.n AS cost, v_confidence.n AS confidence, v_entropy.n AS entropy, attributes,
  NOT coalesce(bad
    OR NOT coalesce(regexp_full_match(s.traceId, '[0-9a-fA-F]{{32}}') AND s.traceId <> '{z32}', false)
    OR NOT coalesce(regexp_full_match(s.spanId, '[0-9a-fA-F]{{16}}') AND s.spanId <> '{z16}', false)
    OR (coalesce(s.parentSpanId, '') NOT IN ('', '{z16}', '{z32}') AND NOT regexp_full_match(s.parentSpanId, '[0-9a-fA-F]{{16}}'))
    OR (s.startTimeUnixNano IS NOT NULL AND t0 IS NULL) OR (s.endTimeUnixNano IS NOT NULL AND t1 IS NULL)
    OR status IS NULL OR (s.events IS NOT NULL AND s.events <> '[]')
    OR NOT _wb_ok(attrs) OR list_contains(keys, 'service.name') OR list_contains(keys, 'otel.scope.name')
    OR {text_slots}
    OR (v_tokens_in IS NOT NULL AND v_tokens_in.i IS NULL) OR (v_tokens_out IS NOT NULL AND v_tokens_out.i IS NULL)
    OR (v_cost IS NOT NULL AND v_cost.n IS NULL) OR (v_entropy IS NOT NULL AND v_entropy.n IS NULL)
    OR (v_confidence IS NOT NULL AND NOT coalesce(v_confidence.n BETWEEN 0 AND 1, false)) OR v_logprobs IS NOT NULL
    OR (kind IN ({msg_kinds}) AND ((v_input IS NULL AND _wb_any(list_transform(keys, lambda k: starts_with(k, 'llm.input_messages.'))))
        OR (v_output IS NULL AND _wb_any(list_transform(keys, lambda k: starts_with(k, 'llm.output_messages.'))))))
    OR ((v_confidence IS NULL OR v_entropy IS NULL) AND coalesce(contains(v_output.s, 'logprobs'), false))
    OR coalesce(greatest(length(s.name), length(v_input.s), length(v_output.s), length(error), length(attributes),
                         length(agent), length(tool), length(v_model.s)) > {big}, false),
  true) AS fast
FROM f"""


_STATUS_SQL = {"": "unset", "0": "unset", "1": "ok", "2": "error", "UNSET": "unset", "OK": "ok", "ERROR": "error",
               "STATUS_CODE_UNSET": "unset", "STATUS_CODE_OK": "ok", "STATUS_CODE_ERROR": "error"}
_STEP_OUT = ("line", "run_id", "step_id", "parent_id", "agent", "is_agent", "kind", "name", "tool", "model",
             "start_ns", "end_ns", "latency_ms", "status", "error", "input", "output", "tokens_in", "tokens_out",
             "cost", "confidence", "entropy", "attributes", "order_hint")
_BATCH_BYTES = 32 * 1024 * 1024
_SQL_CACHE: dict[str, str] = {}


def stage_jsonl_sql(path: Path, ctx: _Context) -> str:
    """Stage an OTLP JSONL file through DuckDB; return the table of run candidates it filled.

    Reads the file in ~32 MB batches of lines. A batch that DuckDB cannot read at all (it should not
    happen) is read by the Python path instead.
    """
    con, stage = ctx.stage.con, ctx.stage
    if not _SQL_CACHE:
        _SQL_CACHE["spans"] = _spans_sql()
    con.execute(_MACROS)
    runs = "_wb_otlp_runs"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {runs} (run_id VARCHAR, order_hint BIGINT, line BIGINT, "
                "system VARCHAR, attributes VARCHAR)")
    cols = ", ".join(_STEP_OUT)
    with open(path, "rb") as fh:
        first = 1
        while batch := fh.readlines(_BATCH_BYTES):
            numbers = range(first, first + len(batch))
            first += len(batch)
            if numbers[0] == 1 and batch[0].startswith(b"\xef\xbb\xbf"):
                batch[0] = batch[0][3:]
            keep = [(n, b) for n, b in zip(numbers, batch, strict=True) if b.strip()]
            texts = _decoded(keep, ctx)
            if not texts:
                continue
            table = pa.table({"line": pa.array([n for n, _ in texts], pa.int64()),
                              "json": pa.array([t for _, t in texts], pa.string())})
            # Several record batches let DuckDB scan (and parse) them on all threads.
            con.register("_wb_otlp_in", pa.Table.from_batches(table.to_batches(max_chunksize=512)))
            try:
                con.execute(_SQL_CACHE["spans"])
            except duckdb.Error:
                for n, text in texts:
                    stage_line(text.encode(), n, ctx)
                continue
            finally:
                con.unregister("_wb_otlp_in")
            # A line with any bad part goes back whole: none of its spans may be staged here.
            con.execute("UPDATE _wb_otlp_spans SET fast = false, bad = true WHERE line IN "
                        "(SELECT line FROM _wb_otlp_spans WHERE bad)")
            n_fast = con.execute(
                f"INSERT INTO stage_steps BY NAME SELECT {cols}, $file AS file, $source AS source "
                "FROM _wb_otlp_spans WHERE fast", {"file": stage.file, "source": stage.source}).fetchall()[0][0]
            stage.read += n_fast
            con.execute(f"INSERT INTO {runs} SELECT run_id, min(order_hint), arg_min(line, order_hint), "
                        "arg_min(system, order_hint), arg_min(resource, order_hint) FROM _wb_otlp_spans "
                        "WHERE fast GROUP BY run_id")
            _hand_back(con, dict(texts), ctx)
    con.execute("DROP TABLE IF EXISTS _wb_otlp_spans")
    return runs


def _decoded(lines: list[tuple[int, bytes]], ctx: _Context) -> list[tuple[int, str]]:
    """The lines as text; a line that is not UTF-8 is quarantined by the Python path."""
    try:
        return [(n, b.decode()) for n, b in lines]
    except UnicodeDecodeError:
        out = []
        for n, b in lines:
            try:
                out.append((n, b.decode()))
            except UnicodeDecodeError:
                stage_line(b, n, ctx)
        return out


def _hand_back(con: duckdb.DuckDBPyConnection, texts: dict[int, str], ctx: _Context) -> None:
    """Give the Python path the lines and spans the SQL path flagged."""
    flagged: dict[int, set[tuple[int, int, int]] | None] = {}
    for n, bad, ri, si, pi in con.execute(
            "SELECT line, bad, ri, si, pi FROM _wb_otlp_spans WHERE NOT fast ORDER BY line").fetchall():
        if bad:
            flagged[n] = None
        else:
            flagged.setdefault(n, set()).add((ri, si, pi))
    for n, only in sorted(flagged.items()):
        stage_line(texts[n].encode(), n, ctx, only)
