"""Blocks of lines for the SQL fast paths: cut, checked for nesting and UTF-8 as line by line."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import duckdb

from workbench.ingest._base import Stage, create_stage_tables
from workbench.ingest._jsonio import _whole_lines, line_blocks, may_be_deep
from workbench.ingest._line_table import _maybe_deep, block_table


def _lines() -> list[bytes]:
    rng = random.Random(7)
    out = [
        b"{}",
        b"",
        b"[" * 150 + b"]" * 150,
        b'{"a": "' + b"]" * 300 + b'"}',
        b'{"a": "' + b"[" * 300 + b'"}',
        b"[{" * 60 + b"}]" * 60,
        b"{" * 101 + b"}" * 101,
        b"[" * 100 + b"]" * 100,
        b"[" * 40 + b"]" * 40,
        b'{"x": [' + b"[]," * 200 + b"[]]}",
    ]
    for _ in range(200):  # random bracket soup, balanced or not, some past the depth limit
        depth = rng.randrange(1, 130)
        text = b"".join(rng.choice([b"[", b"{"]) for _ in range(depth))
        out.append(
            text
            + b"".join(b"]" if c == ord("[") else b"}" for c in reversed(text))
            + rng.choice([b"", b"]", b"{", b'"]"'])
        )
    rng.shuffle(out)
    return out


def test_block_depth_check_flags_what_the_line_check_flags() -> None:
    lines = _lines()
    block = b"".join(line + b"\n" for line in lines)
    flagged = set(_maybe_deep(block, len(lines)))
    deep = {i for i, line in enumerate(lines) if may_be_deep(line)}
    assert deep and deep <= flagged  # every line the line check may flag is looked at again
    assert {i for i in flagged if may_be_deep(lines[i])} == deep


def test_block_table_sends_deep_and_non_utf8_lines_to_python(tmp_path: Path) -> None:
    con = duckdb.connect()
    create_stage_tables(con)
    stage = Stage(con)
    ok = json.dumps({"a": "é"}).encode()
    lines = [ok, b"[" * 120 + b"]" * 120, b'{"a": "\xff"}', b"  ", ok, b"{" * 150 + b"}" * 150]
    slow: list[int] = []
    table = block_table(10, b"".join(x + b"\n" for x in lines), stage, lambda line, n, _s: slow.append(n))
    assert table is not None
    assert sorted(slow) == [11, 12, 15]
    assert table.column("line").to_pylist() == [10, 14]
    assert table.column("json").to_pylist() == [ok.decode() + "\n"] * 2


def test_whole_lines_cut_after_the_last_newline() -> None:
    for pending in ([b"ab\ncd", b"ef"], [b"ab", b"cd\n"], [b"ab", b"cd"], [b"a\nb", b"\nc", b"d"], [b"\n"]):
        data = b"".join(pending)
        cut = data.rfind(b"\n") + 1
        assert _whole_lines(list(pending)) == (data[:cut], data[cut:])


def test_blocks_hold_every_line_once(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    lines = [json.dumps({"n": n, "pad": "x" * (n % 997)}).encode() for n in range(6000)]  # ~3 MB: 1 MB reads
    path.write_bytes(b"\n".join(lines))  # no newline after the last line
    con = duckdb.connect()
    create_stage_tables(con)
    got, first_lines = [], []
    for first, block in line_blocks(path, Stage(con), 4096):
        first_lines.append(first)
        got.extend(block.splitlines())
    assert got == lines
    assert len(first_lines) >= 3 and first_lines[0] == 1


def _outside_strings(text: bytes) -> bytes:
    """The brackets and newlines of JSON text outside its strings, read byte by byte (the reference)."""
    out, in_string, escaped = bytearray(), False, False
    for c in text:
        if in_string:
            in_string, escaped = (True, False) if escaped else (c != 34, c == 92)
        elif c == 34:
            in_string = True
        elif c in b"[]{}\n":
            out.append(c)
    return bytes(out)


def test_structure_keeps_the_brackets_outside_strings_with_few_or_many_escapes() -> None:
    # Two ways of dropping escapes (a regex when few, replaces when many: JSON within strings, as SDKs
    # export), one answer: the brackets outside strings, however quotes, backslashes and brackets are escaped.
    from workbench.ingest import _depth

    rng = random.Random(11)

    def value(depth: int) -> Any:
        if depth > 5 or rng.random() < 0.4:
            return "".join(rng.choice('ab[]{}"\\\n/é') for _ in range(rng.randrange(12)))
        if rng.random() < 0.5:
            return [value(depth + 1) for _ in range(rng.randrange(4))]
        return {value(9): value(depth + 1) for _ in range(rng.randrange(4))}

    ways = set()
    for _ in range(300):
        text = "\n".join(json.dumps(value(0), ensure_ascii=rng.random() < 0.5) for _ in range(3))
        for t in (text.encode(), json.dumps(text).encode(), json.dumps(json.dumps(text)).encode()):
            shape = t.translate(_depth._TO_MARKER, _depth._NOT_REDUCED)
            ways.add(shape.count(b"\\") * _depth._MANY_ESCAPES > len(shape))
            assert _depth.structure(t) == _outside_strings(t), t
    assert ways == {True, False}
