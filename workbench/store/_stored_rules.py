"""The ingest's staging-only rules again over the stored steps, where a call met runs the store held before.

Some rules decide a step by the other steps of its run once a call's steps are staged. A trace read in two calls
(two files of one day, in either order) had each rule applied to each call's part only, and the store differed
from one call of both (store43's sweep: 11 splits). Run in the merge's transaction, after the call's steps are
stored and before the runs are refreshed, over ``affected_steps`` (finalize.sql: the touched runs' steps), and only
when the call touched a run the store held (``old_runs``): a call of new runs pays nothing.

- a hand-off that names no agent: the next other agent to start in its run (``stored_handoff_targets.sql``, the
  stored side of ``handoff_targets.sql``), named again when the rule named it (``rule_handoffs``, which the merge
  fills as it stores them, ``handoffs``): the agent starting first after it may come in a later call;
- a tool step an earlier call read out of a model call's messages, in a run whose own spans (come since) trace a
  tool or a hand-off: removed, as one call of both never makes it (``stored_derived_traced.sql``; an MCP quote
  desk's hand-off span read after the model call that asked for it). Such steps are told by ``derived_tools``, which
  the merge fills as it stores them (``derived``), not by the marker in their attributes, which a log may hold;
- the naming of runs whose spans name no agent (``_step_agents.loop_agents``: an agent loop by the tool that
  called it or its class, a Haystack pipeline's components by the pipeline's input and output, an agent offered
  as a tool by the call that ran it), again over the whole stored run (``stored_loop_agents.sql``). Which stored
  agents these rules gave (not the log) is kept in ``rule_agents`` as steps are stored, so that a run a later call
  shows to name an agent loses them, as one call of all its spans never gives them; the runs whose agents change
  are walked again (agents inherited down the tree, ``_tree_walk``). A call of new runs only keeps rule_agents
  (when its staging named any: :func:`keep_unnamed`). A model call its reader named by its LangGraph metadata (its
  node's span neither staged nor stored: ``node_agents.sql``) is kept there too: the stored run's rules name it so
  again only while its parent is still missing (``_stored_node_agents``), so the call whose node's span comes later
  takes the node's agent down the tree, as one call of both gives it;
- a tool step whose input is its one argument's text, given the arguments the model step asking for it used
  (``_tool_text_input``), when the two were read in two calls (LangChain.js through OpenInference).

An export merged into the store meets the same split (one store read a trace's first file, the other its second):
:func:`export_stored_rules` runs the rules over the runs whose steps came from both sides (``export_rule_runs``),
the naming too when the export holds its store's rule_agents (an export written before it carried them: not, as
its store's rule names would be read as its logs', ``_export_kept``).
"""

from __future__ import annotations

import duckdb

from ..ingest._call_shapes import MARKERS
from ._connection import sql_sections, sql_statements


def stored_rules(
    con: duckdb.DuckDBPyConnection,
    old_runs: int,
    unnamed: bool = False,
    tool_text: bool = False,
    llm_held: bool = False,
    names: bool = True,
    derived: bool = False,
    handoffs: bool = False,
    node_named: bool = False,
    pick_unnamed: bool = False,
) -> list[str]:
    """The stored side of the staging-only rules (see the module), when ``old_runs`` (the merge's count of touched
    runs the store held before) says the call met one; the report's notes. ``unnamed``: the call's staging ran
    the naming rules of runs that name no agent (:func:`keep_unnamed`): the steps they named are kept.
    ``tool_text``: the call staged a tool step whose input may be its argument's text; ``llm_held``: a model step
    of a run the store held (the stage's facts). ``names``: whether the naming rules run (not in an export's
    merge). ``derived``: the call staged tool steps read out of messages (``staged_derived``): they are kept in
    derived_tools. ``handoffs``: the call's staging named hand-offs (``staged_handoffs``): they are kept in
    rule_handoffs. ``node_named``: the call's readers named model calls by their LangGraph metadata
    (``staged_node_agents``): they are kept in rule_agents. ``pick_unnamed``: the naming rules pick the runs whose
    steps name no agent but by the rules, as when ``unnamed`` (an export's merge: its steps were not staged, so
    ``unnamed`` cannot say)."""
    sections = dict(sql_sections("stored_loop_agents"))
    if unnamed:
        (keep,) = sections["keep"]
        con.execute(keep)
    if node_named:
        (keep,) = sections["node_keep"]
        con.execute(keep)
    if derived:
        (keep,) = sections["derived"]
        con.execute(keep)
    if handoffs:
        (keep,) = sections["handoffs"]
        con.execute(keep)
    if not old_runs:
        return []
    made_up, *removal = sql_statements("stored_derived_traced")
    con.execute(made_up)
    # (and whether a touched run has steps the naming rules named, or a hand-off, and whether the tool text rule
    # may have work: a new tool step whose input is text, or a new model step that may ask for a tool, in a held
    # run: one statement for all, the last reading this call's new steps only)
    ask = tool_text or llm_held
    ((gone, named, handed, asks),) = con.execute(
        _GONE_NAMED_ASKS[ask], {"markers": "|".join(MARKERS)} if ask else None
    ).fetchall()
    notes = []
    if gone:
        for stmt in removal:  # (their edges, the steps, their derived_tools rows)
            con.execute(stmt)
        notes.append(
            f"{gone} tool step(s) an earlier call read out of model calls' messages removed: their runs' own "
            "spans now trace their tools (one call of both reads none out of the messages)"
        )
    if names and (named or unnamed or pick_unnamed):
        con.execute(sections["shape"][0])
        _name_stored_loops(con, sections, unnamed or pick_unnamed)
    # (after the naming: a hand-off's agent is its own or its parent's, named or not by the rules)
    if handed:
        for stmt in sql_statements("stored_handoff_targets"):
            con.execute(stmt)
    if asks:
        notes += _stored_tool_arguments(con, sections)
    return notes


def _stored_tool_arguments(con: duckdb.DuckDBPyConnection, sections: dict[str, list[str]]) -> list[str]:
    """_tool_text_input.py's rule over the touched stored runs with a tool step whose input is text (``text_runs``:
    a tool step stored before the model step that asked for it came, or the other way round); the report's note."""
    from ..ingest._tool_text_input import restore_tool_arguments

    (runs,) = sections["text_runs"]
    if not con.execute(runs).fetchall()[0][0]:  # (the runs made: none, nothing to do)
        return []
    con.execute(sections["shape"][0])
    (steps,) = sections["text_steps"]
    con.execute(steps)
    found = restore_tool_arguments(con, "loop_steps")
    for stmt in sections["text_apply"]:
        con.execute(stmt)
    return found


_GONE_NAMED = (
    "SELECT (SELECT count(*) FROM untraced_derived), "
    "EXISTS (SELECT 1 FROM rule_agents r SEMI JOIN affected a ON a.run_id = r.run_id), "
    "EXISTS (SELECT 1 FROM affected_steps WHERE kind = 'handoff'), "
)
_GONE_NAMED_ASKS = {
    False: _GONE_NAMED + "false",
    # (the new steps of held runs: the merge's stage_new, read through stage_n; $markers: _call_shapes.MARKERS, as
    # tool_text_input.sql's model steps that asked for tools; the tool steps as stage_facts.sql's tool_text)
    True: _GONE_NAMED + "EXISTS (SELECT 1 FROM stage_new n JOIN stage_n s ON s.rid = n.rid "
    "SEMI JOIN runs r ON r.run_id = n.run_id "
    "WHERE (s.kind = 'llm' AND (regexp_matches(s.output, $markers) OR regexp_matches(s.attributes, $markers))) "
    "OR (s.kind = 'tool' AND s.input IS NOT NULL AND coalesce(CASE WHEN json_valid(s.input) "
    "THEN json_type(s.input::JSON) END, '') NOT IN ('OBJECT', 'ARRAY')))",
}


def keep_unnamed(con: duckdb.DuckDBPyConnection) -> bool:
    """Before the staging's naming rules (``_step_agents.loop_agents``): the staged runs that name no agent, whose
    steps the rules name (``staged_unnamed``; the merge keeps those steps in rule_agents, :func:`stored_rules`)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE staged_unnamed AS "
        "SELECT run_id FROM stage_steps WHERE run_id IS NOT NULL GROUP BY run_id HAVING count(agent) = 0"
    )
    return True


def _name_stored_loops(con: duckdb.DuckDBPyConnection, sections: dict[str, list[str]], unnamed: bool) -> None:
    """stored_loop_agents.sql: the naming rules over the whole stored runs it picks, their changed runs walked
    again (agents inherited down the tree, as the merge's walk gives them)."""
    from ..ingest._step_agents import loop_agents
    from ..ingest._tree_walk import walk_tree

    (runs,) = sections["runs"]
    con.execute(runs, {"unnamed": unnamed})
    for stmt in sections["steps"]:
        con.execute(stmt)
    _stored_node_agents(con, sections)
    loop_agents(con, "loop_steps")
    for stmt in sections["apply"]:
        con.execute(stmt)
    if not con.execute("SELECT EXISTS (SELECT 1 FROM loop_changed)").fetchall()[0][0]:
        return
    for stmt in sections["walk"]:
        con.execute(stmt)
    walk_tree(con, ("chunk", "whole"))
    for stmt in dict(sql_sections("finalize_insert"))["stored_runs"]:
        con.execute(stmt)


def _stored_node_agents(con: duckdb.DuckDBPyConnection, sections: dict[str, list[str]]) -> None:
    """The model calls of loop_steps a rule named whose node's span is still not in their run, named again by their
    LangGraph metadata (``_step_agents.node_agents``' rule on the stored run: the section node_steps)."""
    from ..ingest._langgraph_shape import stored_node_agent

    (calls,) = sections["node_steps"]
    named = []
    for run, step, text in con.execute(calls).fetchall():
        agent = stored_node_agent(text)
        if agent is not None:
            named.append((agent, run, step))
    if named:
        con.executemany("UPDATE loop_steps SET agent = ? WHERE stored_run = ? AND step_id = ?", named)


def export_stored_rules(con: duckdb.DuckDBPyConnection, names: bool = False) -> list[str]:
    """The rules (see the module) in an export's merge, over the runs whose steps came from both sides
    (export_rules.sql's ``export_rule_runs``): a run only one side held went through them in the store that held
    it, and the stored rule, on microseconds, may judge a tie otherwise than the staged one did. ``names``: the
    export held its rule_agents (merged into the store's), so the naming rules run too. Nothing when the export
    gave no stored run a step (most merges); the report's notes."""
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
    # (and the runs the naming rules pick among, affected: every touched run, refresh_runs.sql's next)
    if names:
        con.execute("CREATE OR REPLACE TEMP TABLE export_affected_all AS SELECT * FROM affected")
        con.execute("DELETE FROM affected WHERE run_id NOT IN (SELECT run_id FROM export_rule_runs)")
    try:
        # (the naming rules of runs that name no agent only when the export held its rule_agents: else the names
        # the rules gave in its store would be taken for its logs' and a stored run's names undone)
        return stored_rules(con, 1, names=names, pick_unnamed=names)
    finally:
        con.execute("DROP VIEW temp.main.affected_steps")
        con.execute(kept)  # (duckdb_views()' text of a temp view: CREATE TEMP VIEW ...)
        if names:
            con.execute("DELETE FROM affected")
            con.execute("INSERT INTO affected SELECT * FROM export_affected_all")
