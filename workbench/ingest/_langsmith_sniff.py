"""Is a file's head LangSmith runs? Read from the keys of one object, not from anywhere in the head.

The LangSmith SDK dumps a run's fields in its ``Run`` model's order (``langsmith/schemas.py``: ``id, name,
start_time, run_type, end_time, extra, error, serialized, events, inputs, outputs, reference_example_id,
parent_run_id, tags, attachments, trace_id, session_id, ... dotted_order``): every key only a LangSmith run has
beside its ``run_type`` (``parent_run_id``, ``trace_id``, ``dotted_order``, ``session_id``) comes after the run's
inputs and outputs, which a long prompt or a retrieved document pushes past any head we read. So a run is
recognised by those keys beside its ``run_type``, or by the keys the SDK writes first: ``id``, ``name``,
``start_time`` and a LangSmith ``run_type``, all four keys of *one* object (found by tracking the JSON's nesting,
so keys scattered over a document of another format do not add up to a run).

A dump whose keys are sorted (the REST API's pages, ``json.dumps(..., sort_keys=True)``, ``jq -S``) puts
``run_type`` after ``inputs`` and ``outputs`` too, but ``dotted_order`` before them (only ``app_path``,
``attachments``, ``child_run*`` and ``completion_*`` sort earlier): a run is also known by a ``dotted_order``
whose value is LangSmith's (``20260302T093011320000Z`` and a run's UUID, such pairs joined by dots), a key and a
value no other format writes.
"""

from __future__ import annotations

import re

# A run's type: the SDK's RunTypeEnum
_RUN_TYPES = frozenset((b"llm", b"chain", b"tool", b"retriever", b"embedding", b"prompt", b"parser"))
# The keys the SDK's Run writes first (RunBase), the type among them
_FIRST_KEYS = frozenset((b"id", b"name", b"start_time", b"run_type"))
# A key that only a LangSmith run has beside its run_type
_OWN_KEYS = frozenset(
    (b"dotted_order", b"parent_run_id", b"trace_id", b"child_runs", b"session_id", b"session_name")
)
# JSON's tokens that shape it: a string (its closing quote missing when the head cuts it), a bracket, a colon,
# a comma.
# Numbers, true, false and null are skipped: a key's value is only read when it is a string.
_TOKEN = re.compile(rb'"(?P<s>[^"\\]*(?:\\.[^"\\]*)*)(?P<q>"?)|[{}\[\]:,]')
# LangSmith's dotted order: per run from the root down, its start (%Y%m%dT%H%M%S%fZ) and its id, joined by dots
_UUID = rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_DOTTED = re.compile(rb"(?:[0-9]{8}T[0-9]{12}Z" + _UUID + rb"\.)*[0-9]{8}T[0-9]{12}Z" + _UUID)
_QUICK = re.compile(
    rb'"run_type"\s*:\s*"(?:llm|chain|tool|retriever|embedding|prompt|parser)"|"dotted_order"\s*:\s*"[0-9]{8}T'
)


def looks_like_runs(start: bytes) -> bool:
    """Whether one object of ``start`` (a JSON document's or a JSONL file's head) is a LangSmith run by its keys.

    An object counts once it holds ``run_type`` with a LangSmith type and either a LangSmith-only key
    (:data:`_OWN_KEYS`) or all of the SDK's first keys (:data:`_FIRST_KEYS`), or a LangSmith ``dotted_order``
    (:data:`_DOTTED`: a sorted dump's run). The head may end anywhere: a string it cuts ends the reading.
    """
    if _QUICK.search(start) is None:  # (the common case, another format's file, costs one search)
        return False
    # each open object's keys (with their string values), None for an open list
    stack: list[dict[bytes, bytes | None] | None] = []
    key: bytes | None = None  # the key whose value comes next
    expect_key = False  # the next string is a key (after an object's "{" or ",")
    for tok in _TOKEN.finditer(start):
        keys = stack[-1] if stack else None
        text = tok.group("s")
        if text is not None:
            if not tok.group("q"):
                return False  # the head cuts this string: nothing after it is JSON's structure
            if keys is not None and expect_key:
                key, expect_key = text, False
            elif keys is not None and key is not None:
                keys[key] = text
                if _is_run(keys):
                    return True
                key = None
            continue
        mark = tok.group()
        if mark == b":":
            if keys is not None and key is not None:
                keys.setdefault(key, None)
                if _is_run(keys):
                    return True
        elif mark == b",":
            key, expect_key = None, keys is not None
        elif mark in (b"{", b"["):
            stack.append({} if mark == b"{" else None)
            key, expect_key = None, mark == b"{"
        else:
            if stack:
                stack.pop()
            key, expect_key = None, False
    return False


def _is_run(keys: dict[bytes, bytes | None]) -> bool:
    if keys.get(b"run_type") in _RUN_TYPES and (_FIRST_KEYS.issubset(keys) or not _OWN_KEYS.isdisjoint(keys)):
        return True
    dotted = keys.get(b"dotted_order")
    return dotted is not None and _DOTTED.fullmatch(dotted) is not None
