"""attack26: a native record nested deeper than the limit is quarantined whichever reader takes its file.

The whole-file read (DuckDB's read_json) checked the nesting of the typed columns only, one bracket short: a
record whose nesting sat in a key the format does not use, or whose ``attributes`` nested exactly 100 levels
(101 with the record itself), was stored, where the Python reader quarantines it as nested past the limit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _deep import deep
from test_native_file import stage_file, staged

_STEP = '{"record": "step", "run_id": "r1", "step_id": "s%d", "seq": %d, "agent": "a", "kind": "llm"%s}'


def _nest(levels: int) -> str:
    return '{"a":' * (levels - 1) + "{}" + "}" * (levels - 1)


_EXTRAS = [', "foo": ' + _nest(100), ', "foo": ' + "[" * 150 + "]" * 150, ', "attributes": ' + _nest(100)]
_WHERE = ["middle", "across a chunk", "last, no newline"]
# Each deep value once and each place once (the depth check and the line's place are the reader's separate steps);
# every value in every place with deep()
_CASES = [(e, w) for i, e in enumerate(_EXTRAS) for j, w in enumerate(_WHERE) if deep() or i == j]


@pytest.mark.parametrize(("extra", "where"), _CASES)
def test_a_deep_record_is_quarantined_by_the_whole_file_read_too(
    tmp_path: Path, extra: str, where: str
) -> None:
    good = [_STEP % (i, i, "") for i in range(1, 80)]
    deep = _STEP % (500, 500, extra)
    if where == "middle":
        lines = good[:40] + [deep] + good[40:]
    elif (
        where == "across a chunk"
    ):  # (the line count reads 1 MiB chunks: the deep line straddles the first edge)
        pad = _STEP % (0, 0, ', "x": "' + "p" * (1024 * 1024 - 400 - len(deep) // 2) + '"')
        lines = good[:1] + [pad, deep] + good[1:]
    else:
        lines = good + [deep]
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join(lines) + ("" if where.startswith("last") else "\n"), encoding="utf-8")
    con, stage, whole = stage_file(path, fast=True)
    fast = staged(con, stage)
    slow = staged(*stage_file(path, fast=False)[:2])
    assert whole  # (the whole-file read took the file, and handed the deep line alone to Python)
    assert [r["reason"] for r in slow["quarantine"]] == [
        "nested deeper than 100 levels of arrays and objects (the limit)"
    ]
    assert fast == slow
    assert "s500" not in {r["step_id"] for r in fast["steps"]}
