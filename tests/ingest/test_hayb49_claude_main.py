"""Claude Agent SDK's main agent, traced by OpenInference, read as "claude" by both OTLP readers, not as the span's
name (Arize-ai/openinference 1fe497f1, ``openinference-instrumentation-claude-agent-sdk/_wrappers.py``:
``_QueryWrapper``'s ``ClaudeAgentSDK.query``, ``_ClientReceiveResponseWrapper``'s
``ClaudeAgentSDK.ClaudeSDKClient.receive_response``, AGENT spans naming no agent). Before, a client's turns and a
query read as two agents named after the SDK's methods. An ``agent.name`` the user put on the span stays its name."""

from __future__ import annotations

import json

from _otlp_json import by_each_reader, enclosing, otlp_span

T0 = 1_796_170_000_000_000_000
MAIN = {
    "openinference.span.kind": "AGENT",
    "llm.system": "anthropic",
    "llm.provider": "anthropic",
    "input.value": "Quote 10 widgets.",
    "llm.model_name": "claude-sonnet-4-6",
}
BASH = {"openinference.span.kind": "TOOL", "tool.name": "Bash", "input.value": '{"command": "ls"}'}


def test_the_main_agent_is_claude(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spans = []
    for trace, name, extra in (
        ("d1", "ClaudeAgentSDK.ClaudeSDKClient.receive_response", {}),
        ("d2", "ClaudeAgentSDK.query", {}),
        ("d3", "ClaudeAgentSDK.query", {"agent.name": "quoter"}),
    ):
        spans += enclosing(
            [
                otlp_span(trace * 16, 1, None, name, MAIN | extra, T0),
                otlp_span(trace * 16, 2, 1, "Bash", BASH, T0),
            ]
        )
    scope = {"name": "openinference.instrumentation.claude_agent_sdk"}
    doc = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": scope, "spans": spans}]}]}
    path = tmp_path / "claude.otlp.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    for ws in by_each_reader(path, (6, 6, 0)).values():
        rows = ws.sql("SELECT run_id[:2], step_id[-1:], kind, agent FROM steps ORDER BY 1, 2").fetchall()
        assert rows == [
            ("d1", "1", "agent", "claude"),
            ("d1", "2", "tool", "claude"),
            ("d2", "1", "agent", "claude"),
            ("d2", "2", "tool", "claude"),
            ("d3", "1", "agent", "quoter"),
            ("d3", "2", "tool", "quoter"),
        ]
