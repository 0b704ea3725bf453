"""real47: attack46's untested notes on the readers, each on a file the test writes (from a checked-in capture where
one fits): a Jaeger duration that is no number of microseconds, a LlamaIndex agent named with an apostrophe, a
Langfuse JSONL export whose first line was cut."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures"


def _jaeger_trace(n: int, duration: Any) -> dict:
    """One Jaeger trace (the UI's "Download JSON" shape): an agent span with ``duration`` and a 5 µs child."""
    tid, root = f"{n:032x}", f"{n:016x}"
    tags = [{"key": "gen_ai.agent.name", "type": "string", "value": "pricer"}]
    span = {
        "traceID": tid,
        "spanID": root,
        "operationName": "invoke_agent pricer",
        "references": [],
        "startTime": 1_700_000_000_000_000 + n,
        "duration": duration,
        "tags": tags,
        "processID": "p1",
    }
    child = dict(
        span,
        spanID=f"{n + 256:016x}",
        operationName="chat",
        duration=5,
        tags=[],
        references=[{"refType": "CHILD_OF", "traceID": tid, "spanID": root}],
    )
    return {"traceID": tid, "spans": [span, child], "processes": {"p1": {"serviceName": "desk", "tags": []}}}


def test_a_jaeger_duration_that_is_no_number_of_microseconds_is_quarantined_naming_it(tmp_path: Path) -> None:
    """Jaeger's model writes a span's duration as a uint64 of µs (a JSON number; a float is read too, as digit
    text is). On main ``"1e5"`` (text in exponent form), ``"-5"``, ``{}`` were dropped with no note (the span
    kept with no end) and ``true`` read as 1 µs; each span is now quarantined naming the field and its value,
    its trace's other span stored."""
    bad = ["1e5", "-5", True, {}]
    traces = [_jaeger_trace(i + 1, d) for i, d in enumerate([*bad, 100_000, "100000", 2.5e5])]
    path = tmp_path / "jaeger.json"
    path.write_text(json.dumps({"data": traces}))
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (14, 10, 4)
    reasons = [r for (r,) in ws.sql("SELECT reason FROM quarantine ORDER BY step_id").fetchall()]
    shown = ["'1e5'", "'-5'", "a JSON boolean", "a JSON object"]
    assert reasons == [f"bad span: duration {s} is not a number of microseconds" for s in shown]
    kept = ws.sql("SELECT latency_ms FROM steps WHERE name LIKE 'invoke_agent%' ORDER BY step_id").fetchall()
    assert kept == [(100.0,), (100.0,), (250.0,)]


def _renamed(value: Any, old: str, new: str) -> Any:
    """``value`` (an OTLP document) with ``old`` written as ``new`` in every string, JSON text inside included."""
    if isinstance(value, str):
        if value.startswith("{"):
            try:
                return json.dumps(_renamed(json.loads(value), old, new))
            except ValueError:
                pass
        return value.replace(old, new)
    if isinstance(value, list):
        return [_renamed(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _renamed(v, old, new) for k, v in value.items()}
    return value


def _agents(path: Path) -> list[tuple]:
    ws = wb.open()
    ws.ingest(path, progress=False)
    return ws.sql("SELECT step_id, agent, agent_own FROM steps ORDER BY step_id").fetchall()


def test_a_llamaindex_agent_named_with_an_apostrophe_is_read_from_its_events(tmp_path: Path) -> None:
    """A LlamaIndex AgentWorkflow names the agent a step runs for only in its event's repr, where Python writes a
    name holding an apostrophe in double quotes (``current_agent_name="Bob's writer"``). The real capture
    (fixtures/llamaindex/README.md) with its writer so named: on main ten of the writer's 13 steps were
    nobody's and three the researcher's; now each is Bob's writer's, as each was the writer's."""
    source = FIXTURES / "llamaindex" / "handoff_fault.otlp.jsonl"
    path = tmp_path / "apostrophe.otlp.jsonl"
    old, new = "current_agent_name='writer'", 'current_agent_name="Bob\'s writer"'
    lines = source.read_text().splitlines()
    path.write_text("".join(json.dumps(_renamed(json.loads(line), old, new)) + "\n" for line in lines))
    assert "Bob's writer" in path.read_text()

    def named(agent: Any) -> Any:
        return "Bob's writer" if agent == "writer" else agent

    assert _agents(path) == [(s, named(a), named(o)) for s, a, o in _agents(source)]


def test_a_langfuse_export_whose_first_line_was_cut_keeps_the_rest(tmp_path: Path) -> None:
    """A Langfuse JSONL export cut at a byte offset (split -b, tail -c, a rotated log) starts with the tail of a
    trace. On main the sniff wanted ``{`` / ``[`` first and refused the whole file (FormatError); now that line
    is quarantined as a broken line (as the native sniff does since realb46) and every later trace is stored as
    the whole file stores it (the fixture's second line is broken JSON of its own)."""
    source = FIXTURES / "langfuse" / "traces.jsonl"
    data = source.read_bytes()
    path = tmp_path / "cut.jsonl"
    path.write_bytes(data[data.index(b"\n") // 2 :])
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    lines = ws.sql("SELECT line FROM quarantine ORDER BY line").fetchall()
    assert (report.quarantined, lines) == (2, [(1,), (2,)])
    whole = wb.open()
    whole.ingest(source, progress=False)
    query = (
        "SELECT run_id, step_id, agent, kind, status, input, output FROM steps WHERE run_id = 'lf-jsonl-2'"
    )
    assert ws.sql(query + " ORDER BY step_id").fetchall() == whole.sql(query + " ORDER BY step_id").fetchall()
    assert report.stored == ws.sql("SELECT count(*) FROM steps").fetchall()[0][0] > 0
