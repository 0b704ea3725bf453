"""The C# agent's answer of ``fixtures/wild42`` as an OTLP span would carry it: ``output.value`` holding the JSON
text .NET wrote (``I couldn\\u0027t …``). Written with its characters by the stage (_json_escapes), as
the Langfuse reader's is: otlp43.
"""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

ANSWER = '{"response":{"comment":"I couldn\\u0027t retrieve the report: no data found for Caf\\u00e9 Z\\u00fcrich."}}'


def _otlp(path: Path) -> Path:
    attrs = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Insights", "output.value": ANSWER}
    span = {
        "traceId": "5f" * 16,
        "spanId": "a1" * 8,
        "name": "invoke_agent Insights",
        "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000001000000000",
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
    }
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [{"scope": {"name": "Experimental.Microsoft.Extensions.AI"}, "spans": [span]}],
            }
        ]
    }
    path.write_text(json.dumps(doc))
    return path


def test_otlp_answer_read_whole(tmp_path: Path) -> None:
    ws = wb.open()
    report = ws.ingest(_otlp(tmp_path / "agent.otlp.json"), progress=False)
    assert (report.read, report.stored, report.quarantined) == (1, 1, 0)
    assert ws.sql("SELECT kind, agent FROM steps").fetchall() == [("agent", "Insights")]


def test_otlp_answer_says_its_words(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(_otlp(tmp_path / "agent.otlp.json"), progress=False)
    (answer,) = ws.sql("SELECT output FROM steps").fetchall()[0]
    assert "I couldn't retrieve" in answer and "Café Zürich" in answer
