"""Detectors on a Semantic Kernel AgentGroupChat trace (OTLP JSON, the shape semantic-kernel 1.45's own GenAI
diagnostics write with SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS_SENSITIVE): each turn is an
``invoke_agent <name>`` span holding the reply in ``gen_ai.output.messages``, over an
``AutoFunctionInvocationLoop`` span over a ``chat <model>`` span that carries no text at all (SK logs the
messages as OTel log records, not on the span)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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


BOUNCED = [DRAFT] * 5
HEADWAY = [
    DRAFT,
    "Draft: Q3 revenue grew 12.4 % to 8.1 million EUR, with 340 new customers in Portugal.",
    "Draft: Q3 revenue grew 12.4 % to 8.1 million EUR; 340 new customers, 210 of them in Spain.",
]


@pytest.fixture(scope="module")
def hits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, set[str]]]:
    """Per group chat (a trace of its own, its id told apart), detector -> the agents it named, the two chats in
    one store detected once (a store and a detect each before; suite54)."""
    folder = tmp_path_factory.mktemp("real12")
    paths = {}
    for n, (name, drafts) in enumerate({"bounced": BOUNCED, "headway": HEADWAY}.items()):
        paths[name] = folder / f"sk_groupchat_{name}.otlp.jsonl"
        _group_chat(paths[name], drafts)
        paths[name].write_text(
            paths[name]
            .read_text("utf-8")
            .replace("e59d4c8eeb9b0386aaa4f3c8171ece97", f"e59d4c8eeb9b0386aaa4f3c8171ece{n:02x}"),
            "utf-8",
        )
    ws = wb.open()
    ws.ingest([str(p) for p in paths.values()])
    f = detect(ws)
    out = {}
    for name, path in paths.items():
        ((run,),) = ws.sql("SELECT DISTINCT run_id FROM steps WHERE file = ?", [str(path)]).fetchall()
        mine = f[f.run_id == run]
        out[name] = {d: set(mine.loc[mine.detector == d, "agent"]) for d in set(mine.detector)}
    return out


def test_bounced_draft_is_ping_pong_when_only_the_agent_span_has_the_reply(
    hits: dict[str, dict[str, set[str]]],
) -> None:
    # writer sends the same draft five times, reviewer asks for the same revision four times: the
    # replies live on the invoke_agent spans only (the chat spans under them say nothing)
    bounced = hits["bounced"]
    assert bounced.get("ping_pong") == {"writer"}
    assert bounced.get("repeated_reply") == {"writer", "reviewer"}


def test_drafts_that_make_headway_are_no_ping_pong(hits: dict[str, dict[str, set[str]]]) -> None:
    headway = hits["headway"]
    assert "ping_pong" not in headway
    assert "repeated_reply" not in headway or "writer" not in headway["repeated_reply"]
