"""Whether an ingest call may keep the detected marks of the stored runs it touches (``store/sql/kept_marks.sql``):
a call giving stored steps again (``held["stored"]``) of runs the store holds, not labels alone (those keep theirs
by refresh_runs.sql's labelled_before / labelled_after). Such a run keeps its marks when nothing the detectors read
of it changed (its content fingerprint, the one a detect checks its runs by: ``detect/sql/fingerprints.sql``), as
race47 made a label that changes nothing keep them."""

from __future__ import annotations

from typing import Any

import duckdb

from ..store._connection import sql_sections
from ._same_call import stored_halves_found


def marks_before(con: duckdb.DuckDBPyConnection, held: dict[str, int], stage: Any) -> bool:
    """Before the merge: note what the detectors read of the marked stored runs the call gives steps of again, when
    it does; whether it did (then :func:`drop_changed_marks` replaces refresh_runs.sql's detected section).

    Not when the merge's transaction changed stored steps already, before this could see them (a stored run moved
    into a trace, a model call's two spans or an MCP call split over calls, steps acting for the agent before them,
    AG2's errors and usage): their runs lose their marks, as every touched run did."""
    if not (held["old_runs"] and held["stored"]):
        return False
    moves = stage.stored_link_moves
    if (
        (moves is not None and moves.moves)
        or stage.turn_runs
        or stage.ag2_stored_errors
        or stage.mcp_served_stored
    ):
        return False
    if stage.same_calls_asked and stored_halves_found(con):
        return False
    con.execute(_fingerprint_macro())
    _run(con, "before")
    return True


def drop_changed_marks(con: duckdb.DuckDBPyConnection) -> None:
    """After refresh_runs.sql (its rows section run): the marks of the touched runs whose steps,
    edges or row changed dropped, the others kept."""
    _run(con, "after")


def _run(con: duckdb.DuckDBPyConnection, section: str) -> None:
    for name, stmts in sql_sections("kept_marks"):
        if name == section:
            for stmt in stmts:
                con.execute(stmt)


def _fingerprint_macro() -> str:
    """``fingerprints.sql``'s macro ``run_fingerprints(scope, with_edges)`` as a temporary macro of the ingest's
    connection (a detect's connections find it among the detectors' macros, made once per DuckDB instance)."""
    # (the file's text, not detect/_fingerprint.py: importing workbench.detect imports pandas and pyarrow, which an
    # ingest on the SQL path never imports — test_otlp24_memory, test_otlp14_lazy_arrow)
    (stmt,) = dict(sql_sections("fingerprints", "workbench.detect"))[""]
    # (detect/_macros.TEMP_MACRO, written out for the same reason: a statement not of that form would make a macro
    # of the store itself, on every re-ingest of detected runs)
    assert stmt.startswith("CREATE OR REPLACE TEMP MACRO ")
    return stmt
