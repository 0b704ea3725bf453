"""One model call written as two LLM steps (a framework's span of the call and, under it, its model client's
span of the same request) read as one, once a call's steps are staged.

Span by span the two cannot be told from two calls: the rule needs the parent and its other children
(``store/sql/same_call_llm.sql`` states it). Seen in Google ADK 2.x with its legacy telemetry schema pinned
(``call_llm`` around ``generate_content``). The rule asks for the model on both spans, both token counts equal and
no ADK event id telling them apart: nested spans that name no model, or agree only on their input tokens, are
not known to be one request and stay two.
"""

from __future__ import annotations

import duckdb

from ..store._connection import sql_statements


def merge_same_calls(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Take each staged LLM step whose only LLM child is the same call as one LLM step (see the module),
    and a child given again of such a pair stored by an earlier call as a repeat of the stored step; the
    report's note saying how many, if any."""
    if not con.execute(_ANY_PAIR).fetchall()[0][0]:
        return []
    try:
        for stmt in sql_statements("same_call_llm"):
            con.execute(stmt)
        n = con.execute("SELECT count(*) FROM same_call").fetchall()[0][0]
    finally:
        con.execute("DROP TABLE IF EXISTS same_call")
        con.execute("DROP TABLE IF EXISTS same_call_stored")
    if not n:
        return []
    return [f"{n} model call(s) written twice, as an LLM step and its only LLM child (same model, same input and "
            "output tokens, the same event): stored once, as the parent step with what the child added "
            "(attribute workbench.same_call_span names the child's span)"]


# An LLM step staged under another staged LLM step, or under a stored one that holds a child's call (the
# second: a scan of the stored steps' ids, only when an LLM step's parent is not staged in this call).
_ANY_PAIR = """
SELECT EXISTS (SELECT 1 FROM stage_steps s SEMI JOIN stage_steps p
               ON p.run_id = s.run_id AND p.step_id = s.parent_id AND p.kind = 'llm' WHERE s.kind = 'llm')
    OR EXISTS (SELECT 1 FROM (SELECT * FROM stage_steps s ANTI JOIN stage_steps p
                              ON p.run_id = s.run_id AND p.step_id = s.parent_id WHERE s.kind = 'llm') s
               JOIN steps p ON p.run_id = s.run_id AND p.step_id = s.parent_id
               WHERE p.kind = 'llm' AND contains(p.attributes::VARCHAR, 'workbench.same_call_span'))"""
