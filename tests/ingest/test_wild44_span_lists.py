"""A JSON document that is an object of span lists (``{"spans": [...]}`` with the export's facts beside, a paged
API's ``{"data": [...]}``, or lists keyed by trace id) was quarantined whole as one span "missing or invalid trace
id 'None'". Its spans are read now, each at its own line; an object that holds no spans says what it found and
what was expected."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def _span(sid: str, parent: str | None, trace: str | None) -> dict:
    ctx = {"span_id": sid, **({"trace_id": trace} if trace else {})}
    return {
        "name": sid,
        "span_kind": "LLM" if parent else "CHAIN",
        "context": ctx,
        "parent_id": parent,
        "start_time": "2026-01-01T00:00:00Z",
        "end_time": "2026-01-01T00:00:01Z",
        "status_code": "OK",
    }


def _ingest(path: Path, doc: object, indent: int | None = None) -> tuple[wb.IngestReport, wb.Workspace]:
    path.write_text(json.dumps(doc, indent=indent))
    ws = wb.open()
    return ws.ingest(path, format="openinference", progress=False), ws


def test_an_object_of_span_lists_is_read(tmp_path: Path) -> None:
    doc = {
        "project": "p",
        "spans": [_span("a", None, "t1"), _span("b", "a", "t1"), {"name": "c", "context": {}}],
    }
    rep, ws = _ingest(tmp_path / "spans.json", doc, indent=2)
    assert (rep.read, rep.stored, rep.quarantined) == (3, 2, 1)
    assert ws.sql("SELECT run_id, step_id, parent_id FROM steps ORDER BY step_id").fetchall() == [
        ("t1", "a", None),
        ("t1", "b", "a"),
    ]
    # the bad span at its own line of the pretty-printed document, not the document's first
    (line,) = ws.quarantine()["line"]
    text = (tmp_path / "spans.json").read_text().splitlines()
    assert line > 1 and text[line - 1].strip() == "{" and '"c"' in text[line]


def test_span_lists_keyed_by_trace_id_take_the_key_when_a_span_has_none(tmp_path: Path) -> None:
    doc = {"t1": [_span("a", None, None), _span("b", "a", None)], "t2": [_span("c", None, "t2")]}
    rep, ws = _ingest(tmp_path / "keyed.json", doc)
    assert (rep.read, rep.stored, rep.quarantined) == (3, 3, 0)
    assert ws.sql("SELECT run_id, step_id FROM steps ORDER BY step_id").fetchall() == [
        ("t1", "a"),
        ("t1", "b"),
        ("t2", "c"),
    ]


def test_an_object_holding_no_spans_says_what_it_found(tmp_path: Path) -> None:
    rep, ws = _ingest(tmp_path / "odd.json", {"count": 2, "spans": [1, 2]})
    assert (rep.read, rep.stored, rep.quarantined) == (1, 0, 1)
    (reason,) = ws.quarantine()["reason"]
    assert "keys 'count', 'spans' is no span" in reason and "under 'spans' that are not all spans" in reason
    assert "expected a span a line, a list of spans, or an object whose lists hold spans" in reason


def test_a_phoenix_span_dataframe_saved_in_any_pandas_orient_is_read(tmp_path: Path) -> None:
    # px.Client().get_spans_dataframe() is indexed by context.span_id; df.to_json(path) writes it by columns, and
    # "index" / "split" keep the index too. "records" drops it: said so in the quarantine, as pandas lost it.
    import pandas as pd

    rows = [
        {
            "context.span_id": "a",
            "context.trace_id": "t1",
            "parent_id": None,
            "name": "root",
            "span_kind": "CHAIN",
            "start_time": "2026-01-01T00:00:00Z",
            "end_time": "2026-01-01T00:00:02Z",
            "status_code": "OK",
        },
        {
            "context.span_id": "b",
            "context.trace_id": "t1",
            "parent_id": "a",
            "name": "llm",
            "span_kind": "LLM",
            "start_time": "2026-01-01T00:00:01Z",
            "end_time": "2026-01-01T00:00:01.5Z",
            "status_code": "OK",
        },
    ]
    df = pd.DataFrame(rows).set_index("context.span_id")
    for column in ("start_time", "end_time"):
        df[column] = pd.to_datetime(df[column], format="ISO8601")
    for orient in ("columns", "split", "records"):  # ("table" is {"schema", "data": [...]}: above)
        path = tmp_path / f"spans_{orient}.json"
        df.to_json(path, orient=orient, date_format="iso")
        ws = wb.open()
        rep = ws.ingest(path, progress=False)
        if orient == "records":
            assert (rep.read, rep.stored, rep.quarantined) == (2, 0, 2)
            assert "to_json(orient='records') leaves out" in ws.quarantine()["reason"][0]
            continue
        assert (rep.read, rep.stored, rep.quarantined) == (2, 2, 0), orient
        assert ws.sql(
            "SELECT step_id, parent_id, kind, latency_ms FROM steps ORDER BY step_id"
        ).fetchall() == [("a", None, "chain", 2000.0), ("b", "a", "llm", 500.0)], orient
