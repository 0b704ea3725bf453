"""Compressed and oversized input: breaks keep what came before, limits count decompressed bytes."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest import _jsonio

T0 = 1_767_225_600_000_000_000


def _native_lines(n: int) -> list[bytes]:
    out = [json.dumps({"record": "run", "run_id": "r0", "system": "s"}).encode()]
    out += [
        json.dumps(
            {
                "run_id": "r0",
                "step_id": f"s{i:05d}",
                "kind": "llm",
                "started_at": T0 + i,
                "ended_at": T0 + i + 1,
                "output": "x" * 200,
            }
        ).encode()
        for i in range(n)
    ]
    return out


def test_truncated_gzip_keeps_the_lines_before_the_break(tmp_path: Path) -> None:
    lines = _native_lines(3000)
    whole = b"\n".join(lines) + b"\n"
    packed = gzip.compress(whole)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    ws = wb.open()
    report = ws.ingest(cut)
    assert report.read == report.stored + report.quarantined
    assert report.stored > 1000  # half of the file, not nothing
    q = ws.quarantine()
    breaks = q[q["reason"].str.contains("compressed stream broken")]
    assert len(breaks) == 1
    row = breaks.iloc[0]
    assert (
        row["file"] == str(cut.resolve()) and "byte offset" in row["reason"] and "EOFError" in row["reason"]
    )
    # Every stored step is a whole line of the original, and the break is the line after the last.
    assert row["line"] == report.stored + 2  # run record line + stored steps, then the broken line
    assert ws.count("quarantine") == report.quarantined


def test_corrupt_gzip_body_is_quarantined_with_its_offset(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(b"\n".join(_native_lines(2000)) + b"\n"))
    middle = len(packed) // 2
    packed[middle : middle + 64] = b"\xff" * 64
    path = tmp_path / "corrupt.jsonl.gz"
    path.write_bytes(bytes(packed))
    ws = wb.open()
    report = ws.ingest(path)
    assert report.read == report.stored + report.quarantined and report.stored > 0
    reasons = " ".join(ws.quarantine()["reason"])
    assert "compressed stream broken" in reasons


def test_the_demo_file_cut_short_stores_what_came_before_the_cut(tmp_path: Path) -> None:
    # (its first quarter: ~31k of its 124k lines, 12 MB of text, many of the reader's chunks; half of it until
    # round 54, twice the work for the same path)
    demo = Path(__file__).parents[2] / "data" / "demo.jsonl.gz"
    packed = demo.read_bytes()
    cut = tmp_path / "demo-cut.jsonl.gz"
    cut.write_bytes(packed[: len(packed) // 4])
    report = wb.open().ingest(cut)
    assert report.stored > 10_000 and report.read == report.stored + report.quarantined


def test_truncated_gzip_document_formats_keep_complete_lines(tmp_path: Path) -> None:
    rec = {
        "question": "q",
        "question_ID": "x",
        "history": [{"content": "hi", "name": "A"}],
        "mistake_agent": "A",
        "mistake_step": "0",
    }
    text = (
        "\n".join(json.dumps(dict(rec, question_ID=f"q{i}", question="q" * 300)) for i in range(400)) + "\n"
    )
    packed = gzip.compress(text.encode())
    path = tmp_path / "ww.jsonl.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    ws = wb.open()
    report = ws.ingest(path, format="whowhen")
    assert report.stored > 100 and report.read == report.stored + report.quarantined
    assert ws.quarantine()["reason"].str.contains("compressed stream broken").sum() == 1


def test_line_over_the_limit_is_quarantined_by_prefix_length_and_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_jsonio, "MAX_LINE_BYTES", 64 * 1024)
    monkeypatch.setattr(_jsonio.jsonl_lines, "__defaults__", (None, 64 * 1024))
    big = json.dumps({"run_id": "r0", "step_id": "big", "input": "y" * 300_000}).encode()
    lines = _native_lines(3)
    path = tmp_path / "big.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n".join([lines[0], lines[1], big, lines[2]]) + b"\n"))
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.stored, report.quarantined) == (2, 1)
    row = ws.quarantine().iloc[0]
    assert row["line"] == 3 and "over the limit" in row["reason"]
    assert row["raw_bytes"] == len(big) and row["raw_sha256"] == hashlib.sha256(big).hexdigest()
    assert len(row["raw"]) <= _jsonio.MAX_RAW_BYTES


def test_document_over_the_limit_is_quarantined_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_jsonio.read_document, "__defaults__", (None, 32 * 1024))
    doc = b'{"trace": {"id": "t", "projectId": "p"},\n"observations": [' + b" " * 100_000 + b"]}"
    path = tmp_path / "lf.json.gz"
    path.write_bytes(gzip.compress(doc))
    ws = wb.open()
    report = ws.ingest(path, format="langfuse")
    assert (report.read, report.quarantined) == (1, 1)
    row = ws.quarantine().iloc[0]
    assert "document of 100,0" in row["reason"] and row["raw_bytes"] == len(doc)
    assert row["raw_sha256"] == hashlib.sha256(doc).hexdigest()


def _stage_rows(stage) -> list:  # noqa: ANN001
    stage.flush()
    return stage.con.execute(
        "SELECT line, reason, raw_bytes, raw_sha256 FROM stage_quarantine ORDER BY line"
    ).fetchall()


@pytest.mark.parametrize("gz", [False, True])
def test_blocks_of_lines_are_the_lines_one_by_one(tmp_path: Path, gz: bool) -> None:
    # The native fast path reads blocks of whole lines; split, they must be jsonl_lines' lines with the
    # same numbers, and a line over the limit or a broken stream quarantined the same, at any block size.
    import duckdb

    from workbench.ingest._base import Stage, create_stage_tables

    rng = __import__("random").Random(5)
    parts = [b'\xef\xbb\xbf{"a": 1}']
    for i in range(300):
        parts.append(
            rng.choice(
                [
                    b"",
                    b"  ",
                    b"\t\r",
                    b'{"b": %d}\r' % i,
                    b' {"c": 2}',
                    b"x" * rng.randrange(1, 900),
                    b'{"d": "%s"}' % (b"y" * rng.randrange(50, 400)),
                ]
            )
        )
    text = b"\n".join(parts)  # no newline after the last line
    if gz:
        packed = gzip.compress(text)
        path = tmp_path / "f.jsonl.gz"
        path.write_bytes(packed[: len(packed) * 3 // 4])  # broken two thirds of the way
    else:
        path = tmp_path / "f.jsonl"
        path.write_bytes(text)
    limit = 600
    con = duckdb.connect()
    create_stage_tables(con)
    want_stage = Stage(con)
    want = list(_jsonio.jsonl_lines(path, want_stage, limit))
    want_rejects = _stage_rows(want_stage)
    for block_bytes in (1, 64, 700, 5000, 10**7):
        con.execute("DELETE FROM stage_quarantine")
        stage = Stage(con)
        got = []
        for first, block in _jsonio.line_blocks(path, stage, block_bytes, limit):
            assert block.endswith(b"\n")
            for n, line in enumerate(block.split(b"\n")[:-1], start=first):
                if len(line) > limit:
                    stage.reject(
                        line=n,
                        reason="over",
                        raw_bytes=len(line),
                        raw_sha256=hashlib.sha256(line).hexdigest(),
                    )
                elif line.strip():
                    got.append((n, line))
        assert got == want, block_bytes
        assert _normal(_stage_rows(stage)) == _normal(want_rejects), block_bytes
    assert any("over the limit" in r[1] for r in want_rejects)
    assert any("broken" in r[1] for r in want_rejects) == gz


def _normal(rows: list) -> list:
    """Rejects with any over-the-limit reason written one way (the caller words those in a block)."""
    return sorted((n, "over" if r == "over" or "over the limit" in r else r, b, h) for n, r, b, h in rows)
