"""Issue 7's repro files: each bad record is quarantined with file, line and reason; the rest is stored."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._jsonio import MAX_DEPTH

T0 = 1_767_225_600_000_000_000
DEEP = "[" * 1000 + "]" * 1000  # parses (orjson allows 1024 levels) but nests past MAX_DEPTH
# Arrays and objects in turn, 120 levels: a bracket pre-check that peels "[]" then "{}" in one pass takes
# two levels a pass and once let this through.
ALTERNATING = '[{"k": ' * 60 + "1" + "}]" * 60
# 120 arrays, each holding a "]" string before the next and a "[" string after it: brackets in strings
# counted with the real ones pair off two levels deep, and a pre-check that counted them let this through.
HIDDEN = '["]",' * 120 + "1" + ',"["]' * 120


def _native_good() -> str:
    return json.dumps({"run_id": "r1", "step_id": "s1", "kind": "llm", "started_at": T0, "ended_at": T0 + 10})


def _native(bad: str) -> str:
    return _native_good() + "\n" + bad + "\n"


def _langfuse() -> str:
    def obs(i: int) -> dict:
        return {
            "id": f"o{i}",
            "traceId": "t1",
            "type": "SPAN",
            "name": "x",
            "startTime": "2026-01-01T00:00:00Z",
            "projectId": "p",
            "parentObservationId": None,
            "input": "PLACE" if i == 2 else "ok",
        }

    doc = {"trace": {"id": "t1", "projectId": "p"}, "observations": [obs(1), obs(2)]}
    return json.dumps(doc).replace('"PLACE"', DEEP)


def _whowhen() -> str:
    def rec(q: str, content: str) -> str:
        return (
            '{"question": "q", "question_ID": "' + q + '", "history": [{"content": "hi", "name": "A"}, '
            '{"content": ' + content + ', "name": "B"}], "mistake_agent": "A", "mistake_step": "0"}'
        )

    return rec("a", '"fine"') + "\n" + rec("b", DEEP) + "\n"


def _oi(span_id: str, **extra: object) -> str:
    return json.dumps(
        {
            "name": "n",
            "span_kind": "LLM",
            "context.trace_id": "t1",
            "context.span_id": span_id,
            "start_time": "2026-01-01T00:00:00Z",
            "end_time": "2026-01-01T00:00:01Z",
            "status_code": "OK",
            **extra,
        }
    )


def _span_tree() -> str:
    def span(sid: str, attrs: object) -> dict:
        return {
            "span_id": sid,
            "span_name": "n",
            "span_kind": "LLM",
            "span_attributes": attrs,
            "duration": "PT1S",
            "timestamp": "2026-01-01T00:00:00Z",
            "status_code": "OK",
            "child_spans": [],
        }

    return json.dumps({"trace_id": "t1", "spans": [span("a", {"k": 1}), span("b", {"k": "PLACE"})]}).replace(
        '"PLACE"', DEEP
    )


def _otlp_line(spans: list[dict]) -> str:
    return json.dumps(
        {
            "resourceSpans": [
                {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}]}
            ]
        }
    )


def _otlp_span(sid: str, **extra: object) -> dict:
    return {
        "traceId": "0af7651916cd43dd8448eb211c80319c",
        "spanId": sid,
        "name": "chat",
        "startTimeUnixNano": str(T0),
        "endTimeUnixNano": str(T0 + 1000),
        "status": {"code": 1},
        "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}],
        **extra,
    }


def _otlp_hidden(levels: int = 40) -> str:
    """An OTLP line with an array value nested 3 * ``levels`` deep, each level's brackets hidden as HIDDEN's."""
    value = '{"stringValue": "x"}'
    for _ in range(levels):  # {"arrayValue": {"values": [ : 3 levels, paired off by the strings beside it
        value = (
            '{"arrayValue": {"values": [{"stringValue": "}]}}{"}, ' + value + ', {"stringValue": "}{{[{"}]}}'
        )
    good = _otlp_line([_otlp_span("b7ad6b7169203331")])
    bad = _otlp_line([_otlp_span("b7ad6b7169203332", attributes=[{"key": "deep", "value": "PLACE"}])])
    return good + "\n" + bad.replace('"PLACE"', value) + "\n"


def _otlp_deep(kvlists: int = 200) -> str:
    value = '{"stringValue": "x"}'
    for _ in range(kvlists):  # kvlist inside kvlist: 4 JSON levels each, 800 in all (orjson reads 1024)
        value = '{"kvlistValue": {"values": [{"key": "k", "value": ' + value + "}]}}"
    good = _otlp_line([_otlp_span("b7ad6b7169203331")])
    bad = _otlp_line([_otlp_span("b7ad6b7169203332", attributes=[{"key": "deep", "value": "PLACE"}])])
    return good + "\n" + bad.replace('"PLACE"', value) + "\n"


def _otlp_bad(**extra: object) -> str:
    """A good OTLP span's line, then a span's with ``extra`` fields."""
    good = _otlp_line([_otlp_span("b7ad6b7169203331")])
    return good + "\n" + _otlp_line([_otlp_span("b7ad6b7169203332", **extra)]) + "\n"


def _kv(value: object) -> list[dict]:
    return [{"key": "k", "value": value}]


CASES = {
    # malformed OTLP shapes: each reason names the field in the record's own (JSON) terms, where it was Python's
    # error text ("TypeError: string indices must be integers", "'str' object has no attribute 'get'", "unhashable
    # type: 'list'", "argument of type 'int' is not iterable")
    "otlp-attributes-object": (
        "x.jsonl",
        _otlp_bad(attributes={"a": "b"}),
        "attributes is a JSON object, not",
    ),
    "otlp-attribute-not-object": (
        "x.jsonl",
        _otlp_bad(attributes=[1]),
        "attributes: an entry is a JSON number",
    ),
    "otlp-attribute-value-text": (
        "x.jsonl",
        _otlp_bad(attributes=_kv("x")),
        "attributes 'k': the value is a JSON string",
    ),
    "otlp-attribute-key-list": (
        "x.jsonl",
        _otlp_bad(attributes=[{"key": ["a"], "value": {"stringValue": "x"}}]),
        "attributes: a key is a JSON array, not text",
    ),
    "otlp-attribute-key-null": (
        "x.jsonl",
        _otlp_bad(attributes=[{"key": None, "value": {"stringValue": "x"}}]),
        "attributes: a key is JSON null, not text",
    ),
    "otlp-kvlist-entry": (
        "x.jsonl",
        _otlp_bad(attributes=_kv({"kvlistValue": {"values": [1]}})),
        "attributes 'k': kvlistValue.values: an entry is a JSON number",
    ),
    "otlp-double-text": (
        "x.jsonl",
        _otlp_bad(attributes=_kv({"doubleValue": "x1"})),
        "doubleValue 'x1' is not a",
    ),
    "otlp-status-text": ("x.jsonl", _otlp_bad(status="ERROR"), "status is a JSON string, not an object"),
    "otlp-event-number": ("x.jsonl", _otlp_bad(events=[1]), "an event is a JSON number, not an object"),
    "native-null-line": (
        "n.jsonl",
        _native("null"),
        "record is a JSON null, not an object",
    ),  # (was NoneType)
    "native-deep-input": (
        "n.jsonl",
        _native('{"run_id":"r1","step_id":"s2","input":' + DEEP + "}"),
        "nested deeper",
    ),
    "native-deep-attributes": (
        "n.jsonl",
        _native('{"run_id":"r1","step_id":"s2","attributes":{"a":' + DEEP + "}}"),
        "nested deeper",
    ),
    "native-time-range": (
        "n.jsonl",
        _native(json.dumps({"run_id": "r1", "step_id": "s2", "started_at": -(2**62), "ended_at": 2**62})),
        "out of range",
    ),
    "native-label-agent-object": (
        "n.jsonl",
        _native(json.dumps({"record": "label", "run_id": "r1", "agent": {"x": 1}})),
        "'agent' must be text",
    ),
    "native-outcome-enum": (
        "n.jsonl",
        _native(json.dumps({"record": "run", "run_id": "r1", "outcome": "catastrophe"})),
        "catastrophe",
    ),
    "native-label-outcome-enum": (
        "n.jsonl",
        _native(json.dumps({"record": "label", "run_id": "r1", "outcome": "catastrophe"})),
        "catastrophe",
    ),
    "native-kind-enum": (
        "n.jsonl",
        _native(json.dumps({"run_id": "r1", "step_id": "s2", "kind": "wizard"})),
        "kind must be one of",
    ),
    "native-edge-kind": (
        "n.jsonl",
        _native(
            json.dumps(
                {"record": "edge", "run_id": "r1", "src_step": "s1", "dst_step": "s1", "kind": "teleport"}
            )
        ),
        "edge kind",
    ),
    "native-infinite-cost": ("n.jsonl", _native('{"run_id":"r1","step_id":"s2","cost":"1e400"}'), "infinite"),
    "langfuse-deep-input": ("l.json", _langfuse(), "nested deeper"),
    "whowhen-deep-content": ("w.jsonl", _whowhen(), "nested deeper"),
    "openinference-deep-attributes": (
        "o.jsonl",
        _oi("a") + "\n" + _oi("b", attributes={"x": "PLACE"}).replace('"PLACE"', DEEP) + "\n",
        "nested deeper",
    ),
    "openinference-start-1e30": (
        "o.jsonl",
        _oi("a") + "\n" + _oi("b", start_time=1e30) + "\n",
        "out of range",
    ),
    "span-tree-deep-attributes": ("t.json", _span_tree(), "nested deeper"),
    "otlp-deep-attributes": ("x.jsonl", _otlp_deep(), "deep"),
    "native-alternating-deep-input": (
        "n.jsonl",
        _native('{"run_id":"r1","step_id":"s2","input":' + ALTERNATING + "}"),
        "nested deeper",
    ),
    "otlp-alternating-deep-attributes": ("x.jsonl", _otlp_deep(kvlists=30), "deep"),  # 4 levels each: {{[{
    "openinference-alternating-deep": (
        "o.jsonl",
        _oi("a") + "\n" + _oi("b", attributes={"x": "PLACE"}).replace('"PLACE"', ALTERNATING) + "\n",
        "nested deeper",
    ),
    "native-hidden-deep-input": (
        "n.jsonl",
        _native('{"run_id":"r1","step_id":"s2","input":' + HIDDEN + "}"),
        "nested deeper",
    ),
    "otlp-hidden-deep-attributes": ("x.jsonl", _otlp_hidden(), "deep"),
    "openinference-hidden-deep": (
        "o.jsonl",
        _oi("a") + "\n" + _oi("b", attributes={"x": "PLACE"}).replace('"PLACE"', HIDDEN) + "\n",
        "nested deeper",
    ),
}


# Every case of every format in one ingest call (each file read and checked alone, a folder of its own), rather than
# a call each: the good record of each format's files is one record (stored once, each file's copy counted).
_FORMATS = {
    "n.jsonl": "native",
    "x.jsonl": "otlp",
    "o.jsonl": "openinference",
    "l.json": "langfuse",
    "w.jsonl": "whowhen",
    "t.json": "span-tree",
}
assert set(_FORMATS) == {name for name, _, _ in CASES.values()}


def test_one_bad_record_is_quarantined_and_the_rest_stored(tmp_path: Path) -> None:
    paths = {}
    for case, (file, text, _) in sorted(CASES.items()):
        paths[case] = tmp_path / case / file
        paths[case].parent.mkdir()
        paths[case].write_text(text)
    n = len(paths)
    cases_of = Counter(file for file, _, _ in CASES.values())
    ws = wb.open()
    report = ws.ingest(list(paths.values()))
    assert report.quarantined == n and report.stored >= len(_FORMATS), (report, report.errors)
    assert report.read == report.stored + report.quarantined
    q = ws.quarantine()
    steps_of = dict(ws.sql("SELECT file, count(*) FROM steps GROUP BY file").fetchall())
    read = 0
    for case, path in paths.items():
        rows = q[q["file"] == str(path.resolve())]
        assert len(rows) == 1, (case, rows)
        row = rows.iloc[0]
        assert row["line"] >= 1, case
        assert CASES[case][2] in row["reason"], (case, row["reason"])
        if cases_of[path.name] > 1:
            read += 2  # (each file of these holds two records, one bad: all read, one stored a file)
        else:
            assert steps_of.get(str(path.resolve()), 0) >= 1, case
            read += steps_of[str(path.resolve())] + 1
    assert report.read == read, report
    assert ws.count("steps") == report.added
    # Nothing of the bad records leaked into the store.
    assert ws.sql(
        "SELECT count(*) FROM runs WHERE outcome NOT IN ('success', 'failure', 'unknown')"
    ).fetchall() == [(0,)]
    again = ws.ingest(list(paths.values()))
    assert again.added == 0 and ws.count("quarantine") == n


def test_depth_limit_is_the_documented_one(tmp_path: Path) -> None:
    ok = "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2)  # within the limit with the record's own object
    over = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    path = tmp_path / "d.jsonl"
    path.write_text(
        '{"run_id":"r","step_id":"a","input":' + ok + '}\n{"run_id":"r","step_id":"b","input":' + over + "}\n"
    )
    report = wb.open().ingest(path)
    assert (report.stored, report.quarantined) == (1, 1)


def test_in_memory_records_with_bad_values_cost_only_themselves() -> None:
    deep: list = []
    for _ in range(2000):  # deeper than Python's own recursion limit
        deep = [deep]
    recs = [
        {"run_id": "r", "step_id": "ok"},
        {"run_id": "r", "step_id": "deep", "input": deep},
        {"run_id": "r", "step_id": "nan", "attributes": {"x": float("nan")}},
        {"record": "label", "run_id": "r", "agent": ["a"]},
        {"run_id": "r", "step_id": "big", "tokens_in": 2**80},
    ]
    ws = wb.open()
    report = ws.ingest(recs)
    assert (report.stored, report.quarantined) == (1, 4)
    assert ws.count("quarantine") == 4


def test_alternating_nesting_counts_every_level(tmp_path: Path) -> None:
    """The pre-check never passes a record nested deeper than the limit, whatever brackets it alternates."""
    from workbench.ingest._jsonio import may_be_deep
    from workbench.ingest._line_table import _maybe_deep

    for over in (
        '[{"k": ' * 51 + "1" + "}]" * 51,
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        '{"a": ' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1),
        "[{" * 51 + "}]" * 51,
    ):
        assert may_be_deep(over.encode())
        block = b'{"x": 1}\n' + over.encode() + b"\n"
        assert _maybe_deep(block, 2) == [1]
    shallow = '[{"k": ' * 5 + "1" + "}]" * 5
    assert not may_be_deep(shallow.encode()) and _maybe_deep((shallow + "\n").encode(), 1) == []


def _adapter_paths() -> dict[str, tuple[object, str, str]]:
    from workbench.ingest.native import NativeJsonl
    from workbench.ingest.openinference import OpenInferenceJsonl
    from workbench.ingest.otlp import OtlpJson

    class NativeBlocks(NativeJsonl):  # the block path, which the whole-file path leaves files to
        def stage(self, path: Path, stage: object) -> None:
            from workbench.ingest._native_sql import stage_native_sql

            stage_native_sql(path, stage)

    native = _native('{"run_id":"r1","step_id":"s2","input":' + HIDDEN + "}")
    return {
        "native-lines": (NativeJsonl(fast=False), native, "nested deeper"),
        "native-blocks": (NativeBlocks(), native, "nested deeper"),
        "otlp-lines": (OtlpJson(fast=False), _otlp_hidden(), "deep"),
        "otlp-blocks": (OtlpJson(fast=True), _otlp_hidden(), "deep"),
        "openinference": (OpenInferenceJsonl(), CASES["openinference-hidden-deep"][1], "nested deeper"),
    }


@pytest.mark.parametrize("path_name", sorted(_adapter_paths()))
def test_brackets_inside_strings_hide_no_nesting(tmp_path: Path, path_name: str) -> None:
    """Every reader that pre-checks a line's bracket shape quarantines a nesting hidden by quoted brackets."""
    from _otel_fixtures import counts_reconcile, rows, run_adapter

    adapter, text, why = _adapter_paths()[path_name]
    path = tmp_path / "h.jsonl"
    path.write_text(text)
    con, stage = run_adapter(adapter, path)
    assert counts_reconcile(con, stage)
    bad = rows(con, "stage_quarantine")
    assert [r["line"] for r in bad] == [2] and why in bad[0]["reason"], bad


def test_structure_drops_strings_and_escapes(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.ingest import _depth
    from workbench.ingest._depth import may_be_deep, peel_brackets, structure

    assert structure(rb'{"a": "[{", "b\\": ["\"]", "\\"], "c": ""}') == b"{[]}"
    assert structure(b'["]"]\n["x\n"]') == b'[]\n["\n"]'  # a quote left open never spans a line
    assert structure(b"[" * 3 + b'"' + b"]" * 3) == b'[[["]]]'  # nor is dropped:
    assert peel_brackets(b'[[["]]]', MAX_DEPTH)  # so its line is never emptied
    assert may_be_deep(HIDDEN.encode()) and not may_be_deep(('["]",' * 40 + "1" + ',"["]' * 40).encode())
    # a line that ends in a backslash (not JSON) does not run into the next one
    from workbench.ingest._line_table import _maybe_deep

    assert _maybe_deep(b'{"a": "x\\' + b"\n" + HIDDEN.encode() + b"\n", 2) == [0, 1]
    # a block is reduced a slice at a time, cut at newlines: the same as line by line
    monkeypatch.setattr(_depth, "_SLICE_BYTES", 4096)
    lines = [HIDDEN.encode(), b'{"x": "\\\\"]"}', ALTERNATING.encode()] * 200
    assert structure(b"\n".join(lines)) == b"\n".join(structure(x) for x in lines)
