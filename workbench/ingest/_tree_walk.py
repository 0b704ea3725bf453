"""The walk down a merge's span trees: who acts for each step and how deep it is (finalize_tree.sql).

The ingest's merge walks the trees of the runs a call touches, stored steps and new ones (``tree_rows``), chunk
by chunk; an export's merge walks the runs it joined or added steps to (store/_export_links.py) the same way, so
that a store merged from exports gives each step the agent and depth one ingest of all the logs gives: the
frameworks' rules on a tree (orphans acting for their workflow's agent, an exporter's missing parents, Agent
Framework's idle executors) and the walk itself are the ingest's, not a copy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import duckdb

from ..store._connection import sql_sections, sql_statements
from . import _timings


def walk_tree(
    con: duckdb.DuckDBPyConnection,
    left_out: tuple[str, ...],
    run: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None,
) -> bool:
    """finalize_tree.sql on the tree of ``tree_rows`` (made by the caller, or by whichever of the sections ``whole``
    and ``chunk`` ``left_out`` does not name), then the walk up for steps on parent cycles when the walk down missed any: tables
    ``tree``, ``down``, ``cut``, ``unreached_resolved`` and ``stored_runs`` as finalize_insert.sql reads them.
    Whether a run of the tree had steps stored (``stored_runs`` not empty). ``chunk_n`` is the staged rows'
    view the tree's rules read the new steps' names and attributes from. ``run``: what runs each statement (the
    driver's own, timed and counted with the rest of its merge)."""
    _timed = run or _run
    tree_has = {"orphans": 0, "idle": 0}
    for section, stmts in sql_sections("finalize_tree"):
        if section in left_out or section == "orphan_rows":
            continue
        if section == "orphans":
            tree_has = dict(con.execute(_tree_has()).fetchall())
        # (the tree is built: Agent Framework's idle executors act for no agent)
        if section == "orphan_roots" and tree_has["idle"] and con.execute(_idle_named()).fetchall()[0][0]:
            _timed(con, _idle_executors()[1])
        if section in ("orphans", "orphan_roots"):
            if not tree_has["orphans"]:
                continue
            stmts = [f"WITH orphan_rows AS ({_orphan_rows()})\n{stmt}" for stmt in stmts]
        for stmt in stmts:
            _timed(con, stmt)
    # The walk down reaches each step at most once, so equal counts mean it reached them all: then no
    # step is on a parent cycle and the walk up is skipped (it costs a scan of the tree per step of
    # the walk even when it has nothing to do).
    walked = dict(con.execute(_WALKED).fetchall())
    if walked["down"] == walked["tree"]:
        for stmt in sql_statements("finalize_all_reached"):
            _timed(con, stmt)
    else:
        _resolve_unreached(con, _timed)
    return bool(walked["stored_runs"])


@functools.lru_cache(maxsize=None)
def _orphan_rows() -> str:
    """finalize_tree.sql's orphan_rows: the tree's orphans without an agent, which its orphans sections give one."""
    (rows,) = dict(sql_sections("finalize_tree"))["orphan_rows"]
    return rows


@functools.lru_cache(maxsize=None)
def _idle_executors() -> tuple[str, str]:
    """tree_idle_executors.sql's leaves query, and its update reading them (as ``idle_leaves``)."""
    sections = dict(sql_sections("tree_idle_executors"))
    (leaves,), (update,) = sections["leaves"], sections["update"]
    return leaves, f"WITH idle_leaves AS ({leaves})\n{update}"


@functools.lru_cache(maxsize=None)
def _tree_has() -> str:
    """How many orphans without an agent the tree has, and whether it has a leaf that tree_idle_executors.sql may
    take from its agent, in one statement (counts: cheaper than the UPDATEs' plans)."""
    return (
        f"SELECT 'orphans', count(*) FROM ({_orphan_rows()}) "
        f"UNION ALL SELECT 'idle', count(*) FROM ({_idle_executors()[0]}\nLIMIT 1)"
    )


@functools.lru_cache(maxsize=None)
def _idle_named() -> str:
    """Whether a leaf of tree_idle_executors.sql's is stored, or staged with an executor's name as its update asks
    (asked when the tree has such leaves: a native run's steps under a root naming no agent are all leaves of an
    agent under a parent naming none, and the update's plan cost each such small call ~4 ms CPU for nothing; this
    test ~1.5, and the chunk_n view it reads costs the cheaper count above as much again)."""
    return (
        f"SELECT EXISTS (SELECT 1 FROM ({_idle_executors()[0]}) l WHERE l.rid IS NULL OR EXISTS ("
        "SELECT 1 FROM chunk_n n WHERE n.rid = l.rid AND starts_with(n.name, 'executor.process ')))"
    )


# The steps the walk down reached and the chunk's tree holds (equal: every step reached), and whether a run of
# the chunk had steps stored (stored_runs, made with the tree; the walks leave it as it is), in one statement.
_WALKED = (
    "SELECT 'down', count(*) FROM down UNION ALL SELECT 'tree', count(*) FROM tree "
    "UNION ALL SELECT 'stored_runs', count(*) FROM (SELECT 1 FROM stored_runs LIMIT 1)"
)


def _resolve_unreached(
    con: duckdb.DuckDBPyConnection, _timed: Callable[[duckdb.DuckDBPyConnection, str], None]
) -> None:
    """The steps the walk down did not reach: those on parent cycles found (finalize_unreached*.sql), the
    others given their agent and depth. The pointer jumping runs until it spans the unreached steps."""
    for stmt in sql_statements("finalize_unreached"):
        _timed(con, stmt)
    jumps = int(con.execute("SELECT count(*) FROM unreached").fetchall()[0][0]).bit_length()
    for _ in range(jumps):
        for stmt in sql_statements("finalize_unreached_jump"):
            _timed(con, stmt)
    for stmt in sql_statements("finalize_unreached_rest"):
        _timed(con, stmt)


def _run(con: duckdb.DuckDBPyConnection, stmt: str) -> None:
    """Run one merge statement; with WORKBENCH_INGEST_TIMINGS=1, print its wall and CPU seconds (profiling)."""
    _timings.execute(con, stmt, tag="merge")
