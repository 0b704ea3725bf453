"""attack26: an object nested in a native record that repeats a key is stored alike whichever reader reads it.

The SQL paths (the whole-file read and the block path) keep both members in the stored JSON text
(``json_extract`` reads the first); orjson, the Python reader's parser, keeps the last value only, so the
same file gave a different store by size and reader. The Python reader now keeps such an object as
written (native28; attack26's walk of every nested value on the SQL paths cost 18 % of the ingest), and
log-probabilities repeating ``logprob`` (numbers the statistics read) go to the Python reader, which reads
the last.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from _deep import deep
from test_native_file import stage_file, staged
from test_reader24_agreement import readers

import workbench as wb
from workbench.ingest import native

_STEP = '{"record": "step", "run_id": "r1", "step_id": "%s", "seq": %d, "agent": "a", "kind": "llm"%s}'
_REPEATS = {
    "attributes": ', "attributes": {"retries": 1, "tool": "x", "retries": 5}',
    "input": ', "input": {"messages": [{"role": "user", "content": "hi", "content": "bye"}]}',
    "logprobs": ', "logprobs": [{"token": "a", "logprob": -0.1, "logprob": -3.0}]',
    "output": ', "output": [{"a": {"b": 1, "b": 2}}]',
    # (whitespace before the colon; a repeated key in an object in a list in an object)
    "spaced": ', "input": {"messages": [{"role" : "user", "content": "hi", "role"\t:  "tool"}], "n": 1}',
    # (strings holding a quote before a colon, escaped both ways: they must not hide the repeat from a count)
    "escaped": ', "output": {"s": "\\u0022:", "t": "\\": ", "k": 1, "k": 2}, "input": {"u": "x\\": "}',
    "top_logprobs": ', "logprobs": [{"token": "a", "logprob": -0.1, "top_logprobs": [{"logprob": -0.1}], '
    '"top_logprobs": [{"logprob": -0.2}, {"logprob": -2.0}]}]',
    "run": '}\n{"record": "run", "run_id": "r1", "attributes": {"models": {"a": "m1", "a": "m2"}, "seed": 1, "seed": 2}',
    # (a value past the size the SQL paths read: the Python reader reads the line)
    "big": ', "attributes": {"retries": 1, "note": "' + "n" * (3 * 1024 * 1024) + '", "retries": 5}',
}
# Text that only starts like JSON, beside them: no object, and the read must not stop on it
_TEXT = [
    ', "input": "{not json", "output": "[1, 2"',
    ', "attributes": {"a": "{x"}, "input": "[\\"a\\", \\"a\\"]"',
]


def _file(tmp_path: Path, *keys: str) -> Path:
    # (enough lines for the whole-file read to take the file with one record handed back)
    good = [
        _STEP % (f"s{i}", i, ', "input": {"messages": [{"role": "user", "content": "q%d"}]}' % i)
        for i in range(1, 400)
    ]
    odd = [_STEP % (f"x{500 + i}", 5000 + i, _REPEATS[key]) for i, key in enumerate(keys)] + [
        _STEP % (f"x{600 + i}", 6000 + i, t) for i, t in enumerate(_TEXT)
    ]
    path = tmp_path / "repeats.jsonl"
    path.write_text("\n".join(good[:200] + odd + good[200:]) + "\n", encoding="utf-8")
    return path


# Every repeat in one file (each its own line, handed back alone), read once by each path; each repeat in a file of
# its own with deep() (a file a key was 18 stagings of its own and 9 of the Python reader's)
_KEYS = {"every": tuple(sorted(_REPEATS))} | ({key: (key,) for key in sorted(_REPEATS)} if deep() else {})


@pytest.fixture(scope="module")
def python_staged(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], tuple[Path, dict]]:
    """Each key set's file and what the Python reader stages of it, made once for both SQL paths compared with
    it (the file read where it was written: the staged rows name it)."""
    made: dict[str, tuple[Path, dict]] = {}

    def get(keys: str) -> tuple[Path, dict]:
        if keys not in made:
            path = _file(tmp_path_factory.mktemp(keys), *_KEYS[keys])
            made[keys] = path, staged(*stage_file(path, fast=False)[:2])
        return made[keys]

    return get


@pytest.mark.parametrize("keys", list(_KEYS))
@pytest.mark.parametrize("whole_file", [True, False])
def test_sql_paths_stage_what_the_python_reader_stages(
    python_staged: Callable[[str], tuple[Path, dict]], keys: str, whole_file: bool
) -> None:
    path, slow = python_staged(keys)
    with mock.patch.object(
        native,
        "stage_native_file",
        wraps=native.stage_native_file if whole_file else None,
        **({} if whole_file else {"return_value": False}),
    ):
        con, stage, whole = stage_file(path, fast=True)
    assert whole == whole_file
    fast = staged(con, stage)
    assert fast == slow
    odd = {f"x{500 + i}" for i in range(len(_KEYS[keys]))} | {"x600", "x601"}
    assert odd <= {r["step_id"] for r in fast["steps"]}


def test_the_store_keeps_the_object_as_written_and_reads_the_last_log_probability_whichever_reader(
    tmp_path: Path,
) -> None:
    # (one step repeating a key of its attributes, the next its log-probability's "logprob": one store a reader)
    path = _file(tmp_path, "attributes", "logprobs")
    got = []
    for fast in (True, False):
        ws = wb.open()
        with readers(fast):
            ws.ingest(path, progress=False)
        got.append(
            ws.con.execute(
                "SELECT attributes, json_extract(attributes, '$.retries')::INT, confidence FROM steps "
                "WHERE step_id IN ('x500', 'x501') ORDER BY step_id"
            ).fetchall()
        )
    assert got[0] == got[1]
    # both members kept (DuckDB's functions read the first, Python's json the last)
    assert got[0][0][0] == '{"retries":1,"tool":"x","retries":5}' and got[0][0][1] == 1, "attributes"
    assert json.loads(got[0][0][0]) == {"retries": 5, "tool": "x"}, "attributes"
    assert got[0][1][2] == pytest.approx(math.exp(-3.0)), "log-probability"
