"""The stored roots a later call's spans continue are found through the store's linked_roots table (schema 3), not
a scan of every stored step's attributes: the table is filled by the migration of a store of schema 2, kept by
every ingest call and export merge, made again in a snapshot, and each row found is checked against its step.
The traces and the expected store are test_links13_link_order's (linked traces split over calls)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from test_links13_link_order import _store, trace_files  # noqa: F401 - trace_files: a fixture

import workbench as wb

# (trace_files: 0 the researcher, 1 and 2 message hops linked to its spans, 3 the helper it called in a new trace,
# 4 an unrelated trace)


_WHOLE: list[dict] = []


def _whole(trace_files: list[Path]) -> dict:  # noqa: F811
    """The store one call of every trace file gives (read once a module: trace_files is the module's)."""
    if not _WHOLE:
        with wb.open() as ws:
            ws.ingest(trace_files, progress=False)
            _WHOLE.append(_store(ws))
    return _WHOLE[0]


def _kept(ws: wb.Workspace) -> list[tuple]:
    return ws.sql(
        "SELECT run_id, step_id, linked_trace, linked_span FROM linked_roots ORDER BY ALL"
    ).fetchall()


def test_a_store_of_schema_2_is_migrated_and_its_roots_continue(
    trace_files: list[Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    db = tmp_path / "v2.duckdb"
    with wb.open(db) as ws:
        ws.ingest(trace_files[1:], progress=False)  # every trace but the one the others link to
        kept = _kept(ws)
    # (the first hop and the helper: roots of runs of their own with one link each; the second hop links into the
    # first's trace, staged in the same call, and joined its run)
    assert len(kept) == 2
    # as the release before wrote it: no linked_roots, schema version 2
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE linked_roots")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.close()
    with wb.open(db) as ws:
        assert ws.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("5",)]
        assert _kept(ws) == kept
        ws.ingest(trace_files[0], progress=False)  # the researcher: the stored hops and helper join its run
        assert _store(ws) == _whole(trace_files)


def test_a_store_read_only_of_schema_2_is_not_changed(trace_files: list[Path], tmp_path: Path) -> None:  # noqa: F811
    db = tmp_path / "v2.duckdb"
    with wb.open(db) as ws:
        ws.ingest(trace_files[3], progress=False)
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE linked_roots")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.close()
    with wb.open(db, read_only=True) as ws:
        assert ws.count("steps") == 2
        # a snapshot of it is a store of this schema, its linked_roots made from the copied steps
        snap = ws.snapshot(tmp_path / "snap.duckdb")
    with wb.open(snap) as ws:
        assert len(_kept(ws)) == 1
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("2",)]
    con.close()


def test_each_row_found_is_checked_against_its_step(trace_files: list[Path]) -> None:  # noqa: F811
    with wb.open() as ws:
        ws.ingest(trace_files[3:], progress=False)  # the helper and the unrelated trace
        ((tool_trace, tool_span),) = ws.sql("SELECT linked_trace, linked_span FROM linked_roots").fetchall()
        # a row no step answers to (the unrelated root carries no link): it must move nothing
        ws.sql(
            "INSERT INTO linked_roots SELECT run_id, step_id, ?, ? FROM steps WHERE name = 'unrelated'",
            [tool_trace, tool_span],
        )
        ws.ingest(trace_files[:3], progress=False)
        assert _store(ws) == _whole(trace_files)
        assert ws.count("runs") == 2


def test_a_snapshot_and_an_export_merge_keep_the_roots(trace_files: list[Path], tmp_path: Path) -> None:  # noqa: F811
    whole = _whole(trace_files)
    with wb.open() as ws:
        ws.ingest(trace_files[1:], progress=False)
        kept = _kept(ws)
        snap = ws.snapshot(tmp_path / "snap.duckdb")
        ws.export(tmp_path / "export")
    with wb.open(snap) as ws:
        assert _kept(ws) == kept
        ws.ingest(trace_files[0], progress=False)
        assert _store(ws) == whole
    with wb.open(tmp_path / "merged.duckdb") as ws:
        ws.ingest(tmp_path / "export", progress=False)
        assert _kept(ws) == kept
        ws.ingest(trace_files[0], progress=False)
        assert _store(ws) == whole


def test_a_call_without_links_keeps_nothing_and_a_repeat_keeps_no_second_row(trace_files: list[Path]) -> None:  # noqa: F811
    with wb.open() as ws:
        ws.ingest(trace_files[4], progress=False)
        assert _kept(ws) == []
        ws.ingest(trace_files[3], progress=False)
        assert len(_kept(ws)) == 1
        ws.ingest(trace_files[3], progress=False)  # again: no second row
        assert len(_kept(ws)) == 1
