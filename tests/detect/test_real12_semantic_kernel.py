"""Detectors on a Semantic Kernel AgentGroupChat trace (OTLP JSON, the shape semantic-kernel 1.45's own GenAI
diagnostics write with SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS_SENSITIVE): each turn is an
``invoke_agent <name>`` span holding the reply in ``gen_ai.output.messages``, over an
``AutoFunctionInvocationLoop`` span over a ``chat <model>`` span that carries no text at all (SK logs the
messages as OTel log records, not on the span)."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.detect import detect

T0 = 1_796_131_000_000_000_000
MS = 1_000_000
DRAFT = "Draft: Our Q3 revenue grew strongly thanks to new customers in Portugal and Spain."
REVISE = "Please revise: the draft needs the exact revenue growth figure and the customer count."


def _attr(key: str, value: object) -> dict:
    return {
        "key": key,
        "value": {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value},
    }


class _Trace:
    def __init__(self) -> None:
        self.spans: list[dict] = []
        self.n = 0
        self.t = 0

    def span(self, parent: str | None, name: str, start: int, end: int, attrs: dict) -> str:
        self.n += 1
        sid = f"{self.n:016x}"
        span = {
            "traceId": "e59d4c8eeb9b0386aaa4f3c8171ece97",
            "spanId": sid,
            "name": name,
            "kind": "SPAN_KIND_INTERNAL",
            "startTimeUnixNano": str(T0 + start * MS),
            "endTimeUnixNano": str(T0 + end * MS),
            "attributes": [_attr(k, v) for k, v in attrs.items()],
            "status": {},
        }
        if parent:
            span["parentSpanId"] = parent
        self.spans.append(span)
        return sid

    def turn(self, root: str, agent: str, said: str) -> None:
        t = self.t
        self.t += 20
        inv = self.span(
            root,
            f"invoke_agent {agent}",
            t,
            t + 18,
            {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.id": f"{agent}-0c7e-4f1b-9c51-2d06475af1b4",
                "gen_ai.agent.name": agent,
                "gen_ai.input.messages": "[]",
                "gen_ai.output.messages": json.dumps([{"role": "assistant", "content": said, "name": agent}]),
            },
        )
        loop = self.span(inv, "AutoFunctionInvocationLoop", t + 1, t + 17, {"sk.available_functions": ""})
        self.span(
            loop,
            "chat gpt-4o-mini",
            t + 2,
            t + 16,
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.response.id": f"chatcmpl-{self.n}",
                "gen_ai.response.finish_reason": "FinishReason.STOP",
                "gen_ai.usage.input_tokens": 170,
                "gen_ai.usage.output_tokens": 25,
            },
        )

    def write(self, path: Path) -> None:
        doc = {
            "resourceSpans": [
                {
                    "resource": {"attributes": [_attr("service.name", "unknown_service:python")]},
                    "scopeSpans": [
                        {
                            "scope": {"name": "semantic_kernel.utils.telemetry.agent_diagnostics.decorators"},
                            "spans": self.spans,
                        }
                    ],
                }
            ]
        }
        path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


def _group_chat(path: Path, drafts: list[str]) -> None:
    tr = _Trace()
    root = tr.span(None, "handle_request board_report", 0, 20 * 2 * len(drafts) + 5, {})
    for i, draft in enumerate(drafts):
        tr.turn(root, "writer", draft)
        tr.turn(root, "reviewer", REVISE if i < len(drafts) - 1 else "Approved.")
    tr.write(path)


def _hits(tmp_path: Path, drafts: list[str]) -> dict[str, set[str]]:
    path = tmp_path / "sk_groupchat.otlp.jsonl"
    _group_chat(path, drafts)
    ws = wb.open()
    ws.ingest(path)
    f = detect(ws)
    return {d: set(f.loc[f.detector == d, "agent"]) for d in set(f.detector)}


def test_bounced_draft_is_ping_pong_when_only_the_agent_span_has_the_reply(tmp_path: Path) -> None:
    # writer sends the same draft five times, reviewer asks for the same revision four times: the
    # replies live on the invoke_agent spans only (the chat spans under them say nothing)
    hits = _hits(tmp_path, [DRAFT] * 5)
    assert hits.get("ping_pong") == {"writer"}
    assert hits.get("repeated_reply") == {"writer", "reviewer"}


def test_drafts_that_make_headway_are_no_ping_pong(tmp_path: Path) -> None:
    drafts = [
        DRAFT,
        "Draft: Q3 revenue grew 12.4 % to 8.1 million EUR, with 340 new customers in Portugal.",
        "Draft: Q3 revenue grew 12.4 % to 8.1 million EUR; 340 new customers, 210 of them in Spain.",
    ]
    hits = _hits(tmp_path, drafts)
    assert "ping_pong" not in hits
    assert "repeated_reply" not in hits or "writer" not in hits["repeated_reply"]
