"""AG2 1.x's usage records in an export's merge: a run's tokens counted once whichever store held which steps.

A ``record_usage`` span takes the tokens its attributes keep only when no other step of its run holds any
(:mod:`workbench.ingest._ag2_usage`). A store that held a run's records but not its model calls gave them tokens;
merged with a store holding the calls, the run counted them twice, and a record both held differed in its tokens
(quarantined as a conflict). In the merge's transaction, before the export's steps are compared with the store's,
the records of the export's runs are decided again over both (``ag2_usage_export.sql``).
"""

from __future__ import annotations

import duckdb

from ._connection import sql_sections, sql_statements


def usage_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the usage records' predicates on ``con`` (``ag2_usage_macros.sql``: one rule for the staged, the
    stored and an export's records)."""
    for stmt in sql_statements("ag2_usage_macros"):
        con.execute(stmt)


def usage_records_of_both(con: duckdb.DuckDBPyConnection) -> None:
    """Decide the usage records' tokens of the runs the export holds over the export and the store together
    (the stored ones updated, the export's view ``export_steps`` rewritten). Nothing when no such run holds one."""
    sections = dict(sql_sections("ag2_usage_export"))
    usage_macros(con)
    for stmt in sections["runs"]:
        con.execute(stmt)
    if con.execute("SELECT EXISTS (SELECT 1 FROM export_usage_runs)").fetchall()[0][0]:
        for stmt in sections["decide"]:
            con.execute(stmt)
