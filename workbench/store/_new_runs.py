"""refresh_runs.sql's rows of runs the store did not hold, in one statement.

When no affected run is in the runs table (the driver's ``old_runs`` count is 0: nothing to delete, no mark to
drop), refresh_runs.sql's working tables run_steps, run_declared, run_labelled and run_rows are read by its
INSERT into runs alone. Made as tables, they were five statements of a small call's merge, each planned for a
few rows (~1-7 ms apiece, most of it DuckDB's planning); here they are the CTEs of that INSERT, their queries
the file's own text, so a rule changed in refresh_runs.sql (or run_declared_once.sql) is changed here too.
"""

from __future__ import annotations

import functools
import re

from ._connection import sql_sections, sql_statements

# the sections whose tables the INSERT reads, then the INSERT's own
_TABLES = ("runs", "declared", "labelled")
_CREATE = re.compile(r"CREATE OR REPLACE TEMP TABLE (\w+) AS\s+(.*)", re.DOTALL)


@functools.lru_cache(maxsize=None)
def new_runs_insert(runs_again: bool) -> str:
    """The INSERT INTO runs of refresh_runs.sql's rows section with the tables it reads as CTEs; run_declared
    in the grouped form when a run id is given twice in the call (``runs_again``), else
    run_declared_once.sql's.
    """
    sections = dict(sql_sections("refresh_runs"))
    stmts = [s for name in _TABLES for s in sections[name]]
    if not runs_again:
        (once,) = sql_statements("run_declared_once")
        stmts = [once if _CREATE.match(s).group(1) == "run_declared" else s for s in stmts]
    (insert,) = sections["rows"]
    head, select = insert.split("\n", 1)
    if head.strip() != "INSERT INTO runs BY NAME":
        raise ValueError(f"refresh_runs.sql's rows section no longer starts with its INSERT: {head!r}")
    ctes = []
    for stmt in stmts:
        name, query = _CREATE.match(stmt).groups()
        ctes.append(f"{name} AS (\n{query}\n)")  # (the newline: a query's last line may end in a comment)
    return f"{head}\nWITH {', '.join(ctes)}\n{select}"
