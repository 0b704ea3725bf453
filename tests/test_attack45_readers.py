"""Round 44's span readers (``langsmith``, ``jaeger``) and its per-value native time units, given one odd record:
the promise is that one bad record costs only itself, stored or quarantined naming its file and line, and that
a time the reader accepts is read whole. (Seen and left out to keep the suite's time: a Jaeger log whose ``event``
field is an object costs its span with the reason "bad span: TypeError: unhashable type: 'dict'".) attack45's strict xfails (the Jaeger start's, fixed by route45, and the native time's, fixed by store46, plain
tests now); each builds a
two- or few-record file of its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import workbench as wb

_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
_US = 1_767_268_800_000_000  # 2026-01-01T12:00:00Z in microseconds
_MS = 1_767_268_800_000  # the same in milliseconds


def _ingest(path: Path, text: str, fmt: str) -> tuple[wb.Workspace, Any]:
    path.write_text(text, encoding="utf-8")
    ws = wb.open()
    return ws, ws.ingest(path, format=fmt, progress=False)


def _langsmith_run(run_id: Any, trace: Any, node: str) -> dict[str, Any]:
    """A LangGraph node's run as LangSmith dumps it (``node`` its ``langgraph_node`` metadata)."""
    return {
        "id": run_id,
        "trace_id": trace,
        "parent_run_id": None,
        "run_type": "chain",
        "name": node,
        "start_time": "2026-01-05T10:00:00Z",
        "end_time": "2026-01-05T10:00:01Z",
        "inputs": {"x": 1},
        "outputs": {"y": 2},
        "extra": {"metadata": {"langgraph_node": node, "langgraph_path": ["__pregel_pull", node]}},
    }


@pytest.mark.parametrize(
    ("run_id", "trace"), [(123, "t1"), ("r2", {"id": "t1"})], ids=["integer-id", "object-trace"]
)
def test_one_odd_langsmith_tools_run_costs_only_itself(tmp_path: Path, run_id: Any, trace: Any) -> None:
    lines = [_langsmith_run("r1", "t1", "agent"), _langsmith_run(run_id, trace, "tools")]
    ws, report = _ingest(tmp_path / "runs.jsonl", "".join(json.dumps(r) + "\n" for r in lines), "langsmith")
    assert report.read == 2 and report.stored + report.quarantined == 2
    assert ("r1", "t1") in ws.sql("SELECT step_id, run_id FROM steps").fetchall()


def _jaeger(second: dict[str, Any]) -> str:
    """A Jaeger "Download JSON" document: a root span and a child span updated with ``second``."""

    def span(sid: str, parent: str | None) -> dict[str, Any]:
        return {
            "traceID": _TRACE,
            "spanID": sid,
            "operationName": f"op {sid}",
            "references": [{"refType": "CHILD_OF", "traceID": _TRACE, "spanID": parent}] if parent else [],
            "startTime": _US,
            "duration": 250_000,
            "tags": [{"key": "gen_ai.system", "type": "string", "value": "openai"}],
            "logs": [],
            "processID": "p1",
        }

    child = {**span("00000000000000b2", "00000000000000b1"), **second}
    trace = {"traceID": _TRACE, "spans": [span("00000000000000b1", None), child], "processes": {}}
    return json.dumps({"data": [trace]})


@pytest.mark.parametrize(
    "start", [str(_US), _US + 0.5, f"{_US}.5"], ids=["digit-text", "fraction", "digit-text-fraction"]
)
def test_a_jaeger_start_the_reader_takes_keeps_its_duration(tmp_path: Path, start: Any) -> None:
    ws, report = _ingest(tmp_path / "trace.json", _jaeger({"startTime": start}), "jaeger")
    assert report.stored == 2
    (latency,) = ws.sql("SELECT latency_ms FROM steps WHERE step_id = '00000000000000b2'").fetchall()[0]
    assert latency == pytest.approx(250.0, abs=0.01)


def _native(odd: dict[str, Any]) -> str:
    records: list[dict[str, Any]] = [{"record": "run", "run_id": "r1", "outcome": "failure"}]
    for s in range(4):
        step = {
            "record": "step",
            "run_id": "r1",
            "step_id": f"s{s}",
            "parent_id": "s0" if s else None,
            "agent": f"a{s}",
            "kind": "llm",
            # Date.now() milliseconds, as a JavaScript agent writes them
            "started_at": _MS + s * 1000,
            "ended_at": _MS + s * 1000 + 500,
        }
        records.append({**step, **odd} if s == 2 else step)
    return "".join(json.dumps(r) + "\n" for r in records)


@pytest.mark.parametrize("odd", [5, 4_102_444_800], ids=["five", "year-2100-seconds"])
def test_one_odd_native_time_leaves_the_other_steps_times_alone(tmp_path: Path, odd: int) -> None:
    """(attack45's strict xfail: one small time that fit no unit marked the file a synthetic clock, and every
    other record's Date.now() milliseconds was stored in January 1970; store46: the odd one alone is read as no
    time, its line named)"""
    ws, report = _ingest(tmp_path / "run.jsonl", _native({"started_at": odd}), "native")
    years = ws.sql("SELECT DISTINCT year(started_at) FROM steps WHERE step_id <> 's2'").fetchall()
    assert years == [(2026,)]
    assert ws.sql("SELECT started_at FROM steps WHERE step_id = 's2'").fetchall() == [(None,)]
    assert any("1 integer timestamp fits no unit" in n and "(line 4)" in n for n in report.notes), (
        report.notes
    )
