"""Tool steps of the calls a trace holds only in its chat messages.

OpenLLMetry's CrewAI instrumentation (with its OpenAI one) traces the crew, its tasks, its agents and their model
calls, and no tool: a call is the model's request in one chat span's output messages
(``gen_ai.completion.N.tool_calls``) and its result a ``tool`` message in the next one's input. Such a run had no
tool step: a failed or lying tool could not be blamed, the detectors saw no backend record. Here each call a
staged model step asked for (one per call id) becomes a tool step: beside the model step (its parent's child),
its agent the caller's, its input the arguments, its output the result the following model call was handed, from
the end of the asking call to the start of that one (a call never handed back may never have run: not staged).
Only in a run with no tool or hand-off span at all: where the
instrumentation traces calls, a call with no span of its own was traced as something else (an OpenAI Agents
hand-off's ``transfer_to_writer`` is its handoff span, a CrewAI delegation the coworker's agent span), and
staged again it would be counted twice. Nor in a run whose root is neither staged nor stored (part of a trace
split over ingest calls, whose tool spans may come in a later one; its calls are then not staged at all). The step
names the model step it was read from in its attributes
(``workbench.tool_call_from``).

Also here: CrewAI's own tracing's ``tool failure`` row beside a failed call's span, which is no second error.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from ..store._connection import sql_sections
from ._call_shapes import MARKERS, RESULT_MARKERS, tool_calls, tool_results
from ._json_text import json_or_text
from ._stage_checks import check_sql

FROM_KEY = "workbench.tool_call_from"
# What CrewAI hands its model for a tool that raised (agent_executor.py, agent_utils.py: f"Error executing tool:
# {e}"): the only sign, in its messages, that the call failed.
_RAISED = ("Error executing tool: ",)
_COLUMNS = ("file", "line", "run_id", "step_id", "parent_id", "agent", "is_agent", "kind", "name", "tool",
            "start_ns", "end_ns", "latency_ms", "status", "error", "input", "output", "attributes", "order_hint",
            "source")


def _sql() -> dict[str, list[str]]:
    return dict(sql_sections("message_tools", "workbench.store"))


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _result_text(value: Any) -> Any:
    """A result as its text: a list of text blocks (Anthropic's, the GenAI conventions') as their text."""
    if isinstance(value, list) and value and all(isinstance(b, dict) and isinstance(b.get("text"), str) for b in value):
        return "\n".join(b["text"] for b in value)
    return value


def _asked(con: duckdb.DuckDBPyConnection) -> tuple[dict[tuple[str, str], tuple], bool, set[str]]:
    """Each call id asked for by a staged model step (or a stored one of a run this call continues), with the
    first model step (by start) that asked; whether CrewAI failure rows are staged; and the runs of those steps
    whose root is not staged."""
    calls: dict[tuple[str, str], tuple] = {}
    markers = "|".join(MARKERS)
    rows = con.execute(check_sql("message_tools"), {"markers": markers}).fetchall()
    failure_rows = any(r[0] is None for r in rows)
    continued = [r for r in rows if r[0] is not None and r[1] is None]
    rows = [r for r in rows if r[0] is not None and r[1] is not None]
    if continued:
        rows += con.execute(_sql()["stored_asked"][0], {
            "runs": [r[0] for r in continued], "rooted": [r[0] for r in continued if r[11]],
            "markers": markers}).fetchall()
    # (a step both staged and stored, the same file given again, is read as staged: its calls are staged again
    # as the repeats they are, as before the store was read)
    fresh = {(r[0], r[1]) for r in rows if r[12]}
    rows = [r for r in rows if r[12] or (r[0], r[1]) not in fresh]
    rootless = {r[0] for r in rows if not r[11]}
    for row in sorted(rows, key=lambda r: (r[4] is None, r[4] or 0, r[1])):
        run_id, output = row[0], row[6]
        for call_id, name, args in tool_calls(json_or_text(output)):
            if not isinstance(call_id, str) or not call_id or not isinstance(name, str) or not name:
                continue  # (a call with no id cannot be told from another, nor matched to its result)
            calls.setdefault((run_id, call_id), (row, name, args))
    return calls, failure_rows, rootless


def _answers(con: duckdb.DuckDBPyConnection, runs: list[str]) -> dict[tuple[str, str], tuple[int | None, Any, bool]]:
    """The result of each call id handed back to a staged model step: ``(start of the first model step handed
    it, result, failed)``."""
    found: dict[tuple[str, str], tuple[int | None, Any, bool]] = {}
    rows = con.execute(_sql()["answered"][0], {"runs": runs, "result_markers": "|".join(RESULT_MARKERS)}).fetchall()
    # (a step both staged and stored, the same file given again, is the same step: the first by start wins)
    for run_id, _, start, inp in sorted(rows, key=lambda r: (r[2] is None, r[2] or 0, r[1])):
        for call_id, result, failed in tool_results(json_or_text(inp)):
            if isinstance(call_id, str) and (run_id, call_id) not in found:
                result = _result_text(result)
                failed = failed or (isinstance(result, str) and result.startswith(_RAISED))
                found[run_id, call_id] = (start, result, failed)
    return found


def _stored_derived(con: duckdb.DuckDBPyConnection, runs: list[str]) -> set[tuple[str, str]]:
    """The tool steps the store holds of ``runs`` that an earlier call read out of messages."""
    return {(r, s) for r, s in con.execute(_sql()["stored_derived"][0], {"runs": runs}).fetchall()}


def stage_message_tools(con: duckdb.DuckDBPyConnection) -> tuple[int, list[str]]:
    """Stage a tool step for each call asked for in a staged model step's messages that no span traced (see
    the module), and read CrewAI's tool failure rows as no second error: how many steps were staged (records
    read out of the messages) and the report's notes."""
    notes: list[str] = []
    calls, failure_rows, rootless = _asked(con)
    if failure_rows:
        con.execute(_sql()["failure_rows"][0])
    if not calls:
        return 0, notes
    runs = sorted({run for run, _ in calls})
    answers = _answers(con, runs)
    traced = {run for run, in con.execute(_sql()["traced"][0],
                                          {"runs": runs, "rootless": sorted(rootless & set(runs))}).fetchall()}
    staged = []
    stored = _stored_derived(con, runs) if any(not row[12] for row, _, _ in calls.values()) else set()
    for (run_id, call_id), (row, name, args) in calls.items():
        _, step_id, parent_id, agent, start, end, _, file, line, source, order_hint, _, fresh = row
        if run_id in traced or (not fresh and (run_id, f"{step_id}/{call_id}") in stored):
            continue  # (a call read out of a stored model step by an earlier call is not read again)
        if (run_id, call_id) not in answers:
            # (a call whose result no later model call was handed may never have run: a run cut off after the
            # model asked, whose last step was that request, would have ended in a tool step that never was)
            continue
        answer_start, result, failed = answers[run_id, call_id]
        lo = end if end is not None else start
        hi = answer_start if answer_start is not None and lo is not None and answer_start >= lo else None
        staged.append({
            "file": file, "line": line, "run_id": run_id, "step_id": f"{step_id}/{call_id}", "parent_id": parent_id,
            "agent": agent, "is_agent": False, "kind": "tool", "name": name, "tool": name,
            "start_ns": lo, "end_ns": hi,
            # (from the times as stored, in microseconds: a stored model step, read by a later call, keeps no
            # nanoseconds, and the call must read as it reads in one call)
            "latency_ms": None if hi is None else (hi // 1000 - lo // 1000) / 1000,
            "status": "error" if failed else "ok", "error": _text(result) if failed else None,
            "input": _text(json_or_text(args) if isinstance(args, str) else args), "output": _text(result),
            "attributes": json.dumps({FROM_KEY: step_id, "gen_ai.tool.call.id": call_id}),
            "order_hint": order_hint, "source": source})
    if not staged:
        return 0, notes
    ((inserted,),) = con.execute(_sql()["insert"][0], {c: [s[c] for s in staged] for c in _COLUMNS}).fetchall()
    if inserted:
        notes.append(f"{inserted} tool call(s) found only in the model calls' messages (no span traced them): "
                     "staged as tool steps")
    if inserted < len(staged):
        notes.append(f"{len(staged) - inserted} tool call(s) found only in the model calls' messages not staged: "
                     "a logged step of the run has the id '<asking step>/<call id>' the call's step would have")
    return inserted, notes
