"""The step panel on three shapes it showed raw (samples from real runs, real11/12/13): Haystack's pipeline
input ``{"data": {"<component>": {"messages": [...]}}}`` and output by component, LlamaIndex workflow events
(``AgentInput(...)``, ``AgentOutput(...)``, ``StopEvent(result=AgentOutput(...))``, also as a field of
``{"ctx": ..., "ev": ...}``) and LangGraph's ``Send(node=..., arg={... 'state': {whole history}})``. Hostile
text in them stays text."""

from __future__ import annotations

import html
import json
import re

import workbench as wb
from workbench.widgets import IncidentExplorer
from workbench.widgets._messages import readable

XSS = "<img src=x onerror=alert(1)>"
HAY_USER = "ChatMessage(_role=<ChatRole.USER: 'user'>, _content=[TextContent(text='What is the population of Lisbon?')], _name=None, _meta={})"
HAY_ANSWER = (
    "ChatMessage(_role=<ChatRole.ASSISTANT: 'assistant'>, _content=[TextContent(text='Lisbon has 545,000 "
    "inhabitants.')], _name=None, _meta={'model': 'gpt-4o-mini-2024-07-18'})"
)
PIPELINE_IN = {"data": {"researcher": {"messages": [HAY_USER]}}}
PIPELINE_OUT = {
    "researcher": {"step_count": 3, "exit_reason": "text", "last_message": HAY_ANSWER},
    "writer": {"messages": [HAY_USER, HAY_ANSWER.replace("Lisbon has", "Blurb: Lisbon has")]},
}
LI_MSG = (
    "ChatMessage(role=<MessageRole.USER: 'user'>, additional_kwargs={}, blocks=[TextBlock(block_type='text', "
    "text='How tall is the Eiffel Tower?')])"
)
AGENT_INPUT = f"AgentInput(input=[{LI_MSG}], current_agent_name='researcher')"
AGENT_OUTPUT = (
    "AgentOutput(response=ChatMessage(role=<MessageRole.ASSISTANT: 'assistant'>, additional_kwargs={}, "
    "blocks=[ToolCallBlock(block_type='tool_call', tool_call_id='c1', tool_name='search_web', "
    "tool_kwargs={'query': 'Eiffel tower height'})]), structured_response=None, "
    "current_agent_name='researcher', raw=None, tool_calls=[ToolSelection(tool_id='c1', "
    "tool_name='search_web', tool_kwargs={'query': 'Eiffel tower height'})], retry_messages=[])"
)
STOP = (
    "StopEvent(result=AgentOutput(response=ChatMessage(role=<MessageRole.ASSISTANT: 'assistant'>, "
    "additional_kwargs={}, blocks=[TextBlock(block_type='text', text='The Eiffel Tower is 300 metres tall.')]..."
)
SEND = (
    "Send(node='tools', arg={'__type': 'tool_call_with_context', 'tool_call': {'name': 'search_flights', "
    "'args': {'origin': 'BER', 'destination': 'LIS', 'legs': [{'day': 1}]}, 'id': 'call_d96', 'type': 'tool_call'}, "
    "'state': {'messages': [HumanMessage(content='Book a flight Berlin-Lisbon.', additional_kwargs={}, "
    "response_metadata={}, id='19fe'), AIMessage(content='', additional_kwargs={}, response_metadata={}, "
    "name='alice', id='lc_run-0', tool_calls=[{'name': 'search_flights', 'args': {'origin': 'BER'}, "
    "'id': 'call_d96', 'type': 'tool_call'}], invalid_tool_calls=[])], 'remaining_steps': 10006}})"
)


def test_haystack_pipeline_by_component() -> None:
    assert readable(json.dumps(PIPELINE_IN)) == "[researcher]\nuser: What is the population of Lisbon?"
    shown = readable(json.dumps(PIPELINE_OUT))
    assert shown.startswith("[researcher]\nassistant: Lisbon has 545,000 inhabitants.\n\nstep_count: 3"), (
        shown
    )
    assert "[writer]\nuser: What is the population of Lisbon?\n\nassistant: Blurb: Lisbon has" in shown, shown
    assert "_role" not in shown and "ChatMessage" not in shown


def test_llamaindex_events_are_their_messages() -> None:
    assert (
        readable(AGENT_INPUT)
        == "user: How tall is the Eiffel Tower?\n\nevent: AgentInput\n\nagent: researcher"
    )
    # the call once (a ToolCallBlock in the message and a ToolSelection beside it name the same call)
    assert readable(AGENT_OUTPUT) == (
        "assistant: → search_web({'query': 'Eiffel tower height'})\n\nevent: AgentOutput\n\nagent: researcher"
    )
    assert (
        readable(STOP) == "assistant: The Eiffel Tower is 300 metres tall.\n\nevent: StopEvent › AgentOutput"
    )
    wrapped = json.dumps(
        {"ctx": "<workflows.context.context.Context object at 0x7ff111a55d90>", "ev": AGENT_INPUT}
    )
    assert readable(wrapped) == readable(AGENT_INPUT)
    cut = (
        AGENT_OUTPUT[: AGENT_OUTPUT.index("tool_kwargs")] + "tool_kwarg..."
    )  # the log cut it at 200 characters
    assert readable(cut).startswith("assistant: → search_web(…)"), readable(cut)


def test_langgraph_send_is_the_call_it_routes() -> None:
    line = "send → tools: search_flights({'origin': 'BER', 'destination': 'LIS', 'legs': [{'day': 1}]})"
    assert readable(json.dumps([SEND])) == line
    assert readable(
        json.dumps(
            {
                "outputs": [SEND, SEND.replace("search_flights", "search_hotels")],
                "kwargs": {"tags": ["seq:step:3"]},
            }
        )
    ) == line + "\n" + line.replace("search_flights", "search_hotels")
    assert (
        readable("[Send(node='generate', arg={'subject': 'cats'})]") == "send → generate: {'subject': 'cats'}"
    )
    assert readable("Send is a class") == "Send is a class"


def _pres(text: str) -> list[str]:
    return [html.unescape(p) for p in re.findall(r"<pre class='wb-pre'>(.*?)</pre>", text, re.S)]


def test_hostile_text_in_events_stays_text() -> None:
    send = SEND.replace("'tools'", repr("tools" + XSS)).replace("'BER'", repr("BER" + XSS))
    event = AGENT_INPUT.replace("'researcher'", repr("researcher" + XSS)).replace(
        "How tall", XSS + " How tall"
    )
    pipe = {"data": {"researcher" + XSS: {"messages": [HAY_USER.replace("What is", XSS + " What is")]}}}
    recs = [
        {"record": "run", "run_id": "r1", "outcome": "failure"},
        {
            "run_id": "r1",
            "step_id": "s0",
            "agent": "a",
            "kind": "chain",
            "name": "route",
            "input": event,
            "output": json.dumps([send]),
            "started_at": "2026-03-01T10:00:00Z",
        },
        {
            "run_id": "r1",
            "step_id": "s1",
            "agent": "a",
            "kind": "chain",
            "name": "pipe",
            "input": json.dumps(pipe),
            "output": "ok",
            "started_at": "2026-03-01T10:00:01Z",
        },
    ]
    ws = wb.open()
    ws.ingest(recs, progress=False)
    ex = IncidentExplorer(ws, blame_model=None)  # (the step panel is checked: no verdict scored, suite52)
    ex.select_step("s0")
    value = ex.detail.value
    inp, out = _pres(value)[:2]
    assert (
        inp == f"user: {XSS} How tall is the Eiffel Tower?\n\nevent: AgentInput\n\nagent: researcher{XSS}"
    ), inp
    assert out.startswith(f"send → tools{XSS}: search_flights({{'origin': 'BER{XSS}'"), out
    assert XSS not in value and html.escape(XSS, quote=False) in value.replace("&#x27;", "'")
    ex.select_step("s1")
    value = ex.detail.value
    assert _pres(value)[0] == f"[researcher{XSS}]\nuser: {XSS} What is the population of Lisbon?"
    assert XSS not in value
    ws.close()
