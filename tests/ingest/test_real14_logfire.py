"""Pydantic Logfire's span names, in the shape logfire 5.4.0 wrote them on a real run (real14,
/work/wt/_notes/real14_out/logfire/logfire_openai.otlp.jsonl): a span is named after its message template and
carries the rendered message in ``logfire.msg``. Before, steps were named "{agent_name} agent" and
"Chat Completion with {request_data[model]!r}", and PydanticAI's pre-GenAI run span "{agent_name} run" named
no agent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "01a2337f1cb136362b51d6ee3f7087e1"


def _span(sid: str, parent: str | None, name: str, attrs: dict, i: int) -> dict:
    out = {
        "traceId": TRACE,
        "spanId": sid,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(1796160000000000000 + i * 1_000_000),
        "endTimeUnixNano": str(1796160000000000000 + (10 - i) * 1_000_000 + i),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {},
    }
    if parent:
        out["parentSpanId"] = parent
    return out


def _logfire(template: str, msg: str, **extra: str) -> dict:
    return {"logfire.msg_template": template, "logfire.msg": msg, "logfire.span_type": "span", **extra}


def spans() -> dict:
    chat = _logfire(
        "Chat Completion with {request_data[model]!r}",
        "Chat Completion with 'gpt-4o-mini'",
        request_data='{"model":"gpt-4o-mini"}',
        **{"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini"},
    )
    sp = [
        _span("00000000000000a1", None, "quote workflow", _logfire("quote workflow", "quote workflow"), 0),
        _span(
            "00000000000000a2",
            "00000000000000a1",
            "{agent_name} agent",
            _logfire("{agent_name} agent", "researcher agent", agent_name="researcher"),
            1,
        ),
        _span(
            "00000000000000b1", "00000000000000a2", "Chat Completion with {request_data[model]!r}", chat, 2
        ),
        # PydanticAI before the GenAI conventions, through Logfire: its agent's run span
        _span(
            "00000000000000a3",
            "00000000000000a1",
            "{agent_name} run",
            _logfire("{agent_name} run", "planner run", agent_name="planner"),
            3,
        ),
        _span("00000000000000b2", "00000000000000a3", "{weird} name", _logfire("other {template}", "x"), 4),
    ]
    return {
        "resourceSpans": [
            {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "logfire"}, "spans": sp}]}
        ]
    }


# (the chosen reader: both store the same rows for the file, compared by tests/ingest/conftest.py)
def test_logfire_spans_are_named_by_their_rendered_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    path = tmp_path / "logfire.otlp.jsonl"
    path.write_text(json.dumps(spans()) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (5, 5, 0)
    s = {r[0][-2:]: r[1:] for r in ws.sql("SELECT step_id, name, kind, agent FROM steps").fetchall()}
    assert s["a1"][0] == "quote workflow"
    assert s["a2"][0] == "researcher agent"
    assert s["b1"][:2] == ("Chat Completion with 'gpt-4o-mini'", "llm")
    assert s["a3"] == ("planner run", "agent", "planner")
    assert s["b2"][0] == "{weird} name"  # a name that is not the span's template stays as written
