"""A span's events read into its step (:func:`._map_span.map_span`'s share of them): exceptions as the error, GenAI
message events and details events as the input / output when no attribute gave them, the first logprobs found, and
evaluation results kept among the step's attributes.
"""

from __future__ import annotations

from typing import Any

from ._convention_table import (
    CONTENT_EVENTS,
    DETAILS_EVENTS,
    EVALUATION_EVENTS,
    EXCEPTION_EVENTS,
    INPUT_EVENTS,
    OUTPUT_EVENTS,
)
from ._exception_cause import exception_error
from ._json_text import json_within
from ._span_values import as_text, find_logprobs
from ._tool_parts import TOOL_CALL, TOOL_CALL_RESPONSE, event_call_arguments, tool_part


def read_events(
    events: list[dict[str, Any]],
    kind: str,
    handoff_tool: bool,
    inp: Any,
    out: Any,
    error: Any,
    lp_source: Any,
    rest: dict[str, Any],
) -> tuple[Any, Any, Any, Any]:
    """``(inp, out, error, lp_source)`` with what the span's events add where each is still None; evaluation
    results added to ``rest`` (the step's other attributes), in place."""
    ev_in: list[Any] = []
    ev_out: list[Any] = []
    for ev in events:
        ev_name = ev.get("name")
        ev_attrs = ev.get("attributes") or {}
        if ev_name in EXCEPTION_EVENTS:
            msg = ev_attrs.get("exception.message") or ev_attrs.get("exception.type")
            if msg is not None and error is None:
                error = exception_error(msg, ev_attrs.get("exception.stacktrace"))
        elif ev_name in INPUT_EVENTS:
            ev_in.append({"role": ev_name[7:-8], **ev_attrs})
        elif ev_name in OUTPUT_EVENTS:
            ev_out.append(ev_attrs)
        elif ev_name in DETAILS_EVENTS:
            # (Strands under the latest conventions writes one such event for the input, one for the output)
            for key, bucket in (("gen_ai.input.messages", ev_in), ("gen_ai.output.messages", ev_out)):
                said = json_within(ev_attrs.get(key))
                if isinstance(said, list):
                    bucket.extend(said)
                elif said is not None:
                    bucket.append(said)
        elif ev_name in CONTENT_EVENTS:  # (Langtrace: the messages of either side, one event each)
            said = json_within(ev_attrs.get(CONTENT_EVENTS[ev_name]))
            bucket = ev_in if ev_name == "gen_ai.content.prompt" else ev_out
            if isinstance(said, list):
                bucket.extend(said)
            elif said is not None:
                bucket.append(said)
        elif ev_name in EVALUATION_EVENTS:
            rest.setdefault(ev_name, []).append(ev_attrs)
        if lp_source is None and ev_attrs:
            lp_source = (
                ev_attrs.get("logprobs")
                or ev_attrs.get("gen_ai.response.logprobs")
                or find_logprobs(ev_attrs.get("body") or ev_attrs.get("message"))
            )
    if inp is None and ev_in:
        inp = _tool_event_value(ev_in, "content") if kind == "tool" or handoff_tool else ev_in
    if out is None and ev_out:
        out = _tool_event_value(ev_out, "message") if kind == "tool" else ev_out
    return inp, out, error, lp_source


def event_arguments(events: list[dict[str, Any]] | None) -> Any:
    """A tool call's arguments as its span's one ``gen_ai.tool.message`` event or details event (Strands), else None."""
    said = [ev.get("attributes") for ev in events or () if ev.get("name") == "gen_ai.tool.message"]
    if len(said) == 1 and isinstance(said[0], dict):
        return said[0].get("content")
    return as_text(event_call_arguments(events, DETAILS_EVENTS)) if not said else None


def _tool_event_value(events: list[Any], key: str) -> Any:
    """A tool span's one message event read as the call's arguments / result: its ``key`` (else the events).

    Strands writes a tool call's arguments as a ``gen_ai.tool.message`` event (``content``, beside the call's
    ``id``) and its result as a ``gen_ai.choice`` (``message``), or both as message parts (:mod:`._tool_parts`):
    read whole, each call's input held its call id, and the same arguments of a call made again read as others.
    """
    if len(events) == 1 and isinstance(events[0], dict) and events[0].get(key) is not None:
        return events[0][key]
    part = tool_part(events, TOOL_CALL if key == "content" else TOOL_CALL_RESPONSE)
    return events if part is None else part
