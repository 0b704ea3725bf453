"""Labels told apart by who gave them (store45; labels.given_by, schema version 4).

A label identical to a stored one was stored once, so a person giving an earlier outcome again (success, failure,
success) left the run failed (fixb44's strict xfail, now passing in tests/test_fixb44_inputs.py). Now a person's
outcome label is a new row unless it is the run's latest as it stands, a log's label given again adds nothing (it
cannot undo a person's later label), a labels file's conflicting outcomes are refused per giver, and a store of
schema version 3 is migrated on opening (read-only: read as it is)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from _attack44_logs import run_records, write_log

import workbench as wb


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store45_labels")
    records = [
        *run_records(["planner", "pricer"], outcome="unknown"),
        {"record": "label", "run_id": "r1", "outcome": "success"},
    ]
    return write_log(folder / "run.jsonl", records)


def _labels(ws: wb.Workspace) -> list[tuple]:
    return ws.sql("SELECT outcome, given_by FROM labels ORDER BY created_at, rowid").fetchall()


def test_each_label_keeps_its_giver_and_a_log_given_again_adds_nothing(log: Path) -> None:
    ws = wb.open()
    ws.ingest(log, progress=False)
    ws.label("r1", outcome="failure", by="ana")
    ws.label("r1", outcome="failure", by="ana")  # (the same person saying the same again: the latest already)
    ws.ingest(log, progress=False)  # the log's success again: not a new word, the person's failure stands
    assert _labels(ws) == [("success", None), ("failure", "ana")]
    ws.label("r1", outcome="success", by="ben")
    ws.label("r1", outcome="failure", by="ana")  # ana again, after ben: the latest
    assert _labels(ws)[-2:] == [("success", "ben"), ("failure", "ana")]
    assert ws.sql("SELECT outcome FROM runs").fetchall() == [("failure",)]
    with pytest.raises(wb.InvalidParameterError, match="by must name"):
        ws.label("r1", outcome="success", by=" ")


def test_a_labels_file_refuses_conflicting_outcomes_per_giver(log: Path, tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(log, progress=False)
    two = tmp_path / "two.csv"
    two.write_text("run_id,outcome,given_by\nr1,failure,ana\nr1,success,ben\n", encoding="utf-8")
    assert ws.label_file(two) == 2
    assert _labels(ws)[-2:] == [("failure", "ana"), ("success", "ben")]
    one = tmp_path / "one.csv"
    one.write_text("run_id,outcome,given_by\nr1,failure,ana\nr1,success,ana\n", encoding="utf-8")
    with pytest.raises(
        wb.IngestError, match=r"one.csv: line 3: run 'r1' is given outcome 'success' by 'ana'"
    ):
        ws.label_file(one)


def test_a_store_of_schema_3_is_migrated_and_read_only_read_as_it_is(log: Path, tmp_path: Path) -> None:
    db = tmp_path / "v3.duckdb"
    with wb.open(db) as ws:
        ws.ingest(log, progress=False)
        ws.label("r1", outcome="failure")
    # as the release before wrote it: no giver column, schema version 3
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE labels DROP COLUMN given_by")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    with wb.open(db, read_only=True) as old:
        assert old.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("3",)]
        assert old.labels()["outcome"].tolist() == ["success", "failure"]
        assert "given_by" not in old.labels().columns
    with wb.open(db) as ws:
        assert ws.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("5",)]
        assert _labels(ws) == [("success", None), ("failure", None)]
        ws.label("r1", outcome="success", by="ana")  # an earlier outcome given again, now told apart
        assert ws.sql("SELECT outcome FROM runs").fetchall() == [("success",)]
        ws.export(tmp_path / "export")
    with wb.open() as merged:  # an export keeps the givers
        merged.ingest(tmp_path / "export", progress=False)
        assert _labels(merged) == [("success", None), ("failure", None), ("success", "ana")]
