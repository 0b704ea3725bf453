"""One model call written as two LLM steps (a framework's span of the call and, under it, its model client's
span of the same request) read as one, once a call's steps are staged.

Span by span the two cannot be told from two calls: the rule needs the parent and its other children
(``store/sql/same_call_llm.sql`` states it). Seen in Google ADK 2.x with its legacy telemetry schema pinned
(``call_llm`` around ``generate_content``); the rule names no framework.
"""

from __future__ import annotations

import duckdb

from ..store._connection import sql_statements


def merge_same_calls(con: duckdb.DuckDBPyConnection) -> None:
    """Take each staged LLM step whose only LLM child is the same call as one LLM step (see the module)."""
    if not con.execute("SELECT EXISTS (SELECT 1 FROM stage_steps s SEMI JOIN stage_steps p "
                       "ON p.run_id = s.run_id AND p.step_id = s.parent_id AND p.kind = 'llm' "
                       "WHERE s.kind = 'llm')").fetchall()[0][0]:
        return
    for stmt in sql_statements("same_call_llm"):
        con.execute(stmt)
