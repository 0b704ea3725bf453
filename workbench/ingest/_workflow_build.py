"""Microsoft Agent Framework's ``workflow.build`` trace joins the run of the workflow it built.

Agent Framework (agent-framework-core 1.23) opens a ``workflow.build`` span when a builder builds a workflow
and a ``workflow.run`` span each time the workflow runs; the build happens outside any run, so it is the root of
a trace of its own. Read trace by trace, every workflow run came with an extra one-step run of unknown outcome
(real16, ``HandoffBuilder`` and ``SequentialBuilder``). Both spans carry the workflow's ``workflow.id``: a trace
whose one root is a ``workflow.build`` span joins the run whose root is the one ``workflow.run`` of the same
workflow, staged in this call or stored (its steps keep their trace id as ``otel.trace_id``, as a linked trace's
do, see ``_links.py``), and stays a root there: the build is not called by the run. A workflow built once and
run twice leaves its build a run of its own (which run would it belong to?), as does a build with no run read.
"""

from __future__ import annotations

import duckdb

from ..store._connection import sql_text
from ._links import StoredMoves, _run_moves
from ._stage_checks import holds

#: The span names of the build and of a run (Agent Framework's ``OtelAttr.WORKFLOW_BUILD_SPAN`` / ``_RUN_SPAN``),
#: and the start of a run's name from agent-framework-core 1.26 on (``invoke_workflow <name>``, the GenAI
#: operation; drift50 found its build a run of its own again): workflow_build_runs.sql names them too.
BUILD_SPAN, RUN_SPAN, RUN_PREFIX = "workflow.build", "workflow.run", "invoke_workflow"
#: The parameters of stage_facts.sql's ``build`` test (a build or run root staged).
BUILD_PARAMS = {"build_span": BUILD_SPAN, "run_span": RUN_SPAN, "run_prefix": RUN_PREFIX}


def join_build_traces(con: duckdb.DuckDBPyConnection, moves: StoredMoves) -> StoredMoves:
    """Move each staged build trace into its workflow's run now, and return ``moves`` with the stored ones
    added (moved in the merge's transaction by ``_links.move_stored_runs``)."""
    if not holds(con, "build", BUILD_PARAMS):
        return moves
    rows = con.execute(sql_text("workflow_build_runs")).fetchall()
    staged = [(b, r) for b, stored, r in rows if not stored and b not in moves.joined]
    stored = [(b, r) for b, was_stored, r in rows if was_stored and b not in moves.joined]
    if staged:
        _run_moves(con, "join_linked", staged, [])
    return StoredMoves(
        moves=moves.moves + stored, roots=moves.roots, joined={**moves.joined, **dict(staged), **dict(stored)}
    )
