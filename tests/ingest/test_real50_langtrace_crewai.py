"""Langtrace's CrewAI and Agno spans read: the agents by their roles / names, the tool call, the model calls' messages.

The shape, from Scale3-Labs/langtrace-python-sdk b62abd9b (May 2025, 3.8.x): ``instrumentation/crewai/patch.py``
(``Crew.kickoff`` / ``Task.execute`` / ``Agent.execute_task`` CLIENT spans, the ``langtrace.*`` keys of
``FrameworkSpanAttributes``, each instance's fields as ``crewai.<class>.<field>`` (``str`` of a list), the result
as ``crewai.<class>.result``, status OK on a result, ERROR with the exception recorded on a raise),
``crewai_tools/patch.py`` (``SerperDevTool._run``: ``crewai_tools.tools.serper_dev_tool.inputs`` as
``{"kwargs": ...}`` JSON, ``.outputs``) and ``openai/patch.py`` with ``utils/llm.py`` / ``utils/__init__.py``
(``openai.chat.completions.create``: gen_ai.* keys, the prompt as a ``gen_ai.content.prompt`` event whose
``gen_ai.prompt`` is the messages' JSON, the answer as a ``gen_ai.content.completion`` event's ``gen_ai.completion``).
Before, every CrewAI span was kind ``other`` and nobody's, the search no tool call, and the model calls had no text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _otlp_json import by_each_reader, enclosing, otlp_span  # noqa: E402

T0 = 1_796_160_000_000_000_000
TRACE = "e1" * 16
OK = {"code": 1}


def _kvs(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"key": k, "value": {"intValue": str(x)} if isinstance(x, int) else {"stringValue": x}}
        for k, x in attrs.items()
    ]


def _span(n: int, parent: int | None, name: str, attrs: dict[str, Any], **kw: Any) -> dict[str, Any]:
    sp = otlp_span(TRACE, n, parent, name, {}, T0, kind="SPAN_KIND_CLIENT", **kw)
    sp["attributes"] = _kvs(attrs)
    return sp


def _langtrace(service: str, kind: str, version: str) -> dict[str, Any]:
    return {
        "langtrace.sdk.name": "langtrace-python-sdk",
        "langtrace.service.name": service,
        "langtrace.service.type": kind,
        "langtrace.service.version": version,
        "langtrace.version": "3.8.18",
    }


CREW = _langtrace("CrewAI", "framework", "0.121.0")


def _chat(n: int, parent: int, role: str, asked: str, answer: str) -> dict[str, Any]:
    said = [{"role": "system", "content": f"You are {role}."}, {"role": "user", "content": asked}]
    events = [
        {
            "name": "gen_ai.content.prompt",
            "timeUnixNano": str(T0 + n * 1_000_000),
            "attributes": _kvs({"gen_ai.prompt": json.dumps(said)}),
        },
        {
            "name": "gen_ai.content.completion",
            "timeUnixNano": str(T0 + n * 1_000_000 + 400_000),
            "attributes": _kvs({"gen_ai.completion": json.dumps([{"role": "assistant", "content": answer}])}),
        },
    ]
    attrs = {
        **_langtrace("OpenAI", "llm", "1.82.0"),
        "gen_ai.system": "openai",
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "url.path": "/chat/completions",
        "gen_ai.usage.input_tokens": 200,
        "gen_ai.usage.output_tokens": 40,
    }
    return _span(n, parent, "openai.chat.completions.create", attrs, events=events, status=OK)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict:
    failed = "Failed to fetch the page: 503"
    raised = [
        {
            "name": "exception",
            "timeUnixNano": str(T0 + 5_400_000),
            "attributes": _kvs({"exception.type": "RuntimeError", "exception.message": failed}),
        }
    ]
    tasks = [
        {"agent": "Researcher", "description": "Find the price"},
        {"agent": "Writer", "description": "Quote"},
    ]
    spans = [
        _span(
            1,
            None,
            "Crew.kickoff",
            {
                **CREW,
                "crewai.crew.tasks": str(tasks),
                "crewai.crew.process": "sequential",
                "crewai.crew.result": "Quote: 41.20 USD.",
            },
            status=OK,
        ),
        _span(
            2,
            1,
            "Task.execute",
            {
                **CREW,
                "crewai.task.description": "Find the price",
                "crewai.task.agent": "Researcher",
                "crewai.task.result": "41.20 USD",
            },
            status=OK,
        ),
        _span(
            3,
            2,
            "Agent.execute_task",
            {
                **CREW,
                "crewai.agent.role": "Researcher",
                "crewai.agent.goal": "Find prices",
                "crewai.agent.result": "41.20 USD",
            },
            status=OK,
        ),
        _chat(4, 3, "Researcher", "Find the price", "Action: Search the internet"),
        _span(
            5,
            3,
            "SerperDevTool._run",
            {
                **_langtrace("CrewAI", "framework", "0.45.0"),
                "crewai_tools.tools.serper_dev_tool.inputs": json.dumps(
                    {"kwargs": {"search_query": "widget price"}}
                ),
            },
            status={"code": 2, "message": failed},
            events=raised,
        ),
        _chat(6, 3, "Researcher", "Observation: the search failed", "Final Answer: 41.20 USD"),
        _span(
            7,
            1,
            "Task.execute",
            {
                **CREW,
                "crewai.task.description": "Quote",
                "crewai.task.agent": "Writer",
                "crewai.task.result": "Quote: 41.20 USD.",
            },
            status=OK,
        ),
        _span(
            8,
            7,
            "Agent.execute_task",
            {**CREW, "crewai.agent.role": "Writer", "crewai.agent.result": "Quote: 41.20 USD."},
            status=OK,
        ),
        _chat(9, 8, "Writer", "Quote 41.20 USD", "Final Answer: Quote: 41.20 USD."),
    ]
    scope = {"name": "langtrace_python_sdk.instrumentation.crewai.instrumentation"}
    agno = {"name": "langtrace_python_sdk.instrumentation.agno.instrumentation"}
    scopes = [{"scope": scope, "spans": enclosing(spans)}, {"scope": agno, "spans": enclosing(_agno())}]
    doc = {"resourceSpans": [{"resource": {}, "scopeSpans": scopes}]}
    path = tmp_path_factory.mktemp("real50") / "langtrace.otlp.json"
    path.write_text(json.dumps(doc))
    return by_each_reader(path, (14, 14, 0))


def _agno() -> list[dict[str, Any]]:
    """A team's run (trace f1): ``agno/patch.py`` wraps ``Team.run`` / ``Agent.run`` and the ``_run`` each calls
    (``patch_team`` / ``patch_agent``: ``agno.team.inputs`` / ``agno.agent.inputs`` the call's arguments as
    ``serialize_args`` / ``serialize_kwargs`` JSON, ``AgnoSpanAttributes`` the instance's ``agno.agent.name`` (a
    team's too), ``agno.<class>.response_content`` the answer)."""
    agno = {**_langtrace("agno", "framework", "1.5.0")}
    asked = json.dumps({"args": ["Quote 10 widgets"]})
    price = json.dumps({"kwargs": {"message": "Price of a widget?"}})
    spans = [
        (
            1,
            None,
            "Team.run",
            {
                "agno.team.inputs": asked,
                "agno.agent.name": "Quote Team",
                "agno.team.response_content": "41.20 USD",
            },
        ),
        (2, 1, "Team._run", {"agno.team.inputs": asked, "agno.agent.name": "Quote Team"}),
        (
            3,
            2,
            "Agent.run",
            {
                "agno.agent.inputs": price,
                "agno.agent.name": "Researcher",
                "agno.agent.response_content": "41.20 USD",
            },
        ),
        (4, 3, "Agent._run", {"agno.agent.inputs": price, "agno.agent.name": "Researcher"}),
    ]
    out = [
        {**_span(n, p, name, {**agno, **attrs}, status=OK), "traceId": "f1" * 16}
        for n, p, name, attrs in spans
    ]
    llm = _chat(5, 4, "Researcher", "Price of a widget?", "41.20 USD")
    return [*out, {**llm, "traceId": "f1" * 16}]


def test_langtrace_agno_team_and_agents(stores: dict) -> None:
    """The team and each agent are agents named by ``agno.agent.name``; the ``_run`` under each run is its own loop
    (a chain of that agent's), not the agent run a second time. Before, all were ``other`` and nobody's."""
    for ws in stores.values():
        rows = ws.con.execute(
            "SELECT step_id, kind, agent, input, output FROM steps WHERE run_id = ? ORDER BY step_id",
            ["f1" * 16],
        ).fetchall()
        assert [(int(s, 16), k, a) for s, k, a, _, _ in rows] == [
            (1, "agent", "Quote Team"),
            (2, "chain", "Quote Team"),
            (3, "agent", "Researcher"),
            (4, "chain", "Researcher"),
            (5, "llm", "Researcher"),
        ]
        assert json.loads(rows[2][3]) == {"message": "Price of a widget?"} and rows[2][4] == "41.20 USD"


@pytest.mark.parametrize("fast", [True, False])
def test_langtrace_crewai_agents_tool_and_messages(stores: dict, fast: bool) -> None:
    ws = stores[fast]
    rows = ws.con.execute(
        "SELECT step_id, kind, agent, tool, status, error, input, output FROM steps WHERE run_id = ? ORDER BY step_id",
        [TRACE],
    ).fetchall()
    got = {int(s, 16): (k, a, t, st) for s, k, a, t, st, *_ in rows}
    assert got == {
        1: ("chain", None, None, "ok"),
        2: ("chain", None, None, "ok"),
        3: ("agent", "Researcher", None, "ok"),
        4: ("llm", "Researcher", None, "ok"),
        5: ("tool", "Researcher", "SerperDevTool", "error"),
        6: ("llm", "Researcher", None, "ok"),
        7: ("chain", None, None, "ok"),
        8: ("agent", "Writer", None, "ok"),
        9: ("llm", "Writer", None, "ok"),
    }
    text = {int(s, 16): (e, i, o) for s, _, _, _, _, e, i, o in rows}
    assert text[5][0] == "Failed to fetch the page: 503"
    assert json.loads(text[5][1]) == {"search_query": "widget price"}
    assert "Find the price" in text[4][1] and "Search the internet" in text[4][2]
    assert text[2][1:] == ("Find the price", "41.20 USD")
    assert text[8][2] == "Quote: 41.20 USD."
    assert ws.con.execute("SELECT outcome FROM runs WHERE run_id = ?", [TRACE]).fetchall() == [("success",)]
