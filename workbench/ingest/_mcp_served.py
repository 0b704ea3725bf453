"""A tool call an MCP server traced as well, read as one call: the server's span of it is a step of the agent's
call (``store/sql/mcp_served_calls.sql`` states the rule).

MCP's Python SDK 2.x traces both ends by default, the server's ``tools/call <tool>`` span typed
``execute_tool`` like the agent framework's own span of the call around it: read as two tool steps, each call
was counted twice by tool budgets, storms and loops (openai-agents with an MCP server over stdio, real33). The
server's file read in an earlier ingest call than the agent's is folded too, when the agent's comes (real34).
"""

from __future__ import annotations

import duckdb

from ..store._connection import sql_statements
from ._stage_checks import check_sql


def fold_served_calls(con: duckdb.DuckDBPyConnection) -> tuple[list[str], int]:
    """Read each staged MCP server span of a call the agent side traced too as a step of that call, and find the
    stored ones whose client span is staged now (:func:`fold_stored_served_calls` rewrites them): the report's
    note saying how many, if any, and how many stored ones."""
    # (the MCP spans as stage_facts.sql finds them: _stage_facts leaves this out when there are none)
    servers, clients = con.execute(
        "SELECT coalesce(bool_or(kind = 'tool'), false), coalesce(bool_or(kind IS DISTINCT FROM 'tool'), false) "
        f"FROM ({check_sql('mcp')})"
    ).fetchall()[0]
    n = stored = 0
    if servers:
        try:
            for stmt in sql_statements("mcp_served_calls"):
                con.execute(stmt)
            n = con.execute("SELECT count(*) FROM mcp_served").fetchall()[0][0]
        finally:
            con.execute("DROP TABLE IF EXISTS mcp_served")
    if clients:
        for stmt in sql_statements("mcp_served_stored"):
            con.execute(stmt)
        stored = con.execute("SELECT count(*) FROM mcp_served_stored").fetchall()[0][0]
    n += stored
    notes = (
        [f"{n} MCP server span(s) of a tool call the agent side traced too: read as steps of that call"]
        if n
        else []
    )
    return notes, stored


def fold_stored_served_calls(con: duckdb.DuckDBPyConnection, stored: int) -> None:
    """Inside the merge's transaction: the ``stored`` server spans :func:`fold_served_calls` found, steps of the
    agent's call from now on (``store/sql/mcp_served_fold.sql``)."""
    if stored:
        for stmt in sql_statements("mcp_served_fold"):
            con.execute(stmt)
