"""Whole-file JSON documents cut short or padded, as a crash leaves them: one record per problem, not per line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb

T0 = 1_767_225_600_000_000_000


def _otlp() -> dict:
    spans = [
        {
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": f"eee19b7ec3c1b17{i}",
            "name": f"chat {i}",
            "startTimeUnixNano": str(T0 + i),
            "endTimeUnixNano": str(T0 + i + 5),
            "kind": 1,
            "attributes": [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                {"key": "tags", "value": {"arrayValue": {"values": [{"intValue": "1"}]}}},
            ],
        }
        for i in range(3)
    ]
    return {
        "resourceSpans": [
            {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}]}
        ]
    }


def _langfuse() -> dict:
    obs = [
        {
            "id": f"o{i}",
            "traceId": "t1",
            "type": "SPAN",
            "name": "x",
            "startTime": "2026-01-01T00:00:00Z",
            "parentObservationId": "o0" if i else None,
        }
        for i in range(3)
    ]
    # a list pretty-printed one string a line: lines such as '"b"' parse on their own
    return {"trace": {"id": "t1", "tags": ["a", "b"]}, "observations": obs}


def _span_tree() -> dict:
    spans = [
        {
            "span_id": f"s{i}",
            "span_name": "n",
            "span_kind": "LLM",
            "span_attributes": {"k": [1, 2]},
            "duration": "PT1S",
            "timestamp": "2026-01-01T00:00:00Z",
            "status_code": "OK",
            "child_spans": [],
        }
        for i in range(3)
    ]
    return {"trace_id": "t2", "spans": spans}  # (not the Langfuse document's t1: one store holds both)


def _whowhen() -> dict:
    return {
        "question": "q",
        "question_ID": "x1",
        "mistake_agent": "A",
        "mistake_step": "0",
        "history": [
            {"content": "hi", "role": "A"},
            {"content": "yo", "role": "B"},
            {"content": "ok", "role": "A"},
        ],
    }


DOCS = {"otlp": _otlp, "langfuse": _langfuse, "span-tree": _span_tree, "whowhen": _whowhen}


@pytest.mark.parametrize("fmt", sorted(DOCS))
def test_a_pretty_document_cut_short_is_one_broken_record(tmp_path: Path, fmt: str) -> None:
    text = json.dumps(DOCS[fmt](), indent=2)
    path = tmp_path / "cut.json"
    path.write_text(text[: int(len(text) * 0.9)])
    ws = wb.open()
    report = ws.ingest(path, format=fmt)
    assert (report.read, report.stored, report.quarantined) == (1, 0, 1)
    row = ws.quarantine().iloc[0]
    assert row["line"] == 1 and "broken JSON" in row["reason"] and "line " in row["reason"], row["reason"]


def test_nul_padding_after_a_document_costs_only_itself(tmp_path: Path) -> None:
    # (every format's padded document in one store, a call each as its format is named; then all again in one call,
    # each told its format by its own bytes)
    ws = wb.open()
    paths = []
    for fmt in sorted(DOCS):
        text = json.dumps(DOCS[fmt](), indent=2)
        paths.append(tmp_path / f"padded-{fmt}.json")
        paths[-1].write_bytes(text.encode() + b"\n" + bytes(5000))
        report = ws.ingest(paths[-1], format=fmt)
        assert report.stored == 3 and report.quarantined == 1 and report.read == 4, fmt
        (row,) = ws.sql(
            "SELECT line, reason FROM quarantine WHERE file = ?", [str(paths[-1].resolve())]
        ).fetchall()
        assert row[0] == text.count("\n") + 1 and "5,001 bytes of padding (NUL bytes)" in row[1], (fmt, row)
    again = ws.ingest(paths)
    assert again.added == 0 and again.quarantined == len(DOCS) and ws.count("quarantine") == len(DOCS)


def test_otlp_jsonl_with_a_broken_first_line_still_reads_the_rest(tmp_path: Path) -> None:
    lines = [json.dumps(_otlp())[:50]] + [json.dumps(_otlp())]
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = wb.open().ingest(path, format="otlp")
    assert (report.stored, report.quarantined) == (3, 1)


def test_otlp_documents_pretty_printed_one_after_another_are_each_read(tmp_path: Path) -> None:
    """``jq . traces.jsonl > pretty.json``: each request is read; a broken one costs only itself."""
    docs = [json.dumps(_otlp(), indent=2).replace("5b8efff7", f"{i}b8efff7") for i in range(3)]
    docs[1] = docs[1].replace('"kind": 1', '"kind": 1,,', 1)
    path = tmp_path / "pretty.json"
    path.write_text("\n".join(docs) + "\n")
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.read, report.stored, report.quarantined) == (7, 6, 1)
    row = ws.quarantine().iloc[0]
    assert row["line"] == docs[0].count("\n") + 2 and "broken JSON" in row["reason"], (
        row["line"],
        row["reason"],
    )
    assert row["raw_bytes"] == len(docs[1])
