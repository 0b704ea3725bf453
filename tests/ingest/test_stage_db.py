"""Staged steps in a compressed in-memory database (``_stage_db``): the same store as a temporary table gives,
nothing left attached after the call, the search path given back."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from _deep import deep

import workbench as wb
from workbench.ingest import _driver, _stage_db


@pytest.fixture(autouse=True)
def _small_files_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """These small files staged in the stage database (a call of a few KB stages in a temporary table)."""
    monkeypatch.setattr(_driver, "SMALL_STAGE_BYTES", -1)


def _otlp_line(trace: int, spans: list[tuple[int, int | None]], service: str = "svc") -> str:
    def span(i: int, parent: int | None) -> dict:
        return {
            "traceId": f"{trace:032x}",
            "spanId": f"{i:016x}",
            "parentSpanId": "" if parent is None else f"{parent:016x}",
            "name": f"step {i}",
            "startTimeUnixNano": str(1_700_000_000_000_000_000 + i),
            "endTimeUnixNano": str(1_700_000_000_000_000_100 + i),
            "attributes": [{"key": "gen_ai.agent.name", "value": {"stringValue": f"a{i % 3}"}}]
            if parent is None or i % 4 == 0
            else [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}],
        }

    return json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
                    "scopeSpans": [{"scope": {"name": "t"}, "spans": [span(i, p) for i, p in spans]}],
                }
            ]
        }
    )


def _write(path: Path) -> None:
    lines = []
    for t in range(1, 31):
        base = t * 100
        lines.append(_otlp_line(t, [(base, None)] + [(base + k, base + k - 1) for k in range(1, 8)]))
    lines.append(_otlp_line(3, [(305, 303)]))  # a duplicate of a staged span, with another parent
    lines.append(_otlp_line(40, [(4000, 4001), (4001, 4000), (4002, 4001)]))  # a parent cycle
    lines.append("{not json")
    lines.append(_otlp_line(41, [(4100, None), (4101, 9999)]))  # a parent that never arrives
    path.write_text("\n".join(lines) + "\n")


def _dump(ws: wb.Workspace) -> tuple:
    steps = ws.sql(
        "SELECT run_id, step_id, parent_id, seq, depth, agent, kind, name FROM steps ORDER BY run_id, step_id"
    ).fetchall()
    quarantine = ws.sql(
        "SELECT file, line, reason, step_id, occurrence FROM quarantine ORDER BY line, reason"
    ).fetchall()
    edges = ws.sql("SELECT * FROM edges ORDER BY ALL").fetchall()
    runs = ws.sql("SELECT run_id, n_steps, outcome FROM runs ORDER BY run_id").fetchall()
    return steps, [(Path(f).name, *rest) for f, *rest in quarantine], edges, runs


# What the temporary table stores (compressed False): CHECKPOINT_ROWS is the stage database's only, so it is the
# same for every parameter below, read once a module.
_PLAIN: list[tuple] = []


# (a checkpoint after each append, 1, the same path as after every 7 rows, taken by most appends here: under
# WORKBENCH_DEEP_TESTS=1 only, ~3 CPU s of the module's time; 500_000: no checkpoint but the call's last)
@pytest.mark.parametrize("checkpoint_rows", [1, 7, 500_000] if deep() else [7, 500_000])
def test_compressed_stage_stores_what_the_temporary_table_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checkpoint_rows: int
) -> None:
    path = tmp_path / "t.jsonl"
    _write(path)
    monkeypatch.setattr(_stage_db, "CHECKPOINT_ROWS", checkpoint_rows)
    results, reports = [], []
    for compressed in (False, True):
        if not compressed and _PLAIN:
            results.append(_PLAIN[0])
            reports.append(_PLAIN[1])
            continue
        monkeypatch.setattr(_driver, "_COMPRESSED_STAGE", compressed)
        with wb.open(tmp_path / f"s{compressed}.duckdb") as ws:
            first = ws.ingest(path, format="otlp")
            again = ws.ingest(path, format="otlp")
            steps, quarantine, edges, runs = _dump(ws)
            # (a reason naming the file by its path: the same under another test's folder)
            quarantine = [(f, n, r.replace(str(tmp_path), "<tmp>"), *rest) for f, n, r, *rest in quarantine]
            results.append((steps, quarantine, edges, runs))
            reports.append((first.read, first.stored, first.quarantined, first.added, again.added))
            assert first.read == first.stored + first.quarantined
            assert again.added == 0
        if not compressed:
            _PLAIN.extend([results[0], reports[0]])
    assert results[0] == results[1]
    assert reports[0] == reports[1]
    assert (
        reports[1][2] == 4
    )  # the duplicate, the two cycle spans (the third hangs under them), the broken line


def test_stage_steps_is_in_the_stage_database_during_the_merge_and_gone_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.jsonl"
    _write(path)
    seen: list[tuple] = []
    real_timed = _driver._timed

    def timed(con: duckdb.DuckDBPyConnection, stmt: str) -> None:
        if not seen:
            seen.extend(
                con.execute(
                    "SELECT database_name, temporary FROM duckdb_tables() WHERE table_name = 'stage_steps'"
                ).fetchall()
            )
        real_timed(con, stmt)

    monkeypatch.setattr(_driver, "_COMPRESSED_STAGE", True)
    monkeypatch.setattr(_driver, "_timed", timed)
    with wb.open(tmp_path / "s.duckdb") as ws:
        ws.con.execute("CREATE SCHEMA mine")
        ws.con.execute("CREATE TABLE mine.only_mine AS SELECT 1 AS x")
        ws.con.execute("SET search_path = 'mine,main'")
        report = ws.ingest(path, format="otlp")
        # 240 spans, the one hanging under the cycle, trace 41's two; the duplicate, the cycle's two and the broken line
        assert (report.stored, report.quarantined) == (240 + 1 + 2, 1 + 2 + 1)
        assert len(seen) == 1 and seen[0][0].startswith("wb_stage_") and not seen[0][1]
        # the user's search path again (DuckDB may show it with the store's name before each schema)
        assert ws.con.execute("SELECT current_setting('search_path')").fetchall()[0][0] in (
            "mine,main",
            "s.mine,s.main",
        )
        assert ws.con.execute("SELECT x FROM only_mine").fetchall() == [(1,)]
        assert not ws.con.execute(
            "SELECT database_name FROM duckdb_databases() WHERE database_name LIKE 'wb_stage_%'"
        ).fetchall()
        assert not ws.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'stage_%'"
        ).fetchall()


def test_a_failed_ingest_detaches_the_stage_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.jsonl"
    _write(path)

    def boom(con: duckdb.DuckDBPyConnection, stmt: str) -> None:
        raise duckdb.ConversionException("injected by the test")

    monkeypatch.setattr(_driver, "_COMPRESSED_STAGE", True)
    monkeypatch.setattr(_driver, "_timed", boom)
    with wb.open(tmp_path / "s.duckdb") as ws:
        with pytest.raises(wb.IngestError):
            ws.ingest(path, format="otlp")
        assert ws.con.execute("SELECT current_setting('search_path')").fetchall()[0][0] == ""
        assert not ws.con.execute(
            "SELECT database_name FROM duckdb_databases() WHERE database_name LIKE 'wb_stage_%'"
        ).fetchall()
        assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(0,)]


def test_the_stage_database_is_a_file_removed_after_the_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.jsonl"
    _write(path)
    files: list[str] = []
    real_timed = _driver._timed

    def timed(con: duckdb.DuckDBPyConnection, stmt: str) -> None:
        if not files:
            files.extend(
                p
                for (p,) in con.execute(
                    "SELECT path FROM duckdb_databases() WHERE database_name LIKE 'wb_stage_%'"
                ).fetchall()
            )
        real_timed(con, stmt)

    monkeypatch.setattr(_driver, "_COMPRESSED_STAGE", True)
    monkeypatch.setattr(_driver, "_timed", timed)
    with wb.open(tmp_path / "s.duckdb") as ws:
        report = ws.ingest(path, format="otlp")
        assert report.stored == 243
    # (its blocks on disk can leave memory: an in-memory database's cannot)
    assert len(files) == 1 and files[0] and Path(files[0]).name == "stage.duckdb"
    assert not Path(files[0]).exists() and not Path(files[0]).parent.exists()
