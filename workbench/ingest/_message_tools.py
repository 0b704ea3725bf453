"""Tool steps of the calls a trace holds only in its chat messages.

OpenLLMetry's CrewAI instrumentation (with its OpenAI one) traces the crew, its tasks, its agents and their model
calls, and no tool: a call is the model's request in one chat span's output messages
(``gen_ai.completion.N.tool_calls``) and its result a ``tool`` message in the next one's input. Such a run had no
tool step: a failed or lying tool could not be blamed, the detectors saw no backend record. Here each call a staged
model step asked for (one per call: an id used again in a later turn, or twice in a message, names another call)
becomes a tool step: beside the model step (its parent's child), its agent the caller's, its input the arguments,
its output the result the following model call was handed, from the end of the asking call to the start of that one
(a call never handed back may never have run: not staged). Only in a run with no tool or hand-off span at all: where
the instrumentation traces calls, a call with no span of its own was traced as something else (an OpenAI Agents
hand-off's ``transfer_to_writer`` is its handoff span, a CrewAI delegation the coworker's agent span), and staged
again it would be counted twice. Nor in a run whose root is neither staged nor stored (part of a trace split over
ingest calls, whose tool spans may come in a later one; its calls are then not staged at all). The step names the
model step it was read from in its attributes (``workbench.tool_call_from``); that the workbench made it up is kept
apart from the log's content (``staged_derived``, then the store's ``derived_tools``), as a log's step may hold that
key too.

Also here: CrewAI's own tracing's ``tool failure`` row beside a failed call's span, which is no second error.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import orjson

from ..store._connection import sql_sections
from ._call_shapes import BY_NAME, MARKERS, RESULT_MARKERS, tool_calls, tool_events, tool_results
from ._json_text import json_or_text
from ._stage_checks import check_sql

FROM_KEY = "workbench.tool_call_from"
# What CrewAI hands its model for a tool that raised (agent_executor.py, agent_utils.py: f"Error executing tool:
# {e}"): the only sign, in its messages, that the call failed.
_RAISED = ("Error executing tool: ",)
_COLUMNS = (
    "file",
    "line",
    "run_id",
    "step_id",
    "parent_id",
    "agent",
    "is_agent",
    "kind",
    "name",
    "tool",
    "start_ns",
    "end_ns",
    "latency_ms",
    "status",
    "error",
    "input",
    "output",
    "attributes",
    "order_hint",
    "source",
)


def _sql() -> dict[str, list[str]]:
    return dict(sql_sections("message_tools", "workbench.store"))


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _result_text(value: Any) -> Any:
    """A result as its text: a list of text blocks (Anthropic's, the GenAI conventions') as their text."""
    if (
        isinstance(value, list)
        and value
        and all(isinstance(b, dict) and isinstance(b.get("text"), str) for b in value)
    ):
        return "\n".join(b["text"] for b in value)
    return value


def _numbered(
    events: list[tuple], asks: bool, before: dict[str, int] | None = None
) -> list[tuple[tuple, tuple]]:
    """The requests (``asks``) or the results among one value's ``events`` (:func:`tool_events`), each with the
    call it is, told apart from another of the same id: ``(call id, turn, place)``. A provider may use an id
    again (``call_0`` in every turn; even twice in one message), so the id alone does not name a call. A call's
    turn is how many results of its id the conversation held before it was asked (a result's: before the results
    of its turn began), its place its order among its turn's requests (or results) of that id: the same in every
    repeat of a history, and the same for a request and the result that answers it. A value that is no history
    (a model's output of its reply alone: no result of the id in it) continues its step's input, whose results
    of each id are ``before``. A request repeated in one turn with the same tool and arguments (LangChain's
    message holds its calls twice: ``tool_calls`` and ``additional_kwargs``) is one call."""
    results: dict[str, int] = {}
    last: dict[str, tuple[bool, int, int, list]] = {}
    # (what the step's input held counts for an id only when this value holds no result of it)
    answered_here = {e[1] for e in events if not e[0]} if before else set()
    out = []
    for event in events:
        is_ask, call_id = event[0], event[1]
        if not isinstance(call_id, str) or not call_id:
            continue  # (a call with no id cannot be told from another, nor matched to its result)
        prev = last.get(call_id)
        if prev is not None and prev[0] == is_ask:
            turn, place, group = prev[1], prev[2] + 1, prev[3]
            if is_ask:
                if len(group) == 1:
                    group.append({_call_key(group[0])})
                key = _call_key(event)
                if key in group[1]:
                    continue
                group[1].add(key)
        else:
            turn, place, group = results.get(call_id, 0), 0, [event]
        last[call_id] = (is_ask, turn, place, group)
        if not is_ask:
            results[call_id] = results.get(call_id, 0) + 1
        if is_ask == asks:
            held = before.get(call_id, 0) if before and call_id not in answered_here else 0
            out.append(((call_id, turn + held, place), event))
    return out


def _call_key(event: tuple) -> str:
    """A request's tool and arguments, written alike whichever way they were (JSON text or a value)."""
    args = json_or_text(event[3]) if isinstance(event[3], str) else event[3]
    return json.dumps([event[2], args], sort_keys=True, default=str)


def _asked(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], bool, set[str]]:
    """The staged model steps that may ask for a tool (or stored ones of a run this call continues), by start,
    each with the requests its output holds; whether CrewAI failure rows are staged; and the runs of those steps
    whose root is not staged."""
    markers = "|".join(MARKERS)
    rows = con.execute(check_sql("message_tools"), {"markers": markers}).fetchall()
    failure_rows = any(r[0] is None for r in rows)
    continued = [r for r in rows if r[0] is not None and r[1] is None]
    rows = [r for r in rows if r[0] is not None and r[1] is not None]
    if continued:
        rows += con.execute(
            _sql()["stored_asked"][0],
            {
                "runs": [r[0] for r in continued],
                "rooted": [r[0] for r in continued if r[11]],
                "markers": markers,
            },
        ).fetchall()
    # (a step both staged and stored, the same file given again, is read as staged: its calls are staged again
    # as the repeats they are, as before the store was read)
    fresh = {(r[0], r[1]) for r in rows if r[12]}
    rows = [r for r in rows if r[12] or (r[0], r[1]) not in fresh]
    rootless = {r[0] for r in rows if not r[11]}
    asking = []
    for row in sorted(rows, key=lambda r: (r[4] is None, r[4] or 0, r[1])):
        output = row[6]
        # (an output holding no result, the model's reply alone as most are, is its requests: one walk, as before)
        events = (
            list(tool_events(json_or_text(output), asking=True))
            if any(m in output for m in RESULT_MARKERS)
            else [(True, *c) for c in tool_calls(json_or_text(output))]
        )
        if any(e[0] and isinstance(e[1], str) and e[1] and isinstance(e[2], str) and e[2] for e in events):
            asking.append((row, events))
    return asking, failure_rows, rootless


def _answers(
    con: duckdb.DuckDBPyConnection,
    runs: list[str],
    asking: dict[tuple[str, str], set[str]],
    again: set[tuple[str, str]],
) -> tuple[list[tuple], dict[tuple[str, str], dict[str, int]]]:
    """The model steps of ``runs`` handed tools' results, by start: ``(run, step, start, agent, results, asks)``, each
    result ``(call id, result, failed)`` in the order of the messages, and, in a run that may ask an id more than
    once (``again``: (run, id)), the request each result answers (:func:`_answered_asks`), else None; and, of each model step of ``asking`` handed results, how many of each id it asks for (``asking``: the
    ids) its input holds."""
    handed: list[tuple] = []
    held: dict[tuple[str, str], dict[str, int]] = {}
    written: dict[tuple, str] = {}
    done: set[tuple[str, str]] = set()
    again_runs = {run_id for run_id, _ in again}
    first: set[tuple[str, str]] = set()
    rows = con.execute(
        _sql()["answered"][0], {"runs": runs, "result_markers": "|".join(RESULT_MARKERS)}
    ).fetchall()
    # (a step both staged and stored, the same file given again, is the same step: the first by start wins)
    for run_id, step_id, start, agent, inp in sorted(rows, key=lambda r: (r[2] is None, r[2] or 0, r[1])):
        if (run_id, step_id) in done:
            continue
        done.add((run_id, step_id))
        value = json_or_text(inp)
        # (read now: the parsed inputs, whole histories each, are not all held at once)
        results, asks = (
            _answered_asks(value, written)
            if run_id in again_runs
            else ([r for r in tool_results(value) if isinstance(r[0], str) and r[0]], None)
        )
        asked = asking.get((run_id, step_id))
        if asked:
            counts = held[run_id, step_id] = {}
            for r in results:
                if r[0] in asked:
                    counts[r[0]] = counts.get(r[0], 0) + 1
        if asks is None:
            # (an id the run asks once takes the first result handed back (:func:`_match`): a history hands it
            # again in every later step, kept it made the matching quadratic in the turns)
            # (a call by name only takes a result of its own agent's conversation: not the first of any)
            results = [r for r in results if (run_id, r[0]) not in first or r[0].startswith(BY_NAME)]
            first.update((run_id, r[0]) for r in results)
        if results:
            handed.append((run_id, step_id, start, agent, results, asks))
    return handed, held


def _answered_asks(value: Any, written: dict[tuple, str]) -> tuple[list[tuple], list[str | None]]:
    """The results in ``value`` with an id (``(call id, result, failed)``, in order) and of each the request it
    answers as :func:`_call_key` writes it, or None when ``value`` holds no request of its id before it (an input
    of results only, as the Responses API's ``previous_response_id`` sends). A turn's results answer its last
    requests of their id, in order: an earlier request not answered before a later one of the same id was left
    behind (a run cut off, a user who asked again), as a conversation holding both shows. ``written``: the
    requests given as text already written by :func:`_call_key` (a history repeats its requests in every later
    model call's input: each is written once)."""
    turns: dict[str, list] = {}  # id -> its current turn: [its requests (in order, each once), its results]
    every: list[list] = []
    results: list[tuple] = []
    out: list[str | None] = []
    for event in tool_events(value):
        call_id = event[1]
        if not isinstance(call_id, str) or not call_id:
            continue
        turn = turns.get(call_id)
        if turn is None or (event[0] and turn[1]):
            turn = turns[call_id] = [{}, []]
            every.append(turn)
        if event[0]:
            seen = _written_as(event)
            key = written.get(seen) if seen is not None else None
            if key is None:
                key = _call_key(event)
                if seen is not None:
                    written[seen] = key
            turn[0].setdefault(
                key
            )  # (in order, each once: LangChain's message holds its calls twice, one call)
        else:
            turn[1].append(len(out))
            out.append(None)
            results.append(event[1:])
    for asks, handed in every:
        asks = list(asks)
        for k, i in enumerate(handed):
            if (at := len(asks) - len(handed) + k) >= 0:
                out[i] = asks[at]
    return results, out


def _written_as(event: tuple) -> tuple | None:
    """A request's tool and arguments as a key of the requests already written by :func:`_call_key`: the text as
    given, or a value's compact JSON (Gemini's ``args`` are objects: written again in every later turn's input,
    a 400-turn history took 80,000 ``json.dumps``), or None when the value has none."""
    if not isinstance(event[2], str):
        return None
    if isinstance(event[3], str):
        return event[2:]
    try:
        return event[2], orjson.dumps(event[3], option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return None


def _match(handed: list[tuple], calls: dict[tuple, tuple]) -> dict[tuple, tuple[int | None, Any, bool]]:
    """The result of each call (``calls``' keys, in order of asking) handed back to a model step: ``(start of the
    first model step handed it, result, failed)``. A call whose id the run asks once takes the first result of its
    id a model step was handed. The results of an id the run asks more than once answer the calls of that id
    asked by other model steps begun no later (the clock permitting: a skewed clock, any other step) and of the
    same agent (where it asked any), the last
    results the last calls: a repeated history's earlier results answer the earlier calls, an input of the latest
    results only (no history) the latest calls; and a result answers a call of the request its conversation shows
    it answers, where it shows one."""
    of_id: dict[tuple, list[tuple]] = {}
    for key, (row, _, _) in calls.items():
        of_id.setdefault(key[:2], []).append((row[1], row[4], key, row[3]))
    of_ask: dict[tuple, list[tuple]] = {}
    ask_of: dict[tuple, str] = {}
    for (run_id, call_id), asked in of_id.items():
        if len(asked) > 1:
            for c in asked:
                ask_of[c[2]] = _call_key((True, call_id, *calls[c[2]][1:]))
                of_ask.setdefault((run_id, call_id, ask_of[c[2]]), []).append(c)
    found: dict[tuple, tuple[int | None, Any, bool]] = {}

    def answer(key: tuple, start: int | None, result: Any, failed: bool) -> None:
        if key not in found:
            result = _result_text(result)
            failed = failed or (isinstance(result, str) and result.startswith(_RAISED))
            found[key] = (start, result, failed)

    owned: dict[tuple, list[tuple]] = {}

    def agents_own(asked: list[tuple], key: tuple, agent: str | None) -> list[tuple]:
        """The calls of ``asked`` (``key`` names the list) an ``agent`` may have made (either unknown: any)."""
        mine = owned.get((*key, agent))
        if mine is None:  # (once a list: a history hands every earlier result again to each later step)
            mine = owned[(*key, agent)] = [c for c in asked if c[3] == agent or c[3] is None or agent is None]
        return mine

    for run_id, step_id, start, agent, results, asks in handed:
        groups: dict[tuple, list[tuple]] = {}
        for (call_id, result, failed), ask in zip(results, asks or [None] * len(results), strict=True):
            asked = of_id.get((run_id, call_id))
            if asked is None:
                continue
            if call_id.startswith(BY_NAME):
                # (a tool's name is no call's id: another agent's call of the same tool is in another conversation)
                asked = agents_own(asked, (run_id, call_id), agent)
                if not asked:
                    continue
            if len(asked) == 1:
                if asked[0][2] not in found:  # (a history hands the same result again in every later step)
                    answer(asked[0][2], start, result, failed)
            else:
                groups.setdefault((call_id, ask), []).append((result, failed))
        for (call_id, ask), given in groups.items():
            asked = of_ask.get((run_id, call_id, ask)) or of_id[run_id, call_id]
            if call_id.startswith(BY_NAME):
                asked = agents_own(asked, (run_id, call_id, ask), agent)
            if ask is None and asks:
                # (a result no request of its id comes before, in a history trimmed to its results or cut after
                # them, answers no call the same conversation shows asked after it)
                later = set(asks)
                asked = [c for c in asked if ask_of.get(c[2]) not in later] or asked
            if all(c[2] in found for c in asked):
                continue
            others = [c for c in asked if c[0] != step_id]
            before = [c for c in others if c[1] is None or start is None or c[1] <= start] or others
            # (a conversation is its agent's: another agent asking the same id is in another one)
            before = [c for c in before if c[3] == agent] or before
            for (_, _, key, _), (result, failed) in zip(reversed(before), reversed(given), strict=False):
                answer(key, start, result, failed)
    return found


def _stored_derived(con: duckdb.DuckDBPyConnection, runs: list[str]) -> set[tuple[str, str]]:
    """The tool steps the store holds of ``runs`` that an earlier call read out of messages."""
    return {(r, s) for r, s in con.execute(_sql()["stored_derived"][0], {"runs": runs}).fetchall()}


def stage_message_tools(con: duckdb.DuckDBPyConnection) -> tuple[int, list[str]]:
    """Stage a tool step for each call asked for in a staged model step's messages that no span traced (see
    the module), and read CrewAI's tool failure rows as no second error: how many steps were staged (records
    read out of the messages) and the report's notes."""
    notes: list[str] = []
    asking, failure_rows, rootless = _asked(con)
    if failure_rows:
        con.execute(_sql()["failure_rows"][0])
    if not asking:
        return 0, notes
    runs = sorted({row[0] for row, _ in asking})
    # (the ids a run may ask more than once: their results are told apart by the requests they answer)
    seen: set[tuple[str, str]] = set()
    again: set[tuple[str, str]] = set()
    for row, events in asking:
        for e in events:
            if e[0]:
                (again if (row[0], e[1]) in seen else seen).add((row[0], e[1]))
    handed, held = _answers(
        con, runs, {(row[0], row[1]): {e[1] for e in events if e[0]} for row, events in asking}, again
    )
    calls: dict[tuple, tuple] = {}
    asked: dict[tuple, list[tuple]] = {}
    for row, events in asking:
        for (call_id, turn, place), event in _numbered(events, True, held.get((row[0], row[1]), {})):
            name, args = event[2], event[3]
            if not isinstance(name, str) or not name:
                continue
            key = (row[0], call_id, turn, place)
            if key not in calls:
                calls[key] = (row, name, args)
                continue
            # (a repeat of a history names the same call; another request under the same name is another call:
            # a request never answered, then the same id asked again in a conversation that does not hold it; or
            # the same request of another agent, whose conversation is its own)
            seen = asked.setdefault(key, [(_call_key((True, call_id, *calls[key][1:])), calls[key][0][3])])
            if (this := (_call_key(event), row[3])) not in seen:
                calls[(*key, len(seen))] = (row, name, args)
                seen.append(this)
    answers = _match(handed, calls)
    traced = {
        run
        for (run,) in con.execute(
            _sql()["traced"][0], {"runs": runs, "rootless": sorted(rootless & set(runs))}
        ).fetchall()
    }
    staged = []
    named: set[tuple[str, str]] = set()
    numbered: dict[tuple[str, str], int] = {}
    stored = _stored_derived(con, runs) if any(not row[12] for row, _, _ in calls.values()) else set()
    for key, (row, name, args) in calls.items():
        run_id, call_id = key[:2]
        _, step_id, parent_id, agent, start, end, _, file, line, source, order_hint, _, fresh = row
        # (the step id names the asking step and the call, or the tool where the call has no id; a step asking one
        # id twice numbers the second)
        named_by = call_id[len(BY_NAME) :] if call_id.startswith(BY_NAME) else None
        new_id = first = f"{step_id}/{call_id if named_by is None else named_by}"
        while (run_id, new_id) in named:
            numbered[run_id, first] = numbered.get((run_id, first), 1) + 1
            new_id = f"{first}#{numbered[run_id, first]}"
        named.add((run_id, new_id))
        if run_id in traced or (not fresh and (run_id, new_id) in stored):
            continue  # (a call read out of a stored model step by an earlier call is not read again)
        if key not in answers:
            # (a call whose result no later model call was handed may never have run: a run cut off after the
            # model asked, whose last step was that request, would have ended in a tool step that never was)
            continue
        answer_start, result, failed = answers[key]
        lo = end if end is not None else start
        hi = answer_start if answer_start is not None and lo is not None and answer_start >= lo else None
        staged.append(
            {
                "file": file,
                "line": line,
                "run_id": run_id,
                "step_id": new_id,
                "parent_id": parent_id,
                "agent": agent,
                "is_agent": False,
                "kind": "tool",
                "name": name,
                "tool": name,
                "start_ns": lo,
                "end_ns": hi,
                # (from the times as stored, in microseconds: a stored model step, read by a later call, keeps no
                # nanoseconds, and the call must read as it reads in one call)
                "latency_ms": None if hi is None else (hi // 1000 - lo // 1000) / 1000,
                "status": "error" if failed else "ok",
                "error": _text(result) if failed else None,
                "input": _text(json_or_text(args) if isinstance(args, str) else args),
                "output": _text(result),
                "attributes": json.dumps(
                    {FROM_KEY: step_id}
                    if named_by is not None
                    else {FROM_KEY: step_id, "gen_ai.tool.call.id": call_id}
                ),
                "order_hint": order_hint,
                "source": source,
            }
        )
    if not staged:
        return 0, notes
    sections = _sql()
    ((before,),) = con.execute(sections["before"][0]).fetchall()
    ((inserted,),) = con.execute(
        sections["insert"][0], {c: [s[c] for s in staged] for c in _COLUMNS}
    ).fetchall()
    # (which staged rows the workbench made up: the merge keeps them in derived_tools, store/_stored_rules.py)
    con.execute(sections["made_up"][0], {"before": before})
    if inserted:
        notes.append(
            f"{inserted} tool call(s) found only in the model calls' messages (no span traced them): "
            "staged as tool steps"
        )
    if inserted < len(staged):
        notes.append(
            f"{len(staged) - inserted} tool call(s) found only in the model calls' messages not staged: "
            "a logged step of the run has the id '<asking step>/<call id>' the call's step would have"
        )
    return inserted, notes
