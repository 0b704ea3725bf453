"""What run records declare (refresh_runs.sql's run_declared) fits the merge's memory however many runs there are.

Its aggregate's states (text, lists) cannot spill: over 312,500 runs of one record each (5M SDK-written OTLP spans)
it ran out of the OTLP merge's 192MB and the whole merge ran again within 1GB. A run of one record now takes its
record as it is; runs of several are aggregated as before (same rows, checked here against that aggregate).
"""

from __future__ import annotations

import duckdb
import pytest

from workbench.store._connection import sql_sections

# The statement as it was: every run aggregated (the reference for the rows).
_AGGREGATED = """
CREATE OR REPLACE TEMP TABLE run_declared AS
SELECT run_id,
       arg_max(source, rowid) FILTER (WHERE source IS NOT NULL) AS source,
       arg_max(system, rowid) FILTER (WHERE system IS NOT NULL) AS system,
       arg_max(task, rowid) FILTER (WHERE task IS NOT NULL) AS task,
       arg_max(outcome, rowid) FILTER (WHERE outcome IS NOT NULL) AS outcome,
       arg_max(outcome_detail, rowid) FILTER (WHERE outcome_detail IS NOT NULL) AS outcome_detail,
       list(attributes::JSON ORDER BY rowid) FILTER (WHERE attributes IS NOT NULL) AS attributes,
       make_timestamp(min(start_ns) // 1000) AS started_at,
       make_timestamp(max(coalesce(end_ns, start_ns)) // 1000) AS ended_at
FROM stage_runs
GROUP BY run_id
"""


def _run_declared() -> str:
    (stmt,) = [
        s
        for _, stmts in sql_sections("refresh_runs")
        for s in stmts
        if s.startswith("CREATE OR REPLACE TEMP TABLE run_declared ")
    ]
    return stmt


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("SET threads = 2")
    yield con
    con.close()


def test_many_runs_of_one_record_fit_a_small_memory_limit(con: duckdb.DuckDBPyConnection) -> None:
    # 50,000 runs of one record with ~90 characters of resource attributes each: the aggregate of every run ran
    # out of 16MB on two threads (5 runs of 5, DuckDB 2.0.1); taken as they are, they fit.
    con.execute("""CREATE TEMP TABLE stage_runs AS
        SELECT 'f.jsonl' AS file, i AS line, md5(i::VARCHAR) AS run_id, 'otlp' AS source, 'desk' AS system,
               NULL::VARCHAR AS task, NULL::VARCHAR AS outcome, NULL::VARCHAR AS outcome_detail,
               '{"service.name":"desk","service.instance.id":"' || md5((-i)::VARCHAR) || md5(i::VARCHAR) || '"}'
                   AS attributes, NULL::BIGINT AS start_ns, NULL::BIGINT AS end_ns
        FROM range(50000) t(i)""")
    con.execute("SET memory_limit = '16MB'")
    con.execute(_run_declared())
    con.execute("RESET memory_limit")
    assert con.execute(
        "SELECT count(*), count(DISTINCT run_id), count(attributes) FROM run_declared"
    ).fetchall() == [(50000, 50000, 50000)]


def test_same_rows_as_the_aggregate_of_every_run(con: duckdb.DuckDBPyConnection) -> None:
    # Runs of one record and of several (their records out of order), NULLs in every column, a NULL run id.
    con.execute("""CREATE TEMP TABLE stage_runs AS
        SELECT 'f' || (i % 3) AS file, i AS line,
               CASE WHEN i % 97 = 0 THEN NULL ELSE 'r' || (i % 700) END AS run_id,
               CASE WHEN i % 5 = 0 THEN NULL ELSE 's' || (i % 4) END AS source,
               CASE WHEN i % 7 = 0 THEN NULL ELSE 'sys' || (i % 6) END AS system,
               CASE WHEN i % 3 = 0 THEN 'task' || i END AS task,
               CASE WHEN i % 11 = 0 THEN 'failure' WHEN i % 13 = 0 THEN 'success' END AS outcome,
               CASE WHEN i % 17 = 0 THEN 'detail' || i END AS outcome_detail,
               CASE WHEN i % 4 = 0 THEN NULL ELSE '{"k' || (i % 5) || '": ' || i || '}' END AS attributes,
               CASE WHEN i % 9 = 0 THEN NULL ELSE 1000000 * i END AS start_ns,
               CASE WHEN i % 8 = 0 THEN NULL ELSE 1000000 * i + 5000 END AS end_ns
        FROM range(1000) t(i) ORDER BY hash(i)""")
    con.execute(_AGGREGATED)
    con.execute("ALTER TABLE run_declared RENAME TO expected")
    con.execute(_run_declared())
    shapes = con.execute("""SELECT count(*), count(*) FILTER (WHERE len(attributes) > 1),
                                   count(*) FILTER (WHERE len(attributes) = 1), count(*) FILTER (WHERE run_id IS NULL)
                            FROM expected""").fetchall()[0]
    assert shapes[0] > 600 and shapes[1] > 100 and shapes[2] > 100 and shapes[3] == 1  # (both kinds of run)
    assert con.execute("DESCRIBE run_declared").fetchall() == con.execute("DESCRIBE expected").fetchall()
    for a, b in (("run_declared", "expected"), ("expected", "run_declared")):
        assert con.execute(
            f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})"
        ).fetchall() == [(0,)]
