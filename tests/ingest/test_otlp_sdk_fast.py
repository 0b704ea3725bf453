"""What the real OpenTelemetry SDK writes takes the SQL fast path, and stages what the Python reader stages."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from _otel_fixtures import collector_style, multi_agent_spans, otlp_request, rows, run_adapter
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

from workbench.ingest import _otlp_sql
from workbench.ingest.otlp import OtlpJson


def _snapshot(path: Path, fast: bool) -> list[dict]:
    con, stage = run_adapter(OtlpJson(fast=fast), path)
    out = []
    for r in rows(con, "stage_steps", "order_hint"):
        r.pop("raw")
        r["attributes"] = json.loads(r["attributes"]) if r["attributes"] else None
        out.append(r)
    assert stage.read == len(out)
    return out


@pytest.fixture(scope="module")
def sdk_docs() -> dict[str, dict]:
    spans = multi_agent_spans()
    return {
        "names+base64": otlp_request(spans),
        "integers+base64": MessageToDict(encode_spans(spans), use_integers_for_enums=True),
        "collector": collector_style(otlp_request(spans)),
    }


@pytest.mark.parametrize("style", ["names+base64", "integers+base64", "collector"])
def test_sdk_output_is_read_in_sql(
    sdk_docs: dict[str, dict], style: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = copy.deepcopy(sdk_docs[style])
    for sp in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        if sp["name"] == "execute_tool get_price":
            sp["status"].pop("message")  # the error text must then come from the exception event
    path = tmp_path / "sdk.jsonl"
    path.write_text(json.dumps(sdk_docs[style]) + "\n" + json.dumps(doc) + "\n")
    handed: list = []
    real = _otlp_sql.stage_line
    monkeypatch.setattr(
        _otlp_sql,
        "stage_line",
        lambda *a, **k: (handed.append(a[3] if len(a) > 3 else None), real(*a, **k))[1],
    )
    fast = _snapshot(path, fast=True)
    slow = _snapshot(path, fast=False)
    assert fast == slow
    errors = [r["error"] for r in fast if r["name"] == "execute_tool get_price"]
    # ids decoded from base64; the status message, else the exception event's, is the error
    assert errors == ["timeout", "price service timed out"]
    assert all(len(r["step_id"]) == 16 and len(r["run_id"]) == 32 for r in fast)
    # only the spans that need Python (log-probabilities, OpenInference's flattened messages) go back
    back = set().union(*[h for h in handed if h])
    assert len(back) == 2 and len(handed) == 2, handed
