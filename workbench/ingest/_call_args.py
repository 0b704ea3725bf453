"""A decorated function's recorded arguments, as the step's input.

Decorator-based tracers (OpenLLMetry's ``@tool``/``@task``, Langfuse's ``@observe``) record a call's
arguments as ``{"args": [...], "kwargs": {...}}``: what a reader wants as the step's input is the keyword
arguments when there are no positional ones (a tool's call), the one positional argument when it is alone.
"""

from __future__ import annotations

from typing import Any


def decorated_call(value: Any) -> Any:
    """``value``'s arguments as above when it is such a record, else ``value`` unchanged."""
    if isinstance(value, dict) and set(value) == {"args", "kwargs"}:
        args, kwargs = value["args"], value["kwargs"]
        if not args and isinstance(kwargs, dict):
            return kwargs
        if isinstance(args, list) and len(args) == 1 and not kwargs:
            return args[0]
    return value
