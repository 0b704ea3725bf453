"""An export's traces joined with the stored traces they are linked with, as one ingest of all the spans joins
them (ingest/_links.py says when a trace continues another; sql/export_linked.sql how the rows move).

A store that read a trace and the traces linked to it in one call keeps them as one run; a store that read the
linked traces alone keeps each as a run of its own. Merged one into the other, the same spans were stored in
two runs. Now, in the merge's transaction and before merge_export.sql: an exported trace whose root links to a
stored span moves into that span's run (the export's views are rewritten), and a stored run whose root links to
an exported span moves into the export's run (``move_stored_runs``), chains followed through both. After the
merge, the steps whose agent and depth were worked out in their own trace's run are walked again in the run
they joined, and the joined runs are ordered again and their rows rebuilt.
"""

from __future__ import annotations

import duckdb

from ..ingest._links import StoredMoves, _resolve, move_stored_runs
from ..ingest._tree_walk import walk_tree
from ._connection import sql_sections

_MOVED_VIEWS = ("steps", "edges", "runs", "labels", "findings", "attributions")


def join_export_links(con: duckdb.DuckDBPyConnection) -> None:
    """Join the export's traces (views ``export_*``) and the stored ones they are linked with (the runs moved:
    tables ``export_moves``, ``export_stored_moves``, walked by :func:`walk_merged_runs` after the merge). Inside
    the merge's transaction."""
    sections = dict(sql_sections("export_linked"))
    for stmt in sections["export_roots"]:
        con.execute(stmt)
    exported = con.execute("SELECT old_run, new_run FROM export_link_roots").fetchall()
    exported += con.execute(sections["moved"][0]).fetchall()  # (the rest of a trace the store moved)
    stored = []
    if con.execute("SELECT EXISTS (SELECT 1 FROM linked_roots)").fetchall()[0][0]:
        (query,) = sections["stored_roots"]
        stored = con.execute(query).fetchall()
    # run -> the run it continues (an exported trace: the stored run holding its linked span; a stored run: the
    # export's), followed to the end of a chain; a run whose roots point at two places joins none
    target: dict[str, str | None] = {}
    exported += con.execute(
        sections["stored_moved"][0]
    ).fetchall()  # (a stored part of a trace the export moved)
    for run, where in [*exported, *((run, export_run) for run, _, _, export_run, _ in stored)]:
        target[run] = where if target.get(run, where) == where else None
    final = _resolve({t: w for t, w in target.items() if w is not None and w != t})
    # A trace moves whole, whichever side holds which part: a trace whose root is stored and links to an exported
    # span moves the export's part too (its steps under the stored root: the root was the trace's last span to
    # end, cut off from the export), and an exported trace joining a stored run takes the store's part with it.
    moving = [t for t, w in final.items() if w != t]
    export_moves = (
        sorted(
            {
                (t, final[t])
                for (t,) in con.execute(
                    "SELECT DISTINCT run_id FROM export_steps WHERE export_bad IS NULL AND run_id IN (SELECT unnest($runs))",
                    {"runs": moving},
                ).fetchall()
            }
        )
        if moving
        else []
    )
    stored_moves = (
        sorted(
            {
                (r, final[r])
                for (r,) in con.execute(
                    "SELECT run_id FROM runs WHERE run_id IN (SELECT unnest($runs))", {"runs": moving}
                ).fetchall()
            }
        )
        if moving
        else []
    )
    _table(con, "export_moves", export_moves)
    _table(con, "export_stored_moves", stored_moves)
    if export_moves:
        for stmt in sections["map"]:
            con.execute(stmt)
        for table in _MOVED_VIEWS:  # (names of this module's own)
            con.execute(f"CREATE OR REPLACE TEMP VIEW export_{table} AS SELECT * FROM export_linked_{table}")
    if stored_moves:
        moved = dict(stored_moves)
        # A moved run's row gives way to its new run's when the export holds one (join_linked_stored.sql reads
        # stage_runs for the runs a call brings; merge_export.sql makes its own after this)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE stage_runs AS SELECT DISTINCT e.run_id FROM export_runs e "
            "SEMI JOIN export_stored_moves m ON m.new_run = e.run_id"
        )
        move_stored_runs(
            con,
            StoredMoves(
                moves=stored_moves,
                roots=[
                    (run, root, linked, bool(hop)) for run, root, linked, _, hop in stored if run in moved
                ],
            ),
        )


def _table(con: duckdb.DuckDBPyConnection, name: str, moves: list[tuple[str, str]]) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (old_run VARCHAR, new_run VARCHAR)")  # (our own names)
    if moves:
        con.executemany(f"INSERT INTO {name} VALUES (?, ?)", moves)


def walk_merged_runs(con: duckdb.DuckDBPyConnection) -> None:
    """After merge_export.sql: the runs the export joined or added steps to walked again whole as the ingest walks
    a run (export_linked.sql's walk and tree sections, the ingest's tree walk, finalize_insert.sql's stored_runs
    section: agents, depths, order), their parent edges written and the runs given to refresh_runs.sql."""
    sections = dict(sql_sections("export_linked"))
    con.execute(sections["walk"][0])
    if not con.execute("SELECT EXISTS (SELECT 1 FROM export_walk_runs)").fetchall()[0][0]:
        return  # (most merges: new runs only; the statements below would each scan the steps table for none)
    for stmt in sections["tree"]:
        con.execute(stmt)
    walk_tree(con, ("chunk", "whole"))
    for stmt in [*dict(sql_sections("finalize_insert"))["stored_runs"], *sections["edges"]]:
        con.execute(stmt)
