"""A trace split across two stores, one merged into the other by its Parquet export (storeb44).

The ingest runs two staging-only rules again over the stored steps of the runs a call meets that the store held
(store44's ``store/_stored_rules.py``): a hand-off naming no agent names the next other agent to start, and a tool
step read out of a model call's messages goes once the run's own spans trace its tools. An export merged into a
store holding the trace's other part met the same split and ran neither: the hand-offs stayed unnamed, the
made-up tool step stayed. The merge now runs them over the runs whose steps came from both sides. A hand-off the
stored rule named, given again unnamed (the same export merged twice, the same file read twice), is read with the
name the store gave it, as the ingest reads a step given again after its other rules."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb
import pytest

import workbench as wb

sys.path.insert(0, str(Path(__file__).parents[1] / "ingest"))
from test_store42_export_split import _split  # noqa: E402
from test_store43_split_rules import _loose  # noqa: E402

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"


@pytest.mark.parametrize(
    ("src", "store_holds"),
    [
        # ADK's own transfer_to_agent (no arguments traced): the hand-offs in the export, the agents they hand to in
        # the store
        ("adk/own_transfer.otlp.jsonl", "second"),
        # an MCP quote desk: the model call asking for transfer_to_writer in one part, the hand-off's span in the other
        ("mcp/agents_mcp_down.otlp.jsonl", "second"),
    ],
)
def test_an_export_holding_the_rest_of_a_trace_leaves_it_as_one_call_of_both(
    tmp_path: Path, src: str, store_holds: str
) -> None:
    path = FIXTURES / src
    first, second = _split(path, 7, tmp_path)
    held, exported = (first, second) if store_holds == "first" else (second, first)
    with wb.open() as ws:
        ws.ingest(path, progress=False)
        want = _loose(ws)
    with wb.open() as other:
        assert other.ingest(exported, progress=False).quarantined == 0
        folder = other.export(tmp_path / "export")
    with wb.open() as ws:
        assert ws.ingest(held, progress=False).quarantined == 0
        report = ws.ingest(folder, progress=False)
        assert report.quarantined == 0 and report.read == report.stored, report
        assert _loose(ws) == want
        # the same export merged again adds nothing: a hand-off the store named since is the export's unnamed one
        again = ws.ingest(folder, progress=False)
        assert again.quarantined == 0 and _loose(ws) == want, again.errors


def test_a_file_read_again_after_its_handoffs_were_named_from_the_store_adds_nothing(tmp_path: Path) -> None:
    # store44's stored rule named the hand-offs of the trace's first file from the agents the second file gave; the
    # first file read again (its hand-offs staged unnamed) was quarantined as differing in output
    path = FIXTURES / "adk" / "own_transfer.otlp.jsonl"
    first, second = _split(path, 7, tmp_path)
    with wb.open() as ws:
        ws.ingest(second, progress=False)
        ws.ingest(first, progress=False)
        named = _loose(ws)
        report = ws.ingest(first, progress=False)
        assert report.quarantined == 0, report.errors
        assert _loose(ws) == named


def test_an_export_run_row_ending_before_it_starts_costs_only_itself(tmp_path: Path) -> None:
    # finalize.sql quarantines a log's run record ending before it starts; an export's run row was merged as given
    with wb.open() as ws:
        ws.ingest(FIXTURES / "adk" / "own_transfer.otlp.jsonl", progress=False)
        want = _loose(ws, ("steps", "edges"))
        times = ws.sql("SELECT run_id, started_at, ended_at FROM runs").fetchall()
        folder = ws.export(tmp_path / "export")
    (parquet,) = sorted((folder / "runs").rglob("*.parquet"))
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * REPLACE (started_at - INTERVAL 1 DAY AS ended_at) FROM read_parquet(?)) TO '"
        + str(tmp_path / "edited.parquet").replace("'", "''")
        + "' (FORMAT parquet)",
        [str(parquet)],
    )
    con.close()
    shutil.move(tmp_path / "edited.parquet", parquet)
    with wb.open() as merged:
        report = merged.ingest(folder, progress=False)
        (error,) = report.errors
        assert str(parquet) in error and "run record ends before it starts" in error, error
        assert merged.sql("SELECT count(*) FROM runs WHERE ended_at < started_at").fetchall() == [(0,)]
        assert report.read == report.stored + report.quarantined, report
        # (the run row rebuilt from its steps, kept whole, as for a run row refused for its other values: its times
        # span its steps')
        assert _loose(merged, ("steps", "edges")) == want
        assert merged.sql("SELECT run_id, started_at, ended_at FROM runs").fetchall() == times
