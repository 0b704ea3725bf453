"""wb.open_path: what the file browser and ``%workbench open`` run on a file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _traces import write_otlp, write_sim

import workbench as wb
from workbench._open_path import is_duckdb_file, open_path_report, workspace_path_for


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("runs/traces.otlp.jsonl", "runs/traces.duckdb"),
        ("runs/traces.otlp.json.gz", "runs/traces.duckdb"),
        ("demo.jsonl.gz", "demo.duckdb"),
        ("runs/otlp/", "runs/otlp.duckdb"),
        ("runs/*.json", "runs/workspace.duckdb"),
        ("spans", "spans.duckdb"),
    ],
)
def test_workspace_goes_beside_the_traces(source: str, expected: str) -> None:
    assert workspace_path_for(source) == Path(expected)


def test_trace_file_is_ingested_into_a_workspace_beside_it(tmp_path: Path) -> None:
    src = write_otlp(tmp_path / "traces.otlp.jsonl", n_traces=6, failing={0, 4})
    ws, report = open_path_report(src, progress=False)
    assert ws.path == tmp_path / "traces.duckdb"
    assert report is not None and report.read == report.stored == 6 * 10 and report.quarantined == 0
    assert ws.count("runs") == 6
    assert sorted(ws.runs()["outcome"]) == ["failure"] * 2 + ["success"] * 4
    ws.close()
    # Opened again: the same workspace, nothing added (ingest is idempotent).
    ws, report = open_path_report(src, progress=False)
    assert report.added == 0 and ws.count("runs") == 6 and ws.count("steps") == 60
    ws.close()
    # The workspace itself opens as it is, whatever its name (DuckDB's magic bytes).
    renamed = tmp_path / "copy.store"
    shutil.copy(tmp_path / "traces.duckdb", renamed)
    assert is_duckdb_file(renamed)
    ws, report = open_path_report(renamed)
    assert report is None and ws.count("runs") == 6
    ws.close()


def test_native_jsonl_and_an_explicit_db(tmp_path: Path) -> None:
    src = write_sim(tmp_path / "sim.jsonl", n_runs=12)
    ws = wb.open_path(src, db=tmp_path / "elsewhere.duckdb", progress=False)
    assert ws.path == tmp_path / "elsewhere.duckdb" and ws.count("runs") == 12
    assert not (tmp_path / "sim.duckdb").exists()
    ws.close()
    with pytest.raises(wb.StoreError, match="is a workspace already"):
        wb.open_path(tmp_path / "elsewhere.duckdb", db=tmp_path / "x.duckdb")


def test_bad_inputs_name_the_file_and_leave_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(wb.IngestError, match="nothing.otlp.json: no such file"):
        wb.open_path(tmp_path / "nothing.otlp.json")
    with pytest.raises(wb.IngestError, match="no such file"):
        wb.open_path(tmp_path / "missing.duckdb")
    assert not (tmp_path / "missing.duckdb").exists()
    notes = tmp_path / "notes.json"
    notes.write_text('{"shopping": ["eggs"]}\n')
    with pytest.raises(wb.FormatError, match="notes.json"):
        wb.open_path(notes, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.json"]
