"""Native JSONL read whole by DuckDB's parallel JSON reader: the fast path for a file DuckDB reads cleanly.

``read_json`` decodes the file on every thread, each key the format uses typed ``JSON`` (its value as
DuckDB writes it), so a type check is a test of the first character rather than a pattern over the line
(but the keys read only as words, ``_WORDS``, typed ``VARCHAR``: see there).
Records are mapped by the same SQL as the block path (:func:`._native_sql.mapping_sql`) into one table
created in the file's order (``preserve_insertion_order``: DuckDB reads and maps on every thread and
writes the batches in order), so a record's ``rowid`` numbers it: record ``i`` is line ``i`` as long as
no line before the last holds only whitespace (the reader skips those); the lines are counted to make
sure. (``row_number() OVER ()`` would number them too, but it runs the read on one thread.)

A line the reader stops on (not a JSON object, broken JSON such as a last line cut off mid-write, a
repeated key, text that is not UTF-8, a nesting past DuckDB's limit) is read again as a row of nulls
(``ignore_errors``) and handed to the Python reader alone: see :func:`_read_whole`.
The file goes to the block path instead (nothing staged here) when its head shows many lines the read
would hand back for their many brackets (long log-probabilities: :func:`_head_hands_back`), when more
than 2 % of its records are handed back, when a line is longer than DuckDB's object size limit or a gzip
stream breaks, or when blank lines break the numbering. A
record it reads but cannot vouch for (a value of an unexpected type, an integer past 64
bits, a field near the size limit, ``record`` or a step's ``seq`` null rather than
absent: see :func:`_unless_null`) is read again from the file and handed to the Python reader, which
quarantines it when it is bad.

DuckDB's reader also takes JSON the spec does not (a trailing comma, NaN or infinity, a number past the
range of a double), in the format's keys and the others alike: the line count's pass over the raw text finds
such lines (:mod:`._lenient_scan`) and hands them to the Python reader, which quarantines them as broken JSON,
whichever path reads the file. The same pass hands back a line with more opening brackets than the depth
limit, which may nest past it. (So the checks of the typed keys leave NaN, infinity, long exponents and
depth to that pass: they looked for them again in every value, ~7 % of the mapping statement.) A NUL
character, escaped (``\\u0000``), is read here as the Python reader reads it (kept in the text, and written
back escaped in an object), so no check looks for it (a raw control character stops both readers). A number past 64 bits in an object or array is kept as written here (the
Python reader rounds it to a double).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path

import duckdb
import numpy as np
import orjson

from . import _jsonio, _timings
from ._base import MAX_FIELD_BYTES, Stage
from ._jsonio import MAX_DEPTH, _Stream, line_blocks, read_head
from ._lenient_scan import LenientScan
from ._native_sql import _ANY, _INT, _JSON, _MACROS, _NUMBER, _TEXT, mapping_sql
from ._one_thread import one_thread

#: Longest line DuckDB's reader takes here; a longer one sends the file to the block path.
MAX_OBJECT_BYTES = 16 * 1024 * 1024
# A file with many records handed back (steps without ``seq``, say) is cheaper on the block path.
_MAX_HANDED_BACK = 0.02
# The head of a file looked at before the whole read (_head_hands_back), and the share of its lines that
# sends the file to the block path at once.
_HEAD_BYTES = 256 * 1024
_HEAD_HANDED_BACK = 0.1

# null_key's bit for a label whose kind may not be text (see _unless_null)
_MAYBE_NOT_TEXT = 4
# Text keys read as VARCHAR rather than typed JSON (whose string json_extract_string then parsed again): those
# read only as one of a list of words, which no number, true, false, object or array written as JSON is (record;
# a step's or an edge's kind, a step's status, a run's or a label's outcome; a record type that does not read
# the key is read without it by the Python reader too), and a label's kind, looked at in Python when it may not
# be a string. (The other keys read so would need that look for every record: it cost as much as it saved.)
_WORDS = ("record", "kind", "status", "outcome")

_FILE_MACROS = rf"""
-- (one parse of the string is cheaper than looking for a backslash and trimming the quotes off: 0.85
-- against 1.4 CPU s for 300k records' text keys)
CREATE OR REPLACE TEMP MACRO _wbf_str(j) AS json_extract_string(j, '$');
-- (no IN list of several constants here: DuckDB plans it as a join, which loses the records' order; see
-- _native_sql._one_of)
-- a text key read as VARCHAR: a string's text, or a number, true, false, object or array written as JSON
-- (no check for a NUL character, ~5 % of the statement: both readers keep it, see the module doc)
CREATE OR REPLACE TEMP MACRO _wbf_is_str(v) AS strlen(v) <= {MAX_FIELD_BYTES // 4};
-- (the first character as a filter, the rest only on what it leaves: in a projection DuckDB evaluates every
-- operand of an OR or AND for every row, as a CASE's condition only where the operands before leave it open)
CREATE OR REPLACE TEMP MACRO _wbf_maybe_not_text(v) AS CASE
  WHEN ascii(v) BETWEEN 48 AND 57 OR ascii(v) = 45 OR ascii(v) = 91 OR ascii(v) = 102 OR ascii(v) = 116 OR ascii(v) = 123
  THEN ascii(v) IN (91, 123) OR v IN ('true', 'false') OR TRY_CAST(v AS DOUBLE) IS NOT NULL ELSE false END;
CREATE OR REPLACE TEMP MACRO _wbf_is_text(j) AS starts_with(j, '"') AND strlen(j) <= {MAX_FIELD_BYTES // 4};
-- (NaN, infinity, a number past a double's range and a nesting past the depth limit are the line scan's to
-- find, in every key: see the module doc)
CREATE OR REPLACE TEMP MACRO _wbf_nested_ok(j) AS strlen(j) <= {MAX_FIELD_BYTES // 4};
CREATE OR REPLACE TEMP MACRO _wbf_is_number(j) AS (ascii(j) BETWEEN 48 AND 57 OR ascii(j) = 45) AND strlen(j) < 20
  AND isfinite(TRY_CAST(j AS DOUBLE));
"""


def _columns() -> str:
    # (_WORDS as VARCHAR: see there)
    return (
        "{"
        + ", ".join(
            f"{k}: '{'VARCHAR' if k in _WORDS else 'JSON'}'" for k in _TEXT + _NUMBER + _INT + _ANY + _JSON
        )
        + "}"
    )


def _source(lenient: bool = False) -> str:
    """The typed keys of every line, and ``ok``: every key this path uses holds what the format says.

    ``lenient``: a line the reader cannot read is a row of nulls (``ignore_errors``) instead of an error.
    """
    values, checks = [], []
    # (a text key's value is read without testing its first character: a row where one is not text fails
    # its check and goes to Python whole, so what the extraction gives for it is never used)
    for k in _TEXT:
        if k != "record":
            values.append(k if k in _WORDS else f"_wbf_str({k}) AS {k}")
        checks.append(f"({k} IS NULL OR {'_wbf_is_str' if k in _WORDS else '_wbf_is_text'}({k}))")
    for k in _NUMBER:
        values.append(f"TRY_CAST({k} AS DOUBLE) AS {k}")
        checks.append(f"({k} IS NULL OR _wbf_is_number({k}))")
    for k in _INT:
        values.append(f"TRY_CAST({k} AS BIGINT) AS {k}")
        checks.append(
            f"({k} IS NULL OR (regexp_full_match({k}, '-?[0-9]{{1,19}}') AND TRY_CAST({k} AS BIGINT) IS NOT NULL))"
        )
    for k in _ANY:  # text, or an integer (nanoseconds): both parsed by _wbn_ns
        values.append(f"CASE WHEN starts_with({k}, '\"') THEN _wbf_str({k}) ELSE {k} END AS {k}")
        checks.append(f"({k} IS NULL OR _wbf_is_text({k}) OR regexp_full_match({k}, '[0-9]{{1,19}}'))")
    for k in _JSON:
        values.append(f"CASE WHEN starts_with({k}, '\"') THEN _wbf_str({k}) ELSE {k} END AS {k}")
    checks.append(
        "(input IS NULL OR _wbf_is_text(input) OR (ascii(input) IN (91, 123) AND _wbf_nested_ok(input)))"
    )
    checks.append(
        "(output IS NULL OR _wbf_is_text(output) OR (ascii(output) IN (91, 123) AND _wbf_nested_ok(output)))"
    )
    checks.append("(attributes IS NULL OR (starts_with(attributes, '{') AND _wbf_nested_ok(attributes)))")
    # (log-probabilities are read as numbers: one past the range of a double, broken JSON to Python, is the
    # line scan's to find)
    checks.append("(logprobs IS NULL OR (ascii(logprobs) IN (91, 123) AND _wbf_nested_ok(logprobs)))")
    # record and seq: absent and null read alike here, and mean different things to the Python reader (a
    # step by default and its line as order, against an unknown record type and no order): a record that
    # lacks either is staged here only when the file holds no explicit null for them (null_key)
    text = "record"
    maybe = "record = 'label' AND _wbf_maybe_not_text(kind)"
    casts = ", ".join(f"{k}::VARCHAR AS {k}" for k in _TEXT + _NUMBER + _INT + _ANY + _JSON)
    lenient_opt = ", ignore_errors = true" if lenient else ""
    return f"""
  SELECT line, CASE WHEN record IS NULL THEN 'step' ELSE {text} END AS rec, {text} AS record, {", ".join(values)},
         (CASE WHEN record IS NULL THEN 1 ELSE 0 END)
           + (CASE WHEN (record IS NULL OR {text} = 'step') AND seq IS NULL THEN 2 ELSE 0 END)
           + (CASE WHEN {maybe} THEN {_MAYBE_NOT_TEXT} ELSE 0 END) AS null_key,
         -- (a CASE, not coalesce(checks, false): DuckDB evaluates every operand of an AND or OR in a
         -- projection for every row, and a CASE's condition as a filter, each operand only on the rows the
         -- ones before leave open: a text input skips the nested checks, a null key its check. -10 % of the
         -- statement on 100k steps)
         CASE WHEN {" AND ".join(checks)} THEN true ELSE false END AS ok
  FROM (SELECT NULL::BIGINT AS line, {casts} FROM read_json($path, format = 'newline_delimited', records = true,
                                       maximum_object_size = {MAX_OBJECT_BYTES}, columns = {_columns()}{lenient_opt}))"""


# The record types as numbers in the mapped table (see _narrow)
_RECS = {"step": 1, "run": 2, "edge": 3, "label": 4}
# A run's, an edge's and a label's text keys held in a step's text columns, which those records do not use (see
# _narrow): {record type: {its key: the step column that holds it}}
_HELD_IN = {
    "run": {"system": "name", "task": "input", "outcome": "tool", "outcome_detail": "output"},
    "edge": {"src_step": "parent_id", "dst_step": "name"},
    "label": {"label_source": "name", "outcome": "tool", "detail": "error"},
}


def _narrow(mapping: str) -> str:
    """The rows of ``mapping`` (a query) as the mapped table holds them: only what the copies out of it and
    the hand-back read, each value once.

    The table holds a row for every record, and DuckDB keeps a temporary table uncompressed: a column costs
    every row its width, a default value every row its text, a NULL text ~5 bytes. So it holds no ``line``
    (NULL here: a record's line is its row number), no step kind or agent flag beside the kind they are made
    of (the steps' copy makes them), a step's status and a label's source for those records only (rather
    than their defaults, 'unset' and 'ground_truth', in every row), and the record type and ``null_key`` as
    small numbers. 100k native steps (234k records): 88 -> 76 MB, 1M 882 -> 770 MB (duckdb_memory()); at 1M
    the table is past the staging memory limit still, and every copy out of it reads it back from the spill
    file (less now). The other record types' text keys are held in step columns they leave empty
    (``_HELD_IN``: an edge's ``src_step`` in ``parent_id``, ...), not in eight columns of their own, NULL in
    every step: 78 -> 72 MB at 100k.
    """
    rec = "CASE rec " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in _RECS.items()) + " END::UTINYINT"
    hosts: dict[str, list[str]] = {}
    for kind, held in _HELD_IN.items():
        for key, column in held.items():
            hosts.setdefault(column, []).append(f"WHEN '{kind}' THEN {key}")
    held = ", ".join(
        f"CASE rec WHEN 'step' THEN {column} {' '.join(whens)} END AS {column}"
        for column, whens in hosts.items()
    )
    own = {key for keys in _HELD_IN.values() for key in keys}
    return (
        f"SELECT * EXCLUDE (line, step_kind, is_agent, {', '.join(sorted(own))}) REPLACE ({rec} AS rec, "
        f"CASE WHEN rec = 'step' THEN step_status END AS step_status, {held}, "
        f"null_key::UTINYINT AS null_key) FROM ({mapping})"
    )


def _held(kind: str) -> str:
    """The columns of the mapped table that hold a ``kind`` record's own text keys, named as the keys."""
    return ", ".join(
        f"{column} AS {'source' if key == 'label_source' else key}"  # (stage_labels' name for it)
        for key, column in _HELD_IN[kind].items()
    )


_SQL: dict[str, str] = {}


def stage_native_file(path: Path, stage: Stage, slow) -> bool:  # noqa: ANN001
    """Stage ``path`` read whole by ``read_json``; False (nothing staged) when it must take the block path.

    ``slow(line_bytes, number, stage)`` reads one line in Python (the records handed back). Staging runs
    before the ingest's transaction, so a reader that stops on a bad line fails only its own statement.
    """
    con = stage.con
    if not _SQL:
        _SQL["file"] = _narrow(mapping_sql(_source(), "ok", extra="null_key"))
        _SQL["lenient"] = _narrow(mapping_sql(_source(lenient=True), "ok", extra="null_key"))
    if con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0] is not True:
        return False  # the numbering of records by their order needs it
    if any(c in str(path) for c in "*?[]{}"):
        return False  # read_json would take the name as a glob (and may read other files)
    if _head_hands_back(path):
        return False
    table = "_wbf_rows"
    con.execute(_MACROS + _FILE_MACROS)
    try:
        lenient = _read_whole(con, path, table)
        if lenient is None:
            return False
        _unless_null(con, path, stage, table)
        # The line count and the lenient scan (a Python pass over the raw text: its own thread 5.2-7.7 CPU s
        # at 1M steps, load 12-30, by its [scan] timings) run beside the copies, which DuckDB runs on one
        # thread (one_thread), not beside the read, which takes both cores: the steps of lines the pass hands
        # back are taken out of the stage after it, and the runs, edges and labels all again should one of
        # their lines be handed back (rare: they are copied again then). (The pass outlasted the steps' copy,
        # so the other copies cost no time of their own.)
        scan, samples, clock = LenientScan(), [], _timings.ThreadClock()
        with ThreadPoolExecutor(1) as pool:
            counting = pool.submit(clock.run, last_text_line, path, scan, samples)
            try:
                first, *firsts = _next_rowids(con)  # (where each copy starts: what a take-back takes)
                with one_thread(con):
                    # (the runs, edges and labels first: each copy scans the whole mapped table, which at 1M
                    # steps is past the memory limit, and after the steps' copy most of it had been pushed out
                    # to the spill file by the copied steps. 1M native steps, 640MB, two alternated pairs, load
                    # 11-14: the four copies 2.91 -> 2.55 and 2.93 -> 2.46 CPU s, the runs' 0.33-0.35 -> 0.16-0.17)
                    _copy_out(con, stage, table)
                    clock.note("line scan, until the other records' copies ended")
                    _copy_steps(con, stage, table)
                    clock.note("line scan, until the steps' copy ended")
            finally:
                counted = counting.result()
                clock.note("line scan, in all")  # (its thread's CPU: the copies' lines count it too)
        late = _vouched(con, path, stage, table, counted, scan.found(), lenient, first)
        if late is None or not _in_order(con, table, samples):
            _take_back(con, stage, first)
            _take_back_out(con, firsts)
            return False
        if (
            late
            and con.execute(
                f"SELECT count(*) FROM {table} WHERE rec > {_RECS['step']} AND rowid + 1 IN "
                "(SELECT unnest($n))",
                {"n": late},
            ).fetchall()[0][0]
        ):
            _take_back_out(con, firsts)
            with one_thread(con):
                _copy_out(con, stage, table)
        handed = np.array(
            [
                n
                for (n,) in con.execute(f"SELECT rowid + 1 FROM {table} WHERE NOT fast ORDER BY 1").fetchall()
            ],
            np.int64,
        )
    finally:
        _drop(con, table)
    if len(handed):
        _hand_back(path, stage, handed, slow)
    return True


def _next_rowids(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The row id the next row appended to each of ``stage_steps`` and ``_OUT_TABLES`` takes (one statement)."""
    return list(
        con.execute(
            "SELECT "
            + ", ".join(
                f"(SELECT coalesce(max(rowid) + 1, 0) FROM {t})" for t in ("stage_steps", *_OUT_TABLES)
            )
        ).fetchall()[0]
    )


def _copy_steps(con: duckdb.DuckDBPyConnection, stage: Stage, table: str) -> None:
    """Stage the steps of ``table`` read here (``fast``).

    A copy, not the mapped table made ``stage_steps`` itself (its other records deleted, its extra columns
    dropped, renamed): a step's ``line`` is its row id + 1, which the parallel read cannot write (``WITH
    ORDINALITY`` or ``row_number() OVER ()`` put a fixed-order streaming window in the read's pipeline, which
    then runs on one thread), and an UPDATE setting it afterwards cost 3.2 CPU s for 1M native steps (the
    table past the 640MB limit, load 17), more than this copy (2.0-3.1; perf49's notes). Nor did keeping the
    mapped table compressed pay: in an attached database on disk the four copies out of it took 1.6 CPU s
    instead of 3.6 and the read 1.8 more; in one in memory (``COMPRESS``) 2.7 against 2.9, the read the same.
    """
    stage.read += _timings.execute(
        con,
        "INSERT INTO stage_steps BY NAME SELECT rowid + 1 AS line, run_id, step_id, parent_id, agent, "
        "coalesce(kind, 'other') = 'agent' AS is_agent, coalesce(kind, 'other') AS kind, name, tool, model, "
        "start_ns, end_ns, latency_ms, step_status AS status, error, "
        "input, output, tokens_in, tokens_out, cost, confidence, entropy, attrs AS attributes, "
        f"coalesce(seq, rowid + 1) AS order_hint, $file AS file, $source AS source FROM {table} "
        f"WHERE fast AND rec = {_RECS['step']}",
        {"file": stage.file, "source": stage.source},
    ).fetchall()[0][0]


def _take_back(
    con: duckdb.DuckDBPyConnection, stage: Stage, first: int, lines: list[int] | None = None
) -> None:
    """Take the steps this file staged (from row id ``first`` on) out of ``stage_steps`` again: all of them,
    or those of ``lines`` (the file's line numbers)."""
    where = "" if lines is None else " AND line IN (SELECT unnest($lines))"
    params: dict = {"first": first, "file": stage.file} | ({} if lines is None else {"lines": lines})
    stage.read -= con.execute(
        f"DELETE FROM stage_steps WHERE rowid >= $first AND file = $file{where}", params
    ).fetchall()[0][0]


def _copy_out(con: duckdb.DuckDBPyConnection, stage: Stage, table: str) -> None:
    """Stage the runs, edges and labels of ``table`` read here (``fast``), each into its staging table."""
    params = {"file": stage.file, "source": stage.source}
    _timings.execute(
        con,
        "INSERT INTO stage_runs BY NAME SELECT $file AS file, rowid + 1 AS line, run_id, $source AS source, "
        f"{_held('run')}, attrs AS attributes, start_ns, end_ns FROM {table} "
        f"WHERE fast AND rec = {_RECS['run']}",
        params,
    )
    _timings.execute(
        con,
        f"INSERT INTO stage_edges BY NAME SELECT run_id, {_held('edge')}, kind "
        f"FROM {table} WHERE fast AND rec = {_RECS['edge']}",
    )
    _timings.execute(
        con,
        f"INSERT INTO stage_labels BY NAME SELECT run_id, agent, step_id, kind, {_held('label')} "
        f"FROM {table} WHERE fast AND rec = {_RECS['label']}",
    )


# The staging tables _copy_out fills (stage_edges and stage_labels hold no line: a copy is taken back whole)
_OUT_TABLES = ("stage_runs", "stage_edges", "stage_labels")


def _take_back_out(con: duckdb.DuckDBPyConnection, firsts: list[int]) -> None:
    """Take the runs, edges and labels :func:`_copy_out` staged (from the row ids ``firsts`` on) out again.

    Nothing else appends to those tables meanwhile (the Python reader's rows wait in the stage's buffers), so
    the rows from those row ids on are the copy's."""
    for t, first in zip(_OUT_TABLES, firsts, strict=True):
        con.execute(f"DELETE FROM {t} WHERE rowid >= $first", {"first": first})


def _head_hands_back(path: Path) -> bool:
    """Whether many lines of the file's head hold an object or array of more brackets than the depth limit.

    The read hands each such line back (the line scan counts brackets: see :mod:`._lenient_scan`), so a file of
    them, a log of LLM answers with their log-probabilities (OpenAI's: 40 tokens with 5 alternatives hold
    240 brackets), would be read whole only to go to the block path. (Brackets are counted in Python's
    compact JSON of the value: DuckDB's writes the same brackets, those in strings included.)
    """
    head, _ = read_head(path, _HEAD_BYTES)
    lines = head.split(b"\n")[:-1]
    deep = 0
    for line in lines:
        if line.count(b"[") + line.count(b"{") <= MAX_DEPTH:
            continue  # (no field of the line can hold more)
        with suppress(orjson.JSONDecodeError):
            rec = orjson.loads(line)
            if isinstance(rec, dict) and any(_many_brackets(rec.get(k)) for k in _JSON):
                deep += 1
    return deep > max(2, _HEAD_HANDED_BACK * len(lines))


def _many_brackets(value: object) -> bool:
    if not isinstance(value, (dict, list)):
        return False
    try:
        text = orjson.dumps(value)
    except TypeError:  # (nested past orjson's own limit: deep indeed)
        return True
    return text.count(b"[") + text.count(b"{") > MAX_DEPTH


def _read_whole(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> bool | None:
    """Map ``path`` into ``table`` with ``read_json``: whether it was read with ``ignore_errors``, None when the
    file must take the block path.

    When the reader stops on a line (broken JSON, say the last line of a log cut off mid-write, a line that
    is not an object, text that is not UTF-8, a repeated key), the file is read again with
    ``ignore_errors`` (at once when its last line is cut off, :func:`_cut_off`): each such line is then a row of nulls, which no check passes, so that line alone is
    handed to the Python reader (which quarantines it, naming file and line) rather than the whole file
    taking the block path (a 100k-step file cut off in its last line cost 7.0 instead of 3.9 CPU s so).
    That read keeps a repeated key's first value where Python keeps the last: the lines that repeat a key
    are found by a second read (_repeated_keys) and handed back too (:func:`_vouched`).
    """
    for mode in ("lenient",) if _cut_off(path) else ("file", "lenient"):
        try:
            _timings.execute(
                con, f"CREATE OR REPLACE TEMP TABLE {table} AS {_SQL[mode]}", {"path": str(path)}
            )
            return mode == "lenient"
        except duckdb.InvalidInputException:
            if mode == "file":
                continue  # (a line the reader stopped on: read again, that line a row of nulls)
            return None
        except duckdb.Error:
            return None  # (not a line the reader stopped on: the block path reads the file line by line)
    return None


def _vouched(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    stage: Stage,
    table: str,
    counted: tuple[int, int] | None,
    odd: np.ndarray,
    lenient: bool,
    first: int,
) -> list[int] | None:
    """The lines marked for the Python reader here when the records of ``table`` are the file's lines one for
    one (``counted``: :func:`last_text_line`); None when the file must take the block path. The lines of
    lenient JSON (``odd``, :mod:`._lenient_scan`) and, read with ``ignore_errors``, those repeating a key, are
    so marked, and their steps, staged already (from row id ``first`` on), taken out of the stage."""
    if counted is None or counted[1] > (MAX_OBJECT_BYTES if lenient else _jsonio.MAX_LINE_BYTES):
        return None
    late = odd.tolist()
    if late:  # (lenient JSON the reader took: the Python reader's verdict, see _lenient_scan)
        con.execute(f"UPDATE {table} SET fast = false WHERE rowid + 1 IN (SELECT unnest($n))", {"n": late})
    rows, fast = con.execute(f"SELECT count(*), count(*) FILTER (WHERE fast) FROM {table}").fetchall()[0]
    if rows != counted[0] or rows - fast > _MAX_HANDED_BACK * rows + 100:
        return None
    if lenient:
        repeated = _repeated_keys(con, path, table, rows)
        if repeated is None:
            return None
        late += repeated
    if late:
        _take_back(con, stage, first, late)
    return late


def _in_order(con: duckdb.DuckDBPyConnection, table: str, samples: list[tuple[int, bytes]]) -> bool:
    """Whether the records read here sit at their lines' row ids, as far as ``samples`` (a line of each MiB
    of the file: :func:`last_text_line`) show: each such line's run id and step id are its record's.

    The numbering rests on DuckDB writing the rows in the file's order; a plan that gives that up (a join:
    see ``_native_sql._one_of``) moved whole 16 MiB buffers of records to other row ids, so a record got
    another's line and the lines handed back marked other records. Such a file takes the block path.
    (A false alarm, a run id the two readers read apart, costs only that.)
    """
    if not samples:
        return True
    read = {
        n: (run, step)
        for n, run, step in con.execute(
            f"SELECT rowid + 1, run_id, step_id FROM {table} WHERE fast AND rowid + 1 IN (SELECT unnest($n))",
            {"n": [n for n, _ in samples]},
        ).fetchall()
    }
    for n, text in samples:
        if n in read:
            try:
                rec = orjson.loads(text)
            except orjson.JSONDecodeError:
                return False
            if not isinstance(rec, dict) or rec.get("run_id") != read[n][0]:
                return False
            # a file of one run names it on every line: its step ids tell the records apart (a step id that is
            # not text is left out rather than compared with the reader's text of it)
            step = rec.get("step_id")
            if isinstance(step, str) and step != read[n][1]:
                return False
    return True


def _cut_off(path: Path) -> bool:
    """Whether ``path`` (uncompressed) ends in a line that cannot be a JSON object: a log cut off mid-write.

    The strict read would stop on it only after reading everything before it, so such a file is read
    leniently at once (a 100k-step file: the strict read it saves is ~40 % of the ingest's CPU).
    """
    try:
        with path.open("rb") as fh:
            if fh.read(2) == b"\x1f\x8b":
                return False  # (gzip: its end is not looked for)
            size = fh.seek(0, 2)
            fh.seek(max(0, size - 4096))
            tail = fh.read().rstrip()
    except OSError:
        return False
    return bool(tail) and not tail.endswith(b"}")


def _repeated_keys(con: duckdb.DuckDBPyConnection, path: Path, table: str, rows: int) -> list[int] | None:
    """Hand back the records of ``table`` whose line repeats a key (read with ``ignore_errors``, see
    _read_whole): their line numbers; None when the lines do not match the records one for one (the block
    path then)."""
    keys = "_wbf_keys"
    try:
        # (each line's text, numbered as the records are: a line the reader cannot read is a null here
        # too, and blank lines are skipped alike. The text as read, not parsed and written again as
        # read_json(records = false) gives it: 0.67 against 0.81 CPU s for 100k steps)
        _timings.execute(
            con,
            f"CREATE OR REPLACE TEMP TABLE {keys} AS SELECT coalesce(len(json_keys(json)) "
            "<> len(list_distinct(json_keys(json))), false) AS repeated FROM read_ndjson_objects($path, "
            f"ignore_errors = true, maximum_object_size = {MAX_OBJECT_BYTES})",
            {"path": str(path)},
        )
        if con.execute(f"SELECT count(*) FROM {keys}").fetchall()[0][0] != rows:
            return None
        lines = [n for (n,) in con.execute(f"SELECT rowid + 1 FROM {keys} WHERE repeated").fetchall()]
        if lines:
            con.execute(
                f"UPDATE {table} SET fast = false WHERE rowid + 1 IN (SELECT unnest($n))", {"n": lines}
            )
    except duckdb.Error:
        return None
    finally:
        _drop(con, keys)
    return lines


def _unless_null(con: duckdb.DuckDBPyConnection, path: Path, stage: Stage, table: str) -> None:
    """Hand back records read without ``record`` or a step's ``seq`` whose line names that key after all.

    The typed reader reads an absent key and a null one alike; to the Python reader the first is a step
    (ordered by its line), the second is an unknown record type (or a step without order). A line that
    holds the key's name anywhere (a nested key too: a false alarm costs only speed) is handed back.
    """
    found = con.execute(
        f"SELECT rowid + 1, null_key FROM {table} WHERE fast AND null_key > 0 ORDER BY 1"
    ).fetchall()
    if not found:
        return
    lines = np.array([n for n, _ in found], np.int64)
    codes = np.array([k for _, k in found], np.int8)
    named: list[int] = []
    for first, block in line_blocks(path, stage, 32 * 1024 * 1024):
        ends = np.flatnonzero(np.frombuffer(block, np.uint8) == 10) + 1
        lo, hi = np.searchsorted(lines, [first, first + len(ends)])
        for n, k in zip(lines[lo:hi].tolist(), codes[lo:hi].tolist(), strict=True):
            i = n - first
            text = block[int(ends[i - 1]) if i else 0 : int(ends[i])]
            if (
                (k & 1 and b'"record"' in text)
                or (k & 2 and b'"seq"' in text)
                or (k & _MAYBE_NOT_TEXT and not _all_text(text))
            ):
                named.append(n)
        if hi == len(lines):
            break
    if named:
        con.execute(f"UPDATE {table} SET fast = false WHERE rowid + 1 IN (SELECT unnest($n))", {"n": named})


def _all_text(line: bytes) -> bool:
    """Whether every text key of the line (a record) holds a string or null, as the Python reader reads it."""
    try:
        rec = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False  # (the Python reader's to say why: an integer past 64 bits, say)
    return isinstance(rec, dict) and all(rec.get(k) is None or isinstance(rec[k], str) for k in _TEXT)


def _drop(con: duckdb.DuckDBPyConnection, table: str) -> None:
    with suppress(duckdb.Error):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _hand_back(path: Path, stage: Stage, lines: np.ndarray, slow) -> None:  # noqa: ANN001
    """Read the given lines (sorted numbers) of ``path`` again and hand each to ``slow``."""
    # (blocks of 8 MiB: a line near the end of a big file, the usual one handed back, costs no 32 MiB
    # block and its newline mask in memory)
    for first, block in line_blocks(path, stage, 8 * 1024 * 1024):
        ends = np.flatnonzero(np.frombuffer(block, np.uint8) == 10) + 1
        lo, hi = np.searchsorted(lines, [first, first + len(ends)])
        for n in lines[lo:hi]:
            i = int(n) - first
            start = int(ends[i - 1]) if i else 0
            slow(block[start : int(ends[i]) - 1], int(n), stage)
        if hi == len(lines):
            break


def last_text_line(
    path: Path, scan: LenientScan | None = None, samples: list[tuple[int, bytes]] | None = None
) -> tuple[int, int] | None:
    """(number of the last line with more than whitespace, longest line in bytes) of ``path`` gunzipped.

    The length is exact for a line longer than a chunk (1 MiB), which is what the limit needs; a shorter
    one counts as a chunk's length at most. None when a compressed stream breaks. ``scan`` is fed each chunk;
    ``samples`` gets (number, text) of the first line that starts and ends within each chunk (:func:`_in_order`).
    """
    stream = _Stream(path)
    lines = 0  # newlines before the current chunk
    last = longest = 0
    run = 0  # bytes of the current line in earlier chunks
    try:
        for chunk in stream.chunks():
            # (numpy counts the newlines of a chunk in a third of bytes.count's time: 0.45 against 1.1 CPU
            # s for the 1M-step native file, while DuckDB reads it on the other thread)
            b = np.frombuffer(chunk, np.uint8)
            # (the scan finds the chunk's newlines anyway: counted once)
            n = scan.feed(chunk, b, lines) if scan is not None else int(np.count_nonzero(b == 10))
            if samples is not None:
                start = chunk.find(b"\n") + 1
                end = chunk.find(b"\n", start) if start else -1
                if end > 0:
                    samples.append((lines + 2, chunk[start:end]))
            if n:
                longest = max(longest, run + chunk.find(b"\n"), len(chunk) if n > 1 else 0)
                run = len(chunk) - chunk.rfind(b"\n") - 1
            else:
                run += len(chunk)
            # (only a chunk that ends in whitespace is stripped: a copy of every chunk cost as much again)
            text = len(chunk.rstrip()) if chunk[-1:].isspace() else len(chunk)
            if text:
                last = lines + n - chunk.count(b"\n", text) + 1
            lines += n
    except OSError:
        return None
    longest = max(longest, run)  # the last line, when no newline ends it
    return None if stream.broken is not None else (last, longest)
