"""A span is read as one of BeeAI's emitter events only when it carries the event's own marks (its EventMeta's
path ending in the span's name, and the event's id, a UUID), not when any run metadata holds a matching
"path" (left18). Before: a LangChain tool call whose run metadata was {"path": "shop.get_price"} (flattened
to metadata.path, as Phoenix's span export and any flattening exporter write it) read as an event of the
enclosing agent: a chain step with no tool, its failure no tool failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_real16_beeai import workflow
from test_real16_langchain_tool_message import trace_doc

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson


def _with_path_metadata() -> dict:
    doc = trace_doc()
    for sp in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        if sp["name"] == "get_price":
            sp["attributes"].append({"key": "metadata.path", "value": {"stringValue": "shop.get_price"}})
    return doc


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_a_langchain_tool_whose_metadata_has_a_matching_path_stays_a_tool_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    path = tmp_path / "lc.otlp.jsonl"
    path.write_text(json.dumps(_with_path_metadata()) + "\n")
    ws = wb.open()
    ws.ingest(path)
    s = {r[0][-2:]: r[1:] for r in ws.sql("SELECT step_id, kind, tool, agent, status FROM steps").fetchall()}
    assert s["a2"] == ("tool", "get_price", "researcher", "error")
    assert s["a3"] == ("tool", "get_price", "researcher", "ok")


def test_phoenix_export_with_nested_path_metadata_keeps_the_tool_calls(tmp_path: Path) -> None:
    rows = []
    for sp in trace_doc()["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        attrs = {a["key"]: a["value"]["stringValue"] for a in sp["attributes"]}
        row = {
            "name": sp["name"],
            "span_kind": attrs["openinference.span.kind"],
            "context.trace_id": sp["traceId"],
            "context.span_id": sp["spanId"],
            "parent_id": sp.get("parentSpanId"),
            "start_time": int(sp["startTimeUnixNano"]) // 1_000_000,
            "end_time": int(sp["endTimeUnixNano"]) // 1_000_000,
            "status_code": "OK",
            "status_message": "",
            **{f"attributes.{k}": v for k, v in attrs.items()},
        }
        if sp["name"] == "get_price":  # Phoenix keeps the run metadata as an object
            row["attributes.metadata"] = {"path": "shop.get_price", "thread_id": "t1"}
        rows.append(row)
    path = tmp_path / "spans.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ws = wb.open()
    ws.ingest(path)
    s = {r[0][-2:]: r[1:] for r in ws.sql("SELECT step_id, kind, tool FROM steps").fetchall()}
    assert s["a2"] == ("tool", "get_price") and s["a3"] == ("tool", "get_price")


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_beeai_events_without_their_event_id_are_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    # the other side of the rule: the same BeeAI spans with the event's id taken away are not events
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    doc = workflow()
    for sp in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        sp["attributes"] = [a for a in sp["attributes"] if a["key"] != "metadata.id"]
    path = tmp_path / "bee.otlp.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    ws = wb.open()
    ws.ingest(path)
    kinds = dict(ws.sql("SELECT right(step_id, 3), kind FROM steps").fetchall())
    assert kinds["a04"] == "tool" and kinds["a08"] == "agent"
