"""The ingest's staging-only rules again over the stored steps, where a call met runs the store held before.

Some rules decide a step by the other steps of its run once a call's steps are staged. A trace read in two calls
(two files of one day, in either order) had each rule applied to each call's part only, and the store differed
from one call of both (store43's sweep: 11 splits). Run in the merge's transaction, after the call's steps are
stored and before the runs are refreshed, over ``affected_steps`` (finalize.sql: the touched runs' steps), and only
when the call touched a run the store held (``old_runs``): a call of new runs pays nothing.

- a hand-off that names no agent: the next other agent to start in its run (``stored_handoff_targets.sql``, the
  stored side of ``handoff_targets.sql``).
"""

from __future__ import annotations

import duckdb

from ._connection import sql_statements


def stored_rules(con: duckdb.DuckDBPyConnection, old_runs: int) -> None:
    """The stored side of the staging-only rules (see the module), when ``old_runs`` (the merge's count of touched
    runs the store held before) says the call met one."""
    if not old_runs:
        return
    for stmt in sql_statements("stored_handoff_targets"):
        con.execute(stmt)
