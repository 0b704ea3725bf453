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


# The files' order and calls (0 caller, 1 callee, 2 logs)
CALLS = {
    "one call": [[0, 1, 2]],
    "callee stored first": [[1], [0, 2]],
    "logs after the join": [[0, 1], [2]],
    "logs after a stored move": [[1], [0], [2]],
}


def test_logs_of_a_joined_trace_fill_its_step_in_the_callers_run(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # (each way of calling a copy of the three files, the caller's and the callee's trace ids' last byte its number,
    # every way's n-th call read in the store's n-th call: 3 calls, where a way was a store and 1-3 calls. The three
    # files as they are in this test's folder, the copies in another: both readers are compared on the files a test
    # of this module writes in its folder, tests/ingest/_reader_agreement.py, and the copies hold nothing else.)
    _write(tmp_path / "caller.jsonl", caller_line())
    _write(tmp_path / "callee.jsonl", callee_line())
    _write(tmp_path / "logs.jsonl", _logs_line([details_record(CHAT, TRACE)]))
    folder = tmp_path_factory.mktemp("copies")
    calls: list[list[Path]] = [[], [], []]
    runs = {}
    for n, (case, parts) in enumerate(CALLS.items(), start=1):
        caller, callee = CALLER[:-2] + f"{n:02x}", TRACE[:-2] + f"{n:02x}"
        assert len({caller, callee, CALLER, TRACE}) == 4
        runs[case] = caller, callee
        files = [
            _write(folder / f"caller-{n}.jsonl", caller_line().replace(CALLER, caller)),
            _write(
                folder / f"callee-{n}.jsonl", callee_line().replace(CALLER, caller).replace(TRACE, callee)
            ),
            _write(
                folder / f"logs-{n}.jsonl", _logs_line([details_record(CHAT, TRACE)]).replace(TRACE, callee)
            ),
        ]
        for k, call in enumerate(parts):
            calls[k] += [files[i] for i in call]
    ws = wb.open()
    reads = stored = quarantined = 0
    for call in calls:
        rep = ws.ingest(call)
        reads, stored, quarantined = reads + rep.read, stored + rep.stored, quarantined + rep.quarantined
    assert (reads, stored, quarantined) == (6 * len(CALLS), 6 * len(CALLS), 0)
    for case, (caller, callee) in runs.items():
        rows = ws.sql(
            "SELECT run_id, input, output FROM steps WHERE step_id = ? AND run_id IN (?, ?)",
            [CHAT, caller, callee],
        ).fetchall()
        assert len(rows) == 1, case
        run, inp, out = rows[0]
        assert run == caller, case
        assert "Research says 41.20" in inp and "14.20 USD" in out, case
