"""The OTLP SQL path's per-block statements (issue 11): a block with nothing to hand back runs no UPDATE and no
hand-back query, and the copy into ``stage_steps`` runs on one DuckDB thread (putting the user's thread count
back), or sorted on every thread after the parallel pipeline's unordered statement. What it stages is unchanged: the same rows and rejects as the Python path."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_otlp_fast import kv, line, snapshot, span

from workbench.ingest import _timings
from workbench.ingest._base import Stage
from workbench.ingest._stage_tables import create_stage_tables
from workbench.ingest.otlp import OtlpJson


def _clean(path: Path) -> Path:
    traces = [
        line(
            span(
                1,
                kv("gen_ai.operation.name", "invoke_agent"),
                kv("gen_ai.agent.name", "planner"),
                trace=f"{t:032x}",
            ),
            span(
                2,
                kv("gen_ai.operation.name", "chat"),
                kv("gen_ai.usage.input_tokens", 7),
                trace=f"{t:032x}",
                parent=f"{1:016x}",
            ),
        )
        for t in range(1, 4)
    ]
    path.write_text("\n".join(traces) + "\n", encoding="utf-8")
    return path


def _statements(
    path: Path, monkeypatch: pytest.MonkeyPatch, threads: int = 2
) -> tuple[list[str], list[tuple[str, int]], Stage]:
    """The statements the SQL path ran for ``path`` (DuckDB's query log), and the stage statements (through
    ``_timings.execute``) each with the thread count it ran with."""
    timed: list[tuple[str, int]] = []
    real = _timings.execute

    def execute(con, sql, params=None, tag="stage"):  # noqa: ANN001, ANN202
        timed.append((sql, int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])))
        return real(con, sql, params, tag)

    monkeypatch.setattr(_timings, "execute", execute)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    create_stage_tables(con)
    stage = Stage(con, source="otlp")
    stage.file = str(path)
    con.execute("CALL enable_logging('QueryLog')")
    OtlpJson(fast=True).stage(path, stage)
    con.execute("CALL disable_logging()")
    logged = [
        m for (m,) in con.execute("SELECT message FROM duckdb_logs() WHERE type = 'QueryLog'").fetchall()
    ]
    assert int(con.execute("SELECT current_setting('threads')").fetchall()[0][0]) == threads
    return logged, timed, stage


def test_a_clean_block_runs_no_update_and_no_hand_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _clean(tmp_path / "clean.jsonl")
    logged, _, stage = _statements(path, monkeypatch)
    assert stage.read == 6
    assert [s for s in logged if "TEMP TABLE _wb_otlp_spans AS" in s]  # (the SQL path read it)
    assert not [s for s in logged if s.startswith("UPDATE _wb_otlp_spans")]
    assert not [s for s in logged if "WHERE NOT fast ORDER BY line" in s]


def test_a_block_with_a_bad_line_and_a_slow_span_hands_them_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _clean(tmp_path / "odd.jsonl")
    with path.open("a", encoding="utf-8") as fh:
        fh.write("{broken\n")  # (a line DuckDB cannot decode: bad, handed back whole and quarantined)
        # (a span whose attribute is an array: not read by the SQL path, handed back alone)
        fh.write(
            line(span(9, kv("tags", {"arrayValue": {"values": [{"stringValue": "a"}]}}), trace="f" * 32))
            + "\n"
        )
    logged, _, stage = _statements(path, monkeypatch)
    assert [s for s in logged if s.startswith("UPDATE _wb_otlp_spans")]
    assert [s for s in logged if "WHERE NOT fast ORDER BY line" in s]
    assert snapshot(path, True) == snapshot(path, False)
    assert stage.read == 8


@pytest.mark.parametrize("pipeline", ["serial", "parallel"])
def test_the_copy_into_stage_steps_runs_on_one_thread_unless_sorted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pipeline: str
) -> None:
    # Serial: the rows are mapped in order and copied on one thread. Parallel: mapped out of order (every thread
    # runs the statement), they are copied sorted by order_hint, which keeps the order on every thread. Both
    # put the instance's settings back.
    from workbench.ingest import _otlp_sql

    monkeypatch.setattr(_otlp_sql, "PIPELINE", pipeline)
    logged, timed, _ = _statements(_clean(tmp_path / "clean.jsonl"), monkeypatch, threads=3)
    copies = [
        (n, s.endswith("ORDER BY order_hint")) for s, n in timed if s.startswith("INSERT INTO stage_steps")
    ]
    spans = [n for s, n in timed if "TEMP TABLE _wb_otlp_spans AS" in s]
    assert copies == ([(1, False)] if pipeline == "serial" else [(3, True)]) and spans == [3]
    unordered = [s for s in logged if "preserve_insertion_order" in s and s.startswith(("SET", "RESET"))]
    # (the cursor's session only: test_otlp38_session_order.py)
    assert unordered == (
        []
        if pipeline == "serial"
        else ["SET SESSION preserve_insertion_order = false", "RESET SESSION preserve_insertion_order"]
    )
