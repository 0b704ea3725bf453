"""Steps that act for the agent of the step before them, found once a call's steps are staged.

A LlamaIndex AgentWorkflow runs one agent at a time as a sequence of workflow steps under the workflow's
span: ``setup_agent``, ``run_agent_step`` (the LLM calls), ``parse_agent_output`` (each names its agent in
the event it handles, :func:`._llamaindex_workflow.workflow_event_agent`), then ``call_tool`` for each tool the
agent asked for and ``aggregate_tool_results``, whose events (``ToolCall`` / ``ToolCallResult``) name no
agent. The tool call acts for the agent that asked for it: the one named by the last step before it under
the same parent. Read span by span this cannot be known (the spans may come in any order), so the readers
list such steps (``Stage.agent_of_previous``) and this module gives them their agent after staging.

In a run whose spans name no agent at all (DSPy's modules have no names), a step that calls tools itself
runs an agent loop: :func:`loop_agents` names it by the tool that called it (a sub-agent offered as a tool),
else by the class its span is a method of (``ReAct.forward``: ``ReAct``), so that an outer and an inner
loop's moves are not read as one nameless actor's repeats (both ReActs' ``finish`` looked like a loop).
A pipeline's components (Haystack's ``Agent.run`` spans under ``Pipeline.run``, which name no component) are
named by the pipeline's own input and output, which map each component's name to its data: the child whose
output holds what the pipeline's output gives under a name (or whose input holds what its input gives) is
that component. An agent run inside another's, offered to it as a tool, is that tool's (the call whose
arguments hold the text the inner run was given), level by level down the nesting.

A hand-off tool traced without its arguments (``_handoff_tool``) hands the conversation to the agent that
starts next: :func:`handoff_targets` names it once the run's steps are staged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from ..store._connection import sql_statements
from ..store._run_scope import run_scope
from ._stage_checks import holds

# (a pipeline's agents nested as tools deeper than this stay their caller's)
_MAX_TOOL_DEPTH = 32


@contextmanager
def listed_steps(con: duckdb.DuckDBPyConnection, steps: list[tuple[str, str]]) -> Iterator[None]:
    """The readers' list of steps that act for the agent before them (``Stage.agent_of_previous``), as the
    view ``agent_of_previous (run_id, step_id)`` for the statements run inside (:func:`agents_of_previous`)."""
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    pairs = sorted(set(steps))
    con.register(
        "agent_of_previous",
        pa.table(
            {
                "run_id": pa.array([r for r, _ in pairs], pa.string()),
                "step_id": pa.array([s for _, s in pairs], pa.string()),
            }
        ),
    )
    try:
        yield
    finally:
        con.unregister("agent_of_previous")


def agents_of_previous(con: duckdb.DuckDBPyConnection) -> None:
    """Give each listed staged step (:func:`listed_steps`) with no agent the agent of the last step before it
    under its parent."""
    _previous_agents(con, "agent_of_previous")


def stored_agents_of_previous(con: duckdb.DuckDBPyConnection, runs: set[str]) -> None:
    """In the merge's transaction, before staged steps are compared with stored ones: the stored steps of
    ``runs`` that act for the agent before them and were stored before it arrived take that agent (a trace
    split over calls, the later spans first), as the staged ones do (:func:`agents_of_previous`)."""
    if runs:
        with run_scope(con, "_previous_runs", runs):
            stored_previous_agents(con)


def stored_previous_agents(con: duckdb.DuckDBPyConnection) -> None:
    """:func:`stored_agents_of_previous` over the runs of the temp table ``_previous_runs`` (an export's merge
    fills it with the runs it gave steps to: store/_export_rules.py)."""
    _previous_agents(con, "stored_agent_of_previous")


def _previous_agents(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """``<name>.sql``'s first statement lists the steps wanting an agent (``previous_wanted``), the shared
    ``previous_agent.sql`` finds each one's agent and ``<name>.sql``'s second statement writes it: one
    definition of "the step before" for staged and stored steps."""
    wanted, update = sql_statements(name)
    try:
        con.execute(wanted)
        for stmt in sql_statements("previous_agent"):
            con.execute(stmt)
        con.execute(update)
    finally:
        con.execute("DROP TABLE IF EXISTS previous_agent")
        con.execute("DROP TABLE IF EXISTS previous_wanted")


def loop_agents(con: duckdb.DuckDBPyConnection, steps: str = "stage_steps") -> None:
    """Name the agent loops and pipeline components of the staged runs that name no agent (see the module's
    docstring). ``steps``: the table of steps named, ``stage_steps`` or the stored runs' ``loop_steps`` (a trace
    read in two calls, named again whole: store/_stored_rules.py), with stage_steps' columns.

    Left out when every staged run has a step with an agent (the usual case): both statements name the steps
    of such runs only, and cost more to plan than to run on a small call."""
    if steps == "stage_steps" and not holds(con, "nameless"):
        return
    for stmt in [*_on(steps, "loop_agents"), *_on(steps, "component_agents")]:
        con.execute(stmt)
    try:
        # one nesting level a round (an agent offered as a tool inside one offered as a tool ...); bounded: a
        # round names only runs under the last round's, so it ends when the nesting does
        for _ in range(_MAX_TOOL_DEPTH):
            if not con.execute("SELECT EXISTS (SELECT 1 FROM named_runs)").fetchall()[0][0]:
                break
            for stmt in _on(steps, "tool_agents"):
                con.execute(stmt)
    finally:
        con.execute("DROP TABLE IF EXISTS named_runs")


def _on(steps: str, name: str) -> list[str]:
    """``<name>.sql``'s statements on the table ``steps`` (a name of this package's, never a log's)."""
    if steps not in ("stage_steps", "loop_steps"):
        raise ValueError(f"the naming rules run on stage_steps or loop_steps, not {steps!r}")
    return [stmt.replace("stage_steps", steps) for stmt in sql_statements(name)]


def handoff_targets(con: duckdb.DuckDBPyConnection) -> bool:
    """Name the agent each staged hand-off naming none handed the conversation to: the next other agent to
    start in its run (``handoff_targets.sql``). Left out when no staged hand-off lacks one (the usual case).
    Whether it ran: ``staged_handoffs`` holds the rows it named, which the merge keeps (``_stored_rules``)."""
    if not holds(con, "handoff"):
        return False
    for stmt in sql_statements("handoff_targets"):
        con.execute(stmt)
    return True


def node_agents(
    con: duckdb.DuckDBPyConnection, steps: list[tuple[str, str, str, str]], flagged: bool = False
) -> bool:
    """Give each staged ``(run_id, step_id, parent_id, agent)`` model call with no agent that agent when its parent
    is neither staged nor stored (``node_agents.sql``): the readers' model calls exported without their LangGraph
    node's span (``Stage.node_agents``: their metadata names it). ``flagged`` (``Stage.node_calls``): a reader
    staged such calls without listing them; the stage's own orphan model calls are read for their metadata
    (:func:`_orphan_node_calls`). Whether any was named (the merge then keeps them, ``staged_node_agents``, in
    rule_agents)."""
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    if flagged:
        steps = list(dict.fromkeys([*steps, *_orphan_node_calls(con)]))
    columns = {
        name: pa.array([row[i] for row in steps], pa.string())
        for i, name in enumerate(("run_id", "step_id", "parent_id", "agent"))
    }
    con.register("node_agents", pa.table(columns))
    try:
        for stmt in sql_statements("node_agents"):
            con.execute(stmt)
    finally:
        con.unregister("node_agents")
    return bool(con.execute("SELECT EXISTS (SELECT 1 FROM staged_node_agents)").fetchall()[0][0])


def _orphan_node_calls(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    """``(run_id, step_id, parent_id, agent)`` of the staged model calls with no agent and no parent at hand whose
    attributes' LangGraph metadata names an agent (``staged_node_calls.sql``; :func:`._langgraph_shape.node_agent`,
    read from the staged attributes as the stored-run rule reads the stored ones)."""
    from ._langgraph_shape import stored_node_agent

    out = []
    for run, step, parent, text in con.execute(*sql_statements("staged_node_calls")).fetchall():
        agent = stored_node_agent(text)
        if agent is not None:
            out.append((run, step, parent, agent))
    return out
