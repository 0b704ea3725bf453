"""A model call written twice (store/sql/same_call_llm.sql) given again: the same trace twice in one call, or its
child span again in a later call, must store what one reading of the trace stores (attack24).

Before: two copies of the trace in one call were read as a parent with two children (count by rows), so neither
pair merged: 4 LLM steps and twice the tokens where one copy stores 2; a later call given the child spans again
(one of an exporter's batch files read again) stored each child as a new LLM step beside the parent that had
already taken its call.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _deep import deep

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "ab3069e01a249b4f15b3ae0c381704e5"


def _llm(agent: str, n: int, parent_side: bool) -> dict:
    attrs = {
        "gen_ai.operation.name": "generate_content" if not parent_side else "chat",
        "gen_ai.request.model": "openai/gpt-4o-mini" if parent_side else "gpt-4o-mini",
        "gen_ai.agent.name": agent,
        "gcp.vertex.agent.event_id": f"ev-{n}",
        "gen_ai.usage.input_tokens": 50 + 10 * n,
        "gen_ai.usage.output_tokens": 12,
    }
    if parent_side:
        attrs["gen_ai.prompt"] = f"question {n}"
        attrs["gen_ai.completion"] = f"answer {n}"
    return attrs


SPANS = [  # (span id, parent, name, attributes): two model calls, each written as call_llm > generate_content
    (
        "a1",
        None,
        "invoke_agent researcher",
        {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "researcher"},
    ),
    ("b1", "a1", "call_llm", _llm("researcher", 0, True)),
    ("d1", "b1", "generate_content gpt-4o-mini", _llm("researcher", 0, False)),
    ("b2", "a1", "call_llm", _llm("researcher", 1, True)),
    ("d2", "b2", "generate_content gpt-4o-mini", _llm("researcher", 1, False)),
]


def _write(path: Path, ids: set[str] | None = None) -> Path:
    spans = []
    for i, (sid, parent, name, attrs) in enumerate(SPANS):
        start = 1796183900000000000 + i * 1_000_000
        if ids is not None and sid not in ids:
            continue
        sp = {
            "traceId": TRACE,
            "spanId": "00000000000000" + sid,
            "name": name,
            "kind": 1,
            "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(start + 300_000),
            "status": {},
            "attributes": [
                {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
                for k, v in attrs.items()
            ],
        }
        if parent:
            sp["parentSpanId"] = "00000000000000" + parent
        spans.append(sp)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": []},
                        "scopeSpans": [
                            {"scope": {"name": "gcp.vertex.agent", "version": "2.13.0"}, "spans": spans}
                        ],
                    }
                ]
            }
        )
        + "\n"
    )
    return path


def _llm_steps(ws: wb.Workspace) -> list:
    return ws.sql(
        "SELECT step_id[-2:], tokens_in, output IS NOT NULL FROM steps WHERE kind = 'llm' ORDER BY step_id"
    ).fetchall()


ONCE = [("b1", 50, True), ("b2", 60, True)]


def _reader(monkeypatch: pytest.MonkeyPatch, fast: bool) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)


# Each test by one reader, the two tests by the two (the model calls are merged by store/sql/same_call_llm.sql,
# whichever reader staged the same spans); each test by both with deep().
_READERS = {"twice": [True, False] if deep() else [True], "later": [True, False] if deep() else [False]}


@pytest.mark.parametrize("fast", _READERS["twice"], ids=lambda fast: "sql" if fast else "python")
def test_attack24_same_trace_twice_in_one_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    _reader(monkeypatch, fast)
    _write(tmp_path / "two" / "a.otlp.json")
    _write(tmp_path / "two" / "b.otlp.json")  # (a second exporter's file of the same spans)
    ws = wb.open()
    rep = ws.ingest(tmp_path / "two")
    assert (rep.read, rep.stored, rep.quarantined, rep.added) == (10, 10, 0, 3)
    assert _llm_steps(ws) == ONCE  # old code: b1, b2, d1, d2 (4 calls, 220 input tokens)
    # and so onto a store that holds the trace: nothing added
    again = ws.ingest(tmp_path / "two")
    assert (again.added, again.quarantined) == (0, 0) and _llm_steps(ws) == ONCE


@pytest.mark.parametrize("fast", _READERS["later"], ids=lambda fast: "sql" if fast else "python")
def test_attack24_child_given_again_later_and_another_child_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    _reader(monkeypatch, fast)
    ws = wb.open()
    rep = ws.ingest(_write(tmp_path / "a.otlp.json"))
    # one trace read once is two calls
    assert (rep.read, rep.stored, rep.quarantined, rep.added) == (5, 5, 0, 3)
    assert _llm_steps(ws) == ONCE
    # the client's spans alone (an exporter's batch file read again), then the whole trace again with a copy
    for path in (
        _write(tmp_path / "kids.otlp.json", {"d1", "d2"}),
        _write(tmp_path / "some.otlp.json", {"b2", "d1", "d2"}),
    ):
        rep = ws.ingest(path)
        assert (rep.read, rep.stored, rep.quarantined, rep.added) == (rep.read, rep.read, 0, 0), rep.errors
        assert _llm_steps(ws) == ONCE  # old code: d1 and d2 stored as two more model calls
    assert ws.sql("SELECT sum(tokens_in) FROM steps").fetchall() == [(110,)]
    # a new LLM span under a stored call that is not the child it took (another id) is a step of its own
    other = json.loads(_write(tmp_path / "x.otlp.json", {"d1"}).read_text())
    other["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["spanId"] = "00000000000000e1"
    (tmp_path / "x.otlp.json").write_text(json.dumps(other) + "\n")
    rep = ws.ingest(tmp_path / "x.otlp.json")
    assert (rep.read, rep.stored, rep.added) == (1, 1, 1), "another child"
    assert [r[0] for r in _llm_steps(ws)] == ["b1", "b2", "e1"], "another child"
