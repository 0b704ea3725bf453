"""Phoenix span dataframes saved as Parquet, in the shape arize-phoenix 20.26.1 wrote them on a real run
(real14, /work/wt/_notes/real14_out/phoenix/: ``Client().spans.get_spans_dataframe()`` → ``to_parquet`` and
``TraceDataset(df).save()``): index and column ``context.span_id``, ns timestamps with a time zone, message lists
as lists of structs. Before, such a file was "not in any known format"."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.exceptions import FormatError

TRACE = "f7d0b5397a69b710a7eb06a0fb06909c"
T0 = pd.Timestamp("2026-12-01 21:22:55.850000123", tz="UTC")


def _row(
    sid: str,
    parent: str | None,
    name: str,
    kind: str,
    ms: float,
    dur_ms: float,
    status: str = "OK",
    **attrs: object,
) -> dict:
    row = {
        "name": name,
        "span_kind": kind,
        "parent_id": parent,
        "start_time": T0 + pd.Timedelta(milliseconds=ms),
        "end_time": T0 + pd.Timedelta(milliseconds=ms + dur_ms),
        "status_code": status,
        "status_message": attrs.pop("message", ""),
        "events": attrs.pop("events", []),
        "context.span_id": sid,
        "context.trace_id": attrs.pop("trace", TRACE),
        "attributes.openinference.span.kind": kind,
    }
    row.update({f"attributes.{k.replace('__', '.')}": v for k, v in attrs.items()})
    return row


def frame() -> pd.DataFrame:
    exc = [
        {
            "name": "exception",
            "timestamp": "2026-12-01T21:22:55.853Z",
            "attributes": {"exception.type": "TimeoutError", "exception.message": "price service timed out"},
        }
    ]
    rows = [
        _row(
            "a1",
            None,
            "quote_workflow",
            "CHAIN",
            0,
            10,
            input__value="Quote a widget",
            output__value="Quote: the widget costs 14.20 USD.",
        ),
        _row(
            "a2",
            "a1",
            "researcher",
            "AGENT",
            1,
            5,
            input__value="What does a widget cost?",
            output__value="The widget costs 41.20 USD.",
        ),
        _row(
            "b1",
            "a2",
            "get_price",
            "TOOL",
            2,
            0.5,
            status="ERROR",
            tool__name="get_price",
            input__value='{"item": "widget"}',
            message="TimeoutError: price service timed out",
            events=exc,
        ),
        _row(
            "b2",
            "a2",
            "get_price",
            "TOOL",
            3,
            0.5,
            tool__name="get_price",
            input__value='{"item": "widget"}',
            output__value="41.20",
        ),
        _row(
            "a3",
            "a1",
            "writer",
            "AGENT",
            6,
            3,
            input__value="Notes: 41.20 USD",
            output__value="Quote: the widget costs 14.20 USD.",
        ),
        _row(
            "b3",
            "a3",
            "ChatCompletion",
            "LLM",
            7,
            1,
            llm__model_name="gpt-4o-mini-2024-07-18",
            llm__token_count__prompt=80.0,
            llm__token_count__completion=12.0,
            llm__output_messages=[
                {
                    "message.role": "assistant",
                    "message.content": "Quote: the widget costs 14.20 USD.",
                    "message.tool_calls": None,
                }
            ],
            output__value='{"id": "chatcmpl-3", "created": 1764600003}',
        ),
        _row("c1", "a3", "orphan", "CHAIN", 8, 1, trace=None),  # no trace id: quarantined, alone
    ]
    df = pd.DataFrame(rows)
    return df.set_index(df["context.span_id"].rename(None)).rename_axis("context.span_id")


@pytest.fixture()
def parquet(tmp_path: Path) -> Path:
    (tmp_path / "ds").mkdir()
    path = tmp_path / "ds" / "trace_dataset-0a3a0878.parquet"
    frame().to_parquet(path)
    return path


def test_phoenix_parquet_spans_read_as_their_jsonl_export(parquet: Path) -> None:
    ws = wb.open()
    rep = ws.ingest(parquet)
    assert (rep.read, rep.stored, rep.quarantined) == (7, 6, 1)
    q = ws.sql("SELECT line, reason FROM quarantine").fetchall()
    assert q[0][0] == 7 and "trace id" in q[0][1]
    rows = ws.sql(
        "SELECT step_id, kind, agent, tool, status, error, input, output, tokens_in, latency_ms FROM steps"
    ).fetchall()
    s = {r[0]: r[1:] for r in rows}
    assert s["a2"][:2] == ("agent", "researcher") and s["a3"][:2] == ("agent", "writer")
    assert s["b1"][:5] == (
        "tool",
        "researcher",
        "get_price",
        "error",
        "TimeoutError: price service timed out",
    )
    assert s["b2"][6] == "41.20"
    assert s["b3"][:2] == ("llm", "writer") and s["b3"][7] == 80
    assert json.loads(s["b3"][6]) == [{"role": "assistant", "content": "Quote: the widget costs 14.20 USD."}]
    assert s["b1"][8] == pytest.approx(0.5)  # ns timestamps kept
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]


def test_phoenix_parquet_in_a_folder_and_same_steps_as_jsonl(parquet: Path, tmp_path: Path) -> None:
    jsonl = tmp_path / "spans.jsonl"
    frame().to_json(jsonl, orient="records", lines=True, date_format="iso", date_unit="ns")
    a, b = wb.open(), wb.open()
    a.ingest(parquet.parent)  # the folder TraceDataset.save() wrote
    b.ingest(jsonl)
    q = (
        "SELECT step_id, parent_id, kind, agent, tool, status, input, output, latency_ms FROM steps "
        "ORDER BY step_id"
    )
    assert a.sql(q).fetchall() == b.sql(q).fetchall()


def test_parquet_without_span_columns_is_named_unknown(tmp_path: Path) -> None:
    path = tmp_path / "other.parquet"
    pd.DataFrame({"a": [1, 2]}).to_parquet(path)
    with pytest.raises(FormatError, match="not in any known format"):
        wb.open().ingest(path)
