"""Native JSONL decoded, checked and mapped by DuckDB; the Python reader gets every line it cannot vouch for.

The Python reader (:func:`workbench.ingest.native.stage_record`) defines what a native record means. This
path gives the same rows for the lines it accepts, and hands every other line to that reader whole, so
the quarantine is the same either way (``tests/ingest/test_native_fast.py`` checks both). A line goes to
Python when it may be something the typed JSON reader reads leniently: not an object, a non-string where
text belongs, a number in quotes, NaN or infinity, a trailing comma, an integer past 64 bits, a duplicate
key, a timestamp that is not plain ISO-8601 or integer nanoseconds, an unknown enum value, a field near
the size limit, a nesting that may pass the depth limit, or text that is not UTF-8. False alarms cost
only speed.

Objects and arrays in ``input`` / ``output`` / ``attributes`` are stored as DuckDB writes the parsed value
(compact JSON); the Python reader writes native records' objects the same way (see ``Stage``), so a
record reads the same whichever path took it. An object that repeats a key keeps both members on every
path (:mod:`._as_written`); log-probabilities that repeat ``logprob`` go to Python, which reads the last.
"""

from __future__ import annotations

from contextlib import nullcontext, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import orjson

from . import _timings
from ._base import EDGE_KINDS, MAX_FIELD_BYTES, OUTCOMES, STEP_KINDS, Stage
from ._jsonio import line_blocks
from ._line_table import block_table, pick_lines
from ._stage_db import without_vacuum
from ._time_units import class_sql

if TYPE_CHECKING:
    import pyarrow as pa

_TEXT = (
    "record",
    "run_id",
    "step_id",
    "parent_id",
    "agent",
    "kind",
    "name",
    "tool",
    "model",
    "status",
    "error",
    "system",
    "task",
    "outcome",
    "outcome_detail",
    "src_step",
    "dst_step",
    "source",
    "detail",
)
_NUMBER = ("latency_ms", "cost", "confidence", "entropy")
_INT = ("tokens_in", "tokens_out", "seq")
_ANY = ("started_at", "ended_at")  # text (ISO-8601 or digits) or an integer: read as text, parsed below
# Text, or an object / array kept as its compact JSON (read as VARCHAR, DuckDB writes an object as JSON)
_JSON = ("input", "output", "logprobs", "attributes")

_DOC = {
    **{k: "VARCHAR" for k in _TEXT + _ANY + _JSON},
    **{k: "DOUBLE" for k in _NUMBER},
    **{k: "BIGINT" for k in _INT},
}

# Lines the typed reader would read leniently or differently from orjson go to Python (see the module doc).
_GUARD = "|".join(
    (
        r"^\s*[^\s{]",
        '"(?:' + "|".join(_TEXT) + r')"\s*:\s*[^"\sn]',
        r'"(?:input|output)"\s*:\s*[^"\sn{\[]',
        r'"attributes"\s*:\s*[^\sn{]',
        r'"logprobs"\s*:\s*[^\sn\[{]',
        '"(?:' + "|".join(_NUMBER + _INT) + r')"\s*:\s*[^-0-9\sn]',
        '"(?:' + "|".join(_INT) + r')"\s*:\s*-?[0-9]+[.eE]',
        '"(?:' + "|".join(_INT) + r')"\s*:\s*-?[0-9]{19}',
        # an explicit null where absence means something else (record defaults to step, seq to the line)
        r'"(?:record|seq)"\s*:\s*n',
        r"[:,\[]\s*[-+]?(?i:nan|inf)",
        r",\s*[}\]]",
        r"[0-9]{20}",
        r"[0-9][eE][-+]?[0-9]{3}",
        r"\\u0000",
    )
)
# ISO-8601 as the simulator and most loggers write it; anything else is parsed in Python. (An offset of 24
# hours or more is not one Python takes.)
_ISO = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[-+]([01][0-9]|2[0-3]):[0-5][0-9])?"
# The commonest form, in UTC (or naive) to the nanosecond at most: DuckDB's TIMESTAMP_NS cast parses it as
# Python does (the cast would ignore an offset, hence none here).
_ISO_UTC = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?Z?"
# A log-probability that is not a number or null (json_transform would cast a string or a boolean to a
# number): such logprobs are typed value by value. (In compact JSON, as DuckDB writes it, '"logprob":' is
# always a key.)
_ODD_LOGPROB = r'"logprob":[^-0-9n]'


def _q(text: str) -> str:
    """A SQL string literal of one of this module's own constants (never of input data)."""
    return "'" + text.replace("'", "''") + "'"


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(_q(v) for v in values)


def _one_of(expr: str, values: tuple[str, ...]) -> str:
    """``expr IN (values)`` written as comparisons: DuckDB plans an IN list of several constants (or
    ``list_contains`` of one) as a MARK join (its in_clause rewriter), and the join gives up the rows' order,
    which the whole-file path numbers its records by (:mod:`._native_file`: with it, 92k of 100k native steps
    were staged with another record's line, and the lines found lenient marked other records)."""
    return "(" + " OR ".join(f"{expr} = {_q(v)}" for v in values) + ")"


_LP_TYPE = '[{"logprob":"T","top_logprobs":[{"logprob":"T"}]}]'
_MACROS = rf"""
CREATE OR REPLACE TEMP MACRO _wbn_zone(x) AS CASE WHEN right(x, 1) = 'Z' THEN 1 WHEN x[-6] IN ('+', '-') THEN 6 ELSE 0 END;
CREATE OR REPLACE TEMP MACRO _wbn_ns(x) AS CASE
  WHEN x IS NULL OR x = '' THEN NULL
  WHEN regexp_full_match(x, {_q(_ISO_UTC)}) AND x >= '1970' AND x < '2262' THEN epoch_ns(TRY_CAST(x AS TIMESTAMP_NS))
  WHEN regexp_full_match(x, '[0-9]+') THEN TRY_CAST(x AS BIGINT)
  WHEN regexp_full_match(x, {_q(_ISO)}) AND x[1:4]::INT BETWEEN 1970 AND 2261 THEN
    (epoch_us(TRY_CAST(x[1:10] || ' ' || x[12:19] AS TIMESTAMP)) // 1000000
     - CASE WHEN _wbn_zone(x) = 6 THEN (CASE WHEN x[-6] = '-' THEN -1 ELSE 1 END) * (x[-5:-4]::INT * 3600 + x[-2:]::INT * 60)
            ELSE 0 END) * 1000000000
    + CASE WHEN x[20] = '.' THEN rpad(x[21:length(x) - _wbn_zone(x)], 9, '0')[1:9]::BIGINT ELSE 0 END
END;
-- ns is NULL while the text is not: Python says why (or parses a form this does not)
CREATE OR REPLACE TEMP MACRO _wbn_bad_ns(x, ns) AS x IS NOT NULL AND x <> '' AND (ns IS NULL OR ns < 0);
CREATE OR REPLACE TEMP MACRO _wbn_num(j) AS CASE WHEN json_type(j) IN ('DOUBLE', 'BIGINT', 'UBIGINT') THEN j::DOUBLE END;
-- the mean of a list's numbers, its NULLs left out (list_sum skips them: the same additions, in the same order, as
-- over the list without them)
CREATE OR REPLACE TEMP MACRO _wbn_mean(l) AS CASE WHEN list_count(l) > 0 THEN list_sum(l) / list_count(l) END;
-- logprobs typed for the statistics: numbers parsed once (DOUBLE), or value by value when one may not be a number
CREATE OR REPLACE TEMP MACRO _wbn_toks(j) AS CASE
  WHEN NOT regexp_matches(j, {_q(_ODD_LOGPROB)}) THEN json_transform(j, '{_LP_TYPE.replace("T", "DOUBLE")}')
  ELSE list_transform(json_transform(j, '{_LP_TYPE.replace("T", "JSON")}'),
    lambda t: {{'logprob': _wbn_num(t.logprob),
               'top_logprobs': list_transform(t.top_logprobs, lambda u: {{'logprob': _wbn_num(u.logprob)}})}}) END;
"""


def _sql() -> str:
    doc = _q(orjson.dumps(_DOC).decode())
    big = MAX_FIELD_BYTES // 4
    return "CREATE OR REPLACE TEMP TABLE _wbn_rows AS " + mapping_sql(f"""
  -- a line that is not JSON (try gives NULL) or repeats a key (orjson keeps the last, DuckDB the first) is not read here
  SELECT line, unnest(d), CASE WHEN keys IS NOT NULL AND len(keys) = len(list_distinct(keys)) THEN coalesce(d.record, 'step')
                          END AS rec FROM (
    SELECT line, try(json_transform(json, {doc})) AS d, try(json_keys(json)) AS keys FROM _wbn_in
    WHERE strlen(json) <= {big} AND NOT regexp_matches(json, {_q(_GUARD)}))""")


def mapping_sql(source: str, checked: str = "true", extra: str = "") -> str:
    """The mapping of typed native records to staged rows (a query), from ``source``.

    ``source`` is a query giving ``line``, ``rec`` (the record type, NULL for a line to hand to Python) and
    the format's keys as typed by ``_DOC``; ``checked`` is a condition on its columns that must also hold
    for a row to be staged here; ``extra`` names more of its columns to keep (comma-separated).
    """
    status = (
        "CASE lower(status) WHEN 'ok' THEN 'ok' WHEN 'success' THEN 'ok' WHEN 'error' THEN 'error' "
        "WHEN 'failure' THEN 'error' WHEN 'unset' THEN 'unset' END"
    )
    return f"""
WITH p AS ({source}
), p2 AS (
  -- logprobs as OpenAI's responses hold them, {{"content": [...], ...}}: the list under "content". A step's or
  -- an edge's kind is read in any case ("TOOL" is a tool call), as Python's step_row reads it: in ASCII
  -- letters only (lower() of other text differs between DuckDB and Python; such a kind is none anyway)
  -- (a kind already a kind's word, the common case, is taken as it is: no pattern run on it)
  SELECT * REPLACE (CASE WHEN {_one_of("kind", tuple(dict.fromkeys(STEP_KINDS + EDGE_KINDS)))} THEN kind
                    WHEN rec IN ('step', 'edge') AND regexp_full_match(kind, '[A-Za-z]+') THEN lower(kind)
                    ELSE kind END AS kind),
         CASE WHEN starts_with(logprobs, '{{') THEN json_extract(logprobs, '$.content')::VARCHAR ELSE logprobs END AS lp_list
  FROM p
), q AS (
  SELECT *,
         CASE WHEN coalesce(record, 'step') IN ('step', 'run') THEN _wbn_ns(started_at) END AS start_ns,
         CASE WHEN coalesce(record, 'step') IN ('step', 'run') THEN _wbn_ns(ended_at) END AS end_ns,
         CASE WHEN coalesce(record, 'step') = 'step' AND starts_with(lp_list, '[') AND (confidence IS NULL OR entropy IS NULL)
              THEN _wbn_toks(lp_list) END AS toks
  FROM p2
), lp AS (
  -- One pipeline, row by row (no join back): the statistics are NULL where toks is.
  -- per token: its chosen log-probability (least() skips a NULL, hence the CASE), and its top log-probabilities
  -- (a top_logprobs that is not a list reads as NULL, an element that is not an object as a NULL logprob).
  -- NULLs are kept in both lists rather than filtered out, lambda by lambda: the aggregates below skip them
  -- (list_count, list_sum, list_max), exp() and p > 0 of a NULL are NULL. (The filters were ~a third of the
  -- statistics' cost: 100k native steps, the mapping 0.55 against 0.60 CPU s)
  SELECT * EXCLUDE (toks), list_transform(toks, lambda t: CASE WHEN t.logprob IS NOT NULL THEN least(t.logprob, 0.0) END) AS chosen,
         list_transform(toks, lambda t: list_transform(t.top_logprobs, lambda u: u.logprob)) AS tops
  FROM q
), lp2 AS (
  -- (each token's peak, and below its sum, is taken once and carried beside its list: written inside the
  -- lambda over the list's elements, it was taken again for every element, the list copied to each. A token
  -- without a number among its alternatives has no peak, its ps only NULLs: no entropy, as in Python)
  SELECT * EXCLUDE (tops),
         list_transform(list_transform(tops, lambda l: {{'l': l, 'peak': list_max(l)}}),
                        lambda t: list_transform(t.l, lambda x: exp(x - t.peak))) AS pss,
         -- A token or an alternative repeating a key: its first value was read here, where Python reads
         -- the last. Where every "logprob" in the text is a key a number was read from (each token's logprob
         -- and top_logprobs, each alternative's logprob) none can; only the rest (a null or text where a
         -- number belongs, the word in a token, a repeat) have their objects' keys looked at. (Counted
         -- rather than walked: 0.03 CPU s per 100k steps' log-probabilities)
         -- (a CASE: the keys are looked at for those rows only, where an OR looked at every row's, +20 %)
         CASE WHEN chosen IS NULL OR (strlen(lp_list) - strlen(replace(lp_list, 'logprob', ''))) // 7
           = list_count(chosen) + list_count(tops) + coalesce(list_sum(list_transform(tops, lambda l: list_count(l))), 0) THEN true
         ELSE coalesce(NOT list_bool_or(list_transform(
              list_concat(json_keys(lp_list, '$[*]'), json_keys(lp_list, '$[*].top_logprobs[*]')),
              lambda k: len(k) <> len(list_distinct(k)))), true) END AS lp_keys_read
  FROM lp
), r AS (
  -- the same arithmetic, in the same order, as workbench.ingest._values.logprob_stats
  SELECT * EXCLUDE (chosen, pss),
         coalesce(confidence, exp(_wbn_mean(chosen))) AS conf,
         coalesce(entropy, _wbn_mean(list_transform(
           list_transform(pss, lambda ps: {{'ps': ps, 'z': list_sum(ps)}}),
           lambda s: -list_sum(list_transform(list_filter(s.ps, lambda p: p > 0), lambda p: (p / s.z) * ln(p / s.z)))))) AS ent
  FROM lp2
)
SELECT line, rec, run_id, step_id, parent_id, agent, coalesce(kind, 'other') AS step_kind, kind,
  coalesce(kind, 'other') = 'agent' AS is_agent, name, tool, model, start_ns, end_ns, latency_ms,
  CASE WHEN status IS NULL THEN 'unset' ELSE {status} END AS step_status, error, input, output, tokens_in, tokens_out,
  cost, conf AS confidence, ent AS entropy, nullif(attributes, '{{}}') AS attrs,
  seq, system, task, outcome, outcome_detail, src_step, dst_step,
  coalesce(nullif(source, ''), 'ground_truth') AS label_source, detail,{" " + extra + "," if extra else ""}
  -- (a CASE, each record type's checks its condition: DuckDB evaluates a CASE's condition as a filter, each
  -- operand only on the rows the ones before leave open, where an AND or OR in a projection evaluates every
  -- operand for every row: an array of log-probabilities skipped the pattern for "content" only so)
  CASE WHEN NOT coalesce({checked}, false) THEN false
    WHEN rec = 'step' AND run_id <> '' AND step_id <> '' AND {_one_of("coalesce(kind, 'other')", STEP_KINDS)}
      AND (status IS NULL OR (regexp_full_match(status, '[A-Za-z]+') AND {status} IS NOT NULL))
      AND NOT _wbn_bad_ns(started_at, start_ns) AND NOT _wbn_bad_ns(ended_at, end_ns)
      AND (conf IS NULL OR conf BETWEEN 0 AND 1)
      AND coalesce(tokens_in >= 0, true) AND coalesce(tokens_out >= 0, true) AND coalesce(NOT cost < 0, true)
      -- (a negative latency: handed to Python, which quarantines it naming the field, as native.stage_record)
      AND coalesce(NOT latency_ms < 0, true)
      -- (an object without a list under "content", or with that key twice, is read in Python)
      AND (logprobs IS NULL OR starts_with(logprobs, '[')
           OR (starts_with(lp_list, '[') AND NOT regexp_matches(logprobs, '"content":.*"content":')))
      AND lp_keys_read THEN true
    WHEN rec = 'run' AND run_id <> '' AND (outcome IS NULL OR {_one_of("outcome", OUTCOMES)})
      AND NOT _wbn_bad_ns(started_at, start_ns) AND NOT _wbn_bad_ns(ended_at, end_ns)
      -- (a run ending before it starts goes to Python, which quarantines it whole: as native.stage_record)
      AND NOT coalesce(end_ns < start_ns AND {class_sql("start_ns")} = {class_sql("end_ns")}, false) THEN true
    WHEN rec = 'edge' AND run_id <> '' AND src_step <> '' AND dst_step <> '' AND {_one_of("kind", EDGE_KINDS)} THEN true
    WHEN rec = 'label' AND run_id <> '' AND (outcome IS NULL OR {_one_of("outcome", OUTCOMES)}) THEN true
    ELSE false END AS fast
FROM r"""


_STEP_OUT = (
    "line",
    "run_id",
    "step_id",
    "parent_id",
    "agent",
    "is_agent",
    "step_kind AS kind",
    "name",
    "tool",
    "model",
    "start_ns",
    "end_ns",
    "latency_ms",
    "step_status AS status",
    "error",
    "input",
    "output",
    "tokens_in",
    "tokens_out",
    "cost",
    "confidence",
    "entropy",
    "attrs AS attributes",
    "coalesce(seq, line) AS order_hint",
)
_BATCH_BYTES = 32 * 1024 * 1024
_SQL_CACHE: dict[str, str] = {}


def stage_native_sql(path: Path, stage: Stage) -> None:
    """Stage a native JSONL file through DuckDB, reading in Python only the lines it hands back."""
    from .native import stage_line  # the Python reader; imported here, it imports this module

    con = stage.con
    if not _SQL_CACHE:
        _SQL_CACHE["rows"] = _sql()
    con.execute(_MACROS)
    params = {"file": stage.file, "source": stage.source}
    # A file of several blocks inserts its steps without vacuum (_stage_db.without_vacuum): each block's INSERT,
    # under a row group, goes through the write-ahead log, and once the log passed 16 MiB its commit checkpointed,
    # merging every row group staged before (100k native steps with long log-probabilities, 13 blocks: two
    # INSERTs of 0.11 and 0.24 CPU s among ones of 0.02-0.04; the merges grow with the stage). A file of one
    # block is left as it was (three statements more would cost a small ingest what they save).
    several = False
    with suppress(OSError):
        several = path.stat().st_size > _BATCH_BYTES
    for first, block in line_blocks(path, stage, _BATCH_BYTES):
        texts = block_table(first, block, stage, stage_line)
        if texts is None:
            continue
        con.register("_wbn_in", texts)
        try:
            _timings.execute(con, _SQL_CACHE["rows"])
        finally:
            # (in a transaction DuckDB has aborted this fails too, and would hide why it aborted)
            with suppress(duckdb.Error):
                con.unregister("_wbn_in")
        with without_vacuum(con) if several else nullcontext():
            stage.read += _timings.execute(
                con,
                f"INSERT INTO stage_steps BY NAME SELECT {', '.join(_STEP_OUT)}, $file AS file, $source AS source "
                "FROM _wbn_rows WHERE fast AND rec = 'step'",
                params,
            ).fetchall()[0][0]
        _timings.execute(
            con,
            "INSERT INTO stage_runs BY NAME SELECT $file AS file, line, run_id, $source AS source, system, "
            "task, outcome, outcome_detail, attrs AS attributes, start_ns, end_ns FROM _wbn_rows WHERE fast AND rec = 'run'",
            params,
        )
        _timings.execute(
            con,
            "INSERT INTO stage_edges BY NAME SELECT run_id, src_step, dst_step, kind "
            "FROM _wbn_rows WHERE fast AND rec = 'edge'",
        )
        _timings.execute(
            con,
            "INSERT INTO stage_labels BY NAME SELECT run_id, agent, step_id, kind, label_source AS source, "
            "outcome, detail FROM _wbn_rows WHERE fast AND rec = 'label'",
        )
        # Everything else, in file order, to the Python reader (it quarantines what is really bad).
        handed = _slow_lines(con, texts)
        for n, text in pick_lines(texts, handed):
            stage_line(text.encode().removesuffix(b"\n"), n, stage)
    con.execute("DROP TABLE IF EXISTS _wbn_rows")


def _slow_lines(con: duckdb.DuckDBPyConnection, texts: pa.Table) -> set[int]:
    con.register("_wbn_lines", texts.select(["line"]))
    try:
        return {
            n
            for (n,) in con.execute(
                "SELECT line FROM _wbn_lines ANTI JOIN (SELECT line FROM _wbn_rows WHERE fast) USING (line)"
            ).fetchall()
        }
    finally:
        con.unregister("_wbn_lines")
