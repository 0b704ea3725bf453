"""JSON written as text inside a record (an attribute holding ``json.dumps`` of a value), read back.

Producers JSON-encode what an attribute cannot hold (MLflow's span inputs, Logfire's structured arguments,
Langfuse's observation input, a tool result): such text is the value it encodes, and text that is not
JSON is kept as written (something else wrote it).
"""

from __future__ import annotations

from typing import Any

import orjson


def json_or_text(value: Any) -> Any:
    """The value JSON text ``value`` encodes; ``value`` unchanged when it is not text or not JSON."""
    if not isinstance(value, str):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value
