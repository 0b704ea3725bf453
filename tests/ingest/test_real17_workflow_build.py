"""Microsoft Agent Framework's ``workflow.build`` trace joins the run of the workflow it built (real17).

agent-framework-core 1.23.0 (real16, /work/wt/_notes/real16_out/maf/*.otlp.jsonl) exports the build of a
workflow as a trace of its own (one ``workflow.build`` span) and each run as a ``workflow.run`` trace; both carry
``workflow.id``. Before, each file read as two runs: the real one and a one-step run of unknown outcome."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _deep import deep

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

WID = "73a929a3-795f-4cf9-ab34-9ab5eaba0d45"
BUILD_TRACE = "70c833e45eb1d25fd9aee59477912539"
RUN_TRACE = "9423f76bcd383eff742e895637b516ee"
T0 = 1796171911621323328


def _span(trace: str, sid: str, parent: str | None, name: str, attrs: dict, start: int, end: int) -> dict:
    out = {
        "traceId": trace,
        "spanId": sid,
        "name": name,
        "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": str(T0 + start * 1000),
        "endTimeUnixNano": str(T0 + end * 1000),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {},
        "flags": 256,
    }
    if parent:
        out["parentSpanId"] = parent
    return out


def _file(spans: list[dict]) -> str:
    return (
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {
                            "attributes": [
                                {"key": "service.name", "value": {"stringValue": "unknown_service:python"}}
                            ]
                        },
                        "scopeSpans": [
                            {"scope": {"name": "agent_framework", "version": "1.23.0"}, "spans": spans}
                        ],
                    }
                ]
            }
        )
        + "\n"
    )


def build(trace: str = BUILD_TRACE, sid: str = "01cbda3606f67367") -> list[dict]:
    definition = json.dumps({"name": "Sequential", "id": WID, "start_executor_id": "input-conversation"})
    return [
        _span(
            trace,
            sid,
            None,
            "workflow.build",
            {"workflow_builder.name": "Sequential", "workflow.id": WID, "workflow.definition": definition},
            0,
            500,
        )
    ]


def run(trace: str = RUN_TRACE, n: int = 0) -> list[dict]:
    root, ex, agent = f"eb7cc862c26c9de{n}", f"17f2e427611f5a7{n}", f"6508669788b014e{n}"
    return [
        _span(
            trace, root, None, "workflow.run", {"workflow.id": WID, "workflow.name": "Sequential"}, 700, 9000
        ),
        _span(
            trace,
            ex,
            root,
            "executor.process researcher",
            {"executor.id": "researcher", "executor.type": "AgentExecutor"},
            800,
            8000,
        ),
        _span(
            trace,
            agent,
            ex,
            "invoke_agent researcher",
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "researcher"},
            900,
            7000,
        ),
    ]


def _runs(ws: wb.Workspace) -> dict[str, int]:
    return dict(ws.sql("SELECT run_id, count(*) FROM steps GROUP BY run_id").fetchall())


def _by_reader(orders: list[str]) -> list:
    """``orders`` of a test, each by one reader in turn: both readers run every test and each order runs once
    (the join is the merge's, on the staged rows either reader hands it: _workflow_build.py); every pair with
    WORKBENCH_DEEP_TESTS=1 (the same join run again on the other reader's rows)."""
    pairs = (
        [(f, o) for o in orders for f in (True, False)]
        if deep()
        else [(n % 2 == 0, o) for n, o in enumerate(orders)]
    )
    return [pytest.param(f, o, id=f"{'sql' if f else 'python'}-{o}") for f, o in pairs]


def _one_reader(fast: bool) -> list:
    """A one-file test by the reader ``fast`` names, the other one-file test by the other (as _by_reader: the join is
    the merge's, on the staged rows either reader hands it); by both with WORKBENCH_DEEP_TESTS=1."""
    return [pytest.param(f, id="sql" if f else "python") for f in ([True, False] if deep() else [fast])]


def _reader(monkeypatch: pytest.MonkeyPatch, fast: bool) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)


@pytest.mark.parametrize("fast", _one_reader(True))
def test_build_trace_joins_its_run_in_one_file(
    monkeypatch: pytest.MonkeyPatch, fast: bool, tmp_path: Path
) -> None:
    _reader(monkeypatch, fast)
    path = tmp_path / "maf.otlp.jsonl"
    path.write_text(_file(build()) + _file(run()))  # (the build ends first: the exporter writes it first)
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (4, 4, 0)
    assert _runs(ws) == {RUN_TRACE: 4}
    step = ws.sql(
        "SELECT parent_id, attributes->>'$.\"otel.trace_id\"' FROM steps WHERE name = 'workflow.build'"
    )
    assert step.fetchall() == [(None, BUILD_TRACE)]  # a root of the run, its trace id kept
    assert ws.sql("SELECT count(*) FROM runs").fetchall() == [(1,)]
    again = ws.ingest(path)  # the same file again: repeats, nothing new
    assert (again.read, again.stored, again.quarantined) == (4, 4, 0) and _runs(ws) == {RUN_TRACE: 4}


@pytest.mark.parametrize(("fast", "order"), _by_reader(["build-first", "run-first"]))
def test_build_trace_joins_its_run_across_calls(
    monkeypatch: pytest.MonkeyPatch, fast: bool, order: str, tmp_path: Path
) -> None:
    _reader(monkeypatch, fast)
    build_first = order == "build-first"
    b, r = tmp_path / "build.otlp.jsonl", tmp_path / "run.otlp.jsonl"
    b.write_text(_file(build()))
    r.write_text(_file(run()))
    ws = wb.open()
    first, second = (b, r) if build_first else (r, b)
    ws.ingest(first)
    ws.ingest(second)
    assert _runs(ws) == {RUN_TRACE: 4}
    assert ws.sql("SELECT run_id FROM runs").fetchall() == [(RUN_TRACE,)]


@pytest.mark.parametrize("fast", _one_reader(False))
def test_workflow_run_twice_leaves_its_build_alone(
    monkeypatch: pytest.MonkeyPatch, fast: bool, tmp_path: Path
) -> None:
    _reader(monkeypatch, fast)
    path = tmp_path / "maf.otlp.jsonl"
    other = "a423f76bcd383eff742e895637b516ee"
    path.write_text(_file(build()) + _file(run()) + _file(run(other, 1)))
    ws = wb.open()
    ws.ingest(path)
    assert _runs(ws) == {BUILD_TRACE: 1, RUN_TRACE: 3, other: 3}


@pytest.mark.parametrize(("fast", "order"), _by_reader(["one-call", "build-first", "run-first"]))
def test_a_build_span_sharing_the_run_roots_id_stays_its_own_run(
    monkeypatch: pytest.MonkeyPatch, fast: bool, order: str, tmp_path: Path
) -> None:
    _reader(monkeypatch, fast)
    # (left19) span ids are unique within a trace only: joined, the build (read first) was kept as the step of
    # that id and the run's own root quarantined as its conflicting duplicate; the build now stays its own run
    clash = build(sid="eb7cc862c26c9de0")  # the id of run()'s workflow.run root
    b, r = tmp_path / "build.otlp.jsonl", tmp_path / "run.otlp.jsonl"
    b.write_text(_file(clash))
    r.write_text(_file(run()))
    ws = wb.open()
    if order == "one-call":
        b.write_text(_file(clash) + _file(run()))
        reps = [ws.ingest(b)]
    else:
        reps = [ws.ingest(p) for p in ((b, r) if order == "build-first" else (r, b))]
    assert sum(x.quarantined for x in reps) == 0 and sum(x.read for x in reps) == 4
    assert _runs(ws) == {BUILD_TRACE: 1, RUN_TRACE: 3}
    root = ws.sql("SELECT name FROM steps WHERE run_id = ? AND parent_id IS NULL", [RUN_TRACE]).fetchall()
    assert root == [("workflow.run",)]
    again = ws.ingest([b] if order == "one-call" else [b, r])
    assert (again.quarantined, again.added) == (0, 0) and _runs(ws) == {BUILD_TRACE: 1, RUN_TRACE: 3}
