"""What an OTLP ingest holds in memory: no pandas on the SQL path, and a smaller DuckDB buffer while it stages.

pyarrow's ``pa.array`` imports pandas (~45 MB of RSS, ~0.3 CPU s) to look for its types; the OTLP SQL
path now builds its Arrow arrays from buffers. A call that reads only OTLP files stages within
``OTLP_STAGE_MEMORY`` and merges within ``OTLP_MERGE_MEMORY`` (its reader holds one block's spans at a
time and stages into the compressed stage database): at 1M generated spans the peak RSS fell from 531
to 411 MB (see the README).

That an OTLP ingest on the SQL path leaves pandas unimported is checked by test_otlp26_python_rows.py, in a child
process ingesting this module's traces (the SQL path) and a line more that the Python reader takes.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.ingest import _driver, otlp

_CHILD = """
import json, sys
import workbench as wb
with wb.open(sys.argv[1]) as ws:
    report = ws.ingest(sys.argv[2], format="otlp", progress=False)
print(json.dumps({"stored": report.stored, "quarantined": report.quarantined,
                  "pandas": sorted(m for m in sys.modules if m.split(".")[0] == "pandas")}))
"""


def _attr(key: str, value: object) -> dict:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": str(value)}}


def _write_traces(path: Path, n_traces: int) -> int:
    """OTLP JSON lines in the Collector's encoding (one trace a line, 4 spans each); the number of spans."""
    with path.open("w") as fh:
        for t in range(1, n_traces + 1):
            base = 1_767_225_600_000_000_000 + t * 10_000_000_000

            def span(
                i: int, parent: int | None, name: str, attrs: list, t: int = t, base: int = base
            ) -> dict:
                return {
                    "traceId": f"{t:032x}",
                    "spanId": f"{t * 64 + i:016x}",
                    "parentSpanId": "" if parent is None else f"{t * 64 + parent:016x}",
                    "name": name,
                    "kind": 1,
                    "startTimeUnixNano": str(base + i * 1000),
                    "endTimeUnixNano": str(base + i * 1000 + 500),
                    "attributes": attrs,
                    "status": {"code": 2, "message": "tool failed"} if i == 3 else {},
                }

            spans = [
                span(
                    0,
                    None,
                    "invoke_agent desk",
                    [_attr("gen_ai.operation.name", "invoke_agent"), _attr("gen_ai.agent.name", "desk")],
                ),
                span(
                    1,
                    0,
                    "invoke_agent pricer",
                    [_attr("gen_ai.operation.name", "invoke_agent"), _attr("gen_ai.agent.name", "pricer")],
                ),
                span(
                    2,
                    1,
                    "chat gpt-4o",
                    [
                        _attr("gen_ai.operation.name", "chat"),
                        _attr("gen_ai.request.model", "gpt-4o"),
                        _attr("gen_ai.usage.input_tokens", 120 + t % 7),
                    ],
                ),
                span(
                    3,
                    1,
                    "execute_tool get_price",
                    [_attr("gen_ai.operation.name", "execute_tool"), _attr("gen_ai.tool.name", "get_price")],
                ),
            ]
            fh.write(
                json.dumps(
                    {
                        "resourceSpans": [
                            {
                                "resource": {"attributes": [_attr("service.name", "shop")]},
                                "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}],
                            }
                        ]
                    }
                )
                + "\n"
            )
    return 4 * n_traces


# Traces a file of the tests here (200 spans, ~95 KB): past _jsonio.SQL_MIN_BYTES, so the SQL path reads it (the
# spies below see it staged there); the budgets do not depend on the size past that (200 and 300 traces were
# read before, 4-6 times the work a call)
TRACES = 50


def _limit_of(setting: str) -> str:
    """The memory limit as DuckDB reports it once set to ``setting``."""
    con = duckdb.connect()
    con.execute("SET memory_limit = ?", [setting])
    return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


@pytest.fixture
def limits_while_staging(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """DuckDB's memory limit each time the OTLP SQL path starts reading a file."""
    seen: list[str] = []
    real = otlp.stage_jsonl_sql

    def spy(path, ctx):  # noqa: ANN001, ANN202
        seen.append(ctx.stage.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return real(path, ctx)

    monkeypatch.setattr(otlp, "stage_jsonl_sql", spy)
    return seen


@pytest.fixture
def merge_limits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """DuckDB's memory limit each time a call's merge starts."""
    seen: list[str] = []
    real = _driver._merge

    def spy(con, *args):  # noqa: ANN001, ANN202
        seen.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return real(con, *args)

    monkeypatch.setattr(_driver, "_merge", spy)
    return seen


def test_an_otlp_only_call_stages_and_merges_within_the_otlp_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limits_while_staging: list[str], merge_limits: list[str]
) -> None:
    # At 1M SDK-written spans the merge at 256MB set the call's peak RSS (396-402 MB, above the bare DuckDB
    # read's 376-388); within staging's budget it stays under staging's peak (see _driver).
    monkeypatch.setattr(
        _driver, "OTLP_SMALL_MERGE_BYTES", 0
    )  # (as a big file: small ones, test_otlp41_small_merge)
    path = tmp_path / "traces.jsonl"
    n = _write_traces(path, TRACES)
    with wb.open(tmp_path / "store.duckdb") as ws:
        report = ws.ingest(path, format="otlp", progress=False)
        stored = ws.sql("SELECT count(*) FROM steps").fetchall()[0][0]
        after = ws.sql("SELECT current_setting('memory_limit') AS m").fetchall()[0][0]
        again = ws.ingest(path, format="otlp", progress=False)  # (idempotent: nothing new)
    assert (report.stored, report.quarantined, stored, again.added) == (n, 0, n, 0)
    assert limits_while_staging == [_limit_of(_driver.OTLP_STAGE_MEMORY)] * 2
    assert after != _limit_of(_driver.OTLP_STAGE_MEMORY)  # (reset after the call)
    # (once a call: no retry within MERGE_RETRY_MEMORY)
    assert merge_limits == [_limit_of(_driver.OTLP_STAGE_MEMORY)] * 2


def test_the_any_duplicate_test_finds_a_repeated_step_and_only_then() -> None:
    # (a distinct count since otlp29: the grouped form ran out of 192MB at 5M staged steps)
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE stage_steps AS SELECT 'r' || (i // 3) AS run_id, 's' || i AS step_id FROM range(3000) t(i)"
    )
    assert con.execute(_driver._ANY_DUPLICATE).fetchall()[0][0] is False
    con.execute("INSERT INTO stage_steps VALUES (NULL, 's1'), ('r0', NULL), (NULL, NULL), (NULL, NULL)")
    assert (
        con.execute(_driver._ANY_DUPLICATE).fetchall()[0][0] is False
    )  # (rows without both ids are not compared)
    con.execute("INSERT INTO stage_steps VALUES ('r7', 's22')")
    assert con.execute(_driver._ANY_DUPLICATE).fetchall()[0][0] is True


def test_a_memory_limit_given_to_open_is_kept_while_otlp_stages(
    tmp_path: Path, limits_while_staging: list[str]
) -> None:
    path = tmp_path / "traces.jsonl"
    n = _write_traces(path, TRACES)
    with wb.open(tmp_path / "store.duckdb", memory_limit="1GB") as ws:
        assert ws.ingest(path, format="otlp", progress=False).stored == n
    assert limits_while_staging == [_limit_of("1GB")]


def test_a_call_with_other_formats_keeps_the_ingest_budget(
    tmp_path: Path, limits_while_staging: list[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    n = _write_traces(folder / "traces.jsonl", TRACES)
    (folder / "runs.native.jsonl").write_text(
        json.dumps(
            {
                "record": "step",
                "run_id": "r1",
                "step_id": "s1",
                "agent": "a",
                "kind": "llm",
                "name": "x",
                "started_at": "2026-01-01T00:00:00Z",
                "ended_at": "2026-01-01T00:00:01Z",
            }
        )
        + "\n"
    )
    with wb.open(tmp_path / "store.duckdb") as ws:
        report = ws.ingest(folder, progress=False)
    assert report.stored == n + 1
    assert limits_while_staging == [_limit_of(_driver.INGEST_MEMORY)]
