"""Hostile Parquet files given to the Phoenix dataframe reader (attack15): a time past 2262 in one row, a
Parquet file named with a text format, a truncated file and one of other columns."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench.exceptions import FormatError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

T0_MS = 1_764_624_175_850  # 2026-12-01 21:22:55.850 UTC


def _spans(path: Path, end_ms: list[int]) -> Path:
    n = len(end_ms)
    pq.write_table(
        pa.table(
            {
                "context.span_id": [f"s{i}" for i in range(n)],
                "context.trace_id": ["t1"] * n,
                "parent_id": [None] + ["s0"] * (n - 1),
                "name": [f"step{i}" for i in range(n)],
                "span_kind": ["CHAIN"] * n,
                "status_code": ["OK"] * n,
                "start_time": pa.array([T0_MS + i for i in range(n)], pa.timestamp("ms", "UTC")),
                "end_time": pa.array(end_ms, pa.timestamp("ms", "UTC")),
            }
        ),
        path,
    )
    return path


def test_a_time_past_2262_costs_only_its_row(tmp_path: Path) -> None:
    # A year-9999 placeholder in one row: Arrow's cast to ns failed for the whole file (nothing stored).
    path = _spans(tmp_path / "spans.parquet", [T0_MS + 5, 253_402_300_799_000, T0_MS + 9])
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (3, 2, 1)
    ((line, reason),) = ws.sql("SELECT line, reason FROM quarantine").fetchall()
    assert line == 2 and reason.startswith("bad span: end time is out of range"), (
        reason
    )  # (no "ValueError: ")
    lat = dict(ws.sql("SELECT step_id, latency_ms FROM steps").fetchall())
    assert lat == {"s0": pytest.approx(5.0), "s2": pytest.approx(7.0)}


def test_ns_timestamps_stay_exact(tmp_path: Path) -> None:
    path = tmp_path / "ns.parquet"
    start = T0_MS * 10**6 + 123
    pq.write_table(
        pa.table(
            {
                "context.span_id": ["a"],
                "context.trace_id": ["t"],
                "name": ["x"],
                "span_kind": ["CHAIN"],
                "status_code": ["OK"],
                "start_time": pa.array([start], pa.timestamp("ns")),
                "end_time": pa.array([start + 1_500], pa.timestamp("ns", "UTC")),
            }
        ),
        path,
    )
    ws = wb.open()
    ws.ingest(path)
    assert ws.sql("SELECT latency_ms FROM steps").fetchall()[0][0] == pytest.approx(0.0015)


@pytest.mark.parametrize("fmt", ["otlp", "native", "langfuse"])
def test_parquet_named_with_a_text_format_is_refused_clearly(tmp_path: Path, fmt: str) -> None:
    # Before: its binary pages were quarantined as lines of "broken JSON: str is not valid UTF-8".
    path = _spans(tmp_path / "spans.parquet", [T0_MS + 5])
    with pytest.raises(
        FormatError, match=rf"spans.parquet: a Parquet file, and format '{fmt}' reads text.*openinference"
    ):
        wb.open().ingest(path, format=fmt)


def test_truncated_parquet_is_named_as_such(tmp_path: Path) -> None:
    whole = _spans(tmp_path / "whole.parquet", [T0_MS + 5, T0_MS + 6]).read_bytes()
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(
        FormatError, match=r"cut.parquet: not in any known format: a Parquet file that cannot be read \(Arrow"
    ):
        wb.open().ingest(cut)


def test_parquet_of_other_columns_names_them(tmp_path: Path) -> None:
    path = tmp_path / "sales.parquet"
    pq.write_table(pa.table({"region": ["north"], "units": [3]}), path)
    with pytest.raises(
        FormatError,
        match=r"sales.parquet: not in any known format: a Parquet file that has "
        r"no span columns \(its columns are 'region', 'units'\)",
    ):
        wb.open().ingest(path)
    # in a folder it is skipped, as any file in no known format
    rep = wb.open().ingest(str(tmp_path))
    assert rep.read == 0


def test_a_corrupt_row_group_costs_only_itself(tmp_path: Path) -> None:
    # Before: OSError "Couldn't deserialize thrift" failed the whole file (IngestError, nothing stored).
    path = tmp_path / "spans.parquet"
    n = 9
    pq.write_table(
        pa.table(
            {
                "context.span_id": [f"s{i}" for i in range(n)],
                "context.trace_id": ["t1"] * n,
                "name": [f"step{i}" for i in range(n)],
                "span_kind": ["CHAIN"] * n,
                "status_code": ["OK"] * n,
                "start_time": pa.array([T0_MS + i for i in range(n)], pa.timestamp("ms", "UTC")),
            }
        ),
        path,
        row_group_size=3,
        compression="none",
    )
    meta = pq.ParquetFile(path).metadata
    data = bytearray(path.read_bytes())
    for c in range(meta.num_columns):  # every page of the second row group (rows 4-6) overwritten
        chunk = meta.row_group(1).column(c)
        start = chunk.dictionary_page_offset or chunk.data_page_offset
        data[start : start + chunk.total_compressed_size] = b"\xff" * chunk.total_compressed_size
    path.write_bytes(bytes(data))
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (7, 6, 1)
    ((line, reason),) = ws.sql("SELECT line, reason FROM quarantine").fetchall()
    assert line == 4 and reason.startswith("Parquet row group 2 of 3 cannot be read from row 4 to 6 (")
    assert sorted(r[0] for r in ws.sql("SELECT step_id FROM steps").fetchall()) == [
        "s0",
        "s1",
        "s2",
        "s6",
        "s7",
        "s8",
    ]


def test_two_columns_of_one_name_do_not_mix_types(tmp_path: Path) -> None:
    # A timestamp and a text column both named end_time: the text must not be "scaled" (str * 10**6).
    path = tmp_path / "dup.parquet"
    cols = [
        pa.array(["a"]),
        pa.array(["t"]),
        pa.array(["x"]),
        pa.array(["OK"]),
        pa.array([T0_MS], pa.timestamp("ms", "UTC")),
        pa.array([T0_MS + 4], pa.timestamp("ms", "UTC")),
        pa.array(["soon"]),
    ]
    names = [
        "context.span_id",
        "context.trace_id",
        "name",
        "status_code",
        "start_time",
        "end_time",
        "end_time",
    ]
    pq.write_table(pa.Table.from_arrays(cols, names=names), path)
    ws = wb.open()
    rep = ws.ingest(path)
    assert rep.read == 1 and rep.stored + rep.quarantined == 1
    raw = ws.sql("SELECT coalesce(max(length(reason)), 0) FROM quarantine").fetchall()[0][0]
    assert raw < 1000
    # the reason names the field the text is in (it was "ValueError: Invalid isoformat string: 'soon'")
    assert list(ws.quarantine()["reason"]) == [
        "bad span: end time 'soon' is no time (Invalid isoformat string: 'soon')"
    ]


def test_spans_with_a_nested_context_struct_are_read(tmp_path: Path) -> None:
    # Phoenix's span JSON (context: {trace_id, span_id}) saved as a table: the JSON reader reads this shape,
    # the Parquet sniffer looked for a flat context.span_id column only ("not in any known format").
    path = tmp_path / "nested.parquet"
    pq.write_table(
        pa.table(
            {
                "context": [{"trace_id": "t1", "span_id": "a"}, {"trace_id": "t1", "span_id": "b"}],
                "parent_id": [None, "a"],
                "name": ["workflow", "researcher"],
                "span_kind": ["CHAIN", "AGENT"],
                "status_code": ["OK", "OK"],
                "attributes": [{"input": {"value": "Quote a widget"}}, {"output": {"value": "41.20"}}],
            }
        ),
        path,
    )
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (2, 2, 0)
    assert ws.sql(
        "SELECT step_id, parent_id, kind, agent, input, output FROM steps ORDER BY step_id"
    ).fetchall() == [
        ("a", None, "chain", None, "Quote a widget", None),
        ("b", "a", "agent", "researcher", None, "41.20"),
    ]
