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
from ._stage_checks import holds


def merge_same_calls(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Take each staged LLM step whose only LLM child is the same call as one LLM step (see the module), a
    child given again of such a pair stored by an earlier call as a repeat of the stored step, and a pair split
    over this call and an earlier one as one step (the store's side is :func:`fold_stored_same_calls`); the
    report's notes saying how many, if any."""
    if not _any_pair(con):
        return []
    try:
        for stmt in sql_statements("same_call_llm"):
            con.execute(stmt)
        n, down, folded = con.execute(
            "SELECT (SELECT count(*) FROM same_call), (SELECT count(*) FROM same_call_down), "
            "(SELECT count(*) FROM same_call_folded)"
        ).fetchall()[0]
        if down or folded:  # (read by stored_halves_found: the call's cursor forgets it when it closes)
            con.execute("SET VARIABLE wb_same_call_stored = true")
        late = con.execute(_LATE_SIBLINGS).fetchall()[0][0]
    finally:
        # (same_call_folded, same_call_up and same_call_down stay for fold_stored_same_calls: the ingest call
        # drops its temp tables when it ends)
        for table in _STAGE_ONLY:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    # A pair folded by an earlier call cannot be taken apart again (the child's own row is gone): say so.
    said = (
        [
            f"{late} model call span(s) under a step an earlier call stored as one call with its only LLM child "
            "(workbench.same_call_span): read in one call with it, that parent has two model calls under it and "
            "all three are steps of their own; the stored step is left as it is (ingest a trace's files in one "
            "call to keep them apart)"
        ]
        if late
        else []
    )
    if not n:
        return said
    return [
        f"{n} model call(s) written twice, as an LLM step and its only LLM child (same model, same input and "
        "output tokens, the same event): stored once, as the parent step with what the child added "
        "(attribute workbench.same_call_span names the child's span)",
        *(
            [
                f"{down} of them stored by an earlier call as the child alone: that step is now its parent's; what "
                "was found or attributed in its run counted the call twice and was dropped (run detect and "
                "attribute it again)"
            ]
            if down
            else []
        ),
        *said,
    ]


def _any_pair(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this call may hold a pair: both halves staged, or one staged in a run the store holds and the
    other stored (the first two tests are ``stage_facts.sql``'s, asked for all steps at once by _stage_facts)."""
    return holds(con, "pair") or (
        holds(con, "llm_in_stored_run") and bool(con.execute(_ANY_STORED_HALF).fetchall()[0][0])
    )


def fold_stored_same_calls(con: duckdb.DuckDBPyConnection) -> None:
    """Inside the merge's transaction: the stored halves of pairs split over two ingest calls that
    :func:`merge_same_calls` found (a stored parent takes its child's call; a stored child gives way to its
    parent), as ``store/sql/same_call_fold.sql`` states."""
    if not stored_halves_found(con):
        return
    for stmt in sql_statements("same_call_fold"):
        con.execute(stmt)


def stored_halves_found(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether :func:`merge_same_calls` left rows in same_call_folded or same_call_down, the stored halves
    :func:`fold_stored_same_calls` folds (a variable it sets: a look into duckdb_tables() for the two tables, then
    their counts, cost a call in a run the store holds ~9 ms CPU)."""
    return bool(con.execute("SELECT coalesce(getvariable('wb_same_call_stored'), false)").fetchall()[0][0])


# Staged LLM steps, new to the store, under a stored step that is a pair already with another child (a child given
# again was made a copy of its stored parent above: its id is the parent's now).
_LATE_SIBLINGS = """
SELECT count(*) FROM (SELECT DISTINCT s.run_id, s.step_id FROM stage_steps s
                      JOIN steps p ON p.run_id = s.run_id AND p.step_id = s.parent_id AND p.kind = 'llm'
                      WHERE s.kind = 'llm'
                        AND json_extract_string(p.attributes, '$."workbench.same_call_span"') <> s.step_id
                        AND NOT EXISTS (SELECT 1 FROM steps x WHERE x.run_id = s.run_id AND x.step_id = s.step_id))"""

_STAGE_ONLY = (
    "same_call",
    "same_call_regiven",
    "same_call_stored",
    "same_call_llm_stage",
    "same_call_llm_stored",
    "same_call_kids",
)

# (only when a staged LLM step is in a run the store holds) a staged LLM step under a stored LLM step or over one,
# or a stored pair's parent given again (scans of the stored steps' ids).
_ANY_STORED_HALF = """
SELECT EXISTS (SELECT 1 FROM (SELECT * FROM stage_steps s ANTI JOIN stage_steps p
                              ON p.run_id = s.run_id AND p.step_id = s.parent_id WHERE s.kind = 'llm') s
               JOIN steps p ON p.run_id = s.run_id AND p.step_id = s.parent_id WHERE p.kind = 'llm')
    OR EXISTS (SELECT 1 FROM steps c SEMI JOIN (SELECT run_id, step_id FROM stage_steps WHERE kind = 'llm') p
               ON p.run_id = c.run_id AND p.step_id = c.parent_id WHERE c.kind = 'llm')
    OR EXISTS (SELECT 1 FROM steps p SEMI JOIN (SELECT run_id, step_id FROM stage_steps WHERE kind = 'llm') s
               ON s.run_id = p.run_id AND s.step_id = p.step_id
               WHERE p.kind = 'llm' AND json_exists(p.attributes, '$."workbench.same_call_span"'))"""
