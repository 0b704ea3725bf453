"""attack50: one lone surrogate in one span's value costs every span of its OTLP/JSON document.

``"\\ud83d"`` is grammatical JSON (RFC 8259 allows any ``\\uXXXX``; Python's ``json`` reads it), and it is what
``json.dumps`` (Python) and ``JSON.stringify`` (Node, ES2019) write for a text cut in the middle of an emoji, a
model's reply truncated to a budget, say. Both OTLP readers take the whole document (three traces here) as one
broken record, "broken JSON: no low surrogate in string": six spans lost for one value, where one bad record should
cost only itself (that span, or that value).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _otlp_json import enclosing, otlp_span, readers

import workbench as wb

T0 = 1_796_140_000_000_000_000


def _doc() -> dict:
    spans = []
    for t in (1, 2, 3):
        root = {"openinference.span.kind": "AGENT", "agent.name": "writer"}
        # (trace 2's reply cut after the first half of 😀's surrogate pair)
        llm = {"openinference.span.kind": "LLM", "output.value": "Done \ud83d" if t == 2 else "Done"}
        trace = f"{t:02x}" * 16
        spans += enclosing(
            [otlp_span(trace, 1, None, "root", root, T0), otlp_span(trace, 2, 1, "llm", llm, T0)]
        )
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]}
    return {
        "resourceSpans": [{"resource": resource, "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}]
    }


# mend50: failed on 0a8c4fd4 (attack50's xfail); _jsonio hands the readers U+FFFD's escape for it
@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_lone_surrogate_costs_only_its_span(tmp_path: Path, fast: bool) -> None:
    path = tmp_path / "cut.otlp.json"
    path.write_text(json.dumps(_doc()))  # (ensure_ascii: the lone half written as the escape \ud83d)
    assert "\\ud83d" in path.read_text()
    with readers(fast), wb.open() as ws:
        rep = ws.ingest(path, progress=False)
        assert rep.read == rep.stored + rep.quarantined
        runs = {r for (r,) in ws.sql("SELECT run_id[:2] FROM runs").fetchall()}
        assert {"01", "03"} <= runs  # (the traces with no such value, at least)
        assert rep.stored >= 4
        # (mend50: the value kept with U+FFFD where its half character was, as the capture keeps one)
        assert ("Done \ufffd",) in ws.sql("SELECT output FROM steps WHERE run_id[:2] = '02'").fetchall()
