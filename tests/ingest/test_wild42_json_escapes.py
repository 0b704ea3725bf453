"""Needless ``\\uXXXX`` escapes in JSON text a step holds, read on a real Langfuse export (``fixtures/wild42``).

The C# agent's answer is the JSON text .NET wrote, ``I couldn\\u0027t retrieve …``: stored as written, no rule
that reads words saw that the run gave up.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._json_escapes import unescaped_json_text

CSHARP = Path(__file__).parent / "fixtures" / "wild42" / "csharp-agent-with-gemini-2026-03-09.trace.json"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a":"I couldn\\u0027t"}', '{"a":"I couldn\'t"}'),
        # non-ASCII (Python's ensure_ascii) and a surrogate pair: one character each; the layout kept
        ('{"t": "23\\u00b0C in Z\\u00fcrich \\ud83d\\ude00"}', '{"t": "23°C in Zürich 😀"}'),
        # escapes JSON needs stay: a quote, a backslash, a control character, an unpaired surrogate
        ('"\\u0022q\\u0022 \\u005c \\u000a"', '"\\u0022q\\u0022 \\u005c \\u000a"'),
        ('"\\ud800 alone"', '"\\ud800 alone"'),
        # an escaped backslash followed by "u0027" is no \\u escape
        ('"C:\\\\u0027 dir"', '"C:\\\\u0027 dir"'),
        # text that is not JSON is its writer's own: kept
        ("plain \\u0027 text", "plain \\u0027 text"),
        ('{"a": 1', '{"a": 1'),
    ],
)
def test_unescaped_json_text(text: str, expected: str) -> None:
    out = unescaped_json_text(text)
    assert out == expected
    if out != text:
        assert json.loads(out) == json.loads(text)


def test_unescaped_json_text_leaves_other_values() -> None:
    value = {"a": "x\\u0027"}
    assert unescaped_json_text(value) is value
    assert unescaped_json_text(None) is None


@pytest.fixture(scope="module")
def csharp():
    ws = wb.open()
    report = ws.ingest(CSHARP, progress=False)
    yield ws, report
    ws.close()


def test_csharp_export_read_whole(csharp) -> None:
    ws, report = csharp
    assert (report.read, report.stored, report.quarantined) == (8, 8, 0)
    rows = ws.sql("SELECT kind, count(*) FROM steps GROUP BY kind ORDER BY kind").fetchall()
    assert rows == [("chain", 3), ("llm", 3), ("tool", 2)]
    # the export's usage: three Gemini calls, 2,546 + 3,004 + 2,497 tokens in, 47 + 167 + 200 out
    assert ws.sql("SELECT sum(tokens_in), sum(tokens_out) FROM steps").fetchall() == [(8047, 414)]
    tools = ws.sql("SELECT tool, parent_id FROM steps WHERE kind = 'tool' ORDER BY seq").fetchall()
    assert tools == [("get_custom_report", "f858b986537e9e41"), ("final_result", "8b9b68803d88be77")]


def test_csharp_answer_says_its_words(csharp) -> None:
    ws, _ = csharp
    # (the agent's span, whose parent the export does not hold)
    (answer,) = ws.sql("SELECT output FROM steps WHERE step_id = '5b9ba1e61e2e10fc'").fetchall()[0]
    assert "I couldn't retrieve" in answer and "\\u0027" not in answer
    assert json.loads(answer)["response"]["comment"].startswith("I couldn't retrieve")
    # an output with no such escape is kept as written, its line breaks and indentation too
    (report,) = ws.sql("SELECT output FROM steps WHERE tool = 'get_custom_report'").fetchall()[0]
    assert report.startswith('{\n  "response_status": "Error",\n  "message": "ERROR: No data found')


def test_csharp_gave_up_at_the_failed_report(csharp) -> None:
    ws, _ = csharp
    found = wb.detect(ws)
    rows = found[found["detector"] == "gave_up"]
    assert list(rows["step_id"]) == ["5977f5594f537b9e"]
    # its answer, a structured output's JSON, quoted by the text that gave up (was '{"response":{"comment":"I…', detect56)
    assert "the answer gave up: \"I couldn't retrieve the month-over-month" in rows["detail"].iloc[0]


SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "langfuse"


@pytest.mark.skipif(
    not (SAMPLES / "microsoft-agent-2025-12-17.trace.json").exists(), reason="no ../shared/samples"
)
def test_sample_tool_result_says_degrees() -> None:
    # Agent Framework's tool result as Python's json.dumps wrote it: "... a high of 23\u00b0C."
    ws = wb.open()
    ws.ingest(SAMPLES / "microsoft-agent-2025-12-17.trace.json", progress=False)
    (out,) = ws.sql("SELECT output FROM steps WHERE tool = 'get_weather'").fetchall()[0]
    assert out == '"The weather in Tokyo, Japan is stormy with a high of 23°C."'
    ws.close()
