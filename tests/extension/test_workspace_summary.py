"""A Workspace as a cell's last expression: a compact summary, with every name from the logs escaped."""

from __future__ import annotations

from pathlib import Path

from _traces import write_otlp
from IPython.core.formatters import DisplayFormatter

import workbench as wb

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_summary_counts_and_escapes(tmp_path: Path) -> None:
    ws = wb.open_path(
        write_otlp(tmp_path / "t.otlp.jsonl", n_traces=7, failing={2}, agent_name=PAYLOAD), progress=False
    )
    bundle, _ = DisplayFormatter().format(ws)
    page, text = bundle["text/html"], bundle["text/plain"]
    assert 'data-runs="7"' in page and "7 runs" in page
    assert "<b>1</b> failure" in page and "<b>6</b> success" in page
    assert PAYLOAD not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert str(tmp_path / "t.duckdb") in page
    assert text.splitlines()[0] == f"Workspace {tmp_path / 't.duckdb'}"
    assert "7 runs (1 failure, 6 success), 70 steps" in text
    assert PAYLOAD in text  # plain text is not HTML: shown as is
    assert repr(ws) == f"<Workspace {tmp_path / 't.duckdb'}>"  # repr() stays cheap


def test_empty_and_closed_workspaces() -> None:
    ws = wb.open()
    bundle, _ = DisplayFormatter().format(ws)
    assert "0 runs" in bundle["text/html"] and "0 runs, 0 steps" in bundle["text/plain"]
    assert "agents" not in bundle["text/plain"]
    ws.close()
    bundle, _ = DisplayFormatter().format(ws)
    assert bundle["text/plain"] == "<Workspace memory> (closed)"
    assert bundle["text/html"] == "<code>&lt;Workspace memory&gt;</code> (closed)"


def test_text_views_show_escape_sequences_as_visible_text() -> None:
    # IPython in a terminal prints text/plain as is: an ESC from a log would recolour or retitle it.
    ws = wb.open()
    evil = "pl\x1b]0;pwned\x07anner\x1b[2J"
    ws.ingest(
        [
            {"record": "run", "run_id": "r\x1b[31m", "outcome": "failure"},
            {
                "run_id": "r\x1b[31m",
                "step_id": "s1",
                "agent": evil,
                "kind": "llm",
                "status": "error",
                "started_at": "2026-01-01T00:00:00Z",
                "ended_at": "2026-01-01T00:00:01Z",
            },
        ],
        progress=False,
    )
    text = DisplayFormatter().format(ws)[0]["text/plain"]
    assert "\x1b" not in text and "\x07" not in text and "pl^[]0;pwned^Ganner^[[2J" in text
    from workbench._magics import investigate

    found = investigate(ws, "memory", attribute=False)
    assert "\x1b" not in repr(found) and "r^[[31m" in repr(found)
    # HTML tables: escaped, and no control character or bidi override left to act on the page
    from workbench.policy import HitlRule

    policy = wb.Policy(hitl=(HitlRule("latency_ms", 1.0, agent=evil + "\u202e"),))
    for page in (found._repr_html_(), wb.backtest(policy, ws)._repr_html_()):
        assert not any(c in page for c in "\x1b\x07\u202e"), page
    assert "&lt;U+202E&gt;" in wb.backtest(policy, ws)._repr_html_()
