"""A Parquet export read back by an engine that is not DuckDB (pyarrow.dataset) holds the same data."""

from __future__ import annotations

import warnings
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

import workbench as wb
from workbench.detect import detect
from workbench.workspace import TABLES


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[wb.Workspace, Path]:
    # (read from the JSONL file the simulator writes: the same runs as ingesting its Run objects, each JSON text's
    # keys sorted, at a fifth of the CPU: test_on_simulator.py's _store_of)
    runs = tmp_path_factory.mktemp("sim") / "runs.jsonl"
    wb.sim.write_jsonl(wb.sim.procurement(seed=3).generate(80), runs)
    ws = wb.open()
    ws.ingest(runs, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy's exact KS falls back to asymptotic
        detect(ws, progress=False)
    folder = ws.export(tmp_path_factory.mktemp("export") / "store_parquet")
    return ws, folder


def _dataset(folder: Path, table: str) -> ds.Dataset:
    return ds.dataset(folder / table, format="parquet", partitioning="hive")


def test_every_table_has_the_workspaces_row_count(exported: tuple[wb.Workspace, Path]) -> None:
    ws, folder = exported
    counts = {t: _dataset(folder, t).count_rows() for t in (*TABLES, "meta")}
    assert counts == {
        t: ws.count(t) if t != "meta" else ws.sql("SELECT count(*) FROM meta").fetchall()[0][0]
        for t in counts
    }
    assert counts["steps"] > 1000 and counts["findings"] > 0


def test_aggregates_agree(exported: tuple[wb.Workspace, Path]) -> None:
    ws, folder = exported
    steps = _dataset(folder, "steps").to_table(
        columns=["run_id", "tokens_in", "tokens_out", "status", "latency_ms", "started_at"]
    )
    want = ws.sql(
        "SELECT count(DISTINCT run_id), sum(tokens_in), sum(tokens_out), "
        "count(*) FILTER (WHERE status = 'error'), round(sum(latency_ms), 3), min(started_at) "
        "FROM steps"
    ).fetchall()[0]
    got = (
        pc.count_distinct(steps["run_id"]).as_py(),
        pc.sum(steps["tokens_in"]).as_py(),
        pc.sum(steps["tokens_out"]).as_py(),
        pc.sum(pc.equal(steps["status"], "error")).as_py(),
        round(pc.sum(steps["latency_ms"]).as_py(), 3),
        pc.min(steps["started_at"]).as_py(),
    )
    assert got == want
    runs = _dataset(folder, "runs").to_table(columns=["outcome"])
    by_outcome = dict(zip(*pc.value_counts(runs["outcome"]).flatten(), strict=True))
    assert {k.as_py(): v.as_py() for k, v in by_outcome.items()} == dict(
        ws.sql("SELECT outcome, count(*) FROM runs GROUP BY outcome").fetchall()
    )
    findings = _dataset(folder, "findings").to_table(columns=["detector"])
    assert sorted(pc.unique(findings["detector"]).to_pylist()) == sorted(
        d for (d,) in ws.sql("SELECT DISTINCT detector FROM findings").fetchall()
    )
