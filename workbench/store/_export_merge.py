"""A store's own Parquet export (``Workspace.export``) ingested back: merged table by table.

An export holds the store's tables as they are (steps already mapped, agents given, runs summed up), not
logs: read through the log adapters it would be nothing they know. It is merged instead (merge_export.sql),
in one transaction: a row the store holds already adds nothing, so a round trip gives every table back and
ingesting the same export again adds nothing; a step whose id the store holds with other contents is
quarantined at the export's file and row, the stored one kept. A stored run the export adds steps or labels
to, or gives otherwise, has its row rebuilt as an ingest rebuilds it (refresh_runs.sql), so its outcome and
n_steps are those of its steps and labels as now stored.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..ingest._fields import MAX_FIELD_BYTES
from ..ingest._jsonio import MAX_RAW_BYTES
from ..ingest._stage_tables import STEP_KINDS, STEP_STATUSES
from ._connection import (
    PARTITIONED,
    TABLES,
    export_files,
    export_schema_version,
    sql_sections,
    sql_statements,
)
from ._export_detected import merge_detected
from ._export_kept import kept_views
from ._export_links import join_export_links, walk_merged_runs
from ._export_rules import given_again, run_export_rules
from ._export_usage import usage_records_of_both
from ._linked_roots import keep_linked_roots_sql
from ._stored_rules import export_stored_rules
from ._transaction import drop_temp_tables, temp_tables, temp_views, transaction


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'  # a column name of the store's own schema, never a log value


def _export_view(con: duckdb.DuckDBPyConnection, folder: Path, table: str) -> list[str]:
    """The temp view ``export_<table>``: the export's rows of ``table`` with the store's columns in its order
    (a column an older export lacks is NULL), then the file and row each came from, and ``export_bad``: why
    the row cannot be stored as it is (NULL: it can), a value of another type than the store's column, or
    none where the store's column requires one. A forged or damaged row is quarantined on its own. Returns
    notes on the columns read otherwise than the store's: one the export lacks (left empty) or holds that the
    store has not (not read): a column renamed or dropped by hand loses its values, and says so."""
    stored = con.table(table)
    columns = list(zip(stored.columns, (str(t) for t in stored.types), strict=True))
    required = {
        c
        for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = current_schema() AND table_name = ? AND NOT is_nullable",
            [table],
        ).fetchall()
    }
    files = [str(f) for f in export_files(folder / table)]
    if files:
        rel, added, file_col, row = _read_export(con, files, table in PARTITIONED)
        have = {c: t for c, t in zip(rel.columns, (str(t) for t in rel.types), strict=True) if c not in added}
        notes = _column_notes(table, [c for c, _ in columns], list(have))
        picks, bad = [], []
        for c, t in columns:
            q = _quoted(c)
            if c not in have:
                picks.append(f"CAST(NULL AS {t}) AS {q}")
            elif have[c] == t:
                picks.append(f"{q} AS {q}")
            else:  # (a value that is no such type is NULL here, and the row quarantined: export_bad)
                picks.append(f"TRY_CAST({q} AS {t}) AS {q}")
                bad.append(
                    f"WHEN {q} IS NOT NULL AND TRY_CAST({q} AS {t}) IS NULL "
                    f"THEN {_text(f'column {c} holds a value that is no {t}')}"
                )
            if c in required:
                bad.append(f"WHEN {q if c in have else 'NULL'} IS NULL THEN {_text(f'column {c} is empty')}")
        why = f"CASE {' '.join(bad)} END" if bad else "CAST(NULL AS VARCHAR)"
        rel = rel.select(
            ", ".join(
                [
                    *picks,
                    f"{_quoted(file_col)} AS export_file",
                    f"{row} AS export_row",
                    f"{why} AS export_bad",
                ]
            )
        )
    else:  # an empty table exports no file
        rel = stored.select(
            ", ".join(
                [
                    *(_quoted(c) for c, _ in columns),
                    "CAST(NULL AS VARCHAR) AS export_file",
                    "CAST(NULL AS BIGINT) AS export_row",
                    "CAST(NULL AS VARCHAR) AS export_bad",
                ]
            )
        ).filter("false")
        notes = []
    rel.create_view(f"export_{table}", replace=True)
    return notes


def _read_export(
    con: duckdb.DuckDBPyConnection, files: list[str], hive: bool
) -> tuple[duckdb.DuckDBPyRelation, set[str], str, str]:
    """The rows of ``files`` with the file and the 0-based row each came from: the relation, the columns the
    reading added, the name of its file column and the expression of its row. read_parquet adds these as ``filename`` and ``file_row_number``
    and refuses a file holding a column of either name (a hand-made export, another tool's): then the file
    column takes a name the files do not hold, and the row is counted in the scan's order (a streaming
    ``row_number() OVER ()``, which keeps the files' order) less each file's first, so such a column is read
    like any other (a column the store has not: noted, not read)."""
    held = set(con.read_parquet(files, hive_partitioning=hive, union_by_name=True).columns)
    if not {c.lower() for c in held} & {"filename", "file_row_number"}:  # (DuckDB binds names case-blind)
        rel = con.read_parquet(
            files, hive_partitioning=hive, union_by_name=True, filename=True, file_row_number=True
        )
        return rel, {"filename", "file_row_number"}, "filename", "file_row_number"
    file_col, at = (_unheld(held, base) for base in ("wb_export_file", "wb_export_at"))
    # (read_parquet's Python form takes filename as a flag only; the name is the package's own, the files bound)
    rel = con.sql(
        f"SELECT * FROM read_parquet($files, hive_partitioning = $hive, union_by_name = true, "
        f"filename = {_text(file_col)})",
        params={"files": files, "hive": hive},
    )
    rel = rel.select(f"*, row_number() OVER () AS {_quoted(at)}")
    return (
        rel,
        {file_col, at},
        file_col,
        f"{_quoted(at)} - min({_quoted(at)}) OVER (PARTITION BY {_quoted(file_col)})",
    )


def _unheld(held: set[str], base: str) -> str:
    """``base``, or ``base_2``, ``base_3`` ...: the first name no column of the files has (case-blind, as
    DuckDB binds names)."""
    lower = {c.lower() for c in held}
    name, n = base, 1
    while name.lower() in lower:
        n += 1
        name = f"{base}_{n}"
    return name


def _column_notes(table: str, stored: list[str], have: list[str]) -> list[str]:
    """What ``_export_view`` says of an export's columns of ``table`` that are not the store's."""
    known = set(stored) | ({"day"} if table in PARTITIONED else set())  # (hive's key)
    lacked = [c for c in stored if c not in have]
    extra = [c for c in have if c not in known]
    notes = []
    if lacked:
        notes.append(
            f"the export's {table} lack the column{'s' if len(lacked) > 1 else ''} "
            f"{_names(lacked)}: left empty in the rows merged"
        )
    if extra:
        notes.append(
            f"the export's {table} hold {'columns' if len(extra) > 1 else 'a column'} the store has not, not "
            f"read: {_names(extra)} (renamed by hand? the store's columns are {', '.join(stored)})"
        )
    return notes


def _names(columns: list[str]) -> str:
    shown = ", ".join(repr(c[:60]) for c in columns[:8])
    return shown + (f" and {len(columns) - 8} more" if len(columns) > 8 else "")


def _text(words: str) -> str:
    """A SQL string of words made of the store's own column names and types, never a log value."""
    return "'" + words.replace("'", "''") + "'"


# (this module's own, dropped or reset when the merge ends; on the ingest's own connection, _own_connection)
_MACROS = (
    "export_cut_raw",
    "export_too_big",
    "export_no_run",
    "export_folded",
    "export_served",
    "export_ruled",
)  # (export_rules.sql's too)
_VARIABLES = (
    "export_max_field",
    "export_max_raw",
    "export_step_kinds",
    "export_step_statuses",
    "export_kept_derived",
)


def merge_export(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, int]:
    """Merge the export in ``folder`` into the store on ``con`` in one transaction; the counts of
    merge_export.sql's ``export_counts`` (steps_read, quarantine_read, run_rejects, step_rejects,
    steps_added, runs_touched) and the labels added."""
    export_schema_version(con, folder)
    before = temp_tables(con) | temp_views(con)
    notes = [n for table in TABLES for n in _export_view(con, folder, table)]
    con.execute("SET VARIABLE export_max_field = ?", [MAX_FIELD_BYTES])
    con.execute("SET VARIABLE export_max_raw = ?", [MAX_RAW_BYTES])
    # the values a step may hold, as the log ingest checks them (one list each, in ingest/_stage_tables)
    con.execute("SET VARIABLE export_step_kinds = ?::VARCHAR[]", [list(STEP_KINDS)])
    con.execute("SET VARIABLE export_step_statuses = ?::VARCHAR[]", [list(STEP_STATUSES)])
    try:
        with transaction(con, "the export's merge"):
            for stmt in sql_statements("step_differs"):
                con.execute(stmt)
            join_export_links(con)
            # (the export's kept tables, in the runs its traces joined)
            kept_notes, rules_kept = kept_views(con, folder)
            notes += kept_notes
            usage_records_of_both(con)  # (the export's runs as they stand after the joins)
            compare, rest = (stmts for _, stmts in sql_sections("merge_export"))
            for stmt in compare:
                con.execute(stmt)
            given_again(con)  # (a step the rules below changed in an earlier merge, given again)
            held_findings = con.execute("SELECT EXISTS (SELECT 1 FROM findings)").fetchall()[0][0]
            for stmt in [*rest, keep_linked_roots_sql("export_new_steps")]:
                con.execute(stmt)
            merge_detected(con, folder, held_findings)  # (which runs its detectors ran on: _export_detected)
            run_export_rules(con)  # (the ingest's rules over runs given steps from both sides)
            walk_merged_runs(con)
            # (the ingest's stored side of staging-only rules: _stored_rules)
            ruled = export_stored_rules(con, rules_kept)
            for stmt in sql_statements("refresh_runs"):
                con.execute(stmt)
            cur = con.execute("SELECT * FROM export_counts")
            names = [d[0] for d in cur.description]
            counts = dict(zip(names, cur.fetchall()[0], strict=True))
            counts["labels"] = con.execute("SELECT count(*) FROM export_new_labels").fetchall()[0][0]
            # (the runs its labels name that neither holds: kept as given, named as an ingest names them)
            counts["unknown_label_runs"] = [
                r
                for (r,) in con.execute(
                    "SELECT DISTINCT run_id FROM export_new_labels l "
                    "WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = l.run_id) ORDER BY 1"
                ).fetchall()
            ]
            counts["notes"] = [*notes, *ruled]
            counts["errors"] = con.execute(
                "SELECT file || ':' || line || ': ' || reason FROM export_rejects "
                "ORDER BY file, line LIMIT 10"
            ).fetchall()
        return counts
    finally:
        drop_temp_tables(con, before)
        for name in _VARIABLES:
            con.execute(f"RESET VARIABLE {name}")  # (names of this module's own)
        for macro in _MACROS:
            con.execute(f"DROP MACRO IF EXISTS temp.{macro}")  # (names of this module's own)
