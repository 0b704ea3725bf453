"""The ingest's staging-only rules again over the stored steps, where a call met runs the store held before.

Some rules decide a step by the other steps of its run once a call's steps are staged. A trace read in two calls
(two files of one day, in either order) had each rule applied to each call's part only, and the store differed
from one call of both (store43's sweep: 11 splits). Run in the merge's transaction, after the call's steps are
stored and before the runs are refreshed, over ``affected_steps`` (finalize.sql: the touched runs' steps), and only
when the call touched a run the store held (``old_runs``): a call of new runs pays nothing.

- a hand-off that names no agent: the next other agent to start in its run (``stored_handoff_targets.sql``, the
  stored side of ``handoff_targets.sql``);
- a tool step an earlier call read out of a model call's messages, in a run whose own spans (come since) trace a
  tool or a hand-off: removed, as one call of both never makes it (``stored_derived_traced.sql``; an MCP quote
  desk's hand-off span read after the model call that asked for it).

An export merged into the store meets the same split (one store read a trace's first file, the other its second):
:func:`export_stored_rules` runs the rules over the runs whose steps came from both sides (``export_rule_runs``).
"""

from __future__ import annotations

import duckdb

from ._connection import sql_statements


def stored_rules(con: duckdb.DuckDBPyConnection, old_runs: int) -> list[str]:
    """The stored side of the staging-only rules (see the module), when ``old_runs`` (the merge's count of touched
    runs the store held before) says the call met one; the report's notes."""
    if not old_runs:
        return []
    for stmt in sql_statements("stored_handoff_targets"):
        con.execute(stmt)
    made_up, edges, steps = sql_statements("stored_derived_traced")
    con.execute(made_up)
    ((gone,),) = con.execute("SELECT count(*) FROM untraced_derived").fetchall()
    if not gone:
        return []
    con.execute(edges)
    con.execute(steps)
    return [
        f"{gone} tool step(s) an earlier call read out of model calls' messages removed: their runs' own spans "
        "now trace their tools (one call of both reads none out of the messages)"
    ]


def export_stored_rules(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The rules (see the module) in an export's merge, over the runs whose steps came from both sides
    (export_rules.sql's ``export_rule_runs``): a run only one side held went through them in the store that held
    it, and the stored rule, on microseconds, may judge a tie otherwise than the staged one did. Nothing when the
    export gave no stored run a step (most merges); the report's notes."""
    if not con.execute("SELECT EXISTS (SELECT 1 FROM export_rule_runs)").fetchall()[0][0]:
        return []
    # (the rules read affected_steps: merge_export.sql's view of every touched run, which refresh_runs.sql reads
    # next; narrowed to these runs here, then put back as it was)
    ((kept,),) = con.execute(
        "SELECT sql FROM duckdb_views() WHERE temporary AND view_name = 'affected_steps'"
    ).fetchall()
    con.execute(
        "CREATE OR REPLACE TEMP VIEW affected_steps AS "
        "SELECT s.* FROM steps s SEMI JOIN export_rule_runs r ON r.run_id = s.run_id"
    )
    try:
        return stored_rules(con, 1)
    finally:
        con.execute("DROP VIEW temp.main.affected_steps")
        con.execute(kept)  # (duckdb_views()' text of a temp view: CREATE TEMP VIEW ...)
