"""AgentOps' trace export with the span kinds of its SDK's earlier releases (the legacy ``SpanKind`` of
``agentops/semconv/span_kinds.py``: ``llm.call``, ``llm.stream``, ``agent.action``, ``agent.thinking``,
``agent.decision``, ``workflow.task``; and ``guardrail`` of later ones): every one read as "other" (wild43's
note). They read as the kinds they name now; a kind that says none ("unknown") is still "other"."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def _span(sid: str, parent: str, name: str, kind: str) -> dict:
    attrs = {"agentops": {"span": {"kind": kind}, "entity": {"name": name}}}
    return {
        "span_id": sid,
        "parent_span_id": parent,
        "span_name": name,
        "span_kind": "Internal",
        "service_name": "agentops",
        "start_time": "2025-03-04T15:12:27.400849+00:00",
        "end_time": "2025-03-04T15:12:29.483743+00:00",
        "status_code": "OK",
        "status_message": "",
        "span_attributes": attrs,
    }


def test_older_agentops_span_kinds_are_read(tmp_path: Path) -> None:
    kinds = {
        "s": ("", "session", "session"),
        "w": ("s", "plan.task", "workflow.task"),
        "a": ("w", "search.action", "agent.action"),
        "t": ("w", "think", "agent.thinking"),
        "l": ("t", "openai.chat", "llm.call"),
        "m": ("t", "openai.stream", "llm.stream"),
        "g": ("w", "check", "guardrail"),
        "u": ("w", "misc", "unknown"),
    }
    doc = {
        "trace": {"trace_id": "c0ffee00c0ffee00c0ffee00c0ffee00"},
        "spans": [_span(sid, parent, name, kind) for sid, (parent, name, kind) in kinds.items()],
    }
    path = tmp_path / "agentops_trace.json"
    path.write_text(json.dumps(doc, indent=2))
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (8, 8, 0)
    got = dict(ws.sql("SELECT step_id, kind FROM steps").fetchall())
    assert got == {
        "s": "chain",
        "w": "chain",
        "a": "chain",
        "t": "chain",
        "l": "llm",
        "m": "llm",
        "g": "system",
        "u": "other",
    }
