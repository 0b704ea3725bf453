"""A tool call's key, as the guard and the backtest remember it (``Core``): agent, tool and arguments normalised as
the loop and retry detectors normalise them in SQL (``detect/sql/macros.sql`` det_call_args, det_canonical: keep
the two equal), and a digest of a value the store cannot keep."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Any

from .._unprintable import text_or_placeholder as _str

_KEY_CHARS = 256  # (a key holding 50 kB of arguments: 512 of them were 25 MB a run)


# The SQL side strips RE2's \s (ASCII space, tab, newline, form feed, carriage return): the same here.
_SPACES = str.maketrans("", "", " \t\n\f\r")
# The id an LLM API gave a tool call is no part of the call: detect/sql/macros.sql det_call_args, the
# same pattern over the same text before squeezing (keep the two equal). ASCII classes only: RE2 and
# re read them alike.
_CALL_IDS = re.compile(
    r"(^|[^0-9A-Za-z_])(?:tooluse_|toolu_|call_[0-9A-Za-z]{20})[0-9A-Za-z_-]*"
    r'|(\\?"(?:id|tool_call_id|call_id|toolUseId)\\?"[ \t\n\f\r]*:[ \t\n\f\r]*\\?")'
    r"call_[0-9A-Za-z_-]*"
)
_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode


def encode(value: Any) -> str:
    """A tool call's arguments as :func:`call_key` serialises them (a string stays as it is)."""
    return value if isinstance(value, str) else _ENCODE(value)


def _normal(text: str) -> str:
    """Arguments as calls compare them: tool-call ids left out, a JSON object or array in its canonical form
    (:func:`canonical`), whitespace squeezed out, lower-cased."""
    if "toolu" in text or "call_" in text:  # most arguments hold neither: skip the regex
        text = _CALL_IDS.sub(r"\1\2", text)
    return canonical(text).translate(_SPACES).lower()


# What det_canonical (detect/sql/macros.sql) leaves as it is, tested on the text alike on both sides: a trailing
# comma (DuckDB's reader takes it, json's not) and an escaped surrogate (json takes a lone one, DuckDB's reader not).
_NOT_CANONICAL = re.compile(r",[ \t\n\r]*[\]}]|\\u[dD][89a-fA-F]")
_PLAIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# Longer arguments compare as text: parsing and sorting 2 MB of JSON cost a guarded call 0.8 CPU s (a loop of
# such calls is still caught by its text, as before). det_canonical's length(t) counts code points alike.
CANONICAL_CHARS = 65_536
_INT_RANGE = range(-(2**63), 2**64)  # the integers DuckDB's JSON reads as integers (BIGINT, UBIGINT)


def canonical(text: str) -> str:
    """See :func:`_canonical`; short texts remembered (a run makes the same calls again: a loop is that)."""
    if len(text) > 512:
        return _canonical(text)
    return _canonical_short(text)


def _canonical(text: str) -> str:
    """A JSON object or array (with a comma: one member cannot be reordered) as calls compare it, the same call
    whatever the order of its keys: every value's path and value, sorted, numbers in one form (``1``, ``1.0`` and
    ``1e0`` alike). Any other text as it is, and so a text of more than ``CANONICAL_CHARS`` characters. The mirror of ``det_canonical`` (``detect/sql/macros.sql``, DuckDB's
    ``json_tree``): paths as its ``fullkey``, values as it renders them; keep the two equal."""
    if (
        len(text) > CANONICAL_CHARS
        or text.lstrip(" ")[:1] not in ("{", "[")
        or "," not in text
        or _NOT_CANONICAL.search(text)
    ):
        return text
    try:
        value = json.loads(text, object_pairs_hook=_Pairs, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return text
    rows: list[tuple[str, str]] = []
    stack: list[tuple[str, Any]] = [("$", value)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, _Pairs):
            rows.append((path, "o"))
            for k, item in v:
                stack.append(
                    (
                        path
                        + "."
                        + (
                            k
                            if _PLAIN_KEY.fullmatch(k)
                            else '"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"'
                        ),
                        item,
                    )
                )
        elif isinstance(v, list):
            rows.append((path, "a"))
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(v))
        elif isinstance(v, str):
            rows.append((path, "s" + v))
        elif v is None:
            rows.append((path, "z"))
        elif isinstance(v, bool):
            rows.append((path, "btrue" if v else "bfalse"))
        elif isinstance(v, int) and v in _INT_RANGE:
            rows.append((path, "n" + str(v)))
        else:
            try:
                f = float(v)
            except OverflowError:
                return text
            rows.append((path, "n" + (str(int(f)) if f.is_integer() and abs(f) < 2**53 else repr(f))))
    rows.sort()
    return "\x1f".join(f"{p}={v}" for p, v in rows)


def _no_constant(name: str) -> Any:
    """NaN and Infinity are no JSON: the text is left as it is (det_canonical leaves any number with letters)."""
    raise ValueError(name)


_canonical_short = functools.lru_cache(maxsize=1024)(_canonical)


class _Pairs(list):
    """A JSON object's members in order, a key given twice kept twice (as DuckDB's json_tree gives them)."""


def call_key(agent: str | None, tool: str | None, args: Any) -> str:
    """One tool call's identity: agent, tool and arguments without whitespace, lower-cased, a JSON object's keys
    in any order (:func:`canonical`).

    The same normalisation as the loop and retry detectors (``detect/sql/calls.sql``); a dict or
    list of arguments is serialised as JSON first, as the store keeps it. Tool-call ids the LLM API
    gave the call (``tooluse_…``, ``toolu_…``, ``call_…``) are left out: a call made again gets a new one.
    """
    if args is None:
        text = ""
    elif isinstance(args, str):
        text = args
    else:
        text = _ENCODE(args)
    key = f"{agent}\x1f{tool}\x1f{_normal(text)}"
    if len(key) > _KEY_CHARS:  # a run remembers hundreds of keys: long arguments by their digest
        return "#" + hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return key


def digest_of(value: Any) -> str:
    """A value the store cannot keep (a tool call's arguments or a step's output past its field limit, nested past
    its limit, holding NaN, circular) as the guard compares it: a digest of the whole value, normalised as
    :func:`call_key` normalises arguments (text) or, for what JSON cannot write, walked with each object's keys
    sorted. Equal values give equal digests, so such a call still counts and still repeats itself."""
    h = hashlib.blake2b(digest_size=16)
    try:
        text = value if isinstance(value, str) else _ENCODE(value)
    except Exception:  # circular, nested past what json writes, a tuple key, an object whose __str__ raises
        _walk(value, h)
    else:
        h.update(_normal(text).encode("utf-8", "surrogatepass"))
    return "#unkept:" + h.hexdigest()


def _walk(value: Any, h: Any) -> None:
    """Feed ``h`` a structure of any depth without recursion; a container met again is written as a reference."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if id(v) in seen:
                h.update(b"&")
                continue
            seen.add(id(v))
            h.update(b"{")
            for k in sorted(v, key=_str, reverse=True):
                stack.append(v[k])
                stack.append(_str(k))
        elif isinstance(v, (list, tuple)):
            if id(v) in seen:
                h.update(b"&")
                continue
            seen.add(id(v))
            h.update(b"[%d" % len(v))
            stack.extend(reversed(v))
        else:
            h.update(
                b"\x1e"
                + _ENCODE(v if isinstance(v, (str, int, float, bool)) or v is None else _str(v)).encode(
                    "utf-8", "surrogatepass"
                )
            )
