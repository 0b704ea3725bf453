"""JSON files read value by value: JSONL, one document a file, or indented documents one after another.

:func:`iter_json` tells which a file is and yields its values with their lines; the helpers here also
serve the OTLP reader, which reads its JSONL on a path of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from ._jsonio import _reject_break, joined_values, jsonl_lines, read_document

if TYPE_CHECKING:
    from ._base import Stage


Loads = Callable[[bytes], Any]


def _not_json(token: str) -> Any:
    # json.loads takes NaN and Infinity, which are not JSON: refused, as orjson (every other reader) does.
    raise json.JSONDecodeError(f"{token} is not JSON", token, 0)


def exact_loads(data: bytes) -> Any:
    """``orjson.loads``, but an integer of any size stays an integer (orjson reads one past 64 bits as a float).

    For formats whose values are wide integers: OpenTelemetry's 128-bit trace ids dumped as numbers. Raises
    ``orjson.JSONDecodeError`` as ``orjson.loads`` does, so callers catch one exception, and refuses what
    orjson refuses beside that (NaN, Infinity).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise orjson.JSONDecodeError(f"not UTF-8 ({exc.reason}) at byte {exc.start}", "", exc.start) from None
    try:
        return json.loads(text, parse_constant=_not_json)
    except json.JSONDecodeError as exc:
        raise orjson.JSONDecodeError(exc.msg, exc.doc, exc.pos) from None
    except RecursionError:
        raise orjson.JSONDecodeError("nested too deeply to parse", "", 0) from None


def iter_json(
    path: Path, stage: Stage | None = None, loads: Loads = orjson.loads
) -> Iterator[tuple[int, Any, bytes | None, str | None]]:
    """Yield ``(line, value, raw, error)`` for each JSON value of a JSON document or a JSONL file.

    A file whose first line is a whole JSON value is JSONL (one value per non-blank line, ``raw`` its
    bytes), streamed; when that line is the only one it is a document (``raw`` None). Otherwise the
    file is one document (at most :data:`MAX_DOCUMENT_BYTES`), at line 1 with ``raw`` None; a document
    that does not parse is read as JSONL if any of its lines parses, else it is one broken value.
    ``error`` is why a value could not be parsed. Breaks and oversized input go to ``stage``. ``loads``
    parses each value (:func:`exact_loads` for wide integers).
    """
    for n, value, raw, error, _text in _iter_json(path, stage, loads):
        yield n, value, raw, error


def _iter_json(
    path: Path, stage: Stage | None, loads: Loads
) -> Iterator[tuple[int, Any, bytes | None, str | None, bytes | None]]:
    """:func:`iter_json`'s values, each with the text it was parsed from (``raw``, or the whole document's
    bytes for a document, which ``raw`` leaves out): what :func:`iter_items` finds a list's items in."""
    lines = jsonl_lines(path, stage)
    first = next(lines, None)
    if first is None:
        return
    try:
        value = loads(first[1])
    except orjson.JSONDecodeError:
        lines.close()
        yield from _document(path, stage, loads)
        return
    second = next(lines, None)
    if second is None:
        yield first[0], value, None, None, first[1]
        return
    yield first[0], value, first[1], None, first[1]
    for n, v, raw, error in _parsed(second[0], second[1], loads):
        yield n, v, raw, error, raw
    for n, line in lines:
        for n2, v, raw, error in _parsed(n, line, loads):
            yield n2, v, raw, error, raw


def iter_items(
    path: Path, stage: Stage | None = None, loads: Loads = orjson.loads
) -> Iterator[tuple[int, int | None, Any, bytes | None, str | None]]:
    """Yield ``(line, index, value, raw, error)``: :func:`iter_json`'s values, a list's items one by one.

    An item's ``index`` is its place in its list (None for a value that is no list) and its ``line`` the line it
    starts on, also in a list written over many lines (a pretty-printed export: every item at the list's
    first line would send each rejected item to line 1). ``raw`` is the value's text when the value is a
    whole line (an item of a list has none: the quarantine keeps the item itself).
    """
    for n, i, value, raw, error, _ in iter_placed_items(path, stage, loads):
        yield n, i, value, raw, error


#: Where a value was read in a document written over many lines: the document's text and the value's offset
#: in it (None: the document's own start), for :func:`nested_item_lines`.
Place = tuple["str | bytes", "int | None"]


def iter_placed_items(
    path: Path, stage: Stage | None = None, loads: Loads = orjson.loads
) -> Iterator[tuple[int, int | None, Any, bytes | None, str | None, Place | None]]:
    """:func:`iter_items`' values, each with its :data:`Place` when it was read from a document written over
    many lines (None for a line of JSONL, whose parts are all on its line): what a reader finds the lines of
    the value's own parts with (:func:`nested_item_lines`: the spans of a pretty-printed trace)."""
    for n, value, raw, error, text in _iter_json(path, stage, loads):
        many = raw is None and text is not None and b"\n" in text.strip()
        if error is not None or not isinstance(value, list):
            yield n, None, value, raw, error, ((text, None) if many and error is None else None)
            continue
        located = _item_starts(text, n) if many else None
        s, starts = located if located is not None else ("", None)
        for i, item in enumerate(value):
            if starts is not None and i < len(starts):
                yield starts[i][0], i, item, None, None, (s, starts[i][1])
            else:
                yield n, i, item, None, None, None


_SPACE = re.compile(r"[ \t\n\r]*")


def item_lines(text: bytes, first_line: int = 1) -> list[int] | None:
    """The line each item of the JSON list ``text`` starts on (``text`` starting at ``first_line``), or None
    when ``text`` is not one list the standard decoder reads.

    Item by item with :meth:`json.JSONDecoder.raw_decode`, which says where each ends (orjson, which parsed
    the values, gives no positions): a second parse, only of lists written over more than one line.
    """
    located = _item_starts(text, first_line)
    return None if located is None else [line for line, _ in located[1]]


_DECODER = json.JSONDecoder()


def _item_starts(text: bytes, first_line: int) -> tuple[str, list[tuple[int, int]]] | None:
    """``text`` decoded and the (line, offset) each item of the JSON list it holds starts at; None when it is
    not one list the standard decoder reads."""
    try:
        s = text.decode("utf-8").lstrip("\ufeff")
        starts = _list_starts(s, _SPACE.match(s, 0).end(), first_line, 0)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return None if starts is None else (s, starts)


def _list_starts(s: str, i: int, line: int, pos: int) -> list[tuple[int, int]] | None:
    """(line, offset) of each item of the list at ``s[i]``, ``line`` being the line of offset ``pos`` (<= i);
    None when no list starts there. Raises ValueError where the text is no JSON."""
    if s[i : i + 1] != "[":
        return None
    i = _SPACE.match(s, i + 1).end()
    out: list[tuple[int, int]] = []
    while i < len(s) and s[i] != "]":
        line += s.count("\n", pos, i)
        pos = i
        out.append((line, i))
        _, i = _DECODER.raw_decode(s, i)
        i = _SPACE.match(s, i).end()
        if s[i : i + 1] == ",":
            i = _SPACE.match(s, i + 1).end()
    return out


def _member(s: str, i: int, key: str) -> int | None:
    """The offset of the value of ``key`` in the object at ``s[i]`` (its first, where a key is given twice), or
    None. Raises ValueError where the text is no JSON."""
    if s[i : i + 1] != "{":
        return None
    i = _SPACE.match(s, i + 1).end()
    while s[i : i + 1] == '"':
        name, i = _DECODER.raw_decode(s, i)
        i = _SPACE.match(s, i).end()
        if s[i : i + 1] != ":":
            return None
        i = _SPACE.match(s, i + 1).end()
        if name == key:
            return i
        _, i = _DECODER.raw_decode(s, i)  # (a value passed over: parsed to find its end)
        i = _SPACE.match(s, i).end()
        if s[i : i + 1] == ",":
            i = _SPACE.match(s, i + 1).end()
    return None


def nested_item_lines(place: Place | None, line: int, keys: tuple[str, ...], count: int) -> list[int] | None:
    """The line each item of the list under ``keys`` of the object read at ``place`` (on ``line``) starts on:
    the spans of a trace in a pretty-printed document are quarantined at their own lines, not all at the
    trace's. None when the value was on one line (``place`` None), or its text does not give ``count`` items
    there (then the caller keeps ``line``)."""
    if place is None:
        return None
    text, at = place
    try:
        s = text.decode("utf-8").lstrip("\ufeff") if isinstance(text, bytes) else text
        i = _SPACE.match(s, 0).end() if at is None else at
        start = i
        for key in keys:
            found = _member(s, i, key)
            if found is None:
                return None
            i = found
        starts = _list_starts(s, i, line, start)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return [n for n, _ in starts] if starts is not None and len(starts) == count else None


def each_document(
    records: Iterator[tuple[int, int | None, Any, bytes | None, str | None]], stage: Stage
) -> Iterator[tuple[int, int | None, Any, bytes | None]]:
    """``(line, index, document, raw)`` of each record of :func:`iter_items` (or rows in its shape) that was
    read: one that was not (broken JSON, damaged rows) is quarantined with its line and why, and costs only
    itself. The loop every reader of JSON documents (one span, one trace, one span tree) starts with."""
    for n, i, value, raw, error in records:
        if error is not None:
            stage.reject(line=n, reason=error, raw=raw)
            continue
        yield n, i, value, raw


def _parsed(
    n: int, line: bytes, loads: Loads = orjson.loads
) -> Iterator[tuple[int, Any, bytes | None, str | None]]:
    line = line.removeprefix(b"\xef\xbb\xbf")  # (files each with its mark, concatenated)
    try:
        yield n, loads(line), line, None
    except orjson.JSONDecodeError as exc:
        values = joined_values(line) if "after document" in str(exc) else None
        if values is None:
            yield n, None, line, f"broken JSON: {exc}"
        for value in values or ():  # (two files' records on one line: see joined_values)
            yield from _parsed(n, value, loads)


def _document(
    path: Path, stage: Stage | None, loads: Loads = orjson.loads
) -> Iterator[tuple[int, Any, bytes | None, str | None, bytes | None]]:
    data, stream = read_document(path, stage)
    if data is None:
        return
    partial = b""
    if stream.broken is not None:
        # The text after the last newline is where the stream broke: it is the break's record.
        cut = data.rfind(b"\n") + 1
        data, partial = data[:cut], data[cut:]
    if data.strip():
        value, error = parse_document(data, stage, loads)
        if error is not None:
            for n, v, raw, why in document_values(data, error, loads):
                yield n, v, raw, why, raw
        else:
            yield 1, value, None, None, data
    if stream.broken is not None and stage is not None:
        _reject_break(stage, stream, data.count(b"\n") + 1, partial)


_PADDING = b"\x00 \t\r\n"


def parse_document(
    data: bytes, stage: Stage | None = None, loads: Loads = orjson.loads
) -> tuple[Any, str | None]:
    """``(value, None)`` of one whole JSON document, or ``(None, why it does not parse)``.

    NUL bytes after the document are padding (a file preallocated, or cut short by a crash, on some
    file systems), not part of it: the document before them is read, and with a ``stage`` the padding
    is quarantined as one record that says so.
    """
    try:
        return loads(data), None
    except orjson.JSONDecodeError as exc:
        error = str(exc)
    body = data.rstrip(_PADDING)
    if b"\x00" not in data[len(body) :]:
        return None, error
    try:
        value = loads(body)
    except orjson.JSONDecodeError:
        return None, error
    if stage is not None:
        pad = len(data) - len(body)
        stage.reject(
            line=body.count(b"\n") + 1,
            reason=f"{pad:,} bytes of padding (NUL bytes) after the end of the "
            "document (a file preallocated or cut short, e.g. by a crash): "
            "the document before them is read",
            raw_bytes=pad,
        )
    return value, None


def has_record_lines(data: bytes) -> bool:
    """True when some line of ``data`` is a whole JSON object or array: a JSONL file, not a broken document.

    (A pretty-printed document has lines that parse alone, ``"b"`` or ``1`` in a list, but no line of it
    that is a whole object or array, unless it is an empty one.)
    """
    for line in data.split(b"\n"):
        text = line.strip()
        if len(text) > 2 and text[:1] in (b"{", b"["):
            try:
                orjson.loads(text)
            except orjson.JSONDecodeError:
                continue
            return True
    return False


# Where one pretty-printed value ends and the next begins: a closing bracket at the start of a line
# (nested brackets are indented, and no string holds a newline), then an opening one, on the next line or
# right after it: `cat a.json b.json` of files json.dump wrote (no newline at their end, Who&When's), each
# maybe opening with a byte-order mark (Windows tools). In JSON a value never follows a closing bracket
# without a comma, so such a pair is always a boundary.
_VALUE_BOUNDARY = re.compile(rb"(?<=\n[}\]])[ \t\r]*\n?(?=[ \t\r\n]*(?:\xef\xbb\xbf)?[{\[])")


def _values(data: bytes) -> list[tuple[int, bytes]] | None:
    """``(first line, text)`` of each value of a stream of pretty-printed JSON values, or None.

    ``jq`` writes such streams, and so does the OpenTelemetry SDK's console exporter (a span's JSON,
    indented, after another). None when ``data`` is not cut that way.
    """
    cuts = [m.end() for m in _VALUE_BOUNDARY.finditer(data)]
    if not cuts:
        return None
    out, start, line = [], 0, 1
    for end in [*cuts, len(data)]:
        text = data[start:end]
        skipped = len(text) - len(text.lstrip())
        # (a value's own byte-order mark: documents each written with one, concatenated)
        out.append((line + text.count(b"\n", 0, skipped), text.strip().removeprefix(b"\xef\xbb\xbf")))
        line += text.count(b"\n")
        start = end
    return out


def document_values(
    data: bytes, whole_error: str, loads: Loads = orjson.loads
) -> Iterator[tuple[int, Any, bytes | None, str | None]]:
    """``(line, value, raw, error)`` of the values of ``data``, a file's text that is no one JSON document.

    JSONL with a bad line before the first good one, value by value; a stream of pretty-printed values
    (each its own record); a document that is broken (no line of it a record) is one broken value
    (``whole_error`` says why) rather than one reject per line.
    """
    if not has_record_lines(data):
        values = _values(data)
        if values is None:  # (the whole text: the quarantine keeps its prefix, length and hash)
            yield 1, None, data, f"broken JSON: {whole_error}"
            return
        for n, text in values:
            try:
                yield n, loads(text), text, None
            except orjson.JSONDecodeError as exc:
                yield n, None, text, f"broken JSON: {exc}"
        return
    for n, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield next(_parsed(n, line, loads))
