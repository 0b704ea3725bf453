"""The scan for JSON DuckDB's reader takes and the spec does not (workbench.ingest._lenient_scan)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import orjson
import pytest

from workbench.ingest import _native_file
from workbench.ingest._lenient_scan import _PIECE, LenientScan

# (the scan's piece of _jsonio's 1 MiB chunk: lenient lines are placed across the boundaries between pieces, those
# within a chunk and those between chunks)
CHUNK = _PIECE
assert (1024 * 1024) % CHUNK == 0

LENIENT = [
    ",",
    ', "x": 1e999',
    ', "x": [1, 2 ,]',
    ', "x": -Infinity',
    ', "x": {"y": nan}',
    ', "x": 12E+400',
    ', "x": [1,\t]',
    ', "x": INF',
    ', "x": [' + "7" * 320 + "]",
    ', "x":NaN',
    ', "x": [1e309]',
    ', "x": 1.5E0400',
    ', "x": -inf',
    ', "x": [1,  ]',
    ', "x":  nan',
    ', "x": [1, -Inf]',
]
# JSON the spec takes that looks like the above: handed to the Python reader for nothing (and stored by it)
ALARMS = [', "x": "a, }"', ', "x": "3e512, inf"', ', "x": 1.5e300']
CLEAN = [
    ', "x": 1e-999',
    ', "x": null',
    ', "x": 1e99',
    ', "x": "2e400"',
    ', "x": "financial, information, nano"',
    ', "id": "9f3e512a7c3e999b"',
    ', "x": [-0.25, -1e-05]',
    ', "x": "Infinity and beyond"',
    ', "x": {"n": 1, "i": [true, false, null]}',
    ', "x": 123456789012345678',
]


def _line(i: int, extra: str) -> str:
    return '{"record": "step", "run_id": "r1", "step_id": "s%d", "seq": %d%s}' % (i, i, extra)


def test_the_forms_are_what_each_reader_says() -> None:
    # the premise: orjson (the spec) refuses every lenient form and takes every clean one
    for extra in LENIENT:
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(_line(1, extra))
    for extra in ALARMS + CLEAN:
        assert json.loads(_line(1, extra)) == orjson.loads(_line(1, extra))


@pytest.mark.parametrize("gz", [False, True])
def test_scan_finds_each_lenient_line_and_no_clean_one_across_chunks(tmp_path: Path, gz: bool) -> None:
    filler = _line(0, ', "x": "' + "a" * 300 + '"')
    lines: list[str] = []
    want: list[int] = []
    size = 0
    # every lenient form cut by a chunk boundary at each of a few places, and clean lines around it
    for k, extra in enumerate(LENIENT * 4 + ALARMS * 4 + CLEAN * 4):
        boundary = (k + 1) * CHUNK
        line = _line(k, extra)
        cut = [1, len(line) // 2, len(line) - 2, len(line) - len(extra) + 3][k % 4]
        while size + len(filler) + 1 < boundary - cut - 400:
            lines.append(filler)
            size += len(filler) + 1
        pad = boundary - cut - size - 1 - len(_line(0, ', "x": ""'))
        lines.append(_line(0, ', "x": "' + "b" * max(pad, 0) + '"'))
        size += len(lines[-1]) + 1
        lines.append(line)
        size += len(line) + 1
        if k < len(LENIENT + ALARMS) * 4:
            want.append(len(lines))
    data = ("\n".join(lines) + "\n").encode()
    path = tmp_path / ("scan.jsonl.gz" if gz else "scan.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)
    scan = LenientScan()
    assert _native_file.last_text_line(path, scan) is not None
    assert scan.found().tolist() == want


def test_lines_past_the_depth_limit_in_brackets_are_found_however_the_text_is_cut() -> None:
    # each line's opening brackets counted whole, in strings too, whether its chunk ends in a newline or not
    from workbench.ingest._depth import MAX_DEPTH

    rng = np.random.default_rng(29)
    lines = []
    for i in range(400):
        n = int(rng.integers(MAX_DEPTH - 3, MAX_DEPTH + 4)) if i % 3 else int(rng.integers(0, 20))
        chars = rng.permutation(list(rng.choice(["[", "{"], size=n)) + ["a"] * int(rng.integers(0, 50)))
        lines.append(_line(i, ', "x": "' + "".join(chars) + '"'))
    text = ("\n".join(lines) + "\n").encode()
    want = [i + 1 for i, ln in enumerate(lines) if ln.count("[") + ln.count("{") > MAX_DEPTH]
    assert 50 < len(want) < 300
    for sizes in ([len(text)], [7, 1, 4096, 3, 250] * 200, [int(x) for x in rng.integers(1, 700, size=600)]):
        scan, at, before = LenientScan(), 0, 0
        for size in sizes * (1 + len(text) // sum(sizes)):
            chunk = text[at : at + size]
            if not chunk:
                break
            scan.feed(chunk, np.frombuffer(chunk, np.uint8), before)
            before += chunk.count(b"\n")
            at += size
        assert scan.found().tolist() == want
