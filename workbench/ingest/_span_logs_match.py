"""After staging: the OTLP log records (``_otlp_logs``) whose span is staged or stored are kept for the merge.

A record whose span is neither in this ingest call nor in the store, or that names no span, is quarantined
with its file and line; so is (in the merge, ``_span_logs_attach``) a record whose span the merge quarantines.
"""

from __future__ import annotations

from ..store._connection import sql_statements
from ._base import Stage
from ._otlp_logs import _LOG_CHUNK, _write_log_rows


def match_span_logs(stage: Stage, moves: dict[str, str] | None = None) -> None:
    """After staging: keep the log records whose span is staged or stored; quarantine the others.

    ``moves`` maps the traces that span links joined into another run (staged or stored) to that run: a
    record follows its span there. Leaves the kept ones in the temporary table ``stage_span_logs`` for
    :func:`attach_span_logs`.
    """
    _write_log_rows(stage)
    if not stage.span_logs_written:
        return
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    con = stage.con
    stage.span_logs_matched = True
    # (stored spans are found under their trace's run until the merge moves them; staged ones already moved)
    moves = moves or {}
    con.register(
        "_wb_log_moves",
        pa.table(
            {"trace": pa.array(list(moves), pa.string()), "run": pa.array(list(moves.values()), pa.string())}
        ),
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _wb_span_logs AS "
        "SELECT l.file, l.line, coalesce(m.run, l.run_id) AS run_id, l.step_id, l.input, l.output, l.note, "
        "l.time, l.raw, l.error, l.caught, l.run_id AS trace_id, l.ord FROM stage_span_log_rows l LEFT JOIN _wb_log_moves m "
        "ON m.trace = l.run_id"
    )
    try:
        for stmt in sql_statements("span_logs_match"):
            con.execute(stmt)
        # (the runs an exception record may fail a step of: the merge rebuilds their rows, finalize.sql's
        # affected, when the call stages none of their spans; the variable dies with the ingest's cursor)
        con.execute(
            "SET VARIABLE wb_log_runs = (SELECT list(DISTINCT run_id) FROM stage_span_logs "
            "WHERE caught IS NOT NULL)"
        )
    finally:
        con.execute("DROP VIEW _wb_span_logs")
        con.unregister("_wb_log_moves")
        con.execute("DROP TABLE stage_span_log_rows")
        stage.span_logs_written = 0
    current = stage.file, stage.source
    stage.source = "otlp"  # (only the OTLP reader stages log records)
    # (a page at a time, by row number of the orphans in reading order: quarantining one writes to con,
    # which would end a result still being fetched)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_span_log_orphans AS "
        "SELECT file, line, run_id, step_id, raw FROM stage_span_log_orphans ORDER BY ord"
    )
    for start in range(
        0, con.execute("SELECT count(*) FROM stage_span_log_orphans").fetchall()[0][0], _LOG_CHUNK
    ):
        for file, line, tid, sid, raw in con.execute(
            "SELECT file, line, run_id, step_id, raw FROM stage_span_log_orphans "
            "WHERE rowid >= $start AND rowid < $end ORDER BY rowid",
            {"start": start, "end": start + _LOG_CHUNK},
        ).fetchall():
            stage.file = file  # (the reject is the record's file's, counted read when it was staged)
            stage._reject(
                line,
                f"log record of span {sid} in trace {tid}: no such span in this ingest or the "
                "store (ingest the traces with or before their logs)",
                raw,
                tid,
                sid,
            )
    stage.file, stage.source = current
    stage.flush()
