"""The store's kept tables an export carries: which steps the ingest made up or named by its rules, not the log.

``rule_agents`` (the steps whose agent the naming rules gave), ``derived_tools`` (the tool steps read out of model
calls' messages) and ``rule_handoffs`` (the hand-offs whose agent handed to the rule gave) cannot be told again from
the steps: a log's step may hold the marker ``workbench.tool_call_from`` in its payload, a log may name an agent as
a rule would. An export left them out, so a store that merged one took the rules' names for the log's and told
made-up tool steps by the marker text: the next file of a run deleted a log's own tool step, or left a Haystack
sub-agent named by the agent above it. Each is written as ``<table>/data.parquet`` (an empty table too: the file
says the export knows it holds none) and read back by the merge and by ``wb.open(folder)``. An export written
before (no such folder) is read as before: its tool steps read out of messages told by their marker, the rules'
names and hand-offs taken for the log's.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ._connection import DERIVED_BY_MARKER, export_files

# (linked_roots, the fourth kept table, is made from the steps again wherever they are stored)
EXPORTED_KEPT = ("rule_agents", "derived_tools", "rule_handoffs")


def _held(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the store on ``con`` holds ``table`` (a store of an earlier schema opened read-only may not)."""
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary "
            "AND database_name = current_database()",
            [table],
        ).fetchall()[0][0]
    ) or bool(
        con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND NOT temporary "
            "AND database_name = current_database()",
            [table],
        ).fetchall()[0][0]
    )


# The columns each kept table is written with (detected, which runs the detectors ran on: store/_export_detected.py)
_WRITTEN = {
    **dict.fromkeys(EXPORTED_KEPT, ("run_id", "step_id")),
    "detected": ("run_id", "detector", "settings"),
}


def write_kept(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    """Write the kept tables of the store on ``con`` into the export folder ``out`` (in the export's transaction).
    A table the store lacks is written by none, and an earlier export's file of it goes: it was another store's."""
    for table, columns in _WRITTEN.items():
        target = out / table / "data.parquet"
        if not _held(con, table):
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        con.table(table).select(", ".join(columns)).write_parquet(str(target), overwrite=True)


def kept_relation(
    con: duckdb.DuckDBPyConnection, folder: Path, table: str, columns: tuple[str, ...]
) -> duckdb.DuckDBPyRelation | None:
    """The export's files of the kept ``table``, read, or None when it holds none of it (an export written before it
    carried them) or its files lack ``columns`` (put together by hand: read as an older export's)."""
    files = export_files(folder / table)
    if not files:
        return None
    try:
        rel = con.read_parquet([str(f) for f in files], union_by_name=True)
    except duckdb.Error:
        return None
    return rel if set(columns) <= set(rel.columns) else None


def _kept_rows(con: duckdb.DuckDBPyConnection, folder: Path, table: str) -> duckdb.DuckDBPyRelation | None:
    """The export's rows of the kept ``table`` (run_id, step_id), or None (:func:`kept_relation`)."""
    rel = kept_relation(con, folder, table, ("run_id", "step_id"))
    if rel is None:
        return None
    return rel.select(
        "TRY_CAST(run_id AS VARCHAR) AS run_id, TRY_CAST(step_id AS VARCHAR) AS step_id"
    ).filter("run_id IS NOT NULL AND step_id IS NOT NULL")


def kept_views(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[list[str], bool]:
    """For the merge (after the export's traces joined the stored ones, ``export_moves``): the temp views
    ``export_kept_<table>`` of the export's kept rows, in the runs they moved to, and the variable
    ``export_kept_derived``: whether the export holds its derived_tools (else its made-up tool steps are told by
    the marker, as before). The notes of the kept tables the export lacks, and whether it holds its rule_agents
    (then the naming rules may run again over the runs both sides gave steps to)."""
    lacked = []
    for table in EXPORTED_KEPT:
        rel = _kept_rows(con, folder, table)
        if rel is None:
            lacked.append(table)
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW export_kept_{table} AS "  # (names of this module's own)
                "SELECT NULL::VARCHAR AS run_id, NULL::VARCHAR AS step_id WHERE false"
            )
            continue
        rel.create_view(f"_export_kept_{table}_in", replace=True)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW export_kept_{table} AS "
            f"SELECT coalesce(m.new_run, k.run_id) AS run_id, k.step_id FROM _export_kept_{table}_in k "
            "LEFT JOIN export_moves m ON m.old_run = k.run_id"
        )
    con.execute("SET VARIABLE export_kept_derived = ?", ["derived_tools" not in lacked])
    if not lacked:
        return [], True
    return [
        f"the export holds no {', '.join(lacked)} (written by an earlier workbench): "
        + (
            "its tool steps read out of messages are told by their marker, "
            if "derived_tools" in lacked
            else ""
        )
        + "the names and hand-offs its store's rules gave are read as its logs'"
    ], "rule_agents" not in lacked


def open_kept(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """For ``wb.open(folder)``: the export's kept tables (tables, as a store holds them: a copy copies tables),
    before the empty tables of those it lacks are made."""
    for table in EXPORTED_KEPT:
        rel = _kept_rows(con, path, table)
        if rel is not None:
            rel.create(table)


def fill_unknown_derived(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """After :func:`open_kept` and the empty tables: an export holding no derived_tools has its tool steps read out
    of messages told by their marker."""
    if _kept_rows(con, path, "derived_tools") is None:
        con.execute(DERIVED_BY_MARKER)
