"""What is wrong with a malformed OTLP attribute list or span, said in the record's own (JSON) terms.

Asked only once reading failed (a well-formed span pays nothing for the words): the reasons were Python's error
text ("TypeError: string indices must be integers", "'NoneType' object has no attribute 'startswith'").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    type(None): "null",
    int: "number",
}


def json_type(value: Any) -> str:
    """A value's type as JSON names it (a dict is an object, a list an array, None null); another Python type's
    name (a record given in memory may be anything)."""
    return _JSON_TYPES.get(value.__class__) or (
        "number" if isinstance(value, float) else type(value).__name__
    )


def attributes_problem(
    kvs: Any, string_key: str, what: str, decode: Callable[[Any], Any], why: Callable[[Exception], str]
) -> str | None:
    """What is wrong with an attribute list ``attributes`` failed on (``decode``: an AnyValue's reader, ``why``:
    its errors' text), or None."""
    if kvs.__class__ is not list:
        return f"{what} is a JSON {json_type(kvs)}, not a list of {{'key', 'value'}} objects"
    for kv in kvs:
        if kv.__class__ is not dict:
            return f"{what}: an entry is a JSON {json_type(kv)}, not a {{'key', 'value'}} object"
        if "key" not in kv:
            return f"{what}: an entry has no 'key'"
        key = kv["key"]
        if key.__class__ in (list, dict):
            return f"{what}: a key is a JSON {json_type(key)}, not text"
        v = kv.get("value")
        if v is not None and v.__class__ is not dict:
            return f"{what} {str(key)[:60]!r}: the value is a JSON {json_type(v)}, not an AnyValue object"
        try:
            if not (v and v.get(string_key).__class__ is str):
                decode(v)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            return f"{what} {str(key)[:60]!r}: {why(exc)}"
    return None


def key_problem(sp: Any) -> str | None:
    """A span's attribute key that is no text (the readers take keys for text), or None."""
    if not isinstance(sp, dict):
        return None
    events = sp.get("events") if isinstance(sp.get("events"), list) else []
    lists = [("attributes", sp.get("attributes"))]
    lists += [("event attributes", e.get("attributes")) for e in events if isinstance(e, dict)]
    for what, kvs in lists:
        for kv in kvs if isinstance(kvs, list) else ():
            key = kv.get("key") if isinstance(kv, dict) else ""
            if not isinstance(key, str):
                return f"{what}: a key is JSON {json.dumps(key)[:40]}, not text"
    return None
