"""Each detector on small runs whose faults are known by construction."""

from __future__ import annotations

import importlib
import json

import pytest
from _runs import RunBuilder, S, _hits, _ws

import workbench as wb
from workbench.detect import DetectorConfig, detect


def test_loop_of_one_call_and_cycle_of_two() -> None:
    one = RunBuilder("one")
    for _ in range(4):
        one.add(
            kind="tool", agent="pricer", tool="get_price", input='{"sku": "SKU-7"}', output='{"price": 12.5}'
        )
    two = RunBuilder("two")
    for _ in range(3):
        two.add(kind="tool", agent="retriever", tool="search", input='{"q": "awning"}', output="[]")
        two.add(kind="tool", agent="retriever", tool="open", input='{"id": 1}', output="{}")
    calm = RunBuilder("calm")
    for sku in ("A-1", "A-2", "A-3", "A-4"):
        calm.add(kind="tool", agent="pricer", tool="get_price", input=json.dumps({"sku": sku}), output="{}")
    findings = detect(_ws(one, two, calm), detectors=["loop"])
    hits = {h["run_id"]: h for h in _hits(findings, "loop")}
    assert set(hits) == {"one", "two"}
    assert json.loads(hits["one"]["attributes"])["turns"] == 4 and hits["one"]["step_id"] == "s01"
    assert json.loads(hits["two"]["attributes"])["period"] == 2
    assert "search → open" in hits["two"]["detail"]


def test_retries_warn_and_go_critical_past_the_budget() -> None:
    run = RunBuilder("r")
    for k in range(5):
        run.add(
            kind="tool",
            agent="executor",
            tool="place_order",
            input='{"qty": 40}',
            status="error" if k < 4 else "ok",
            error="429 Too Many Requests",
        )
    short = RunBuilder("short")
    short.add(kind="tool", agent="executor", tool="place_order", input="{}", status="error", error="timeout")
    short.add(kind="tool", agent="executor", tool="place_order", input="{}")
    findings = detect(_ws(run, short), detectors=["retry", "loop"])
    retry = {h["run_id"]: h for h in _hits(findings, "retry")}
    assert retry["r"]["severity"] == "critical" and "4 time(s)" in retry["r"]["detail"]
    assert retry["short"]["severity"] == "warning"
    assert not _hits(findings, "loop"), "a retry chain is not a loop"


def test_storm_budgets_per_run_and_per_agent() -> None:
    run = RunBuilder("storm")
    for k in range(6):
        run.add(kind="tool", agent="retriever", tool="search", input=str(k))
    config = DetectorConfig(max_tool_calls_run=5, max_tool_calls_agent=3)
    hits = _hits(detect(_ws(run), config=config, detectors=["storm"]), "storm")
    scopes = sorted(json.loads(h["attributes"])["scope"] for h in hits)
    assert scopes == ["agent", "run"]


def test_breaches_of_latency_depth_and_handoffs() -> None:
    run = RunBuilder("slow")
    run.add(kind="llm", agent="planner", latency=45 * S)
    deep = RunBuilder("deep")
    parent = "s00"
    for _ in range(4):
        parent = deep.add(kind="agent", agent="planner", parent_id=parent)
    config = DetectorConfig(max_depth=3, max_run_latency_ms=50_000)
    findings = detect(_ws(run, deep), config=config, detectors=["breach"])
    kinds = {
        (h["run_id"], h["detector"], json.loads(h["attributes"]).get("scope"))
        for h in findings.to_dict("records")
    }
    assert ("slow", "latency_breach", "step") in kinds
    assert ("slow", "latency_breach", "run") in kinds
    assert ("deep", "depth_breach", None) in kinds


def test_ping_pong_between_two_agents_only() -> None:
    pp = RunBuilder("pp")
    for agent in ["planner", "pricer"] * 3:
        pp.add(kind="agent", agent=agent, output="you do it")
    pipeline = RunBuilder("pipeline")
    for agent in ["planner", "retriever", "pricer", "executor", "verifier"]:
        pipeline.add(kind="agent", agent=agent)
    hits = _hits(detect(_ws(pp, pipeline), detectors=["ping_pong"]), "ping_pong")
    assert [h["run_id"] for h in hits] == ["pp"]
    assert "planner and pricer" in hits[0]["detail"] and "5 times" in hits[0]["detail"]


def test_silent_failure_flags_the_value_and_where_it_first_appeared() -> None:
    bad = RunBuilder("bad", outcome="success")
    bad.add(kind="tool", agent="pricer", tool="get_price", output='{"sku": "SKU-7", "price": 12.50}')
    origin = bad.add(kind="llm", agent="pricer", output="unit price is 13.75")
    bad.add(kind="llm", agent="verifier", output="looks right")
    bad.answer("Ordered 40 units at 13.75, total 550.00")
    good = RunBuilder("good", outcome="success")
    good.add(kind="tool", agent="pricer", tool="get_price", output='{"sku": "SKU-7", "price": 12.50}')
    good.add(kind="tool", agent="executor", tool="place_order", output='{"order_id": "PO-991"}')
    good.answer("Ordered 40 units at 12.50 each (total 500.00), order PO-991")
    hits = _hits(detect(_ws(bad, good), detectors=["silent_failure"]), "silent_failure")
    assert [h["run_id"] for h in hits] == ["bad"]
    assert (hits[0]["step_id"], hits[0]["agent"]) == (origin, "pricer")
    assert "13.75" in hits[0]["detail"] and "550.00" in hits[0]["detail"]


def test_cascade_marks_every_step_built_on_the_fault() -> None:
    run = RunBuilder("cascade", outcome="failure")
    run.add(kind="tool", agent="retriever", tool="search", output='{"sku": "SKU-7", "price": 12.5}')
    wrong = run.add(kind="llm", agent="pricer", output="price 15.25")
    used = run.add(kind="llm", agent="executor", input="order at 15.25", output="placing order")
    checked = run.add(kind="llm", agent="verifier", input="check", output="ok")
    run.edge(wrong, used)
    run.edge(used, checked)
    run.answer("done at 15.25")
    findings = detect(_ws(run), detectors=["cascade"])
    origin = [h for h in _hits(findings, "cascade") if h["severity"] == "critical"]
    assert [(h["step_id"], h["agent"]) for h in origin] == [(wrong, "pricer")]
    downstream = {h["step_id"] for h in _hits(findings, "cascade") if h["severity"] == "info"}
    assert {used, checked} <= downstream


def test_findings_are_replaced_not_duplicated_and_scoped() -> None:
    run = RunBuilder("one")
    for _ in range(4):
        run.add(kind="tool", agent="pricer", tool="get_price", input="{}")
    other = RunBuilder("other")
    for _ in range(4):
        other.add(kind="tool", agent="pricer", tool="get_price", input="{}")
    ws = _ws(run, other)
    detect(ws, detectors=["loop"])
    detect(ws, detectors=["loop"])
    assert ws.count("findings") == 2
    detect(ws, run_ids=["one"], detectors=["loop"])
    assert ws.count("findings") == 2


def test_bad_config_and_detector_names_are_clear() -> None:
    with pytest.raises(wb.WorkbenchError, match="'max_retries' must be >= 0 \\(got -1\\)"):
        DetectorConfig(max_retries=-1)
    with pytest.raises(wb.WorkbenchError, match="unknown detector setting"):
        DetectorConfig.from_dict({"max_loops": 3})
    with pytest.raises(wb.WorkbenchError, match="unknown detector"):
        detect(wb.open(), detectors=["astrology"])


def _lineage_runs() -> list[RunBuilder]:
    runs = []
    for n in range(6):
        run = RunBuilder(f"r{n}", outcome="success")
        run.add(kind="tool", agent="retriever", tool="search", output='{"sku": "SKU-7", "price": 12.5}')
        wrong = run.add(kind="llm", agent="pricer", output=f"price {15 + n}.25")
        used = run.add(kind="tool", agent="executor", tool="place_order", input=f'{{"price": {15 + n}.25}}')
        run.edge(wrong, used)
        run.answer(f"done at {15 + n}.25" if n % 2 else "done at 12.5")
        runs.append(run)
    return runs


def _no_working_table_outlives_the_call(ws: wb.Workspace, before: int, call: str) -> None:
    names = ws.sql("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    assert len(names) == before, (call, names)
    views = ws.sql(
        "SELECT view_name FROM duckdb_views() WHERE temporary AND starts_with(view_name, 'det_')"
    ).fetchall()
    assert views == [], (call, views)


def test_chunks_on_parallel_connections_give_every_finding_and_leave_threads_as_they_were(
    monkeypatch,
) -> None:
    # One store for what were three tests, each ingesting the lineage runs and detecting: the chunked findings
    # equal the whole call's (test_lineage_chunks_give_the_same_findings_with_runs_interleaved_in_storage compared
    # two of the detectors at the store's default of as many threads as cores, 2 in CI), and no working table
    # outlives either call (test_no_working_table_outlives_the_call checked the one-chunk call).
    runs = _lineage_runs()
    # records of all runs interleaved, so each run's rows spread over the table
    interleaved = [rec for group in zip(*(r.records for r in runs), strict=False) for rec in group]
    ws = wb.open()
    ws.ingest(interleaved)
    ws.con.execute("SET threads = 2")
    before = ws.sql("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()[0][0]
    whole = detect(ws)  # one chunk, one connection
    _no_working_table_outlives_the_call(ws, before, "one chunk")
    # the lineage detectors' findings are among those compared
    assert {"silent_failure", "cascade"} <= set(whole["detector"])
    monkeypatch.setattr(importlib.import_module("workbench.detect._runner"), "CHUNK_STEPS", 5)
    chunked = detect(ws)  # many chunks, two connections side by side
    _no_working_table_outlives_the_call(ws, before, "chunked")
    cols = ["run_id", "step_id", "detector", "severity", "detail"]
    assert len(whole) > 0
    assert chunked[cols].sort_values(cols).values.tolist() == whole[cols].sort_values(cols).values.tolist()
    assert ws.sql("SELECT current_setting('threads')").fetchall()[0][0] == 2


def test_chunks_are_as_few_as_memory_allows_and_shared_evenly_by_the_workers() -> None:
    runner = importlib.import_module("workbench.detect._runner")
    assert runner._chunk_size(10_000, 2) == 10_000  # small: one chunk, no second plan
    for total, workers in [(1_000_000, 2), (10_000_000, 2), (12_000_000, 4), (9_999_999, 3)]:
        size = runner._chunk_size(total, workers)
        chunks = -(-total // size)
        assert size <= runner.CHUNK_STEPS
        assert chunks % workers == 0, (total, workers, size)
        assert chunks <= workers * -(-total // (workers * runner.CHUNK_STEPS)), (total, workers, size)


def test_a_contradiction_does_not_depend_on_which_runs_share_a_chunk(monkeypatch) -> None:
    # "shipped" is a status only the other run's backend uses: the answer's "status": "shipped"
    # contradicts this run's backend ("pending") whether or not the two runs fall in one chunk.
    wrong = RunBuilder("wrong", outcome="success")
    wrong.add(
        kind="tool", agent="tracker", tool="get_order", output='{"order_id": "PO-1", "status": "pending"}'
    )
    origin = wrong.add(kind="llm", agent="writer", output='{"order_id": "PO-1", "status": "shipped"}')
    wrong.answer('{"order_id": "PO-1", "status": "shipped"}')
    other = RunBuilder("other", outcome="success")
    for _ in range(6):  # enough steps that a chunk of 5 cannot hold both runs
        other.add(
            kind="tool", agent="tracker", tool="get_order", output='{"order_id": "PO-2", "status": "shipped"}'
        )
    other.answer('{"order_id": "PO-2", "status": "shipped"}')
    ws = _ws(other, wrong)  # chunks are cut in storage order: "other" fills the first
    ws.con.execute("SET threads = 2")
    whole = _hits(detect(ws, detectors=["silent_failure"]), "silent_failure")
    assert [(h["run_id"], h["step_id"]) for h in whole] == [("wrong", origin)]
    assert "contradicts the backend (pending)" in whole[0]["detail"]
    monkeypatch.setattr(importlib.import_module("workbench.detect._runner"), "CHUNK_STEPS", 5)
    chunked = _hits(detect(ws, detectors=["silent_failure"]), "silent_failure")
    assert [(h["run_id"], h["step_id"], h["detail"]) for h in chunked] == [
        (h["run_id"], h["step_id"], h["detail"]) for h in whole
    ]
