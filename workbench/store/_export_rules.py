"""The ingest's rules that read a step's neighbours, run again where an export merged into the store met it.

Some of the ingest's rules decide a step by the steps around it, once a call's steps are staged, and again
when a later call brings the rest of a run (the store's side of each). A store that read part of a run
applied them to its part only; merged with an export of a store that read the rest, the run stayed as neither
store's logs read together would leave it. In the merge's transaction, after the export's steps are stored and
before their runs are walked again, the rules run over the runs whose steps came from both sides
(``export_rules.sql``):

- a model call's two spans (a framework's and its model client's), one on each side, folded into one step as
  :mod:`workbench.ingest._same_call` folds them (the ingest's own ``same_call_fold.sql`` moves what pointed
  at the child's span to the parent);
- an MCP server's span of a tool call whose agent side the other store held: a step of that call
  (:mod:`workbench.ingest._mcp_served`);
- a tool call said only in a model call's messages, asked on one side and handed back on the other (or its
  run's root there): a tool step (:mod:`workbench.ingest._message_tools`, the export's steps staged again);
- a step acting for the agent of the step before it, that step on the other side: given its agent
  (:mod:`workbench.ingest._step_agents`, the stored steps' statement).
"""

from __future__ import annotations

import duckdb

from ..ingest._haystack_spans import stored_haystack_runs
from ..ingest._message_tools import stage_message_tools
from ..ingest._step_agents import stored_previous_agents
from ._connection import sql_sections, sql_statements


def given_again(con: duckdb.DuckDBPyConnection) -> None:
    """In merge_export.sql, once the export's steps are compared with the stored ones: a stored step these rules
    changed, given again by the export as its store held it, is no conflict (export_rules.sql's given_again).
    Nothing when no step differs (most merges)."""
    if con.execute("SELECT EXISTS (SELECT 1 FROM export_vs_stored)").fetchall()[0][0]:
        for stmt in dict(sql_sections("export_rules"))["given_again"]:
            con.execute(stmt)


def run_export_rules(con: duckdb.DuckDBPyConnection) -> None:
    """Run the rules (see the module) over the runs the export just merged gave steps to. Nothing when it gave
    no stored run a step (most merges: new runs only)."""
    sections = dict(sql_sections("export_rules"))
    for stmt in sections["runs"]:
        con.execute(stmt)
    if not con.execute("SELECT EXISTS (SELECT 1 FROM export_rule_runs)").fetchall()[0][0]:
        return
    for stmt in sections["same_call"]:
        con.execute(stmt)
    if con.execute("SELECT EXISTS (SELECT 1 FROM export_pairs)").fetchall()[0][0]:
        for stmt in [*sql_statements("same_call_fold"), *sections["same_call_up"]]:
            con.execute(stmt)
    for stmt in [*sections["served"], *sections["stage"]]:
        con.execute(stmt)
    if stage_message_tools(con)[0]:
        for stmt in sections["message_tools"]:
            con.execute(stmt)
    for stmt in sections["previous"]:
        con.execute(stmt)
    stored_previous_agents(con)
    stored_haystack_runs(con, "export")  # (an Agent's run and the tool call above it on two sides)
