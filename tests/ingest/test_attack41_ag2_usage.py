"""AG2 1.x's ``record_usage`` span as the only record of a model call's tokens (attack41, on the merge fix of fw40's
finding; ``_ag2.usage_record`` in the conventions, real41's files: a strict xfail to route).

AG2's ``TelemetryMiddleware`` writes a ``record_usage`` span beside each model call repeating its
``gen_ai.usage.*``; read as written, a run's tokens counted twice, so such a span now keeps no tokens. Where the
model call's span carries no usage of its own (an instrumentation that cannot read it, a model span dropped by a
sampler), the usage span was the only record: the run's tokens read as none (200 / 40 written, None stored).
"""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

FIXTURE = Path(__file__).parent / "fixtures" / "ag2-1.2.1" / "telemetry_middleware_fault.otlp.jsonl"


def _without_usage_on_model_calls(tmp_path: Path) -> Path:
    """The fixture with every ``gen_ai.usage.*`` attribute taken off the model calls' spans (``ag2.span.type`` llm)."""
    lines = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        for rs in doc["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for span in ss["spans"]:
                    attrs = span.get("attributes", [])
                    if {"key": "ag2.span.type", "value": {"stringValue": "llm"}} in attrs:
                        span["attributes"] = [a for a in attrs if not a["key"].startswith("gen_ai.usage.")]
        lines.append(json.dumps(doc))
    path = tmp_path / "no_usage_on_calls.otlp.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _tokens(path: Path) -> list[tuple]:
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert report.quarantined == 0
    return ws.sql("SELECT sum(tokens_in), sum(tokens_out) FROM steps").fetchall()


def test_the_fixture_counts_each_model_call_once() -> None:
    # (passes on main: the model calls' spans carry the tokens, the usage spans repeat them)
    assert _tokens(FIXTURE) == [(200, 40)]


def test_a_usage_span_that_is_the_only_record_of_the_tokens_keeps_them(tmp_path: Path) -> None:
    assert _tokens(_without_usage_on_model_calls(tmp_path)) == [(200, 40)]
