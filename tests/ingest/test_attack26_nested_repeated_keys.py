"""attack26: an object nested in a native record that repeats a key reads as the Python reader reads it.

orjson (the Python reader) keeps a repeated key's last value. The SQL paths (the whole-file read and the
block path) kept both members in the stored JSON text, so ``json_extract(attributes, '$.retries')`` read the
first, and typed log-probabilities by the first: the same file gave a different store by size and reader.
Such a record is now handed to the Python reader.
"""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from test_native_file import stage_file, staged
from test_reader24_agreement import readers

import workbench as wb
from workbench.ingest import native

_STEP = '{"record": "step", "run_id": "r1", "step_id": "s%d", "seq": %d, "agent": "a", "kind": "llm"%s}'
_REPEATS = {
    "attributes": ', "attributes": {"retries": 1, "tool": "x", "retries": 5}',
    "input": ', "input": {"messages": [{"role": "user", "content": "hi", "content": "bye"}]}',
    "logprobs": ', "logprobs": [{"token": "a", "logprob": -0.1, "logprob": -3.0}]',
    "output": ', "output": [{"a": {"b": 1, "b": 2}}]',
}
# Text that only starts like JSON, beside them: no object, and the read must not stop on it
_TEXT = [', "input": "{not json", "output": "[1, 2"', ', "attributes": {"a": "{x"}, "input": "[\\"a\\", \\"a\\"]"']


def _file(tmp_path: Path, key: str) -> Path:
    good = [_STEP % (i, i, "") for i in range(1, 80)]
    odd = [_STEP % (500, 500, _REPEATS[key])] + [_STEP % (600 + i, 600 + i, t) for i, t in enumerate(_TEXT)]
    path = tmp_path / "repeats.jsonl"
    path.write_text("\n".join(good[:40] + odd + good[40:]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("key", sorted(_REPEATS))
@pytest.mark.parametrize("whole_file", [True, False])
def test_sql_paths_stage_what_the_python_reader_stages(tmp_path: Path, key: str, whole_file: bool) -> None:
    path = _file(tmp_path, key)
    with mock.patch.object(native, "stage_native_file", wraps=native.stage_native_file if whole_file else None,
                           **({} if whole_file else {"return_value": False})):
        con, stage, whole = stage_file(path, fast=True)
    assert whole == whole_file
    fast = staged(con, stage)
    slow = staged(*stage_file(path, fast=False)[:2])
    assert fast == slow
    assert {"s500", "s600", "s601"} <= {r["step_id"] for r in fast["steps"]}


def test_the_store_reads_the_last_value_whichever_reader(tmp_path: Path) -> None:
    path = _file(tmp_path, "attributes")
    got = []
    for fast in (True, False):
        ws = wb.open()
        with readers(fast):
            ws.ingest(path, progress=False)
        got.append(ws.con.execute("SELECT attributes, json_extract(attributes, '$.retries')::INT FROM steps "
                                  "WHERE step_id = 's500'").fetchall())
    assert got[0] == got[1]
    assert json.loads(got[0][0][0]) == {"retries": 5, "tool": "x"} and got[0][0][1] == 5
