"""Google ADK for Go v2's workflow nodes, read as the agents their steps act for, by both OTLP readers.

The shape: google/adk-go at 0a51e153, ``internal/telemetry/node_tracing.go`` (``startInvokeNodeSpan``: a span
``invoke_node <name>`` with ``gen_ai.operation.name`` ``invoke_node``, ``gen_ai.node.name`` and
``gen_ai.conversation.id``) and the trees its own telemetry test expects (``internal/telemetry/telemetrytestcase/
workflow.go``: ``WorkflowCase`` and the four ``WorkflowError*Case``): ``invoke_workflow my_workflow`` over
``invoke_node static_node`` and ``invoke_node router_node``, the router over ``invoke_agent task_agent`` /
``single_turn_agent`` (each over ``generate_content mock``) and two ``invoke_node echo_node``. A failing node and
every span above it get ADK's Error status (``workflow/node_span.go``'s ``recordError``).

Before, a node read as a step of kind "other" with no agent: a run failed by a function node (``static_node``) or by
a router's own body (``router_node``) had no agent to blame, the error's evidence named nobody. A node now reads as a
LangGraph node does: a "chain" step whose agent is the node, the steps under it its (an agent under it names itself).

The happy run stays of unknown outcome, on purpose: ADK for Go leaves a node's and the workflow's span unset not only
when the workflow finished but also when it was cancelled or paused for a human (``isNodeControlFlow``:
``context.Canceled``, ``ErrNodeInterrupted``), and its last step here is a function node, not a model's answer.
"""

from __future__ import annotations

import json

import pytest
from _otlp_json import by_each_reader, enclosing, otlp_span

from workbench.attribution._evidence import run_evidence

T0 = 1_796_140_000_000_000_000
ERR = {"code": "STATUS_CODE_ERROR", "message": "node failed"}
CASES = {"01": None, "02": "static", "03": "router", "04": "task_agent", "05": "single_turn_agent"}


def _workflow(trace: str, fails: str | None) -> list[dict]:
    def span(n: int, parent: int | None, name: str, attrs: dict, bad: bool) -> dict:
        attrs = {"gen_ai.conversation.id": "session-1", **attrs}
        return otlp_span(trace, n, parent, name, attrs, T0, ERR if bad else None)

    def node(n: int, parent: int, name: str, bad: bool = False) -> dict:
        return span(
            n,
            parent,
            f"invoke_node {name}",
            {"gen_ai.operation.name": "invoke_node", "gen_ai.node.name": name},
            bad,
        )

    def agent(n: int, name: str) -> list[dict]:
        attrs = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": name,
            "gen_ai.agent.description": f"collaborative {name}",
            "gcp.vertex.agent.invocation_id": "e-1",
        }
        llm = {"gen_ai.operation.name": "generate_content", "gen_ai.request.model": "mock"}
        return [
            span(n, 3, f"invoke_agent {name}", attrs, fails == name),
            span(n + 1, n, "generate_content mock", llm, fails == name),
        ]

    spans = [
        span(
            1,
            None,
            "invoke_workflow my_workflow",
            {"gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": "my_workflow"},
            fails is not None,
        ),
        node(2, 1, "static_node", fails == "static"),
    ]
    if fails != "static":
        spans.append(node(3, 1, "router_node", fails is not None and fails != "static"))
    if fails not in ("static", "router"):
        spans += agent(4, "task_agent")
    if fails in (None, "single_turn_agent"):
        spans += agent(6, "single_turn_agent")
    if fails is None:
        spans += [node(8, 3, "echo_node"), node(9, 3, "echo_node")]
    return enclosing(spans)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict:
    spans = [s for run, fails in CASES.items() for s in _workflow(run * 16, fails)]
    doc = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": "adk-go-workflow"}},
                        {"key": "telemetry.sdk.language", "value": {"stringValue": "go"}},
                    ]
                },
                "scopeSpans": [{"scope": {"name": "gcp.vertex.agent"}, "spans": spans}],
            }
        ]
    }
    path = tmp_path_factory.mktemp("real49_adk_go") / "workflow.otlp.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    return by_each_reader(path, (len(spans), len(spans), 0))


def _steps(ws) -> dict:  # type: ignore[no-untyped-def]
    return {
        (r, int(s, 16)): (k, a, st)
        for r, s, k, a, st in ws.sql("SELECT run_id[:2], step_id, kind, agent, status FROM steps").fetchall()
    }


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_a_workflow_node_is_the_agent_of_its_steps(stores: dict, fast: bool) -> None:
    s = _steps(stores[fast])
    assert s["01", 1] == ("chain", None, "unset")  # (the workflow: no agent)
    assert {n: s["01", n][:2] for n in (2, 3, 8, 9)} == {
        2: ("chain", "static_node"),
        3: ("chain", "router_node"),
        8: ("chain", "echo_node"),
        9: ("chain", "echo_node"),
    }
    # an agent under a node names itself, and its model calls are its
    assert [s["01", n][:2] for n in (4, 5, 6, 7)] == [
        ("agent", "task_agent"),
        ("llm", "task_agent"),
        ("agent", "single_turn_agent"),
        ("llm", "single_turn_agent"),
    ]
    attrs = json.loads(
        stores[fast]
        .sql("SELECT attributes FROM steps WHERE run_id = ? AND step_id = ?", params=["01" * 16, f"{2:016x}"])
        .fetchall()[0][0]
    )
    assert attrs["gen_ai.node.name"] == "static_node"  # (what the span said, kept)


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_the_failing_node_or_agent_is_named(stores: dict, fast: bool) -> None:
    ws = stores[fast]
    outcomes = dict(ws.sql("SELECT run_id[:2], outcome FROM runs").fetchall())
    assert outcomes == {"01": "unknown", "02": "failure", "03": "failure", "04": "failure", "05": "failure"}
    ev = run_evidence(ws, [r * 16 for r in ("02", "03", "04", "05")])
    named = {
        r[:2]: (e, a, int(s, 16))
        for r, e, a, s in ev[["run_id", "evidence", "agent", "step_id"]].itertuples(index=False)
    }
    assert named == {
        "02": ("error", "static_node", 2),
        "03": ("error", "router_node", 3),
        "04": ("error", "task_agent", 5),
        "05": ("error", "single_turn_agent", 7),
    }


def test_both_readers_read_it_alike(stores: dict) -> None:
    assert _steps(stores[True]) == _steps(stores[False])
