"""An OTLP file's run rows (_otlp_read._insert_runs) fit a small memory limit however many runs it holds; a merge
that runs out of memory and runs again with more says so.

Staging gathered every run's candidates (one per trace a block or the Python reader found) with ``arg_min`` of
their text: states DuckDB cannot spill, the kind refresh_runs.sql's run_declared had when 5M spans ran out of the
merge's 192MB (perf43). A run of one candidate is now taken as it is, and only runs of several are aggregated (the
same rows: checked here against the aggregate of every run). The merge's second try within MERGE_RETRY_MEMORY was
silent; it now logs a warning and puts a note in the report.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest
from test_otlp24_memory import _write_traces

import workbench as wb
from workbench.ingest import _driver
from workbench.ingest._base import Stage
from workbench.ingest._otlp_read import _insert_runs
from workbench.ingest._stage_tables import create_stage_tables

# The statement as it was: every run aggregated (the reference for the rows).
_AGGREGATED = (
    "INSERT INTO stage_runs BY NAME SELECT $file AS file, arg_min(line, order_hint) AS line, run_id, "
    "$source AS source, arg_min(system, order_hint) AS system, "
    "arg_min(attributes, order_hint) AS attributes FROM (SELECT * FROM cand) GROUP BY run_id"
)


@pytest.fixture
def stage():
    con = duckdb.connect()
    con.execute("SET threads = 2")
    create_stage_tables(con)
    stage = Stage(con, "otlp")
    stage.file = "/logs/traces.jsonl"
    yield stage
    con.close()


def test_many_runs_of_one_candidate_fit_a_small_memory_limit(stage: Stage) -> None:
    # 50,000 runs of one candidate, ~90 characters of resource attributes each: aggregated, they ran out of
    # 16MB on two threads (5 runs of 5, and on one thread too, DuckDB 2.0.1); taken as they are, they fit.
    con = stage.con
    con.execute("""CREATE TEMP TABLE cand AS
        SELECT md5(i::VARCHAR) AS run_id, i AS order_hint, i + 1 AS line, 'desk' AS system,
               '{"service.name":"desk","service.instance.id":"' || md5((-i)::VARCHAR) || md5(i::VARCHAR) || '"}'
                   AS attributes
        FROM range(50000) t(i)""")
    con.execute("SET memory_limit = '16MB'")
    _insert_runs(stage, "SELECT * FROM cand")
    con.execute("RESET memory_limit")
    assert con.execute(
        "SELECT count(*), count(DISTINCT run_id), count(attributes), min(file), min(source) FROM stage_runs"
    ).fetchall() == [(50000, 50000, 50000, "/logs/traces.jsonl", "otlp")]


def test_same_rows_as_the_aggregate_of_every_run(stage: Stage) -> None:
    # Runs of one candidate and of several (out of order), NULLs in every column (a NULL order_hint too: arg_min
    # skips that row), a NULL run id.
    con = stage.con
    con.execute("""CREATE TEMP TABLE cand AS
        SELECT CASE WHEN i % 97 = 0 THEN NULL ELSE 'r' || (i % 700) END AS run_id,
               CASE WHEN i % 23 = 0 THEN NULL ELSE (i * 7919) % 1000 END AS order_hint,
               CASE WHEN i % 9 = 0 THEN NULL ELSE i END AS line,
               CASE WHEN i % 7 = 0 THEN NULL ELSE 'sys' || (i % 6) END AS system,
               CASE WHEN i % 4 = 0 THEN NULL ELSE '{"k' || (i % 5) || '": ' || i || '}' END AS attributes
        FROM range(1000) t(i) ORDER BY hash(i)""")
    con.execute(_AGGREGATED, {"file": stage.file, "source": stage.source})
    con.execute("CREATE TEMP TABLE expected AS SELECT * FROM stage_runs")
    con.execute("DELETE FROM stage_runs")
    shapes = con.execute("""SELECT count(*) FILTER (WHERE n > 1), count(*) FILTER (WHERE n = 1),
                                   count(*) FILTER (WHERE run_id IS NULL), count(*) FILTER (WHERE n = 1 AND nulls)
                            FROM (SELECT run_id, count(*) AS n, bool_or(order_hint IS NULL) AS nulls
                                  FROM cand GROUP BY run_id)""").fetchall()[0]
    assert shapes[0] > 100 and shapes[1] > 100 and shapes[2] == 1 and shapes[3] > 0  # (every kind of run)
    _insert_runs(stage, "SELECT * FROM cand")
    assert (
        con.execute("SELECT count(*) FROM stage_runs").fetchall()
        == con.execute("SELECT count(*) FROM expected").fetchall()
    )
    for a, b in (("stage_runs", "expected"), ("expected", "stage_runs")):
        assert con.execute(
            f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})"
        ).fetchall() == [(0,)]


def test_a_merge_run_again_with_more_memory_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A real out-of-memory: a merge limit no merge fits in (as test_otlp41_small_merge.py), then MERGE_RETRY_MEMORY.
    path = tmp_path / "traces.jsonl"
    n = _write_traces(path, 5)
    monkeypatch.setattr(_driver, "OTLP_SMALL_MERGE_MEMORY", "1MB")
    with (
        caplog.at_level(logging.WARNING, logger="workbench.ingest"),
        wb.open(tmp_path / "store.duckdb") as ws,
    ):
        report = ws.ingest(path, format="otlp", progress=False)
        assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(n,)]
    assert report.added == n
    said = [r.getMessage() for r in caplog.records if r.name == "workbench.ingest"]
    assert (
        len(said) == 1
        and "memory limit (1MB)" in said[0]
        and f"within {_driver.MERGE_RETRY_MEMORY}" in said[0]
    )
    assert "DuckDB said: Out of Memory Error" in said[0]
    assert said == [note for note in report.notes if "ran out of its memory limit" in note]
    assert "ran again alone within 1GB" in str(report)


def test_one_candidate_a_run_taken_as_it_is(stage: Stage) -> None:
    # The Python reader's candidates (one a run, ctx.runs) go in without the search for runs of several: the
    # same rows as the aggregate, a NULL order_hint and NULL values included.
    con = stage.con
    con.execute("""CREATE TEMP TABLE cand AS
        SELECT 'r' || i AS run_id, CASE WHEN i % 5 = 0 THEN NULL ELSE 1000 - i END AS order_hint,
               CASE WHEN i % 3 = 0 THEN NULL ELSE i END AS line,
               CASE WHEN i % 7 = 0 THEN NULL ELSE 'sys' || (i % 6) END AS system,
               CASE WHEN i % 4 = 0 THEN NULL ELSE '{"k": ' || i || '}' END AS attributes
        FROM range(200) t(i)""")
    con.execute(_AGGREGATED, {"file": stage.file, "source": stage.source})
    con.execute("CREATE TEMP TABLE expected AS SELECT * FROM stage_runs")
    con.execute("DELETE FROM stage_runs")
    _insert_runs(stage, "SELECT * FROM cand", one_each=True)
    for a, b in (("stage_runs", "expected"), ("expected", "stage_runs")):
        assert con.execute(
            f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})"
        ).fetchall() == [(0,)]
    assert con.execute("SELECT count(*), count(line) FROM stage_runs").fetchall() == [
        (200, 107)
    ]  # (line NULL where i % 3 or order_hint NULL where i % 5: 93)
