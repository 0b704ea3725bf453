"""Blocks of lines for the SQL fast paths: cut, checked for nesting and UTF-8 as line by line."""

from __future__ import annotations

import json
import random
from pathlib import Path

import duckdb

from workbench.ingest._base import Stage, create_stage_tables
from workbench.ingest._jsonio import _whole_lines, line_blocks, may_be_deep
from workbench.ingest._line_table import _maybe_deep, block_table


def _lines() -> list[bytes]:
    rng = random.Random(7)
    out = [b"{}", b"", b"[" * 150 + b"]" * 150, b'{"a": "' + b"]" * 300 + b'"}',
           b'{"a": "' + b"[" * 300 + b'"}', b"[{" * 60 + b"}]" * 60, b"{" * 101 + b"}" * 101,
           b"[" * 100 + b"]" * 100, b"[" * 40 + b"]" * 40, b'{"x": [' + b"[]," * 200 + b"[]]}"]
    for _ in range(200):  # random bracket soup, balanced or not, some past the depth limit
        depth = rng.randrange(1, 130)
        text = b"".join(rng.choice([b"[", b"{"]) for _ in range(depth))
        out.append(text + b"".join(b"]" if c == ord("[") else b"}" for c in reversed(text))
                   + rng.choice([b"", b"]", b"{", b'"]"']))
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
