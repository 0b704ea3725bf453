"""Reading JSON and JSONL input files: one place for gzip, byte-order marks and line numbering."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

_BOM = b"\xef\xbb\xbf"
_MAX_RAW = 64 * 1024


def open_input(path: Path):  # noqa: ANN201 - a binary file object
    """``path`` opened for binary reading, gunzipped on the fly when it ends in ``.gz``."""
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def jsonl_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` of every non-blank line, 1-based, streamed (gzip when ``.gz``, no BOM)."""
    with open_input(path) as fh:
        for n, line in enumerate(fh, start=1):
            if n == 1:
                line = line.removeprefix(_BOM)
            if line.strip():
                yield n, line


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``, gunzipped when it ends in ``.gz``, without a UTF-8 byte-order mark."""
    with open_input(path) as fh:
        return fh.read().removeprefix(_BOM)


def iter_json(path: Path) -> Iterator[tuple[int, Any, bytes | None, str | None]]:
    """Yield ``(line, value, raw, error)`` for each JSON value of a JSON document or a JSONL file.

    A document that parses as a whole is one value at line 1 with ``raw`` None. Otherwise the file is
    JSONL (one value per non-blank line, ``raw`` its bytes) when at least one line parses; if none
    does, the whole file is one broken value. ``error`` is why a value could not be parsed.
    """
    data = read_bytes(path)
    if not data.strip():
        return
    try:
        yield 1, orjson.loads(data), None, None
        return
    except orjson.JSONDecodeError as exc:
        whole_error = str(exc)
    # JSONL: lines that fail before the first good one are held back, so that a file no line of which
    # parses is one broken document rather than one reject per line.
    held: list[tuple[int, Any, bytes | None, str | None]] = []
    good = False
    for n, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            item: tuple[int, Any, bytes | None, str | None] = (n, orjson.loads(line), line, None)
        except orjson.JSONDecodeError as exc:
            item = (n, None, line, f"broken JSON: {exc}")
        if good:
            yield item
        elif item[3] is None:
            good = True
            yield from held
            yield item
        else:
            held.append(item)
    if not good:
        yield 1, None, data[:_MAX_RAW], f"broken JSON: {whole_error}"


