"""OTLP JSONL decoded and mapped by DuckDB, handing unusual lines back to the Python reader."""

from __future__ import annotations

import os
from contextlib import nullcontext, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import orjson

from . import _timings
from ._adk import EVENT_MARKER as ADK_EVENT_MARKER
from ._adk import FUNCTION_RESPONSE_MARKER, REFLECTED_FAILURE
from ._ag2 import TOOL_EXECUTOR as AG2_TOOL_EXECUTOR
from ._agentscope import MARKERS as AGENTSCOPE_RESULT
from ._base import MAX_FIELD_BYTES
from ._call_args import SMOLAGENTS_FLAG
from ._claude_agents import SPAN_PREFIX as CLAUDE_SPAN
from ._claude_agents import SUBAGENT_KEY as CLAUDE_SUBAGENT
from ._convention_table import (
    AGENT_NAME_PREFIXES,
    BARE_AGENT_OPERATIONS,
    CONTENT_EVENTS,
    DETAILS_EVENTS,
    EVALUATION_EVENTS,
    EXCEPTION_EVENTS,
    HANDOFF_NAME,
    IN_MESSAGE_PREFIXES,
    INPUT_EVENTS,
    KEEP_KEYS,
    MESSAGE_KINDS,
    MESSAGES_BEAT,
    MULTIAGENT_OPERATIONS,
    OI_KINDS,
    OPERATION_KINDS,
    OUT_MESSAGE_PREFIXES,
    OUTPUT_EVENTS,
    SLOT_KEYS,
    STATUS_CODES,
    TOOL_NAME_PREFIX,
    TOOL_NAME_SUFFIX,
)
from ._framework_agents import AGNO_SCOPE, OPENAI_AGENTS_SCOPES
from ._framework_handoffs import AUTOGEN_HANDOFF
from ._handoff_tool import HANDOFF_TOOL_WORDS
from ._handoff_tool import SEPARATORS as HANDOFF_SEPARATORS
from ._instructions import SYSTEM_INSTRUCTIONS
from ._jsonio import is_gzip
from ._line_table import pick_lines
from ._llamaindex_workflow import WORKFLOW_HANDOFF
from ._one_thread import one_thread, unordered
from ._otlp_read import ROOT_PARENT_IDS, _Context, stage_line
from ._otlp_sql_blocks import blocks
from ._shape_keys import SHAPE_KEYS
from ._smolagents_stream import MARKER as SMOLAGENTS_STREAM
from ._span_outcome import BUILD_COMPLETED, WORKFLOW_COMPLETED
from ._span_values import TOOL_RESULT
from ._stage_db import without_vacuum
from ._tool_message import MARKER as TOOL_MESSAGE_MARKER

if TYPE_CHECKING:
    import pyarrow as pa

# -- the SQL path ------------------------------------------------------------------------------------
# Well-formed lines are decoded and mapped by DuckDB (vectorised, on all cores); the Python reader above
# gets every line or span the SQL cannot vouch for (flagged below), so the rows and the quarantine are
# the same either way (tests/ingest/test_otlp_fast.py checks this).

# Lines the typed JSON transform would read leniently (a non-string where a string belongs, a
# non-list/non-object container, NaN, trailing commas …) go to Python. False alarms (the pattern
# inside a string value) only cost speed. (DuckDB's JSON reader takes a trailing comma and NaN or Infinity:
# the last two patterns are needed. They are most of the guard's cost, ~0.1 CPU s a 32 MB block of ~0.8 for
# the whole mapping: they start with ':' ',' or '[', where the others start with a quote RE2 skips to. Run only
# on the lines that hold 'NaN', 'Infinity', ',}', ',]' or ', ' (contains), they cost no less within the noise
# of the whole statement: 0.780 against 0.792 CPU s a block, perf49.)
_GUARD = "|".join(
    (
        r'"(?:stringValue|key|bytesValue|name|message|traceId|spanId|parentSpanId)"\s*:\s*[^"\s]',
        r'"boolValue"\s*:\s*[^tf\s]',
        r'"(?:resourceSpans|scopeSpans|spans|attributes|events|links)"\s*:\s*[^\[\s]',
        r'"(?:resource|scope|status|value)"\s*:\s*[^{\s]',
        r"[:,\[]\s*-?(?:NaN|Infinity)",
        r",\s*[}\]]",
    )
)
_VALUE = {
    "stringValue": "VARCHAR",
    "intValue": "VARCHAR",
    "doubleValue": "DOUBLE",
    "boolValue": "BOOLEAN",
    "arrayValue": "JSON",
    "kvlistValue": "JSON",
    "bytesValue": "JSON",
}
_KVS = [{"key": "VARCHAR", "value": _VALUE}]
_SPAN = {
    "traceId": "VARCHAR",
    "spanId": "VARCHAR",
    "parentSpanId": "VARCHAR",
    "name": "VARCHAR",
    "startTimeUnixNano": "VARCHAR",
    "endTimeUnixNano": "VARCHAR",
    "attributes": _KVS,
    "events": [{"name": "VARCHAR", "attributes": _KVS}],
    "links": [{"traceId": "VARCHAR"}],
    "status": {"code": "VARCHAR", "message": "VARCHAR"},
}
_DOC = {
    "resourceSpans": [
        {
            "resource": {"attributes": _KVS},
            "scopeSpans": [
                {"scope": {"name": "VARCHAR"}, "instrumentationLibrary": "JSON", "spans": [_SPAN]}
            ],
        }
    ]
}

_MACROS = r"""
-- One decoded attribute {key, value}: whether the SQL path reads it as Python would, and its value as JSON text.
CREATE OR REPLACE TEMP MACRO _wb_attr_ok(a) AS a.key IS NOT NULL AND a.value.arrayValue IS NULL
  AND a.value.kvlistValue IS NULL AND a.value.bytesValue IS NULL
  AND (a.value.doubleValue IS NULL OR isfinite(a.value.doubleValue))
  AND (a.value.intValue IS NULL OR coalesce(TRY_CAST(a.value.intValue AS BIGINT)::VARCHAR = a.value.intValue, false))
  AND (a.value.stringValue IS NOT NULL)::INT + (a.value.intValue IS NOT NULL)::INT
      + (a.value.doubleValue IS NOT NULL)::INT + (a.value.boolValue IS NOT NULL)::INT = 1;
CREATE OR REPLACE TEMP MACRO _wb_attr_j(a) AS coalesce(to_json(a.value.stringValue)::VARCHAR, a.value.intValue,
  to_json(a.value.doubleValue)::VARCHAR, a.value.boolValue::VARCHAR);
CREATE OR REPLACE TEMP MACRO _wb_attrs(l) AS list_transform(coalesce(l, []), lambda a: struct_pack(
  k := a.key, s := a.value.stringValue, i := TRY_CAST(a.value.intValue AS BIGINT),
  n := coalesce(a.value.doubleValue, TRY_CAST(a.value.intValue AS DOUBLE)),
  iv := a.value.intValue, d := a.value.doubleValue, b := a.value.boolValue, ok := _wb_attr_ok(a)));
-- (list_unique: the count of distinct non-NULL values, as len(list_distinct(..)), without building the list)
CREATE OR REPLACE TEMP MACRO _wb_ok(l) AS coalesce(list_bool_and(list_transform(l, lambda a: a.ok)), true)
  AND list_unique(list_transform(l, lambda a: a.k)) = len(l);
CREATE OR REPLACE TEMP MACRO _wb_any(l) AS coalesce(list_bool_or(l), false);
-- The value as JSON text, written only for the attributes kept as JSON (not for the ones mapped to columns).
CREATE OR REPLACE TEMP MACRO _wb_j(a) AS coalesce(to_json(a.s)::VARCHAR, a.iv, to_json(a.d)::VARCHAR, a.b::VARCHAR);
CREATE OR REPLACE TEMP MACRO _wb_entries(l) AS list_transform(l, lambda a: to_json(a.k)::VARCHAR || ':' || _wb_j(a));
CREATE OR REPLACE TEMP MACRO _wb_obj(e) AS CASE WHEN len(e) > 0 THEN '{' || array_to_string(e, ',') || '}' END;
-- An id as lower-case hex: hex as the Collector writes it, or base64 as protobuf's JSON mapping (the
-- SDK's encoder) writes it; NULL when neither (the Python reader then says why).
CREATE OR REPLACE TEMP MACRO _wb_id(x, n) AS CASE
  WHEN length(x) = 2 * n AND regexp_full_match(x, '[0-9a-fA-F]+') THEN lower(x)
  WHEN length(x) = 4 * ((n + 2) // 3) AND regexp_full_match(x, '[A-Za-z0-9+/]+={0,2}')
       AND octet_length(try(from_base64(x))) = n THEN lower(hex(from_base64(x))) END;
CREATE OR REPLACE TEMP MACRO _wb_nanos(x) AS CASE WHEN TRY_CAST(x AS BIGINT) >= 0
  AND TRY_CAST(x AS BIGINT)::VARCHAR = x THEN TRY_CAST(x AS BIGINT) END;
"""


def _q(text: str) -> str:
    """A SQL string literal of one of this module's own constants (never of input data)."""
    return "'" + text.replace("'", "''") + "'"


_HANDOFF_WORDS = ", ".join(_q(w) for w in sorted(HANDOFF_TOOL_WORDS))


def _spans_sql() -> str:
    """One statement: decode, flag and map every span of the batch in ``_wb_otlp_in(line, json)``.

    A line the SQL cannot vouch for yields one row with ``bad``; a span it cannot vouch for is a row
    with ``fast = false``; both go back to the Python path.

    Where its CPU goes (one 32 MB block of 73k generated spans, 0.77-0.83 CPU s, the statement cut after each
    step, medians of 5, load ~12-20, merge50): the decode (json_transform and the guard) 0.32, of which the
    guard 0.10; the spans unnested 0.05 more; ids, times, the key and value lists and the positions 0.13
    more; the slots, kind, names, error, attributes' JSON (0.09) and the flags the last 0.33, no test of them
    measurably apart from the noise (±0.05). A cut of the mapping has to be of the decode or of many tests.
    """
    keys = [k for ks in SLOT_KEYS.values() for k in ks]
    idx = {k: n for n, k in enumerate(keys)}
    # A key no span of the block has is looked for in no span's list (the block's keys, `voc`, say which are there):
    # most blocks carry a handful of the ~80 keys below, and each search is a pass over every span's keys.
    positions = ", ".join(
        f"CASE WHEN q{n} THEN list_position(keys, {_q(k)}) END AS p{n}" for n, k in enumerate(keys)
    )
    present = ", ".join(f"list_contains(vocab, {_q(k)}) AS q{n}" for n, k in enumerate(keys))
    slots, chosen = [], []
    for slot, ks in SLOT_KEYS.items():
        # The winning attribute's position (h_: NULL when the span has none) and the one field of it the slot
        # reads, taken from a list of that field: extracting whole attribute structs cost ~6x (measured).
        at = "coalesce(" + ", ".join(f"p{idx[k]}" for k in ks) + ")"
        slots.append(f"{at} AS h_{slot}, {_SLOT_FIELD.get(slot, 'ss[{}]').format(at)} AS v_{slot}")
        if not KEEP_KEYS.intersection(ks):
            chosen.append("coalesce(" + ", ".join(f"p{idx[k]}" for k in ks) + ")")
    op = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in OPERATION_KINDS.items())
    oi = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in OI_KINDS.items())
    status = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in _STATUS_SQL.items())
    text_slots = " OR ".join(
        f"(h_{s} IS NOT NULL AND v_{s} IS NULL)"
        for s in ("op", "oi_kind", "agent", "tool", "model", "input", "output", "error_type")
    )
    msg_kinds = ", ".join(_q(k) for k in sorted(MESSAGE_KINDS))
    # (a list_contains each: a third of list_has_any's cost, measured)
    shape_keys = " OR ".join(f"list_contains(keys, {_q(k)})" for k in SHAPE_KEYS)
    in_msg = " OR ".join(f"starts_with(k, {_q(p)})" for p in IN_MESSAGE_PREFIXES)
    out_msg = " OR ".join(f"starts_with(k, {_q(p)})" for p in OUT_MESSAGE_PREFIXES)
    beat = ", ".join(_q(k) for k in MESSAGES_BEAT)
    oai_scopes = ", ".join(_q(k) for k in OPENAI_AGENTS_SCOPES)
    # (and the GenAI conventions' exception event, which the Python mapper reads as OpenTelemetry's own)
    message_events = ", ".join(
        _q(k)
        for k in sorted(
            INPUT_EVENTS
            | OUTPUT_EVENTS
            | DETAILS_EVENTS
            | EVALUATION_EVENTS
            | CONTENT_EVENTS.keys()
            | (EXCEPTION_EVENTS - {"exception"})
        )
    )
    # "invoke_agent planner" -> planner (the rest of the name after the prefix; the whole name if empty)
    agent_prefix = " ".join(
        f"WHEN starts_with(s.name, {_q(x)}) THEN coalesce(nullif(s.name[{len(x) + 1}:], ''), s.name)"
        for x in AGENT_NAME_PREFIXES
    )
    # "execute_tool get_rate" -> get_rate, "get_rate.__call__" -> get_rate, and the suffix cut after the prefix
    # as the Python mapper cuts it ("execute_tool get_rate.__call__" -> get_rate)
    unprefixed = (
        f"CASE WHEN starts_with(s.name, {_q(TOOL_NAME_PREFIX)}) "
        f"THEN coalesce(nullif(s.name[{len(TOOL_NAME_PREFIX) + 1}:], ''), s.name) ELSE s.name END"
    )
    tool_name = (
        f"CASE WHEN ends_with({unprefixed}, {_q(TOOL_NAME_SUFFIX)}) "
        f"AND length({unprefixed}) > {len(TOOL_NAME_SUFFIX)} "
        f"THEN ({unprefixed})[1:length({unprefixed}) - {len(TOOL_NAME_SUFFIX)}] ELSE {unprefixed} END"
    )
    z16, z32, big = "0" * 16, "0" * 32, MAX_FIELD_BYTES // 4
    roots = ", ".join(_q(x) for x in sorted(ROOT_PARENT_IDS))  # (a root's parentSpanId: empty or zeros)
    doc = _q(orjson.dumps(_DOC).decode())
    return f"""
CREATE OR REPLACE TEMP TABLE _wb_otlp_spans AS
WITH docs AS (
  -- NULL-safe tests only: a NULL in an OR chain would flag the line
  SELECT line, d, coalesce(d.resourceSpans IS NULL OR regexp_matches(json, {_q(_GUARD)}), true) AS bad,
         -- positions across several resources/scopes need the span counts; one scope (the usual) does not
         CASE WHEN len(d.resourceSpans) > 1 OR len(d.resourceSpans[1].scopeSpans) > 1 THEN
           list_transform(d.resourceSpans, lambda r: list_transform(r.scopeSpans, lambda x: len(x.spans))) END AS counts
  -- try: a line that is not JSON decodes to NULL (and is flagged), the others are parsed once
  FROM (SELECT line, json, try(json_transform(json, {doc})) AS d FROM _wb_otlp_in)
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
), a AS MATERIALIZED (
  -- materialised: list functions over rows unnested straight from the decoded lines cost several
  -- times more (on SDK files, 512 spans a line: 5.2 against 3.1 CPU s a 64 MB block, measured)
  SELECT line, bad OR coalesce(x.spans IS NULL OR x.instrumentationLibrary IS NOT NULL, true) AS bad, ri, si,
         service, resource, nullif(x.scope.name, '') AS scope_name,
         CASE WHEN counts IS NULL THEN 0 ELSE coalesce(list_sum(list_transform(counts[1:ri-1], lambda c: list_sum(c))), 0)
           + coalesce(list_sum(counts[ri][1:si-1]), 0) END AS off,
         unnest(CASE WHEN bad OR x.spans IS NULL OR x.instrumentationLibrary IS NOT NULL THEN [NULL] ELSE x.spans END) AS s,
         unnest(CASE WHEN bad OR x.spans IS NULL OR x.instrumentationLibrary IS NOT NULL THEN [NULL]
                     ELSE range(1, len(x.spans) + 1) END) AS pi
  FROM ss
), voc AS (
  -- the attribute keys of the block's spans, once (a one-row table: a constant beside every span below)
  SELECT {present}, list_has_any(vocab, [{", ".join(_q(k) for k in SHAPE_KEYS)}]) AS q_shape,
    list_has_any(vocab, ['service.name', 'otel.scope.name']) AS q_named, list_contains(vocab, 'metadata') AS q_meta,
    _wb_any(list_transform(vocab, lambda k: {in_msg})) AS q_in_msg,
    _wb_any(list_transform(vocab, lambda k: {out_msg})) AS q_out_msg
  FROM (SELECT coalesce(list(DISTINCT k), []) AS vocab FROM (SELECT unnest(s.attributes).key AS k FROM a))
), b AS (
  -- the span's own attributes as they were decoded: lists of one field each are taken from them
  -- directly (a list of 8-field structs first cost ~0.03 CPU s a block, measured)
  SELECT *, coalesce(s.attributes, []) AS attrs, _wb_nanos(s.startTimeUnixNano) AS t0,
         _wb_nanos(s.endTimeUnixNano) AS t1, CASE coalesce(upper(s.status.code), '') {status} END AS status,
         _wb_id(s.traceId, 16) AS tid, _wb_id(s.spanId, 8) AS sid, _wb_id(s.parentSpanId, 8) AS pid,
         list_transform(coalesce(s.events, []), lambda v: struct_pack(name := v.name, attrs := coalesce(v.attributes, [])))
           AS evs
  FROM a
), c AS (SELECT *, {positions} FROM (SELECT *, list_transform(attrs, lambda x: x.key) AS keys,
    list_transform(attrs, lambda x: x.value.stringValue) AS ss,
    list_transform(attrs, lambda x: x.value.intValue) AS iv, list_transform(attrs, lambda x: x.value.doubleValue) AS dv
    FROM b CROSS JOIN voc)
), d AS (SELECT *, {", ".join(slots)}, [{", ".join(chosen)}] AS chosen FROM c
), e AS (
  SELECT *, CASE WHEN (k0 IS NULL OR k0 IN ('tool', 'other')) AND v_tool IS NULL
                      AND regexp_matches(s.name, {_q(HANDOFF_NAME.pattern)}) THEN 'handoff'
                 ELSE coalesce(k0, 'other') END AS kind
  FROM (SELECT *, coalesce(CASE v_op {op} END, CASE upper(v_oi_kind) {oi} END) AS k0 FROM d)
), f AS (
  SELECT *,
    coalesce(v_agent, CASE WHEN kind = 'agent' AND s.name <> '' THEN CASE {agent_prefix} ELSE s.name END END) AS agent,
    CASE WHEN kind <> 'llm' THEN coalesce(v_tool, CASE WHEN kind = 'tool' AND s.name <> '' THEN {tool_name} END) END AS tool,
    -- the status message, else (on error) the error attribute, else the first exception event's message
    coalesce(nullif(s.status.message, ''), CASE WHEN status = 'error' THEN coalesce(v_error_type, list_filter(
      list_transform(evs, lambda v: CASE WHEN v.name = 'exception' THEN coalesce(
        nullif(list_filter(v.attrs, lambda x: x.key = 'exception.message')[1].value.stringValue, ''),
        list_filter(v.attrs, lambda x: x.key = 'exception.type')[1].value.stringValue) END),
      lambda m: m IS NOT NULL)[1]) END) AS error,
    -- (a model step's tool name, the call its reply asks for, is no tool column's: it stays an attribute)
    _wb_obj(list_concat(list_transform(list_filter(attrs, lambda x, i: NOT list_contains(chosen, i)
                                                                       OR (kind = 'llm' AND i = h_tool)),
                                       lambda a: to_json(a.key)::VARCHAR || ':' || _wb_attr_j(a)),
                        CASE WHEN service IS NOT NULL THEN ['"service.name":' || _wb_j(service)] ELSE [] END,
                        CASE WHEN scope_name IS NOT NULL THEN ['"otel.scope.name":' || to_json(scope_name)::VARCHAR]
                             ELSE [] END)) AS attributes
  FROM e
)
SELECT line, bad, ri, si, pi, (line << 24) + off + pi - 1 AS order_hint, service.s AS system, resource,
  tid AS run_id, sid AS step_id,
  CASE WHEN coalesce(s.parentSpanId, '') IN ({roots}) THEN NULL ELSE pid END AS parent_id,
  s.name AS name, kind, kind = 'agent' AS is_agent, agent, tool, v_model AS model,
  nullif(t0, 0) AS start_ns, nullif(t1, 0) AS end_ns, (nullif(t1, 0) - nullif(t0, 0)) / 1e6 AS latency_ms,
  status, error, v_input AS input, v_output AS output, v_tokens_in AS tokens_in, v_tokens_out AS tokens_out,
  v_cost AS cost, v_confidence AS confidence, v_entropy AS entropy, attributes,
  NOT coalesce(bad
    OR NOT coalesce(tid <> '{z32}', false) OR NOT coalesce(sid <> '{z16}', false)
    OR (coalesce(s.parentSpanId, '') NOT IN ({roots}) AND NOT coalesce(pid <> '{z16}', false))
    OR (s.startTimeUnixNano IS NOT NULL AND t0 IS NULL) OR (s.endTimeUnixNano IS NOT NULL AND t1 IS NULL)
    OR status IS NULL
    -- (CASE: a lambda runs only on the rows its test decides; AND and OR in a projection run every operand.
    -- So the tests of a span's events run on spans with events, those of one kind on spans of that kind, and
    -- each CASE's terms are the plain ones: a span gets the same flag, NULL included, as without the CASE.)
    OR CASE WHEN len(evs) > 0 THEN
      -- events: exceptions (and any event that carries no messages or log-probabilities) are read here
      NOT coalesce(list_bool_and(list_transform(evs, lambda v: v.name NOT IN ({message_events})
         AND coalesce(list_bool_and(list_transform(v.attrs, lambda a: _wb_attr_ok(a))), true)
         AND list_unique(list_transform(v.attrs, lambda a: a.key)) = len(v.attrs)
         AND NOT coalesce(list_bool_or(list_transform(v.attrs, lambda x: x.key IN ('logprobs', 'gen_ai.response.logprobs',
           'body', 'message') OR (x.key IN ('exception.message', 'exception.type') AND x.value.stringValue IS NULL))),
           false))), true)
      -- a root span with no status whose events say its run finished (_span_outcome.py): read by Python
      OR (status = 'unset' AND coalesce(s.parentSpanId, '') IN ({roots})
          AND list_has_any(list_transform(evs, lambda v: v.name), [{_q(WORKFLOW_COMPLETED)}, {_q(BUILD_COMPLETED)}]))
      -- a failed span's exception chained to its cause (the mapper names the root cause: _exception_cause.py)
      OR CASE WHEN status = 'error' THEN coalesce(list_bool_or(list_transform(evs, lambda v: v.name = 'exception'
           AND coalesce(contains(list_filter(v.attrs, lambda x: x.key = 'exception.stacktrace')[1].value.stringValue,
                                 'above exception'), false))), false) ELSE false END
      -- an exception recorded on a span whose status says no error (_span_outcome.recorded_failure)
      OR CASE WHEN status <> 'error' THEN coalesce(list_contains(list_transform(evs, lambda v: v.name), 'exception'),
                                                   false) ELSE false END
    ELSE false END
    OR NOT coalesce(list_bool_and(list_transform(attrs, lambda a: _wb_attr_ok(a))), true) OR list_unique(keys) <> len(keys)
    OR CASE WHEN q_named THEN list_contains(keys, 'service.name') OR list_contains(keys, 'otel.scope.name')
            ELSE false END
    -- a root span's links (it may continue another trace, see _links.py): read by Python
    OR (coalesce(len(s.links), 0) > 0 AND coalesce(s.parentSpanId, '') IN ({roots}))
    OR {text_slots}
    -- a call's system instructions, put before its input messages (_instructions.with_instructions): read by Python
    OR list_contains(keys, {_q(SYSTEM_INSTRUCTIONS)})
    -- a Strands swarm / graph naming itself as its agent (the mapper names none: MULTIAGENT_OPERATIONS): by Python
    OR coalesce(v_agent IS NOT NULL AND v_op IN ({", ".join(_q(x) for x in sorted(MULTIAGENT_OPERATIONS))}), false)
    OR (h_tokens_in IS NOT NULL AND v_tokens_in IS NULL) OR (h_tokens_out IS NOT NULL AND v_tokens_out IS NULL)
    OR (h_cost IS NOT NULL AND v_cost IS NULL) OR (h_entropy IS NOT NULL AND v_entropy IS NULL)
    OR (h_confidence IS NOT NULL AND NOT coalesce(v_confidence BETWEEN 0 AND 1, false)) OR h_logprobs IS NOT NULL
    OR coalesce(v_tokens_in < 0 OR v_tokens_out < 0 OR v_cost < 0, false)
    OR CASE WHEN q_in_msg AND kind IN ({msg_kinds}) AND h_input IS NULL THEN _wb_any(list_transform(keys, lambda k: {in_msg}))
            ELSE false END
    OR CASE WHEN q_out_msg AND kind IN ({msg_kinds}) AND h_output IS NULL THEN _wb_any(list_transform(keys, lambda k: {out_msg}))
            ELSE false END
    -- CrewAI's CrewOutput (its answer is the raw field)
    OR coalesce(contains(v_output, '"tasks_output"'), false)
    OR CASE WHEN kind IN ('chain', 'agent') THEN
      -- a span named by the GenAI operation alone, no agent (OpenLIT's openai-agents spans): read by Python
      (kind = 'agent' AND v_agent IS NULL AND s.name IN ({", ".join(_q(x) for x in BARE_AGENT_OPERATIONS)}))
      -- a root span typed AGENT and nothing else (openai-agents' workflow); a LangGraph state (its answer is its
      -- last AI message's text); a DSPy ReAct prediction
      OR (kind = 'agent' AND coalesce(s.parentSpanId, '') IN ({roots}) AND keys = ['openinference.span.kind'])
      OR (kind IN ('chain', 'agent') AND coalesce(contains(v_output, '"messages"') AND contains(v_output, '"ai"'), false))
      OR (kind IN ('chain', 'agent') AND coalesce(contains(v_output, '"trajectory"'), false))
      OR (kind IN ('chain', 'agent') AND coalesce(contains(v_output, {_q(SMOLAGENTS_STREAM)}), false))
      -- an Agno agent span named <name>.run (the reader names <name>), also when it declares that name as its
      -- agent (the reader looks at the agent the name gave either way)
      OR (kind = 'agent' AND coalesce(v_agent = s.name, v_agent IS NULL) AND scope_name = {_q(AGNO_SCOPE)}
          AND coalesce(regexp_full_match(s.name, {_q(_RUN_RE)}), false))
      -- a smolagents run span, <agent or class>.run with smolagents.* attributes (the reader names the agent:
      -- _framework_agents.smolagents_agent; read here, the manager stayed "ToolCallingAgent.run")
      OR CASE WHEN kind = 'agent' AND v_agent IS NULL AND coalesce(ends_with(s.name, '.run'), false)
              THEN _wb_any(list_transform(keys, lambda k: starts_with(k, 'smolagents.'))) ELSE false END
      -- openai-agents' trace span (JavaScript's carries more than its kind: agents_trace_root)
      OR (kind = 'agent' AND v_agent IS NULL AND coalesce(s.parentSpanId, '') IN ({roots})
          AND scope_name IN ({oai_scopes}))
      -- a LlamaIndex AgentWorkflow step: its agent is named in the event it handles
      OR (kind = 'chain' AND coalesce(contains(v_input, 'current_agent_name=') OR contains(v_input, 'ToolCall')
                                      -- (its event cut short: _workflow_events)
                                      OR contains(v_input, '"ev": "Agent'), false))
      -- a Claude Agent SDK subagent's span, named after the tool that ran it (_claude_agents)
      OR (kind = 'agent' AND coalesce(starts_with(s.name, {_q(CLAUDE_SPAN)}), false))
      -- an ADK Event as an agent's output (_adk.event_answer)
      OR (kind IN ('chain', 'agent') AND coalesce(contains(v_output, {_q(ADK_EVENT_MARKER)}), false))
    ELSE false END
    -- an agent named by a generated id (Agent Framework's unnamed agent: the mapper names it per trace); an id is
    -- 32 characters at least, so at least 32 bytes (strlen: O(1))
    OR CASE WHEN strlen(agent) >= 32 THEN coalesce(regexp_matches(agent, {_q(_ID_RE)}), false) ELSE false END
    -- an LLM span's output messages beat its output.value (the mapper rebuilds them)
    OR CASE WHEN q_out_msg AND kind = 'llm' AND coalesce(keys[h_output] IN ({beat}), false)
            THEN _wb_any(list_transform(keys, lambda k: {out_msg})) ELSE false END
    OR ((h_confidence IS NULL OR h_entropy IS NULL) AND coalesce(contains(v_output, 'logprobs'), false))
    -- a tool result written as a JSON string (the mapper decodes it: tool_result_text)
    OR coalesce(keys[h_output] = {_q(TOOL_RESULT)} AND starts_with(v_output, '"'), false)
    -- framework shapes only the Python mapper reads (BeeAI events, agent executors, LangGraph nodes)
    OR CASE WHEN q_shape THEN {shape_keys} ELSE false END
    OR CASE WHEN q_meta THEN coalesce(contains(ss[list_position(keys, 'metadata')], 'langgraph_node'), false)
              OR coalesce(contains(ss[list_position(keys, 'metadata')], 'lc_agent_name'), false) ELSE false END
    -- a model object's private helper method typed LLM (_convention_table.model_helper: no model call)
    OR (kind = 'llm' AND coalesce(contains(s.name, '._'), false))
    OR CASE WHEN kind = 'tool' THEN
      -- a tool result written as LangChain's ToolMessage (the mapper reads its content and status)
      (kind = 'tool' AND coalesce(contains(v_output, {_q(TOOL_MESSAGE_MARKER)}), false))
      -- a smolagents tool call's bound arguments (the mapper reads the call's own: _call_args.smolagents_tool_call)
      OR (kind = 'tool' AND coalesce(contains(v_input, {_q(SMOLAGENTS_FLAG)}), false))
      -- a failure ADK's ReflectAndRetryToolPlugin handed back to the model as the result (_adk.reflected_failure)
      OR (kind = 'tool' AND coalesce(contains(v_output, {_q(REFLECTED_FAILURE)}), false))
      -- a tool call naming AG2's group tool executor as its agent (OpenInference's: the asking agent's call)
      OR (kind = 'tool' AND coalesce(v_agent = {_q(AG2_TOOL_EXECUTOR)}, false))
      -- AutoGen's hand-off tool (_framework_handoffs.autogen_handoff)
      OR (kind = 'tool' AND coalesce(starts_with(ss[list_position(keys, 'gen_ai.tool.description')],
                                                 {_q(AUTOGEN_HANDOFF)}), false))
      OR (kind = 'tool' AND coalesce(starts_with(ss[list_position(keys, 'tool.description')],
                                                 {_q(AUTOGEN_HANDOFF)}), false))
      -- CrewAI's delegation tools (_framework_handoffs.crew_delegation: the coworker's run)
      OR (kind = 'tool' AND coalesce(contains(v_input, '"coworker"'), false))
      -- a Claude Agent SDK subagent's run (_claude_agents: the call, and the span named after its tool)
      OR (kind = 'tool' AND coalesce(contains(v_input, {_q(CLAUDE_SUBAGENT)}), false))
      -- LlamaIndex AgentWorkflow's hand-off tool (_llamaindex_workflow.workflow_handoff)
      OR (kind = 'tool' AND v_tool = {_q(WORKFLOW_HANDOFF)})
      -- a framework's built-in hand-off tool (_handoff_tool)
      OR (kind = 'tool' AND coalesce(lower(regexp_replace(v_tool, {_q(HANDOFF_SEPARATORS)}, '', 'g'))
                                     IN ({_HANDOFF_WORDS}), false))
      -- a google-genai FunctionResponse as a tool call's output (_adk.function_response)
      OR (kind = 'tool' AND coalesce(contains(v_output, {_q(FUNCTION_RESPONSE_MARKER)}), false))
      -- an AgentScope ToolResponse or reply's blocks as a tool call's result (_agentscope.tool_response)
      OR (kind = 'tool' AND coalesce({" OR ".join(f"contains(v_output, {_q(m)})" for m in AGENTSCOPE_RESULT)}, false))
    ELSE false END
    -- in bytes (O(1), not characters: a text scan each); more bytes than characters only sends more to Python
    OR coalesce(greatest(strlen(s.name), strlen(v_input), strlen(v_output), strlen(error), strlen(attributes),
                         strlen(agent), strlen(tool), strlen(v_model)) > {big}, false),
  true) AS fast
FROM f"""


_STATUS_SQL = {"": "unset", **STATUS_CODES}
# What _agent_ids.has_identifier and AGENT_RUN_NAME match, in RE2 (no look-behind; a superset only costs speed).
_ID_RE = (
    r"(?i)(^|[^0-9a-z])([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})"
    r"([^0-9a-z]|$)"
)
_RUN_RE = r"\S+\.a?run"
# How each slot's value is read from the winning attribute's position ({}): its integer or number field (cast
# there, not over every attribute's: 2/3 of the cost, measured); the rest read its text.
_INT, _NUM = "TRY_CAST(iv[{0}] AS BIGINT)", "coalesce(dv[{0}], TRY_CAST(iv[{0}] AS DOUBLE))"
_SLOT_FIELD = {
    "tokens_in": _INT,
    "tokens_out": _INT,
    "cost": _NUM,
    "confidence": _NUM,
    "entropy": _NUM,
}  # the code is upper-cased first; missing is unset
_STEP_OUT = (
    "line",
    "run_id",
    "step_id",
    "parent_id",
    "agent",
    "is_agent",
    "kind",
    "name",
    "tool",
    "model",
    "start_ns",
    "end_ns",
    "latency_ms",
    "status",
    "error",
    "input",
    "output",
    "tokens_in",
    "tokens_out",
    "cost",
    "confidence",
    "entropy",
    "attributes",
    "order_hint",
)
_BATCH_BYTES = 32 * 1024 * 1024
# A file under _SMALL_FILE_BYTES is read in blocks of at most _SMALL_BLOCK_BYTES: its peak memory is one block's
# mapping (the materialised spans, several times the block's text for an SDK's 512-span lines), not the merge's,
# while the bare read of such a file holds little. 100k SDK-written spans (65 MB), alternated, load 9-10: 313-314
# against 344-354 MB peak (the bare read 309), CPU 4.4-4.5 against 4.0-4.2 s; 100k generated (46 MB): 294-301
# against 291-292 MB. Not for bigger files: 1M generated spans took 31.2 against 26.4 CPU s in 16 MB blocks
# (one pair, load 8-9), for 341 against 361 MB (SDK-written: 35.4 against 37.5 CPU s, 347 against 366 MB).
_SMALL_FILE_BYTES = 128 * 1024 * 1024
_SMALL_BLOCK_BYTES = 16 * 1024 * 1024
_CHUNK_BYTES = 1024 * 1024
# Just over one of DuckDB's row groups (122,880 rows) an INSERT (see _insert); more would hold more batches
# in memory (~35 MB each) for little: 1.0 CPU s a million rows at 250k an INSERT, 1.2 at 130k (measured).
_INSERT_ROWS = 130_000
# A small file's blocks go into stage_steps one at a time: its mapped blocks held for a 130k-row INSERT were
# its peak (the whole file's, under 130k spans), and a block-sized INSERT costs no more there. Alternated
# pairs at load 7-12, peak RSS / CPU s: 100k SDK-written spans 295-298 MB against 313-325, 3.8-5.0 against
# 4.2-5.1; 100k generated 276-289 against 292-297, 3.5-4.1 against 3.7-3.9. Not for big files: at 1M generated
# spans (32 MB blocks) an INSERT a block cost 31.9 / 35.0 against 29.6 / 32.8 CPU s and 10 MB more.
_SMALL_INSERT_ROWS = 1
_SQL_CACHE: dict[str, str] = {}
#: How a big file's blocks are read and mapped (the environment variable WORKBENCH_OTLP_PIPELINE, read at
#: import; bench/ingest.py --pipeline sets it): "unordered" (the default) maps each block without keeping the
#: rows' order, so DuckDB runs the whole statement on every thread (kept in order, its pipeline after the
#: materialised spans ran on one: a block's spans are one chunk collection, and an order-keeping CREATE TABLE
#: AS from it has one sink), and sorts them back into the file's order as they go into stage_steps;
#: "parallel" also reads the next block on a thread meanwhile (_otlp_sql_blocks: one block's text more in
#: memory); "serial" is the loop as it was. The rows, the quarantine and its order are the same every way
#: (tests/ingest/test_otlp_fast.py). At load < 2, one or two runs each (otlp37's notes): 1M SDK-written spans
#: 24.1-28.2 s serial, 21.8 unordered, 19.1-23.0 parallel, CPU +5 %; peak RSS 359-364 / 366 / 400 MB; 5M
#: generated spans unordered 91.5 s and 554 MB against the base's 119.9 s and 545 MB (parallel: 579 MB, load 14).
PIPELINE = os.environ.get("WORKBENCH_OTLP_PIPELINE", "unordered")


def stage_jsonl_sql(path: Path, ctx: _Context) -> str:
    """Stage an OTLP JSONL file through DuckDB; return the table of run candidates it filled.

    Reads the file in ~32 MB blocks of whole lines, split in C into an Arrow table (no Python object per
    line). A block that DuckDB cannot read at all (it should not happen) is read by the Python path.
    """
    con, stage = ctx.stage.con, ctx.stage
    if not _SQL_CACHE:
        _SQL_CACHE["spans"] = _spans_sql()
    con.execute(_MACROS)
    runs = "_wb_otlp_runs"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {runs} (run_id VARCHAR, order_hint BIGINT, line BIGINT, "
        "system VARCHAR, attributes VARCHAR)"
    )

    def slow(line: bytes, n: int, _stage: object) -> None:
        stage_line(line, n, ctx)

    # Lines are read with the size limit on decompressed bytes; a too-long line or a broken stream is
    # quarantined by the reader, a line that is not UTF-8 or may nest past MAX_DEPTH goes to Python.
    pending: list[str] = []  # this file's batches of mapped spans not yet in stage_steps
    pending_rows = 0
    parallel = PIPELINE in ("parallel", "unordered")
    small = _is_small(path)
    insert_rows = _SMALL_INSERT_ROWS if small else _INSERT_ROWS
    block_bytes = min(_BATCH_BYTES, _SMALL_BLOCK_BYTES) if small else _BATCH_BYTES
    for k, texts in enumerate(blocks(path, stage, block_bytes, slow, ahead=PIPELINE == "parallel")):
        texts = _rechunked(texts)
        con.register("_wb_otlp_in", texts)
        try:
            with unordered(con) if parallel else nullcontext():
                _timings.execute(con, _SQL_CACHE["spans"])
        except (duckdb.OutOfMemoryException, duckdb.TransactionException):
            raise  # the transaction is lost, not the batch unreadable: the caller says so (and may retry)
        except duckdb.Error:
            for n, text in pick_lines(texts, None):
                stage_line(text.encode().removesuffix(b"\n"), n, ctx)
            continue
        finally:
            # (in a transaction DuckDB has aborted this fails too, and would hide why it aborted)
            with suppress(duckdb.Error):
                con.unregister("_wb_otlp_in")
        # (one count query: most blocks have no line or span to hand back, and then the UPDATE and the
        # hand-back query are not run at all)
        rows, bad, slow_spans = _timings.execute(
            con,
            "SELECT count(*), count(*) FILTER (WHERE bad), count(*) FILTER (WHERE NOT fast) "
            "FROM _wb_otlp_spans",
        ).fetchall()[0]
        if bad:
            # A line with any bad part goes back whole: none of its spans may be staged here.
            _timings.execute(
                con,
                "UPDATE _wb_otlp_spans SET fast = false, bad = true WHERE line IN "
                "(SELECT line FROM _wb_otlp_spans WHERE bad)",
            )
        if slow_spans:
            _hand_back(con, texts, ctx)
        del texts
        # (a name made of this loop's counter, never of input)
        con.execute(f"ALTER TABLE _wb_otlp_spans RENAME TO _wb_otlp_spans_{k}")
        pending.append(f"_wb_otlp_spans_{k}")
        pending_rows += rows
        if pending_rows >= insert_rows:
            with nullcontext() if small else without_vacuum(con):
                _insert(con, ctx, pending, runs)
            pending, pending_rows = [], 0
    # A big file's INSERTs run without vacuum (_stage_db.without_vacuum): its last is most often smaller than a
    # row group, and its commit merged the row groups of every row staged before. A small file's (one INSERT a
    # block) are left as they were: its stage is small, and three statements more a call would cost the small
    # ingests what they save.
    with nullcontext() if small else without_vacuum(con):
        _insert(con, ctx, pending, runs)
    return runs


def _is_small(path: Path) -> bool:
    """Whether ``path`` is read as a small file: smaller blocks, each inserted as it is mapped (see
    _SMALL_FILE_BYTES and _SMALL_INSERT_ROWS; a gzip file counted as the driver counts it, ``_GZIP_RATIO`` times
    its size)."""
    from ._driver import _GZIP_RATIO  # (here: the driver imports the readers)

    with suppress(OSError):
        return path.stat().st_size * (_GZIP_RATIO if is_gzip(path) else 1) < _SMALL_FILE_BYTES
    return False


def _insert(con: duckdb.DuckDBPyConnection, ctx: _Context, tables: list[str], runs: str) -> None:
    """Move the fast spans of several batches into ``stage_steps`` in one statement, and drop the batches.

    One INSERT a batch (~70k spans) cost 5-7x the CPU of one every ~130k or more: DuckDB appends a
    commit smaller than a row group (122,880 rows) into the table's last row groups and compresses them
    again, a larger one is written as whole row groups (measured with DuckDB 2.0, a million staged
    rows: 6.8 CPU s in 70k-row INSERTs, 10.3 in 61k, 1.2 in 130k, 1.0 in 250k). Both statements run
    outside any transaction, as the rest of staging.

    The copy into ``stage_steps`` runs on one DuckDB thread, as the native reader's copies
    (``_one_thread.one_thread``: an order-keeping INSERT on two threads writes the rows twice): 1M
    SDK-written spans, two alternated pairs at load 19-24, 4.65 -> 3.89 and 5.36 -> 4.75 CPU s for the
    seven INSERTs; on generated spans (shorter texts) 2.11-2.54 against 2.18-2.40 at load 4, no difference.
    Neither shows in the whole ingest's CPU, whose run-to-run spread (±2 s) is larger.
    """
    if not tables:
        return
    stage = ctx.stage
    union = " UNION ALL ".join(f"SELECT * FROM {t}" for t in tables)
    cols = ", ".join(_STEP_OUT)
    # Mapped in parallel, a batch's rows are in no order: they go in in the file's, which order_hint is. Sorted,
    # the copy may run on every thread (the sort keeps the order): one block pair, stage db on disk, load 11-14,
    # 0.41-0.45 CPU s on two threads against 0.48-0.52 on one and 0.38-0.43 for today's unsorted copy on one.
    order = " ORDER BY order_hint" if PIPELINE in ("parallel", "unordered") else ""
    with nullcontext() if order else one_thread(con):
        added = _timings.execute(
            con,
            f"INSERT INTO stage_steps BY NAME SELECT {cols}, $file AS file, $source AS source "
            f"FROM ({union}) WHERE fast{order}",
            {"file": stage.file, "source": stage.source},
        ).fetchall()[0][0]
    stage.read += added
    con.execute(
        f"INSERT INTO {runs} SELECT run_id, min(order_hint), arg_min(line, order_hint), "
        f"arg_min(system, order_hint), arg_min(resource, order_hint) FROM ({union}) "
        "WHERE fast GROUP BY run_id"
    )
    for t in tables:
        con.execute(f"DROP TABLE {t}")
    stage.steps_appended(added)


def _rechunked(texts: pa.Table) -> pa.Table:
    """The block in record batches of about ``_CHUNK_BYTES`` of text: DuckDB decodes one batch per thread,
    and an exporter's line may hold hundreds of spans (the SDK's 512-span requests: ~100 lines a block)."""
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    per_line = max(1, texts.column("json").nbytes // max(1, texts.num_rows))
    return pa.Table.from_batches(texts.to_batches(max_chunksize=max(1, _CHUNK_BYTES // per_line)))


def _hand_back(con: duckdb.DuckDBPyConnection, texts: pa.Table, ctx: _Context) -> None:
    """Give the Python path the lines and spans the SQL path flagged."""
    flagged: dict[int, set[tuple[int, int, int]] | None] = {}
    for n, bad, ri, si, pi in con.execute(
        "SELECT line, bad, ri, si, pi FROM _wb_otlp_spans WHERE NOT fast ORDER BY line"
    ).fetchall():
        if bad:
            flagged[n] = None
        else:
            flagged.setdefault(n, set()).add((ri, si, pi))
    for n, text in pick_lines(texts, set(flagged)):
        stage_line(text.encode().removesuffix(b"\n"), n, ctx, flagged[n])
