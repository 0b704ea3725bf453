"""Hostile values in the attributes real14's readers map (attack15): a JSON ``true`` as an MLflow or Langfuse
token count cost its span its place (quarantined: tokens_in must be an integer); now it is no count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb

TRACE = "816893b9fade0d6e90b6c9ba58933884"
ROOT = "00000000000000a1"


def _span(sid: str, attrs: dict[str, str], name: str = "step") -> dict:
    return {
        "traceId": TRACE,
        "spanId": sid,
        "parentSpanId": ROOT,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": "1764600000000000000",
        "endTimeUnixNano": "1764600001000000000",
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {"code": 1},
    }


def _ingest(tmp_path: Path, *spans: dict) -> wb.Workspace:
    root = {**_span(ROOT, {}, "workflow")}
    del root["parentSpanId"]
    path = tmp_path / "trace.otlp.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "resourceSpans": [
                        {
                            "resource": {"attributes": []},
                            "scopeSpans": [{"scope": {"name": "x"}, "spans": [s]}],
                        }
                    ]
                }
            )
            + "\n"
            for s in (root, *spans)
        )
    )
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (1 + len(spans), 1 + len(spans), 0), ws.sql(
        "SELECT reason FROM quarantine"
    ).fetchall()
    return ws


@pytest.mark.parametrize(
    "attrs",
    [
        {"mlflow.spanType": '"LLM"', "mlflow.chat.tokenUsage": '{"input_tokens": true, "output_tokens": 12}'},
        {
            "langfuse.observation.type": "generation",
            "langfuse.observation.usage_details": '{"input": true, "output": 12}',
        },
    ],
    ids=["mlflow", "langfuse"],
)
def test_a_json_true_token_count_is_no_count(tmp_path: Path, attrs: dict[str, str]) -> None:
    ws = _ingest(tmp_path, _span("00000000000000a2", attrs))
    rows = ws.sql(
        "SELECT kind, tokens_in, tokens_out FROM steps WHERE step_id = '00000000000000a2'"
    ).fetchall()
    assert rows == [("llm", None, 12)]
