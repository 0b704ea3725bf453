"""The IncidentExplorer's step panel as an SRE reads it. ux17 left: the attributes panel showing a JSON string's
line breaks as ``\\n`` (a stack trace on one line); LangGraph's callback wrapper ``{"inputs": {"messages": [...]},
"tags", "metadata"}`` and messages logged as Python reprs (LangChain's ``HumanMessage(content=...)``, Haystack's
and LlamaIndex's ``ChatMessage(...)``) shown raw instead of as ``role: text``."""

from __future__ import annotations

import html
import json
import re

import workbench as wb
from workbench.widgets import IncidentExplorer
from workbench.widgets._messages import readable

TRACE = 'Traceback (most recent call last):\n  File "tools.py", line 12\nTimeoutError: <b>late</b>'


def _lc(kind: str, content: str, **kw: object) -> dict:
    cls = {"human": "HumanMessage", "ai": "AIMessage", "tool": "ToolMessage", "system": "SystemMessage"}[kind]
    return {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "schema", "messages", cls],
        "kwargs": {"content": content, "type": kind, **kw},
    }


LANGGRAPH_IN = {
    "inputs": {"messages": [_lc("human", "What does a widget cost?")], "remaining_steps": 9},
    "tags": ["seq:step:1"],
    "metadata": {"langgraph_step": 1, "langgraph_node": "agent"},
    "kwargs": {"name": "agent"},
}
LANGGRAPH_OUT = {
    "outputs": {
        "messages": [
            _lc(
                "ai",
                "",
                tool_calls=[
                    {"name": "get_price", "args": {"item": "widget"}, "id": "call_0", "type": "tool_call"}
                ],
            )
        ]
    },
    "kwargs": {"tags": ["graph:step:1"]},
}
HAYSTACK = {
    "messages": [
        "ChatMessage(_role=<ChatRole.USER: 'user'>, _content=[TextContent(text='Population of Lisbon? <script>')], "
        "_name=None, _meta={})",
        "ChatMessage(_role=<ChatRole.ASSISTANT: 'assistant'>, _content=[ToolCall(tool_name='get_population', "
        "arguments={'city': 'Lisbon'}, id='call_1', extra=None)], _name=None, _meta={'model': 'gpt-4o-mini'})",
        "ChatMessage(_role=<ChatRole.TOOL: 'tool'>, _content=[ToolCallResult(result='545,000 (HumanMessage(x))', "
        "origin=ToolCall(tool_name='get_population', arguments={'city': 'Lisbon'}, id='call_1'), error=False)])",
    ],
    "streaming_callback": None,
}
LC_REPR = (
    "[HumanMessage(content='Book a hotel in Lisbon.', additional_kwargs={}, response_metadata={}, id='1'), "
    "AIMessage(content='', additional_kwargs={}, response_metadata={'model_name': 'gpt-4o-mini'}, id='2', "
    "tool_calls=[{'name': 'search_hotels', 'args': {'city': 'Lisbon'}, 'id': 'call_2', 'type': 'tool_call'}])]"
)


def test_langgraph_wrapper_is_the_message_list() -> None:
    shown = readable(json.dumps(LANGGRAPH_IN))
    assert shown == "human: What does a widget cost?\n\nremaining_steps: 9", shown
    assert readable(json.dumps(LANGGRAPH_OUT)) == 'ai: → get_price({"item": "widget"})'


def test_python_repr_messages_are_role_and_text() -> None:
    shown = readable(json.dumps(HAYSTACK))
    assert shown == (
        "user: Population of Lisbon? <script>\n\n"
        "assistant: → get_population({'city': 'Lisbon'})\n\n"
        "tool: 545,000 (HumanMessage(x))"
    ), shown
    assert readable(LC_REPR) == ("human: Book a hotel in Lisbon.\n\nai: → search_hotels({'city': 'Lisbon'})")
    for other in ("AgentInput(input=[])", "HumanMessage is a class", "[1, 2"):
        assert readable(other) is other


def _pres(text: str) -> list[str]:
    return [html.unescape(p) for p in re.findall(r"<pre class='wb-pre'>(.*?)</pre>", text, re.S)]


def test_step_panel_shows_messages_and_attribute_line_breaks() -> None:
    recs = [
        {"record": "run", "run_id": "r1", "system": "langgraph", "outcome": "failure"},
        {
            "run_id": "r1",
            "step_id": "s0",
            "agent": "agent",
            "kind": "chain",
            "name": "call_model",
            "input": json.dumps(LANGGRAPH_IN),
            "output": json.dumps(HAYSTACK),
            "attributes": {"exception.stacktrace": TRACE, "retries": 2},
            "started_at": "2026-03-01T10:00:00Z",
            "ended_at": "2026-03-01T10:00:01Z",
        },
    ]
    ws = wb.open()
    ws.ingest(recs, progress=False)
    ex = IncidentExplorer(ws, blame_model=None)
    ex.select_step("s0")
    value = ex.detail.value
    inp, out, attrs = _pres(value)[:3]
    assert inp.startswith("human: What does a widget cost?") and "langgraph_node" not in inp, inp
    assert out.startswith("user: Population of Lisbon? <script>") and "_role" not in out, out
    assert "<script>" not in value and "&lt;script&gt;" in value  # still escaped
    assert "\\n" not in attrs, attrs
    assert (
        '"Traceback (most recent call last):\n' in attrs
        and "\nTimeoutError: <b>late</b>" in attrs.replace("  ", "")
    ), attrs
    assert "<b>late</b>" not in value and "&lt;b&gt;late&lt;/b&gt;" in value


def test_a_flagged_steps_label_names_its_detectors_first() -> None:
    # the closed dropdown cut "… · ChatOpenAI.chat · ⚑ repeated_rep…": the flag now follows the step number
    recs = [{"record": "run", "run_id": "r1", "outcome": "failure"}]
    recs += [
        {
            "run_id": "r1",
            "step_id": f"s{i}",
            "agent": "customer_support_specialist",
            "kind": "llm",
            "name": "ChatOpenAI.chat gpt-4o-mini-2024-07-18",
            "output": "Please send the order number so that I can look up the refund for you.",
            "started_at": f"2026-03-01T10:00:0{i}Z",
            "ended_at": f"2026-03-01T10:00:0{i}.5Z",
        }
        for i in range(4)
    ]
    ws = wb.open()
    ws.ingest(recs, progress=False)
    wb.detect(ws, detectors=["repeated_reply"])
    labels = [o[0] for o in IncidentExplorer(ws, blame_model=None).step.options]
    flagged = [lb for lb in labels if "⚑" in lb]
    assert flagged and all(lb.index("⚑ repeated_reply") < 6 for lb in flagged), labels
    assert all("customer_support_specialist · llm · ChatOpenAI.chat" in lb for lb in labels), labels


def test_another_run_with_the_same_step_ids_shows_its_own_step() -> None:
    # seen in JupyterLab: show_run('r00') after r23 kept r23's s0 in the step panel (same id, no change event)
    recs: list[dict] = []
    for run in ("a", "b"):
        recs.append(
            {
                "record": "run",
                "run_id": run,
                "outcome": "failure",
                "started_at": "2026-03-01T10:00:00Z" if run == "a" else "2026-03-02T10:00:00Z",
            }
        )
        recs += [
            {
                "run_id": run,
                "step_id": f"s{i}",
                "agent": "x",
                "kind": "llm",
                "output": f"output of {run}{i}",
                "started_at": "2026-03-01T10:00:00Z",
            }
            for i in range(2)
        ]
    ws = wb.open()
    ws.ingest(recs, progress=False)
    ex = IncidentExplorer(ws, blame_model=None)
    for run in ("a", "b", "a"):
        ex.show_run(run)
        assert f"output of {run}0" in ex.detail.value, (run, ex.detail.value)
