"""A step's message list shown readably in the IncidentExplorer's step panel (the widget's HTML), and the
repeated_reply finding's quote without JSON escapes. ux16 saw DSPy's and Strands' steps as one line of JSON
("content":"[[ ## next_thought ## ]]\\nI need ...") and the finding quoting `]]\\n\\n[[ ## ...`."""

from __future__ import annotations

import html
import json
import re
import warnings

import workbench as wb
from workbench.widgets import IncidentExplorer
from workbench.widgets._messages import readable

REPLY = "[[ ## next_thought ## ]]\nI need the EUR/USD rate.\n\n[[ ## next_tool_name ## ]]\nget_rate <script>x</script>"
DSPY_IN = {
    "prompt": None,
    "messages": [
        {
            "role": "system",
            "content": "Your input fields are:\n1. `question` (str)\n\n[[ ## question ## ]]\n{question}",
        },
        {"role": "user", "content": "[[ ## question ## ]]\nWhat is 100 EUR in USD?"},
    ],
}


def _store() -> wb.Workspace:
    recs: list[dict] = [{"record": "run", "run_id": "r1", "system": "dspy", "outcome": "failure"}]
    recs += [
        {
            "run_id": "r1",
            "step_id": f"s{i}",
            "agent": "react",
            "kind": "llm",
            "name": "DummyLM.__call__",
            "input": json.dumps(DSPY_IN),
            "output": json.dumps([{"role": "assistant", "content": REPLY}]),
            "started_at": f"2026-03-01T10:00:0{i}Z",
            "ended_at": f"2026-03-01T10:00:0{i}.5Z",
        }
        for i in range(4)
    ]
    ws = wb.open()
    ws.ingest(recs, progress=False)
    return ws


def _pres(html_text: str) -> list[str]:
    return [html.unescape(p) for p in re.findall(r"<pre class='wb-pre'>(.*?)</pre>", html_text, re.S)]


def test_step_panel_shows_messages_as_role_and_text() -> None:
    ex = IncidentExplorer(_store(), blame_model=None)
    ex.runs.value = "r1"
    ex.select_step("s0")
    shown = ex.detail.value
    inp, out = _pres(shown)[:2]
    assert inp.startswith("system: Your input fields are:\n1. `question` (str)\n\n[[ ## question ## ]]")
    assert "\n\nuser: [[ ## question ## ]]\nWhat is 100 EUR in USD?" in inp
    assert out == "assistant: " + REPLY
    assert "\\n" not in shown and '"role"' not in shown
    assert "<script>" not in shown and "&lt;script&gt;" in shown  # still escaped


def test_other_json_and_text_stay_as_they_are() -> None:
    for value in (
        '[{"title": "Hotel Alfama", "price_eur": 95}]',
        '{"city": "Lisbon"}',
        "plain\\n text",
        "[1, 2",
        None,
        '[{"role": "user"}]',
    ):
        assert readable(value) is value


def test_openai_tool_calls_and_strands_content_parts() -> None:
    calls = [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_rate", "arguments": '{"base": "EUR"}'},
                }
            ],
        }
    ]
    assert readable(json.dumps(calls)) == 'assistant: → get_rate({"base": "EUR"})'
    strands = [{"role": "user", "content": json.dumps([{"text": "Book a flight\nto Lisbon"}])}]
    assert readable(json.dumps(strands)) == "user: Book a flight\nto Lisbon"


def test_repeated_reply_quote_has_no_escaped_line_breaks() -> None:
    ws = _store()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, detectors=["repeated_reply"])
    detail = ws.sql("SELECT detail FROM findings WHERE detector = 'repeated_reply'").fetchall()
    assert detail, "the four same replies are a repeated_reply finding"
    quote = detail[0][0]
    assert "\\n" not in quote and '\\"' not in quote, quote
    assert (
        'times in a row: "[[ ## next_thought ## ]] I need the EUR/USD rate. [[ ## next_tool_name ## ]]'
        in quote
    )
