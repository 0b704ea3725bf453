"""Log records of a trace that a span link joins into another run follow their span there (the lead's merge of
llmetry13's OTLP logs with links13's joins: before, such records were quarantined as 'no such span')."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_llmetry13_otlp_logs import (
    CHAT,
    ROOT,
    TRACE,
    _logs_line,
    _span,
    _write,
    details_record,
    spans_line,
)

import workbench as wb

CALLER = "bbfc61d4b03a50584e9d09365a9ae400"
C_ROOT, C_AGENT = "3333333333333333", "4444444444444444"


def caller_line() -> str:
    spans = [
        _span(C_ROOT, None, "invoke_workflow trip", {"gen_ai.operation.name": "invoke_workflow"}),
        _span(
            C_AGENT,
            C_ROOT,
            "invoke_agent planner",
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
        ),
    ]
    for sp in spans:
        sp["traceId"] = CALLER
    return json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {"attributes": []},
                    "scopeSpans": [{"scope": {"name": "opentelemetry.util.genai.handler"}, "spans": spans}],
                }
            ]
        }
    )


def callee_line() -> str:
    """spans_line()'s trace, its root called from the caller's agent span by a link (a new trace per call)."""
    doc = json.loads(spans_line())
    for sp in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        if sp["spanId"] == ROOT:
            sp["links"] = [{"traceId": CALLER, "spanId": C_AGENT}]
    return json.dumps(doc)


@pytest.mark.parametrize(
    "calls",
    [[[0, 1, 2]], [[1], [0, 2]], [[0, 1], [2]], [[1], [0], [2]]],
    ids=["one call", "callee stored first", "logs after the join", "logs after a stored move"],
)
def test_logs_of_a_joined_trace_fill_its_step_in_the_callers_run(
    tmp_path: Path, calls: list[list[int]]
) -> None:
    files = [
        _write(tmp_path / "caller.jsonl", caller_line()),
        _write(tmp_path / "callee.jsonl", callee_line()),
        _write(tmp_path / "logs.jsonl", _logs_line([details_record(CHAT, TRACE)])),
    ]
    ws = wb.open()
    reads = stored = quarantined = 0
    for call in calls:
        rep = ws.ingest([files[i] for i in call])
        reads, stored, quarantined = reads + rep.read, stored + rep.stored, quarantined + rep.quarantined
    assert (reads, stored, quarantined) == (6, 6, 0)
    rows = ws.sql("SELECT run_id, input, output FROM steps WHERE step_id = ?", [CHAT]).fetchall()
    assert len(rows) == 1
    run, inp, out = rows[0]
    assert run == CALLER
    assert "Research says 41.20" in inp and "14.20 USD" in out
