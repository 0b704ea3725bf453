"""Claude Agent SDK's subagents, traced by OpenInference, read as the agents they are, by both OTLP readers.

The shape: Arize-ai/openinference at 1fe497f1, ``openinference-instrumentation-claude-agent-sdk``: ``_wrappers.py``
(``_QueryWrapper``: a root AGENT span ``ClaudeAgentSDK.query`` with the prompt as ``input.value``, the model, the
session, the assistant's tool calls as ``llm.output_messages.*``, the result as ``output.value``, status OK, or ERROR
``Result error: <subtype>`` for an error result; ``_ToolSpanTracker``: a TOOL span per tool use, named after the tool,
``tool.id`` / ``tool.name`` / ``tool.parameters``, the input and the result as JSON, ERROR when the result
``is_error``; ``_SubagentSpanTracker``: an AGENT span ``ClaudeAgentSDK.<tool>`` under the ``Agent`` / ``Task`` tool
span whose ``agent.name`` is the tool's name) and the run its cassette records
(``tests/cassettes/test_instrumentor/test_query_task_subagent_spans.yaml``: the ``Agent`` tool's input
``{"description", "prompt", "subagent_type": "general-purpose"}``, the subagent's ``Bash`` call under it).

Before, every subagent read as one agent named "Agent" (or "Task"): a researcher's failed tool call and a writer's
answer were the same agent's, and attribution could not tell them apart.
"""

from __future__ import annotations

import json

import pytest
from _otlp_json import by_each_reader, enclosing, otlp_span

T0 = 1_796_150_000_000_000_000
OK = {"code": "STATUS_CODE_OK"}
MODEL = "claude-sonnet-4-6"
JSON = "application/json"


def _run(trace: str, tool: str, bash_error: bool = False, result_error: bool = False) -> list[dict]:
    def span(n: int, parent: int | None, name: str, attrs: dict, status: dict) -> dict:
        return otlp_span(trace, n, parent, name, attrs, T0, status)

    def delegate(n: int, subagent: str, prompt: str, answer: str) -> list[dict]:
        args = json.dumps({"description": prompt[:24], "prompt": prompt, "subagent_type": subagent})
        call = {
            "openinference.span.kind": "TOOL",
            "tool.id": f"toolu_{subagent}",
            "tool.name": tool,
            "tool.parameters": args,
            "input.value": args,
            "input.mime_type": JSON,
            "output.value": json.dumps([{"type": "text", "text": answer}]),
            "output.mime_type": JSON,
        }
        run = {"openinference.span.kind": "AGENT", "agent.name": tool, "llm.model_name": MODEL}
        return [span(n, 1, tool, call, OK), span(n + 1, n, f"ClaudeAgentSDK.{tool}", run, OK)]

    root = {
        "openinference.span.kind": "AGENT",
        "llm.system": "anthropic",
        "llm.provider": "anthropic",
        "input.value": "Quote 10 widgets: research the price, then write the quote.",
        "input.mime_type": "text/plain",
        "llm.model_name": MODEL,
        "session.id": f"sess-{trace[:2]}",
    }
    if not result_error:
        root["output.value"] = "10 widgets at 14.20 USD: 142.00 USD."
    bash = {
        "openinference.span.kind": "TOOL",
        "tool.id": "toolu_bash",
        "tool.name": "Bash",
        "tool.parameters": json.dumps({"command": "curl -s prices.local/widget"}),
        "input.value": json.dumps({"command": "curl -s prices.local/widget"}),
        "input.mime_type": JSON,
    }
    if not bash_error:
        bash |= {"output.value": json.dumps("14.20"), "output.mime_type": JSON}
    status = {"code": "STATUS_CODE_ERROR", "message": "Result error: error_max_turns"} if result_error else OK
    spans = [span(1, None, "ClaudeAgentSDK.query", root, status)]
    spans += delegate(2, "researcher", "Find the price of one widget.", "14.20 USD")
    fails = {"code": "STATUS_CODE_ERROR", "message": "Exit code 22: curl: (22) 503"}
    spans.append(span(4, 3, "Bash", bash, fails if bash_error else OK))
    spans += delegate(5, "writer", "Write the quote for 10 widgets at 14.20 USD.", "10 widgets: 142.00 USD.")
    return enclosing(spans)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict:
    # c1: the SDK's tool "Agent" (as in the cassette); c2: "Task" (earlier versions), the researcher's Bash failing;
    # c3: the run ending on an error result (max turns)
    spans = _run("c1" * 16, "Agent") + _run("c2" * 16, "Task", bash_error=True)
    spans += _run("c3" * 16, "Agent", result_error=True)
    scope = {"name": "openinference.instrumentation.claude_agent_sdk", "version": "0.1.0"}
    doc = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "quote-claude"}}]
                },
                "scopeSpans": [{"scope": scope, "spans": spans}],
            }
        ]
    }
    path = tmp_path_factory.mktemp("real49_claude") / "claude.otlp.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    return by_each_reader(path, (18, 18, 0))


def _steps(ws) -> dict:  # type: ignore[no-untyped-def]
    rows = ws.sql("SELECT run_id[:2], step_id, kind, agent, tool, status FROM steps").fetchall()
    return {(r, int(s, 16)): rest for r, s, *rest in rows}


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_each_subagent_is_its_own_agent(stores: dict, fast: bool) -> None:
    s = _steps(stores[fast])
    for run, tool in (("c1", "Agent"), ("c2", "Task")):
        assert s[run, 1][:2] == [
            "agent",
            "claude",
        ]  # (the main agent: the SDK names it nothing: _claude_agents)
        assert [s[run, n][:3] for n in (2, 3, 4, 5, 6)] == [
            [
                "agent",
                "researcher",
                None,
            ],  # (the call runs the subagent; its tool's name kept as an attribute)
            ["chain", "researcher", None],
            ["tool", "researcher", "Bash"],
            ["agent", "writer", None],
            ["chain", "writer", None],
        ]
        attrs = (
            stores[fast]
            .sql(
                "SELECT attributes FROM steps WHERE run_id = ? AND step_id = ?",
                params=[run * 16, f"{2:016x}"],
            )
            .fetchall()[0][0]
        )
        assert json.loads(attrs)["tool.name"] == tool
    assert s["c2", 4][3] == "error"  # (the researcher's failed call)


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_outcomes_are_what_the_root_says(stores: dict, fast: bool) -> None:
    outcomes = dict(stores[fast].sql("SELECT run_id[:2], outcome FROM runs").fetchall())
    assert outcomes == {"c1": "success", "c2": "success", "c3": "failure"}
    agents = stores[fast].sql(
        "SELECT DISTINCT agent FROM steps WHERE run_id = ? ORDER BY 1", params=["c1" * 16]
    )
    assert [a for (a,) in agents.fetchall()] == ["claude", "researcher", "writer"]


def test_both_readers_read_it_alike(stores: dict) -> None:
    assert _steps(stores[True]) == _steps(stores[False])
