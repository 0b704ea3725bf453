"""JSON written as text inside a record (an attribute holding ``json.dumps`` of a value), read back.

Producers JSON-encode what an attribute cannot hold (MLflow's span inputs, Logfire's structured arguments,
Langfuse's observation input, a tool result): such text is the value it encodes, and text that is not
JSON is kept as written (something else wrote it).
"""

from __future__ import annotations

from typing import Any

import orjson

from ._depth import MAX_DEPTH, deeper_than


def json_or_text(value: Any) -> Any:
    """The value JSON text ``value`` encodes; ``value`` unchanged when it is not text or not JSON."""
    if not isinstance(value, str):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value


def json_within(value: Any, limit: int = MAX_DEPTH) -> Any:
    """As :func:`json_or_text`, but JSON text nested deeper than ``limit`` levels stays the text it is.

    For a value that is written back as JSON once read (a step's input or output): past about 1,000 levels
    Python cannot write it again, and the whole span was quarantined for a value it had kept as text.
    """
    parsed = json_or_text(value)
    return value if nested_past(value, parsed, limit) else parsed


def nested_past(text: Any, parsed: Any, limit: int = MAX_DEPTH) -> bool:
    """True when ``parsed``, read from JSON ``text``, nests deeper than ``limit`` levels."""
    # (a level needs an opening bracket: a text with few is not walked)
    return (
        parsed is not text
        and isinstance(text, str)
        and text.count("[") + text.count("{") > limit
        and deeper_than(parsed, limit)
    )
