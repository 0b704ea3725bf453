"""A tool call an MCP server traced as well, read as one call: the server's span of it is a step of the agent's
call (``store/sql/mcp_served_calls.sql`` states the rule).

MCP's Python SDK 2.x traces both ends by default, the server's ``tools/call <tool>`` span typed
``execute_tool`` like the agent framework's own span of the call around it: read as two tool steps, each call
was counted twice by tool budgets, storms and loops (openai-agents with an MCP server over stdio, real33).
"""

from __future__ import annotations

import duckdb

from ..store._connection import sql_statements


def fold_served_calls(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Read each staged MCP server span of a call the agent side traced too as a step of that call; the report's
    note saying how many, if any."""
    if not con.execute("SELECT EXISTS (SELECT 1 FROM stage_steps WHERE kind = 'tool' "
                       "AND contains(attributes, 'mcp.method.name'))").fetchall()[0][0]:
        return []
    try:
        for stmt in sql_statements("mcp_served_calls"):
            con.execute(stmt)
        n = con.execute("SELECT count(*) FROM mcp_served").fetchall()[0][0]
    finally:
        con.execute("DROP TABLE IF EXISTS mcp_served")
    return [f"{n} MCP server span(s) of a tool call the agent side traced too: read as steps of that call"] if n else []
