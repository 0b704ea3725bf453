"""The rows the Python reader hands over reach DuckDB as Arrow columns built from buffers, without pandas.

``pa.array`` imports pandas (~44 MB of RSS, ~0.3 CPU s): an OTLP file read by the SQL path but for one
line the Python reader takes (or quarantines) paid that for the line. ``arrow_column`` builds the same
arrays ``pa.array`` did.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from test_otlp24_memory import _CHILD, TRACES, _write_traces

import workbench
from workbench.ingest._stage_tables import arrow_column, arrow_type

_ROOT = Path(workbench.__file__).resolve().parents[1]


def test_a_line_for_the_python_reader_leaves_pandas_unimported(tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    n = _write_traces(path, TRACES)
    span = {
        "traceId": "f" * 32,
        "spanId": "e" * 16,
        "name": "chat gpt-4o",
        "startTimeUnixNano": "1767225600000000000",
        "endTimeUnixNano": "1767225600000000500",
        "status": {},
        # (an array attribute: the SQL path hands the span to the Python reader, which stores it)
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "tags", "value": {"arrayValue": {"values": [{"stringValue": "a"}]}}},
        ],
    }
    with path.open("a") as fh:
        fh.write(
            json.dumps(
                {
                    "resourceSpans": [
                        {
                            "resource": {"attributes": []},
                            "scopeSpans": [{"scope": {"name": "t"}, "spans": [span]}],
                        }
                    ]
                }
            )
            + "\n"
        )
        fh.write("{not json\n")  # (quarantined by the Python reader)
    assert path.stat().st_size > 64 * 1024  # (the SQL path: smaller files are read in Python)
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path / "store.duckdb"), str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=tmp_path,
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert (got["stored"], got["quarantined"]) == (n + 1, 1)
    assert got["pandas"] == []


@pytest.mark.parametrize(
    ("values", "duck_type"),
    [
        (["a", None, "é ✓ \x00", "", "x" * 1000], "VARCHAR"),
        ([None, None], "VARCHAR"),
        ([], "VARCHAR"),
        ([1, None, -(2**63), 2**63 - 1, 0], "BIGINT"),
        ([1.5, None, math.nan, -0.0, math.inf, 3], "DOUBLE"),
        ([True, None, False], "BOOLEAN"),
        ([0, 1, 7], "TINYINT"),
    ],
)
def test_arrow_column_builds_what_pa_array_built(values: list, duck_type: str) -> None:
    got = arrow_column(values, duck_type)
    got.validate(full=True)
    want = pa.array(values, type=pa.int8() if duck_type == "TINYINT" else arrow_type(duck_type))
    assert (
        got.cast(want.type).to_pylist() == pytest.approx(want.to_pylist(), nan_ok=True)
        if duck_type == "DOUBLE"
        else got.cast(want.type).to_pylist() == want.to_pylist()
    )
    assert got.null_count == want.null_count


@pytest.mark.parametrize(
    ("values", "duck_type"), [([1.5], "BIGINT"), (["1"], "BIGINT"), ([1], "VARCHAR"), ([True], "BIGINT")]
)
def test_arrow_column_leaves_other_types_to_pa_array(values: list, duck_type: str) -> None:
    # (what pa.array makes of them, or how it refuses them, is kept: no silent truncation of 1.5 to 1)
    try:
        want = pa.array(values, type=arrow_type(duck_type)).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        with pytest.raises(type(exc)):
            arrow_column(values, duck_type)
    else:
        assert arrow_column(values, duck_type).to_pylist() == want
