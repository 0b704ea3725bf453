"""A model call's two spans split between the store and an export merged into it, folded into one step.

The ingest folds a framework's span of a model call and its model client's span of the same request into one
LLM step, also when the two came in two ingest calls (:mod:`workbench.ingest._same_call`). A store holding one
half, merged with an export holding the other, kept two steps: the call and its tokens counted twice. In the
merge's transaction, after the export's steps are stored and before their runs are walked again, the pairs
with a half on each side are folded as the ingest folds them (``export_same_call.sql``, then the ingest's own
``same_call_fold.sql``: the parent takes what its child gave, the child's children, edges and labels move to it).
"""

from __future__ import annotations

import duckdb

from ._connection import sql_sections, sql_statements


def fold_export_same_calls(con: duckdb.DuckDBPyConnection) -> None:
    """Fold the pairs split between the store and the export just merged (see the module). Nothing when no
    stored run was given an LLM step (most merges: new runs only)."""
    sections = dict(sql_sections("export_same_call"))
    for stmt in sections["runs"]:
        con.execute(stmt)
    if not con.execute("SELECT EXISTS (SELECT 1 FROM export_pair_runs)").fetchall()[0][0]:
        return
    for stmt in sections["fold"]:
        con.execute(stmt)
    if not con.execute("SELECT EXISTS (SELECT 1 FROM export_pairs)").fetchall()[0][0]:
        return
    for stmt in [*sql_statements("same_call_fold"), *sections["up"]]:
        con.execute(stmt)
