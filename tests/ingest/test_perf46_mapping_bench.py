"""bench/ingest_mapping.py (issue 11): each variant of the OTLP mapping statement takes out its one part and
nothing else, so the CPU it saves is that part's. Run on a block of three generated traces (bench/ingest.py's
writer), not timed."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import ingest as bench_ingest  # noqa: E402
import ingest_mapping  # noqa: E402

from workbench.ingest._otlp_sql import _MACROS  # noqa: E402

_COLS = (
    "line, run_id, step_id, parent_id, agent, kind, name, tool, input, output, attributes, fast, order_hint"
)


@pytest.fixture(scope="module")
def mapped() -> dict[str, list[tuple]]:
    """Each variant's rows (or the plan's text) on one block of three generated traces."""
    import json

    lines = [json.dumps(bench_ingest._trace(t), separators=(",", ":")) + "\n" for t in (1, 2, 3)]
    block = pa.table({"line": pa.array([1, 2, 3], pa.int64()), "json": pa.array(lines, pa.string())})
    con = duckdb.connect()
    con.execute(_MACROS)
    con.register("_wb_otlp_in", block)
    out = {}
    for name, sql in ingest_mapping.variants().items():
        res = con.execute(sql).fetchall()
        if name == "plan":
            out[name] = res
        elif name == "decode":
            out[name] = con.execute("SELECT line FROM _wb_otlp_spans ORDER BY line").fetchall()
        else:
            out[name] = con.execute(f"SELECT {_COLS} FROM _wb_otlp_spans ORDER BY order_hint").fetchall()
    con.close()
    return out


def test_each_variant_takes_out_its_part_only(mapped: dict[str, list[tuple]]) -> None:
    whole = mapped["whole"]
    assert len(whole) == 3 * bench_ingest.SPANS_PER_TRACE and all(r[-2] for r in whole)  # every span fast
    assert mapped["decode"] == sorted((r[0],) for r in whole)  # the same spans decoded, nothing mapped
    assert [k for k, _ in mapped["plan"]] == ["physical_plan"]  # planned, not run
    # clean lines: no guard and no id checks change no row (the ids are lower-case hex already)
    assert mapped["no guard"] == whole
    assert mapped["no id checks"] == whole
    # the flag: every span fast, all else the same
    assert mapped["no fast flag"] == whole
    # the attributes' text only
    attrs = _COLS.split(", ").index("attributes")
    assert any(r[attrs] for r in whole)
    assert [r[:attrs] + r[attrs + 1 :] for r in mapped["no attributes"]] == [
        r[:attrs] + r[attrs + 1 :] for r in whole
    ]
    assert all(r[attrs] is None for r in mapped["no attributes"])


def test_a_lost_part_stops_the_script() -> None:
    with pytest.raises(SystemExit, match="no longer has the part"):
        ingest_mapping._replaced("SELECT 1", "regexp_matches(json", "")
