"""A bad span inside an MLflow trace is quarantined at the line it starts on and named by its place in the
trace (left19). Before: every span of a trace was at its trace's line (a pretty-printed ``to_json(pretty=True)``
trace: line 1 for each of them, however far down the file) and a span that is no object was "span is a JSON
str" with no word of which."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from test_real16_mlflow_trace_json import trace

import workbench as wb


def _damaged() -> dict:
    doc = copy.deepcopy(trace())
    doc["data"]["spans"][2]["span_id"] = None  # the failed get_price call: no id
    doc["data"]["spans"][4] = "writer span lost"  # not an object
    return doc


def _span_starts(text: str) -> list[int]:
    """The lines json.dumps(indent=2) starts each of a trace's data.spans on (after the line of "data", a line
    of 6 spaces and "{", or of 6 spaces and a string), independent of the reader."""
    lines = text.split("\n")
    data = lines.index('  "data": {')
    return [
        n
        for n, ln in enumerate(lines, start=1)
        if n > data + 1 and (ln == " " * 6 + "{" or ln.startswith(" " * 6 + '"'))
    ]


def test_a_pretty_printed_trace_rejects_each_bad_span_at_its_own_line(tmp_path: Path) -> None:
    text = json.dumps(_damaged(), indent=2)
    opens = _span_starts(text)
    assert len(opens) == 6  # (the six spans of data.spans, each at 6 spaces)
    path = tmp_path / "trace.json"
    path.write_text(text)
    ws = wb.open()
    rep = ws.ingest(path, format="mlflow-trace")
    assert (rep.read, rep.stored, rep.quarantined) == (6, 4, 2)
    q = ws.sql("SELECT file, line, reason FROM quarantine ORDER BY line").fetchall()
    assert [n for _, n, _ in q] == [opens[2], opens[4]]
    assert all(f.endswith("trace.json") for f, _, _ in q)
    assert "span id" in q[0][2] and q[1][2] == "span 4 is a JSON string, not an object"
    stored = ws.sql("SELECT line FROM steps ORDER BY line").fetchall()
    assert [n for (n,) in stored] == [opens[0], opens[1], opens[3], opens[5]]  # stored spans at theirs too


def test_a_trace_a_line_names_the_span_and_the_list_item_names_its_trace(tmp_path: Path) -> None:
    one_line = tmp_path / "traces.jsonl"
    one_line.write_text(json.dumps(trace()) + "\n" + json.dumps(_damaged()) + "\n")
    ws = wb.open()
    rep = ws.ingest(one_line, format="mlflow-trace")
    assert (rep.read, rep.stored, rep.quarantined) == (12, 10, 2)  # (the same trace id: stored once, repeats)
    q = ws.sql("SELECT line, reason FROM quarantine ORDER BY reason").fetchall()
    assert [n for n, _ in q] == [2, 2] and q[1][1] == "span 4 is a JSON string, not an object"
    listed = tmp_path / "traces.json"
    listed.write_text(json.dumps([trace(), _damaged()], indent=2))
    ws = wb.open()
    ws.ingest(listed, format="mlflow-trace")
    reasons = [r for (r,) in ws.sql("SELECT reason FROM quarantine").fetchall()]
    assert "span 4 of item 1 of the list is a JSON string, not an object" in reasons
