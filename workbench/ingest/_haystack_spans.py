"""Haystack's own OpenTelemetry tracing, read once a call's spans are staged (``store/sql/haystack_spans.sql``).

Haystack (``haystack.tracing`` with haystack-core-integrations' ``OpenTelemetryTracer``) names its spans
``haystack.pipeline.run`` > ``haystack.component.run`` > ``haystack.agent.run`` > ``haystack.agent.step`` >
``haystack.agent.step.llm`` / ``haystack.agent.step.tool`` and types none of them; the agent run names no agent
(the component around it does, or, for an Agent offered to another as a ComponentTool, the tool call above it),
and a tool's caught error is only in the call's content output (``{"error": ...}``, the status unset). Span by span
the agent cannot be known, and the model call's span has no attribute at all without content tracing, so the
readers stage the spans as they are (kind "other") and this rule types and names them, the same for both OTLP
readers.
"""

from __future__ import annotations

import duckdb

from ..store._connection import sql_sections, sql_statements
from ._stage_checks import holds


def haystack_spans(con: duckdb.DuckDBPyConnection) -> bool:
    """Type and name the staged spans of Haystack's own tracing (see the module's docstring), when the stage holds one
    no reader typed (``stage_facts.sql``'s section ``haystack``). Whether it did."""
    if not holds(con, "haystack"):
        return False
    try:
        for stmt in sql_statements("haystack_spans"):
            con.execute(stmt)
    finally:
        con.execute("DROP TABLE IF EXISTS haystack_steps")
    return True


def stored_haystack_runs(con: duckdb.DuckDBPyConnection, side: str = "staged") -> None:
    """In a merge's transaction, before its walk down: an Agent's run stored apart from the span above it, named by
    that span, as one call of both names it (``store/sql/haystack_stored.sql``). ``side``: ``"staged"`` (an ingest's
    merge: the span above staged in this call) or ``"export"`` (an export's merge: both stored, in its rules' runs)."""
    sections = dict(sql_sections("haystack_stored"))
    for stmt in [*sections[side], *sections["name"]]:
        con.execute(stmt)
