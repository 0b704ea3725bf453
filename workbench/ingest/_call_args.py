"""A decorated function's recorded arguments, as the step's input.

Decorator-based tracers (OpenLLMetry's ``@tool``/``@task``, Langfuse's ``@observe``) record a call's
arguments as ``{"args": [...], "kwargs": {...}}``: what a reader wants as the step's input is the keyword
arguments when there are no positional ones (a tool's call), the one positional argument when it is alone.
"""

from __future__ import annotations

from typing import Any

import orjson


def decorated_call(value: Any) -> Any:
    """``value``'s arguments as above when it is such a record, else ``value`` unchanged."""
    if isinstance(value, dict) and set(value) == {"args", "kwargs"}:
        args, kwargs = value["args"], value["kwargs"]
        if not args and isinstance(kwargs, dict):
            return kwargs
        if isinstance(args, list) and len(args) == 1 and not kwargs:
            return args[0]
    return value


#: smolagents' ``Tool.__call__(*args, sanitize_inputs_outputs=False, **kwargs)``: OpenInference records a tool call's
#: bound arguments with this keyword beside them (the SQL reader hands such a tool span to the mapper)
SMOLAGENTS_FLAG = "sanitize_inputs_outputs"


def smolagents_tool_call(value: Any) -> Any:
    """A smolagents tool call's input as the arguments the model called it with (``{"item": "widget"}`` for
    ``{"args": [], "sanitize_inputs_outputs": true, "kwargs": {"item": "widget"}}``), else ``value`` unchanged."""
    if not isinstance(value, str) or SMOLAGENTS_FLAG not in value:
        return value
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return value
    if not isinstance(parsed, dict) or set(parsed) != {"args", SMOLAGENTS_FLAG, "kwargs"}:
        return value
    called = decorated_call({"args": parsed["args"], "kwargs": parsed["kwargs"]})
    return value if isinstance(called, dict) and set(called) == {"args", "kwargs"} else called
