"""A root span with no status that says its run ended well (``ingest/_span_outcome.py``: Pydantic AI's agent run
span with ``final_result``) is ``ok`` in the OTLP readers; the same spans read from Phoenix's span export
(OpenInference adapter) or from Langfuse's observations read ``unset``, so the same real run had outcome
``success`` from a Collector's file and ``unknown`` from Phoenix or Langfuse. The spans here are those of the
real Pydantic AI run checked in as ``fixtures/pydantic-ai/two_runs_ok.otlp.jsonl``, written in each format."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import workbench as wb
from workbench.ingest._otlp_read import attributes, hex_id

FIXTURE = Path(__file__).parent / "fixtures" / "pydantic-ai" / "two_runs_ok.otlp.jsonl"


def _spans() -> list[dict[str, Any]]:
    out = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        for rs in json.loads(line).get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for sp in ss.get("spans", []):
                    parent = sp.get("parentSpanId")
                    out.append(
                        {
                            "trace": hex_id(sp["traceId"], 16, "trace"),
                            "span": hex_id(sp["spanId"], 8, "span"),
                            "parent": hex_id(parent, 8, "parent") if parent else None,
                            "name": sp["name"],
                            "scope": ss["scope"]["name"],
                            "start": int(sp["startTimeUnixNano"]),
                            "end": int(sp["endTimeUnixNano"]),
                            "attrs": attributes(sp.get("attributes")),
                            "events": [
                                {"name": e["name"], "attributes": attributes(e.get("attributes"))}
                                for e in sp.get("events") or ()
                            ],
                        }
                    )
    return out


def _iso(ns: int) -> str:
    return dt.datetime.fromtimestamp(ns / 1e9, dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _outcomes(path: Path) -> list[str]:
    ws = wb.open()
    rep = ws.ingest(path, progress=False)
    assert rep.quarantined == 0
    return sorted(ws.runs()["outcome"])


def test_the_otlp_file_reads_two_successes() -> None:
    assert _outcomes(FIXTURE) == ["success", "success"]


def test_phoenix_span_export_of_the_same_run_reads_as_the_otlp_file(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "context": {"trace_id": s["trace"], "span_id": s["span"]},
                    "parent_id": s["parent"],
                    "name": s["name"],
                    "span_kind": s["attrs"].get("openinference.span.kind", "UNKNOWN"),
                    "start_time": _iso(s["start"]),
                    "end_time": _iso(s["end"]),
                    "status_code": "UNSET",
                    "status_message": "",
                    "events": s["events"],
                    "attributes": s["attrs"],
                }
            )
            + "\n"
            for s in _spans()
        ),
        encoding="utf-8",
    )
    assert _outcomes(path) == ["success", "success"]  # old code: unknown, unknown


def test_langfuse_observations_of_the_same_run_read_as_the_otlp_file(tmp_path: Path) -> None:
    path = tmp_path / "observations.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": s["span"],
                    "traceId": s["trace"],
                    "parentObservationId": s["parent"],
                    "type": "GENERATION" if s["attrs"].get("gen_ai.operation.name") == "chat" else "SPAN",
                    "name": s["name"],
                    "startTime": _iso(s["start"]),
                    "endTime": _iso(s["end"]),
                    "level": "DEFAULT",
                    "statusMessage": None,
                    "metadata": {"attributes": s["attrs"], "scope": {"name": s["scope"]}},
                }
                for s in _spans()
            ]
        ),
        encoding="utf-8",
    )
    assert _outcomes(path) == ["success", "success"]  # old code: unknown, unknown


def test_a_root_observation_without_a_final_result_stays_unknown(tmp_path: Path) -> None:
    spans = _spans()
    for s in spans:  # nor a finish reason to read it by (test_real34_finished_runs)
        s["attrs"].pop("final_result", None)
        s["attrs"].pop("gen_ai.response.finish_reasons", None)
    path = tmp_path / "observations.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": s["span"],
                    "traceId": s["trace"],
                    "parentObservationId": s["parent"],
                    "type": "SPAN",
                    "name": s["name"],
                    "startTime": _iso(s["start"]),
                    "endTime": _iso(s["end"]),
                    "level": "DEFAULT",
                    "metadata": {"attributes": s["attrs"], "scope": {"name": s["scope"]}},
                }
                for s in spans
            ]
        ),
        encoding="utf-8",
    )
    assert _outcomes(path) == ["unknown", "unknown"]
