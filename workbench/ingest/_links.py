"""Span links: traces that continue another trace are read as part of its run.

Some frameworks start a new trace at every asynchronous hop and tie it to the span that caused it by an
OpenTelemetry span *link*, not a parent: autogen-core's runtime opens each ``autogen publish`` / ``autogen
send`` span (a message on its way from one agent to another) as the root of a new trace with one link to
the ``autogen create`` span of the sender (its ``trace_block`` leaves the parent context out and passes
``get_telemetry_links(envelope)``: the sender's span context). Read trace by trace, one team run was 18 runs.

The rule (the OpenTelemetry specification's links mean "causally related", from a follow-on to a batch):

* A span **that is the root of its trace** (no parent) and carries **exactly one link**, to a span of
  **another trace that this call staged or the store holds**, continues that trace: its trace joins the
  linked trace's run. What the link then stands for depends on the root's span kind:

  - a messaging span (kind PRODUCER or CONSUMER, or ``messaging.*`` attributes: a message on its way, as
    autogen-core's hops are) stays a root of the run, and the link becomes a ``consumes`` edge from the
    linked span to it. A conversation is a sequence of hops, not calls nested in one another: as parents,
    a two-agent AutoGen chat of a few messages was a chain 18 spans deep (``depth_breach`` critical at the
    default limit of 10), and the group chat manager's steps acted for whichever agent spoke before it;
  - any other root (a call made in a new trace: a sub-agent run, a job started by a request) gets the
    linked span as its parent, as the caller it is: its steps then act for the caller's agent.
* A root with two or more links joins nothing: a batch consumer links every producer whose messages it
  took, and joining them would glue unrelated runs into one (which of them would it belong to?).
* A span with a parent joins nothing either: its trace already has a root, and the link is a side
  reference (a consumer inside a long-running poll loop links each message it handles).
* A link to a span not found (the producer's service was not exported) changes nothing; chains join
  transitively (a hop of a hop); traces whose links form a cycle keep their own runs.

The steps of a trace moved into another run keep their trace id as attribute ``otel.trace_id`` (what a
tracing backend knows them by, and what a later call's link to one of them is matched on). A root span's
links stay in its attributes as ``otel.links``; a span with a parent is read as before (its links are not
kept: reading them would send every such span to the Python reader — AutoGen's ``process`` spans repeat
their parent's link — for nothing the run's tree or findings use). A trace stored in an earlier call as a run of its own is
not moved when a later call brings the trace it links to (only the traces staged in the call are moved).
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from ..store._connection import sql_statements

#: The attribute a step moved into another trace's run keeps its own trace id in.
TRACE_ID_KEY = "otel.trace_id"
#: The attribute a span's links are kept in: ``[{"trace_id", "span_id", "attributes"?}]``.
LINKS_KEY = "otel.links"


def link_list(links: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The links as kept in a step's attributes (``otel.links``)."""
    return [{"trace_id": t, "span_id": s, **({"attributes": a} if a else {})} for t, s, a in links]


_MESSAGING_KINDS = frozenset({"SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER", "PRODUCER", "CONSUMER",
                              "SPANKIND.PRODUCER", "SPANKIND.CONSUMER", "4", "5"})


def is_messaging(kind: Any, attrs: dict[str, Any]) -> bool:
    """Whether a span is a messaging hop: OTel span kind PRODUCER / CONSUMER (OTLP's names or enum numbers 4
    and 5, the console exporter's ``SpanKind.PRODUCER``), or ``messaging.*`` attributes."""
    if kind is not None and str(kind).upper() in _MESSAGING_KINDS:
        return True
    return any(k.startswith("messaging.") for k in attrs)


def note_root_link(stage: Any, run_id: str, step_id: str, parent_id: str | None,
                   links: list[tuple[str, str, dict[str, Any]]], hop: bool) -> None:
    """Tell the stage of a root span's one link to another trace (a candidate to join its run); ``hop``:
    the span is a messaging hop (:func:`is_messaging`), which stays a root."""
    if parent_id is None and len(links) == 1 and links[0][0] != run_id:
        stage.root_links.append((run_id, step_id, links[0][0], links[0][1], hop))


def join_linked_runs(con: duckdb.DuckDBPyConnection, root_links: list[tuple[str, str, str, str, bool]]) -> int:
    """Move the staged traces that continue another trace into its run (see the module's docstring).

    ``root_links`` are ``(trace, root span, linked trace, linked span, hop)``. Returns the traces moved.
    """
    if not root_links:
        return 0
    cands = sorted(set(root_links))
    found = _found_targets(con, cands)
    # trace -> the trace (or stored run) it continues; a trace whose roots point at different places is left.
    target: dict[str, str | None] = {}
    for trace, _, ltrace, lspan, _ in cands:
        where = found.get((ltrace, lspan))
        if where is None:
            continue
        if trace in target and target[trace] != where:
            target[trace] = None  # ambiguous: two roots continuing two traces
        else:
            target.setdefault(trace, where)
    nxt = {t: w for t, w in target.items() if w is not None and w != t}
    final = _resolve(nxt)
    moves = [(t, r) for t, r in sorted(final.items()) if r != t]
    if not moves:
        return 0
    moved = {t for t, _ in moves}
    roots = [(trace, root, lspan, hop) for trace, root, ltrace, lspan, hop in cands
             if trace in moved and found.get((ltrace, lspan)) is not None]
    con.register("link_moves", pa.table({"old_run": pa.array([t for t, _ in moves], pa.string()),
                                         "new_run": pa.array([r for _, r in moves], pa.string())}))
    con.register("link_roots", pa.table({"old_run": pa.array([p[0] for p in roots], pa.string()),
                                         "step_id": pa.array([p[1] for p in roots], pa.string()),
                                         "linked": pa.array([p[2] for p in roots], pa.string()),
                                         "hop": pa.array([p[3] for p in roots], pa.bool_())}))
    try:
        for stmt in sql_statements("join_linked"):
            con.execute(stmt)
    finally:
        con.unregister("link_moves")
        con.unregister("link_roots")
    return len(moves)


def _found_targets(con: duckdb.DuckDBPyConnection,
                   cands: list[tuple[str, str, str, str, bool]]) -> dict[tuple[str, str], str]:
    """(linked trace, linked span) -> the trace or stored run holding that span, for the links found."""
    targets = sorted({(lt, ls) for _, _, lt, ls, _ in cands})
    con.register("link_targets", pa.table({"run_id": [t for t, _ in targets], "step_id": [s for _, s in targets]}))
    try:
        staged = con.execute("SELECT DISTINCT t.run_id, t.step_id FROM link_targets t "
                             "SEMI JOIN stage_steps s ON s.run_id = t.run_id AND s.step_id = t.step_id").fetchall()
        # A span stored earlier: under its own trace's run, or moved into another run (then its trace id is
        # in its attributes).
        stored = con.execute(
            "SELECT t.run_id, t.step_id, min(s.run_id) FROM link_targets t JOIN steps s ON s.step_id = t.step_id "
            "AND (s.run_id = t.run_id OR json_extract_string(s.attributes, ?) = t.run_id) GROUP BY ALL",
            [f"$.\"{TRACE_ID_KEY}\""]).fetchall()
    finally:
        con.unregister("link_targets")
    found = {(t, s): r for t, s, r in stored}
    found.update({(t, s): t for t, s in staged})  # (staged wins: its trace is the one being read now)
    return found


def _resolve(nxt: dict[str, str]) -> dict[str, str]:
    """Each trace's run: follow ``nxt`` to a trace that continues none; traces on a cycle keep their own."""
    final: dict[str, str] = {}
    for start in nxt:
        path, seen, t = [], set(), start
        while t in nxt and t not in final and t not in seen:
            seen.add(t)
            path.append(t)
            t = nxt[t]
        if t in seen:  # a cycle: its traces are their own runs; the ones leading into it join where they meet it
            cycle = path[path.index(t):]
            for c in cycle:
                final[c] = c
            path = path[:path.index(t)]
        end = final.get(t, t)
        for p in path:
            final[p] = end
    return final
