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

A trace that only **creates an agent** joins the run where that agent is first invoked, though no link says so:
autogen-core writes each agent's ``create_agent`` span when the agent is made (before the team runs), as the
root of a trace of its own, linked to nothing (OpenLIT's OpenAI Agents instrumentation too); read as it is, every
AutoGen AgentChat run was its chat and one run of one span for each agent. Such a trace (one root
``create_agent`` span naming its agent) joins the trace of the first ``invoke_agent`` span of the same agent that
starts at or after it, in the same file and resource (the process that made the agent), as that span's child
(so the run keeps its one root, whose status says how it ended), read as set-up (kind ``system``: no move of its
agent's, no turn, no hand-off). An agent never invoked (a participant its team's manager never picked, as
Magentic-One's orchestrator may not) goes where the invoked agent created nearest in time to it went (same file
and resource), beside that creation: made by the same program for the same team, it is set-up of that team's run,
not a run of one step of unknown outcome in every count; one with no invoked sibling keeps its run. Within one
ingest call only: a creation read in an earlier call than its agent's first turn stays a run of its own (the
program writes both into the same file, a moment apart).

The steps of a trace moved into another run keep their trace id as attribute ``otel.trace_id`` (what a
tracing backend knows them by, and what a later call's link to one of them is matched on). A root span's
links stay in its attributes as ``otel.links``; a span with a parent is read as before (its links are not
kept: reading them would send every such span to the Python reader — AutoGen's ``process`` spans repeat
their parent's link — for nothing the run's tree or findings use).

The result does not depend on how the traces were split over ingest calls: a trace stored in an earlier call as
a run of its own (its linked span had not been read yet) is moved when a later call brings the span it links to,
in that call's transaction, as if both had come in one call (:func:`move_stored_runs`; its findings and
attributions, which were about a run that no longer exists, are dropped). For such a stored root, the span kind
is no longer known: it is a messaging hop when it has ``messaging.*`` attributes (which the semantic conventions
require of messaging spans; autogen-core sets them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from ..store._connection import sql_sections, sql_statements
from ..store._linked_roots import keep_linked_roots_sql
from ._stage_checks import holds

#: The attribute a step moved into another trace's run keeps its own trace id in.
TRACE_ID_KEY = "otel.trace_id"
#: The attribute a span's links are kept in: ``[{"trace_id", "span_id", "attributes"?}]``.
LINKS_KEY = "otel.links"


def link_list(links: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The links as kept in a step's attributes (``otel.links``)."""
    return [{"trace_id": t, "span_id": s, **({"attributes": a} if a else {})} for t, s, a in links]


_MESSAGING_KINDS = frozenset(
    {
        "SPAN_KIND_PRODUCER",
        "SPAN_KIND_CONSUMER",
        "PRODUCER",
        "CONSUMER",
        "SPANKIND.PRODUCER",
        "SPANKIND.CONSUMER",
        "4",
        "5",
    }
)


def is_messaging(kind: Any, attrs: dict[str, Any]) -> bool:
    """Whether a span is a messaging hop: OTel span kind PRODUCER / CONSUMER (OTLP's names or enum numbers 4
    and 5, the console exporter's ``SpanKind.PRODUCER``), or ``messaging.*`` attributes."""
    if kind is not None and str(kind).upper() in _MESSAGING_KINDS:
        return True
    return any(k.startswith("messaging.") for k in attrs)


def note_root_link(
    stage: Any,
    run_id: str,
    step_id: str,
    parent_id: str | None,
    links: list[tuple[str, str, dict[str, Any]]],
    hop: bool,
) -> None:
    """Tell the stage of a root span's one link to another trace (a candidate to join its run); ``hop``:
    the span is a messaging hop (:func:`is_messaging`), which stays a root."""
    if parent_id is None and len(links) == 1 and links[0][0] != run_id:
        stage.root_links.append((run_id, step_id, links[0][0], links[0][1], hop))


@dataclass
class StoredMoves:
    """Stored runs to move into another run in the merge's transaction (:func:`move_stored_runs`):
    ``moves`` (old run, new run), ``roots`` (old run, root step, linked span, hop); ``joined`` every trace
    (staged or stored) that moved -> its run."""

    moves: list[tuple[str, str]] = field(default_factory=list)
    roots: list[tuple[str, str, str, bool]] = field(default_factory=list)
    joined: dict[str, str] = field(default_factory=dict)


def join_linked_runs(
    con: duckdb.DuckDBPyConnection,
    root_links: list[tuple[str, str, str, str, bool]],
    staged: bool | None = None,
    created: bool | None = None,
) -> StoredMoves:
    """Move the staged traces that continue another trace into its run (see the module's docstring).

    ``root_links`` are ``(trace, root span, linked trace, linked span, hop)``. Returns the stored runs that
    continue a staged trace, to be moved in the merge's transaction. ``staged``: whether any step is staged,
    ``created``: whether a root span creates an agent, when the caller knows (``_stage_facts``).
    """
    stored, rootless = _stored_root_links(con, staged)
    cands = sorted(set(root_links))
    before = _moved_before(con) if rootless else []
    if created is None:
        created = holds(con, "created_agents")
    made = created_agent_targets(con) if created else {}
    if not cands and not stored and not before and not made:
        return StoredMoves()
    found = _found_targets(con, cands) if cands else {}
    # A stored root's linked span is staged in this call (_stored_root_links looked for it there).
    found.update({(lt, ls): lt for _, _, lt, ls, _ in stored})
    everything = sorted(set(cands) | set(stored))
    # trace (or stored run) -> the trace (or stored run) it continues; one whose roots point at different
    # places is left.
    target: dict[str, str | None] = {}
    for trace, _, ltrace, lspan, _ in everything:
        where = found.get((ltrace, lspan))
        if where is None:
            continue
        if trace in target and target[trace] != where:
            target[trace] = None  # ambiguous: two roots continuing two traces
        else:
            target.setdefault(trace, where)
    # A trace that only creates agents goes where its agent is first invoked (no span links it anywhere).
    for trace, (_, where, _) in made.items():
        target.setdefault(trace, where)
    # A staged trace an earlier call moved goes where it went (its root, which decided, came then).
    for trace, where in before:
        target[trace] = where if target.get(trace, where) == where else None
    nxt = {t: w for t, w in target.items() if w is not None and w != t}
    final = _resolve(nxt)
    moves = [(t, r) for t, r in sorted(final.items()) if r != t]
    if not moves:
        return StoredMoves()
    moved = dict(moves)
    _created_set_up(con, [t for t in made if t in moved])
    # Every part of a moved trace moves, whichever call brought it: its staged spans (also those of a trace
    # moved because its stored root links here) and its stored run (also one stored without the root).
    _move_staged(
        con,
        moves,
        [
            (trace, root, lspan, hop)
            for trace, root, ltrace, lspan, hop in cands
            if trace in moved and found.get((ltrace, lspan)) is not None
        ]
        + [(trace, step, invoked, False) for trace, (step, _, invoked) in made.items() if trace in moved],
    )
    stored_runs = _stored_runs(con, sorted(moved))
    return StoredMoves(
        moves=[(t, r) for t, r in moves if t in stored_runs],
        roots=[(run, root, lspan, hop) for run, root, _, lspan, hop in stored if run in moved],
        joined=moved,
    )


def created_agent_targets(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, str]]:
    """Staged trace that only creates an agent -> (its create_agent step, the staged trace and span where the
    agent is first invoked) (see the module's docstring; ``store/sql/created_agents.sql``)."""
    (query,) = dict(sql_sections("created_agents"))[""]
    return {trace: (step, target, invoked) for trace, step, target, invoked in con.execute(query).fetchall()}


def _created_set_up(con: duckdb.DuckDBPyConnection, traces: list[str]) -> None:
    """The create_agent steps of the traces ``traces`` (about to join a run) are read as set-up (kind system, as a
    run's root): made before the team runs, they are no move of their agent's, and read as moves, the agents'
    creations in a row made hand-offs and turns of their own before the chat began."""
    if not traces:
        return
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    con.register("created_traces", pa.table({"run_id": pa.array(traces, pa.string())}))
    try:
        (stmt,) = dict(sql_sections("created_agents"))["set_up"]
        con.execute(stmt)
    finally:
        con.unregister("created_traces")


def _move_staged(
    con: duckdb.DuckDBPyConnection, moves: list[tuple[str, str]], roots: list[tuple[str, str, str, bool]]
) -> None:
    _run_moves(con, "join_linked", moves, roots)


def _run_moves(
    con: duckdb.DuckDBPyConnection,
    script: str,
    moves: list[tuple[str, str]],
    roots: list[tuple[str, str, str, bool]],
) -> None:
    """Run ``script`` over the moves ``(old run, new run)`` and roots ``(old run, root step, linked span, hop)``
    (as the views ``link_moves`` and ``link_roots``)."""
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    con.register(
        "link_moves",
        pa.table(
            {
                "old_run": pa.array([t for t, _ in moves], pa.string()),
                "new_run": pa.array([r for _, r in moves], pa.string()),
            }
        ),
    )
    con.register(
        "link_roots",
        pa.table(
            {
                "old_run": pa.array([p[0] for p in roots], pa.string()),
                "step_id": pa.array([p[1] for p in roots], pa.string()),
                "linked": pa.array([p[2] for p in roots], pa.string()),
                "hop": pa.array([p[3] for p in roots], pa.bool_()),
            }
        ),
    )
    try:
        for stmt in sql_statements(script):
            con.execute(stmt)
    finally:
        con.unregister("link_moves")
        con.unregister("link_roots")


def move_stored_runs(con: duckdb.DuckDBPyConnection, stored: StoredMoves | None) -> None:
    """Move stored runs into the runs of the traces they continue (inside the merge's transaction, before the
    merge, which then walks their steps with the run's new ones: depth, agent and order as one call gives)."""
    if stored is None or not stored.moves:
        return
    _run_moves(con, "join_linked_stored", stored.moves, stored.roots)


def _stored_runs(con: duckdb.DuckDBPyConnection, runs: list[str]) -> set[str]:
    """Which of ``runs`` the store holds."""
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    con.register("link_runs", pa.table({"run_id": pa.array(runs, pa.string())}))
    try:
        return {
            r for (r,) in con.execute("SELECT run_id FROM runs SEMI JOIN link_runs USING (run_id)").fetchall()
        }
    finally:
        con.unregister("link_runs")


def _stored_root_links(
    con: duckdb.DuckDBPyConnection, staged: bool | None = None
) -> tuple[list[tuple[str, str, str, str, bool]], bool]:
    """(run, root span, linked trace, linked span, hop) of the stored runs of their own whose root has one link
    to a span staged in this call; and whether a staged run has no root staged (:func:`_moved_before`)."""
    if staged is None:
        staged = holds(con, "staged")
    if not staged:
        return [], False  # (a call that stages no steps, as a label's: nothing to link to)
    sections = dict(sql_sections("stored_link_roots"))
    found, rootless = con.execute(sections["found"][0]).fetchall()[0]
    if not found:
        return [], bool(rootless)
    return [
        (r, s, lt, ls, bool(h)) for r, s, lt, ls, h in con.execute(sections["roots"][0]).fetchall()
    ], bool(rootless)


def _moved_before(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(trace, run) of the staged traces whose other spans an earlier call moved into another run (by their
    root's link)."""
    (query,) = dict(sql_sections("stored_link_roots"))["moved"]
    return [(t, r) for t, r in con.execute(query).fetchall()]


def keep_linked_roots(con: duckdb.DuckDBPyConnection, staged: bool | None = None) -> None:
    """Add the staged steps that carry one span link to the store's linked_roots, where a later call looks for
    the stored roots its spans continue (:func:`_stored_root_links`); inside the merge's transaction. ``staged``:
    whether any staged step carries links, when the caller knows (``_stage_facts``)."""
    if staged is None:
        staged = holds(con, "links")
    if staged:
        con.execute(keep_linked_roots_sql("stage_steps"))


def _found_targets(
    con: duckdb.DuckDBPyConnection, cands: list[tuple[str, str, str, str, bool]]
) -> dict[tuple[str, str], str]:
    """(linked trace, linked span) -> the trace or stored run holding that span, for the links found."""
    import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

    targets = sorted({(lt, ls) for _, _, lt, ls, _ in cands})
    con.register(
        "link_targets", pa.table({"run_id": [t for t, _ in targets], "step_id": [s for _, s in targets]})
    )
    try:
        staged = con.execute(
            "SELECT DISTINCT t.run_id, t.step_id FROM link_targets t "
            "SEMI JOIN stage_steps s ON s.run_id = t.run_id AND s.step_id = t.step_id"
        ).fetchall()
        # A span stored earlier: under its own trace's run, or moved into another run (then its trace id is
        # in its attributes).
        stored = con.execute(
            "SELECT t.run_id, t.step_id, min(s.run_id) FROM link_targets t JOIN steps s ON s.step_id = t.step_id "
            "AND (s.run_id = t.run_id OR json_extract_string(s.attributes, ?) = t.run_id) GROUP BY ALL",
            [f'$."{TRACE_ID_KEY}"'],
        ).fetchall()
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
        if (
            t in seen
        ):  # a cycle: its traces are their own runs; the ones leading into it join where they meet it
            cycle = path[path.index(t) :]
            for c in cycle:
                final[c] = c
            path = path[: path.index(t)]
        end = final.get(t, t)
        for p in path:
            final[p] = end
    return final
