"""A pretty-printed (multi-line) JSON list of traces or spans reports each rejected item at the line it starts
on, and the MLflow reader names the item's place in the list (left18). Before: every item of such a list was at
line 1 (the document's), so a quarantine of three bad traces in a 2,000-line export said "line 1" three times."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

from test_real16_mlflow_trace_json import trace

import workbench as wb


def _start_lines(text: str) -> list[int]:
    """The lines where json.dumps(indent=2) starts each item of a top-level list (independent of the reader:
    the lines indented by exactly two spaces that open a value)."""
    return [
        n
        for n, ln in enumerate(text.split("\n"), start=1)
        if ln.startswith("  ") and not ln.startswith("   ") and ln.strip() not in ("}", "},", "]", "],")
    ]


def _other_trace(bad_span: int) -> dict:
    doc = copy.deepcopy(trace())
    other = base64.b64encode(bytes.fromhex("11" * 16)).decode()
    for sp in doc["data"]["spans"]:
        sp["trace_id"] = other
    doc["data"]["spans"][bad_span]["span_id"] = None
    return doc


def test_items_of_a_pretty_printed_mlflow_list_are_rejected_at_their_own_lines(tmp_path: Path) -> None:
    items = [trace(), "not a trace", _other_trace(3), {"info": {}}]
    text = json.dumps(items, indent=2)
    starts = _start_lines(text)
    assert len(starts) == 4 and starts[0] == 2
    path = tmp_path / "traces.json"
    path.write_text(text)
    ws = wb.open()
    rep = ws.ingest(path, format="mlflow-trace")
    assert (rep.read, rep.stored, rep.quarantined) == (14, 11, 3)
    q = ws.sql("SELECT line, reason FROM quarantine ORDER BY line").fetchall()
    # (left19) the bad span at the line it starts on, not its trace's: json.dumps(indent=2) opens each span of
    # an item's data.spans with a line of 8 spaces and "{"
    lines = text.split("\n")
    spans_of_item_2 = [n for n in range(starts[2], starts[3]) if lines[n - 1] == " " * 8 + "{"]
    assert [n for n, _ in q] == [starts[1], spans_of_item_2[3], starts[3]]
    assert "item 1 of the list" in q[0][1] and "span id" in q[1][1] and "item 3 of the list" in q[2][1]


def test_items_of_a_pretty_printed_phoenix_list_are_rejected_at_their_own_lines(tmp_path: Path) -> None:
    span = {
        "name": "get_price",
        "span_kind": "TOOL",
        "context.trace_id": "ab" * 16,
        "context.span_id": "cd" * 8,
        "parent_id": None,
        "start_time": 1796160000000,
        "end_time": 1796160000100,
        "status_code": "OK",
        "status_message": "",
        "attributes.openinference.span.kind": "TOOL",
        "attributes.tool.name": "get_price",
    }
    bad = {**span, "context.span_id": "ef" * 8, "status_code": "MAYBE"}
    text = json.dumps([span, bad, 7], indent=2)
    starts = _start_lines(text)
    path = tmp_path / "spans.json"
    path.write_text(text)
    ws = wb.open()
    rep = ws.ingest(path, format="openinference")
    assert (rep.read, rep.stored, rep.quarantined) == (3, 1, 2)
    assert [n for (n,) in ws.sql("SELECT line FROM quarantine ORDER BY line").fetchall()] == starts[1:]


def test_item_lines_of_lists_written_any_way() -> None:
    from workbench.ingest._documents import item_lines  # (here: the tests above run on older code too)

    assert item_lines(b'[\n  {"a": "]\\n[,"},\n\n  [1,\n 2], 3,\n"x"\n]', 10) == [11, 13, 14, 15]
    assert item_lines(b"[]") == [] and item_lines(b'{"a": 1}') is None and item_lines(b"[1, oops]") is None
