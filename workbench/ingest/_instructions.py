"""A model call's system instructions (``gen_ai.system_instructions``, GenAI semantic conventions v1.37+) read as
the first message of its input, where the other conventions and frameworks put the system prompt.

The conventions keep the instructions apart from the chat history (``gen_ai.input.messages``): a list of parts
(``[{"type": "text", "content": "..."}]``), as JSON text on a span attribute or structured in a log record. Views and
features read a step's input; kept as a plain attribute, the system prompt was invisible to both. Both forms of the
call (the span's attributes, ``_map_span``, and the operation-details log record, ``_otlp_logs``) read it the same
way: ``{"role": "system", "parts": [...]}`` put before the input's messages.
"""

from __future__ import annotations

from typing import Any

from ._json_text import json_within

#: The conventions' attribute (span or log record) holding a call's system instructions.
SYSTEM_INSTRUCTIONS = "gen_ai.system_instructions"


def with_instructions(messages: Any, instructions: Any) -> Any:
    """``messages`` (a list, or its JSON text) with ``instructions`` (a list of parts or one part, or its JSON
    text) as a first system message; ``messages`` unchanged when it is no list or there are no instructions."""
    if instructions is None:
        return messages
    listed = json_within(messages) if isinstance(messages, str) and messages[:1] == "[" else messages
    if not isinstance(listed, list):
        return messages
    parts = (
        json_within(instructions)
        if isinstance(instructions, str) and instructions[:1] == "["
        else instructions
    )
    return [{"role": "system", "parts": parts if isinstance(parts, list) else [parts]}, *listed]
