"""What a framework's agent or chain span answered, when its output is the framework's whole result object:
CrewAI's CrewOutput, a LangGraph state, a DSPy ReAct prediction. The answer becomes the step's output and the
object is kept beside it (its ids and token counts would read as values the agent stated).
"""

from __future__ import annotations

import re
from typing import Any

import orjson


def _json_object(value: Any, marker: str) -> Any:
    """What an output's text parses to, when it opens a JSON object and mentions ``marker``; else None
    (the framework answer shapes below: cheap tests before the parse)."""
    if not isinstance(value, str) or marker not in value or not value.lstrip().startswith("{"):
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None


def crew_answer(value: Any) -> tuple[str, Any] | None:
    """``(raw, CrewOutput)`` when an output is CrewAI's CrewOutput JSON, else None.

    A crew's kickoff span outputs the whole CrewOutput (``raw``, every task's output with its messages,
    ``token_usage``): its answer is ``raw``; the rest read as values the crew stated.
    """
    obj = _json_object(value, '"tasks_output"')
    if (
        isinstance(obj, dict)
        and isinstance(obj.get("raw"), str)
        and isinstance(obj.get("tasks_output"), list)
    ):
        return obj["raw"], value
    return None


def _langchain_ai_text(msg: Any) -> str | None:
    """The text of a LangChain AI message as OpenInference serialises it (``{"type": "ai", "data": {...}}``,
    or ``dumpd``'s ``{"lc": 1, "id": [..., "AIMessage"], "kwargs": {...}}``); None for another message, or
    one that says nothing (a tool call alone)."""
    if not isinstance(msg, dict):
        return None
    if msg.get("type") == "ai" and isinstance(msg.get("data"), dict):
        body = msg["data"]
    elif (
        msg.get("lc") == 1
        and isinstance(msg.get("id"), list)
        and msg["id"][-1:] in (["AIMessage"], ["AIMessageChunk"])
    ):
        body = msg.get("kwargs")
    else:
        return None
    text = body.get("content") if isinstance(body, dict) else None
    return text if isinstance(text, str) and text.strip() else None


#: A record's key holding its answer beside its messages (detect/sql/values.sql's det_record_answer reads the same)
ANSWER_KEY = re.compile(r"answer|report|result|response|output|summary|reply|draft|final")
_PROSE = re.compile(r"\s")


def graph_state_answer(value: Any) -> tuple[str, Any] | None:
    """``(text, state)`` when an output is a LangGraph state whose last message is an AI message with text, or
    whose answer the last node wrote to a text key of its own named as one (``report``, ``final_answer``: prose)
    beside the messages: the message's text, then that.

    OpenInference writes a LangGraph graph's (and node's) whole state as its output: every message so far,
    each with its ``response_metadata`` (token counts, model name). What the graph answered is the last AI
    message's text; the rest would read as numbers the graph stated.
    """
    obj = _json_object(value, '"messages"')
    msgs = obj.get("messages") if isinstance(obj, dict) else None
    if not isinstance(msgs, list) or not msgs:
        return None
    text = _langchain_ai_text(msgs[-1])
    if text is None and not any(_langchain_ai_text(m) for m in msgs):
        return None  # (no LangChain state: no AI message in it)
    # A state key the last node wrote its answer to, no message (``report: str`` beside ``messages``): said too
    said = [
        v
        for k, v in obj.items()
        if k != "messages"
        and isinstance(v, str)
        and ANSWER_KEY.search(k.lower())
        and _PROSE.search(v.strip())
        and "Message(" not in v
    ]
    parts = [t for t in (text, *said) if t]
    return ("\n".join(parts), value) if parts else None


def react_answer(value: Any) -> tuple[str, Any] | None:
    """``(answer, prediction)`` when an output is a DSPy ReAct prediction: ``{"trajectory": {"thought_0": …,
    "observation_0": …}, "reasoning": …, <the signature's output fields>}``. Its answer is its output fields
    (``answer``, or whatever the signature names: ``price``, ``quote``; several, one a line); the trajectory's
    keys and tool outputs would read as values the module stated."""
    obj = _json_object(value, '"trajectory"')
    if not isinstance(obj, dict) or not isinstance(obj.get("trajectory"), dict):
        return None
    if isinstance(obj.get("answer"), str):
        return obj["answer"], value
    said = [v for k, v in obj.items() if k not in _REACT_OWN_FIELDS]
    if not said or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in said):
        return None
    return "\n".join(str(v) for v in said), value


# (what ReAct adds to its signature's outputs: the steps taken and the extract step's reasoning)
_REACT_OWN_FIELDS = frozenset({"trajectory", "reasoning"})
