"""Pydantic Logfire's span names, and the arguments and return value of ``@logfire.instrument`` calls.

Logfire names a span after its message template (``logfire.span("{agent_name} agent", agent_name=...)``,
``instrument_openai``'s ``Chat Completion with {request_data[model]!r}``) and keeps the rendered message in
``logfire.msg``, which is what its own UI shows. Read as the name, the template left every agent's span, and
every model call, with the same placeholder text in the step list and the timeline.

``@logfire.instrument(extract_args=True, record_return=True)`` keeps a call's arguments as plain attributes
named after the parameters and its return value as ``return``, each listed in ``logfire.json_schema`` (which
says which attributes are the user's and which hold JSON text). Unread, such a call (an app's own tool) was
a step with no input or output, so the value a tool returned was nowhere in the run's text. Only a span with
``return``, or with the default ``Calling <module>.<function>`` template, is known to be such a call: a
``logfire.span(...)``'s attributes are whatever the app chose to set, answers included, not its input.
Logfire names no kind for these spans (``logfire.span_type`` is ``span`` for all), so none is guessed.
"""

from __future__ import annotations

from typing import Any

from ._json_text import json_or_text

TEMPLATE = "logfire.msg_template"
SCHEMA = "logfire.json_schema"
RETURN = "return"
# Keys under which another convention already gives the span's text or kind: those win.
_OWN_TEXT = ("gen_ai.operation.name", "openinference.span.kind", "input.value", "output.value")


def rendered_name(name: Any, attrs: dict[str, Any]) -> Any:
    """The span's Logfire message when its name is the message's template with placeholders, else ``name``."""
    msg = attrs.get("logfire.msg")
    if (
        isinstance(name, str)
        and "{" in name
        and name == attrs.get(TEMPLATE)
        and isinstance(msg, str)
        and msg.strip()
    ):
        return msg
    return name


def schema_properties(attrs: dict[str, Any]) -> dict[str, Any] | None:
    """The attributes ``logfire.json_schema`` lists (the span's own, not Logfire's), or None."""
    schema = json_or_text(attrs.get(SCHEMA))
    props = schema.get("properties") if isinstance(schema, dict) else None
    return props if isinstance(props, dict) else None


def _instrumented_call(attrs: dict[str, Any], props: dict[str, Any]) -> bool:
    if RETURN in props:
        return True
    template, function = attrs.get(TEMPLATE), attrs.get("code.function")
    return (
        isinstance(template, str)
        and isinstance(function, str)
        and bool(function)
        and template.startswith("Calling ")
        and (template == "Calling " + function or template.endswith("." + function))
    )


def schema_value(value: Any, prop: Any) -> Any:
    """An attribute's value; JSON text decoded where the schema says Logfire encoded a structure."""
    return (
        json_or_text(value) if isinstance(prop, dict) and prop.get("type") in ("object", "array") else value
    )


def instrumented_call_attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` with an ``@logfire.instrument`` call's arguments as ``input.value`` (the one argument's value,
    or all of them by name) and its return value as ``output.value``; other spans as they are."""
    if any(k in attrs for k in _OWN_TEXT):
        return attrs
    props = schema_properties(attrs)
    if not props or not _instrumented_call(attrs, props):
        return attrs
    args = {k: schema_value(attrs[k], p) for k, p in props.items() if k != RETURN and k in attrs}
    out = {k: v for k, v in attrs.items() if k not in args and k != RETURN}
    if args:
        out["input.value"] = next(iter(args.values())) if len(args) == 1 else args
    if RETURN in attrs:
        out["output.value"] = schema_value(attrs[RETURN], props.get(RETURN))
    return out
