"""Rejects found only at the merge keep their line's text, read again from the file (_rawtext)."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import workbench as wb
from workbench.ingest._rawtext import lines_of

_CHUNK = 1024 * 1024  # (_jsonio's chunk: the long lines below run over its boundaries)


def _step(run: str, step: str, **extra: object) -> bytes:
    rec = {"record": "step", "run_id": run, "step_id": step, "kind": "llm", "seq": int(step[1:]), **extra}
    return json.dumps(rec, separators=(",", ":")).encode()


def _lines() -> list[bytes]:
    long_text = "x" * (_CHUNK + 777)
    lines = [_step("r1", f"s{i}") for i in range(1, 40)]
    lines[5] = _step("r1", "s6", input=long_text)  # a line longer than a chunk
    lines += [b"", b"   ", _step("r2", "s1", output=long_text * 2)]
    lines.append(_step("r1", "s6", input="another text"))  # a duplicate of the long line's step
    lines.append(_step("r2", "s1", name="dup"))  # a duplicate of a line that ran over two chunks
    lines += [_step("r3", f"s{i}") for i in range(1, 3000)]
    lines.append(_step("r1", "s2", name="last"))  # a duplicate on the last line
    return lines


@pytest.mark.parametrize("form", ["plain", "gzip", "crlf", "no final newline"])
def test_merge_rejects_keep_their_line_s_text_bytes_and_hash(tmp_path: Path, form: str) -> None:
    lines = _lines()
    if form == "crlf":
        lines = [x + b"\r" if x else x for x in lines]
    data = b"\n".join(lines) + (b"" if form == "no final newline" else b"\n")
    path = tmp_path / ("steps.jsonl.gz" if form == "gzip" else "steps.jsonl")
    path.write_bytes(gzip.compress(data) if form == "gzip" else data)
    with wb.open(tmp_path / "store.duckdb") as ws:
        report = ws.ingest(path, format="native")
        assert report.read == report.stored + report.quarantined and report.quarantined == 3
        rows = ws.sql(
            "SELECT line, raw, raw_bytes, raw_sha256, reason FROM quarantine ORDER BY line"
        ).fetchall()
    for line, raw, raw_bytes, sha, reason in rows:
        text = lines[line - 1]
        assert "duplicate step id" in reason
        assert raw_bytes == len(text) and sha == hashlib.sha256(text).hexdigest()
        assert raw == text[: 1024 * 1024].decode()
    assert [r[0] for r in rows] == [43, 44, len(lines)]


def test_lines_of_gives_the_wanted_lines_as_jsonl_lines_numbers_them(tmp_path: Path) -> None:
    lines = [b"a" * n for n in (0, 5, _CHUNK - 3, 2, 3 * _CHUNK, 0, 7)] + [b"tail"]
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\n".join(lines))  # (no newline after the last line)
    for wanted in ([2], [3, 4], [5], [2, 5, 7, 8], [8], list(range(1, 9))):
        got = dict(lines_of(path, np.array(wanted, np.int64)))
        assert got == {n: lines[n - 1] for n in wanted}, wanted
    assert dict(lines_of(path, np.array([9, 12], np.int64))) == {}
