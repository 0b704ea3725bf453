"""Store and Workspace: schema, queries, labels, atomicity, idempotence, lock, Parquet export."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb


def _steps(run: str, n: int, *, t0: int = 1_767_225_600_000_000_000) -> list[dict]:
    recs: list[dict] = [
        {"record": "run", "run_id": run, "system": "unit", "task": "t"},
        {
            "run_id": run,
            "step_id": "root",
            "kind": "system",
            "status": "error",
            "started_at": t0,
            "ended_at": t0 + n * 1_000_000,
        },
    ]
    for i in range(n):
        recs.append(
            {
                "run_id": run,
                "step_id": f"s{i}",
                "parent_id": "root",
                "agent": "planner" if i % 2 == 0 else "executor",
                "kind": "agent",
                "started_at": t0 + i * 1_000_000,
                "ended_at": t0 + (i + 1) * 1_000_000,
            }
        )
        recs.append(
            {
                "run_id": run,
                "step_id": f"s{i}.llm",
                "parent_id": f"s{i}",
                "kind": "llm",
                "started_at": t0 + i * 1_000_000 + 1000,
                "ended_at": t0 + (i + 1) * 1_000_000 - 1000,
            }
        )
    return recs


def test_open_memory_has_every_table_and_schema_version() -> None:
    ws = wb.open()
    assert ws.summary()["table"].tolist()[:7] == [
        "runs",
        "steps",
        "edges",
        "labels",
        "findings",
        "attributions",
        "quarantine",
    ]
    assert ws.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("5",)]


def test_agents_are_inherited_and_steps_ordered() -> None:
    ws = wb.open()
    report = ws.ingest(_steps("r1", 3))
    assert (report.read, report.stored, report.quarantined) == (7, 7, 0)
    steps = ws.steps("r1")
    assert steps["seq"].tolist() == list(range(7))
    llm = steps.set_index("step_id").loc[["s0.llm", "s1.llm"]]
    assert llm["agent"].tolist() == ["planner", "executor"]
    assert llm["agent_own"].isna().all()
    assert steps.set_index("step_id").loc["s0.llm", "depth"] == 2
    run = ws.runs().iloc[0]
    assert (run["outcome"], run["outcome_source"], run["n_steps"]) == ("failure", "root_status", 7)


def test_trace_split_over_two_inputs_inherits_agent_later() -> None:
    ws = wb.open()
    recs = _steps("r1", 2)
    children = [r for r in recs if r.get("step_id", "").endswith(".llm")]
    ws.ingest(children)
    assert ws.steps("r1")["agent"].isna().all()
    ws.ingest([r for r in recs if r not in children])
    steps = ws.steps("r1").set_index("step_id")
    assert steps.loc["s1.llm", "agent"] == "executor"
    assert ws.runs().iloc[0]["n_steps"] == 5


def test_ingest_twice_adds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    recs = _steps("r1", 4) + [{"run_id": "r1"}, "not an object"]
    path.write_text("\n".join(json.dumps(r) for r in recs) + "\n{broken\n")
    ws = wb.open()
    first = ws.ingest(path)
    before = {t: ws.count(t) for t in ("runs", "steps", "edges", "labels", "quarantine")}
    second = ws.ingest(path)
    assert first.read == second.read == first.stored + first.quarantined
    assert (first.quarantined, first.added, second.added) == (3, 9, 0)
    assert {t: ws.count(t) for t in before} == before
    reasons = ws.quarantine()["reason"].tolist()
    assert any("broken JSON" in r for r in reasons) and any("step id" in r for r in reasons)
    assert ws.quarantine()["line"].tolist() == [11, 12, 13]


def test_label_overrides_outcome_and_is_validated() -> None:
    ws = wb.open()
    ws.ingest(_steps("r1", 1))
    ws.label("r1", outcome="success", agent="planner", step_id="s0", kind="loop")
    run = ws.runs().iloc[0]
    assert (run["outcome"], run["outcome_source"]) == ("success", "label")
    assert ws.labels("r1")[["agent", "step_id", "kind", "source"]].values.tolist() == [
        ["planner", "s0", "loop", "human"]
    ]
    with pytest.raises(wb.WorkbenchError, match="no run 'nope'"):
        ws.label("nope", outcome="failure")
    with pytest.raises(wb.WorkbenchError, match="outcome must be one of"):
        ws.label("r1", outcome="broken")


def test_failure_mid_ingest_leaves_store_as_it_was() -> None:
    ws = wb.open()
    ws.ingest(_steps("r0", 2))
    before = {t: ws.count(t) for t in ("runs", "steps", "edges", "quarantine")}

    def records():
        yield from _steps("r1", 5)
        raise RuntimeError("disk vanished")

    with pytest.raises(wb.IngestError, match="disk vanished.*nothing was stored"):
        ws.ingest(records())
    assert {t: ws.count(t) for t in before} == before


def test_unknown_format_names_file_and_formats(tmp_path: Path) -> None:
    path = tmp_path / "mystery.txt"
    path.write_text("hello, world\n")
    with pytest.raises(wb.FormatError) as err:
        wb.open().ingest(path)
    text = str(err.value)
    assert str(path) in text and "native" in text and "not in any known format" in text


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(wb.IngestError, match="no such file"):
        wb.open().ingest(tmp_path / "absent.jsonl")


def test_sql_is_parameterised_against_injection() -> None:
    ws = wb.open()
    evil = "r1'; DROP TABLE steps; --"
    ws.ingest(_steps(evil, 1))
    assert ws.steps(evil)["run_id"].unique().tolist() == [evil]
    assert ws.sql("SELECT count(*) FROM steps WHERE run_id = ?", [evil]).fetchall() == [(3,)]
    assert ws.count("steps") == 3


_HOLDER = textwrap.dedent("""
    import sys, time
    import workbench as wb
    ws = wb.open(sys.argv[1])
    print("open", flush=True)
    time.sleep(60)
""")


def test_second_writer_gets_a_clear_lock_message(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    wb.open(db).close()
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(wb.StoreLockedError) as err:
            wb.open(db)
        assert f"process {holder.pid}" in str(err.value) and "ws.snapshot(PATH)" in str(err.value)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


_KILLED = textwrap.dedent("""
    import sys
    import workbench as wb
    ws = wb.open(sys.argv[1])
    print("start", flush=True)
    ws.ingest(sys.argv[2], progress=False)
    print("done", flush=True)
""")


def test_killed_mid_ingest_leaves_store_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    with wb.open(db) as ws:
        ws.ingest(_steps("before", 3))
    big = tmp_path / "big.jsonl"
    # 600 runs of 200 steps, each run's lines those of one run with its id put in (the same bytes as dumping every
    # record: 1.3 of this test's CPU seconds went to json.dumps)
    one_run = "".join(json.dumps(rec) + "\n" for rec in _steps("RUN-ID", 200))
    with big.open("w") as fh:
        for r in range(600):
            fh.write(one_run.replace('"RUN-ID"', f'"run{r}"'))
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED, str(db), str(big)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "start"
    time.sleep(1.5)
    still_running = proc.poll() is None
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert still_running, "the ingest finished before it could be killed: make the file bigger"
    with wb.open(db) as ws:
        assert ws.count("runs") == 1 and ws.count("steps") == 7
        assert ws.runs()["run_id"].tolist() == ["before"]


def test_export_to_parquet_and_read_back_in_place(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(_steps("r1", 3) + _steps("r2", 2, t0=1_767_312_000_000_000_000) + [{"run_id": "r3"}])
    ws.label("r2", outcome="success", agent="planner", step_id="s0", kind="loop")
    out = ws.export(tmp_path / "export")
    assert sorted(p.name for p in (out / "steps").iterdir()) == ["day=2026-01-01", "day=2026-01-02"]
    back = wb.open(out)
    assert back.read_only
    for table in ("runs", "steps", "edges", "labels", "findings", "attributions", "quarantine"):
        a = ws.sql(f"SELECT * FROM {table}").df()
        b = back.sql(f"SELECT * FROM {table}").df()
        assert list(a.columns) == list(b.columns), table
        key = list(a.columns)
        a = a.astype(str).sort_values(key).reset_index(drop=True)
        b = b.astype(str).sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, obj=table)
    with pytest.raises(wb.ReadOnlyStoreError):
        back.ingest(_steps("r9", 1))


def test_memory_limit_is_applied_and_checked() -> None:
    ws = wb.open(memory_limit="512MB")
    limit = ws.sql("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert limit.replace(" ", "").upper() in ("488.2MIB", "512.0MB", "512MB", "488MIB")
    with pytest.raises(wb.StoreError, match="memory_limit 'lots'"):
        wb.open(memory_limit="lots")


def test_a_store_on_disk_ingests_within_a_memory_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The budget holds during the ingest only; a budget too small for some step costs a second try,
    # never a record; a limit the user chose is left alone.
    import workbench.workspace as workspace

    path = tmp_path / "log.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"run_id": f"r{i // 5}", "step_id": f"s{i}", "kind": "llm", "input": "x" * 200})
            for i in range(2000)
        )
        + "\n"
    )
    seen: list[str] = []
    real = workspace.run_ingest

    def spy(con, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append(kwargs.get("memory_budget"))
        return real(con, *args, **kwargs)

    monkeypatch.setattr(workspace, "run_ingest", spy)
    with wb.open(tmp_path / "a.duckdb") as ws:
        default = ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        report = ws.ingest(path)
        assert (report.stored, seen) == (2000, ["640MB"])
        assert ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == default
    monkeypatch.setattr(workspace, "INGEST_MEMORY", "1MB")
    seen.clear()
    with wb.open(tmp_path / "b.duckdb") as ws:
        report = ws.ingest(path)
        assert (report.stored, report.quarantined, ws.count("steps")) == (2000, 0, 2000)
        assert seen == ["1MB", None]
    seen.clear()
    with wb.open(tmp_path / "c.duckdb", memory_limit="2GB") as ws:
        ws.ingest(path)
        assert seen == [None]


def test_an_otlp_ingest_out_of_memory_is_retried_not_read_in_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Running out of memory inside the OTLP fast path loses the transaction, not the batch: the call is
    # run again without the budget and stores every span.
    import workbench.workspace as workspace

    spans = [
        {
            "traceId": f"{t:032x}",
            "spanId": f"{t * 8 + i + 1:016x}",
            "name": "chat gpt-4o",
            "startTimeUnixNano": str(1_767_225_600_000_000_000 + i),
            "endTimeUnixNano": str(1_767_225_600_000_000_100 + i),
            "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}],
        }
        for t in range(1, 200)
        for i in range(5)
    ]
    path = tmp_path / "otlp.jsonl"
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}]}
                ]
            }
        )
        + "\n"
    )
    monkeypatch.setattr(workspace, "INGEST_MEMORY", "1MB")
    with wb.open(tmp_path / "o.duckdb") as ws:
        report = ws.ingest(path)
        assert (report.stored, report.quarantined, ws.count("steps")) == (len(spans), 0, len(spans))
