"""A step that carries no text shows the text of the step around it that does.

Semantic Kernel's GenAI telemetry (1.45) keeps a turn's text only on its ``invoke_agent`` span
(``gen_ai.output.messages``); the ``chat`` spans under it (the model's moves, what a verdict points at) carry
model, tokens and finish reason but no text, so the explorer showed their input and output as "(none)".
"""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.widgets import IncidentExplorer


def _sk_trace(path: Path) -> Path:
    tid, t0 = "2baadd929c9d2463c62a9deaa6446877", 1_764_600_000_000_000_000

    def span(sid: str, parent: str | None, name: str, n: int, **attrs: object) -> dict:
        sp = {
            "traceId": tid,
            "spanId": sid,
            "name": name,
            "kind": 1,
            "status": {},
            "startTimeUnixNano": str(t0 + n * 1_000_000),
            "endTimeUnixNano": str(t0 + (10 - n) * 1_000_000 + 10**8),
            "attributes": [
                {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
                for k, v in attrs.items()
            ],
        }
        if parent:
            sp["parentSpanId"] = parent
        return sp

    reply = json.dumps(
        [{"role": "assistant", "content": "Customer update: WID-7 has 210 units <b>in stock</b>."}]
    )
    spans = [
        span("aaaaaaaaaaaac665", None, "handle_request inventory", 0),
        span(
            "bbbbbbbbbbbb3e49",
            "aaaaaaaaaaaac665",
            "invoke_agent writer",
            1,
            **{
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "writer",
                "gen_ai.input.messages": "[]",
                "gen_ai.output.messages": reply,
            },
        ),
        span("cccccccccccc1d46", "bbbbbbbbbbbb3e49", "AutoFunctionInvocationLoop", 2),
        span(
            "dddddddddddd09f7",
            "cccccccccccc1d46",
            "chat gpt-4o-mini",
            3,
            **{
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.usage.input_tokens": 130,
                "gen_ai.usage.output_tokens": 25,
            },
        ),
    ]
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": []},
                        "scopeSpans": [
                            {
                                "scope": {
                                    "name": "semantic_kernel.utils.telemetry.model_diagnostics.decorators"
                                },
                                "spans": spans,
                            }
                        ],
                    }
                ]
            }
        )
    )
    return path


def test_a_text_less_chat_step_shows_its_agent_turns_text(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(_sk_trace(tmp_path / "sk.otlp.json"))
    ex = IncidentExplorer(ws, blame_model=None)
    ex.show_run("2baadd929c9d2463c62a9deaa6446877")
    ex.select_step("dddddddddddd09f7")
    html = ex.detail.value
    assert "(none)" not in html
    assert "enclosing step invoke_agent writer (writer)" in html
    assert "210 units &lt;b&gt;in stock&lt;/b&gt;" in html  # (escaped: log text is untrusted)
    # a step with text of its own shows its own; the run's root, with none above it, still says so
    ex.select_step("bbbbbbbbbbbb3e49")
    assert "enclosing" not in ex.detail.value and "210 units" in ex.detail.value
    ex.select_step("aaaaaaaaaaaac665")
    assert ex.detail.value.count("(none)") == 2
