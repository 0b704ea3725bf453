"""A caller's value as text even when its ``__str__`` raises (a driver's row type, a lazy proxy): a stated
placeholder naming its type instead of the error. The ingest quarantines such a record with it and the guard
judges such an argument by it; either way the value costs only its own record or call."""

from __future__ import annotations

from typing import Any


def text_or_placeholder(value: Any) -> str:
    """``str(value)``, or :func:`unprintable` of it when that raises."""
    try:
        return str(value)
    except Exception:
        return unprintable(value)


def unprintable(value: Any) -> str:
    """The stated placeholder of a value that cannot be written as text (its ``__str__`` raises)."""
    return f"<unprintable {type(value).__module__}.{type(value).__qualname__}>"
