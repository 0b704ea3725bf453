"""Pydantic Logfire's span names.

Logfire names a span after its message template (``logfire.span("{agent_name} agent", agent_name=...)``,
``instrument_openai``'s ``Chat Completion with {request_data[model]!r}``) and keeps the rendered message in
``logfire.msg``, which is what its own UI shows. Read as the name, the template left every agent's span, and
every model call, with the same placeholder text in the step list and the timeline.
"""

from __future__ import annotations

from typing import Any

TEMPLATE = "logfire.msg_template"


def rendered_name(name: Any, attrs: dict[str, Any]) -> Any:
    """The span's Logfire message when its name is the message's template with placeholders, else ``name``."""
    msg = attrs.get("logfire.msg")
    if (isinstance(name, str) and "{" in name and name == attrs.get(TEMPLATE)
            and isinstance(msg, str) and msg.strip()):
        return msg
    return name
