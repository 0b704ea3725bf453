"""attack50: the live guard on Haystack's spans reads a reply's token counts as the store's rule does not.

``_guard_span_haystack._whole`` is documented as ``try_cast(json_extract_string(v) AS BIGINT)`` (the rule in
``store/sql/haystack_spans.sql``), but it is Python's ``int()`` / ``str.strip()``: digits of other scripts and a
no-break space are a count for the guard and NULL for the store, and a hex count is the other way round. A HITL rule
on tokens then escalates live where the backtest of the same spans says nothing (or the reverse).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))

from _guard_play import not_allowed  # noqa: E402
from _haystack_otel import export, run  # noqa: E402
from test_hayb49_guard_haystack import _play  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor  # noqa: E402
from workbench.policy import HitlRule, Policy  # noqa: E402

POLICY = Policy(hitl=(HitlRule("tokens_in", 10.0),))


# one run a count: digits of another script, a no-break space before them, a hex count
TOKENS = {"c1": "\u0661\u0662\u0660\u0660", "c2": "\u00a01200", "c3": "0x10"}


def _told_and_said(tmp_path: Path) -> tuple[set[Any], set[Any]]:
    doc = export([run(r * 16) for r in TOKENS])
    for sp in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        for a in sp["attributes"]:
            if a["key"] == "haystack.agent.step.llm.output":
                reply = json.loads(a["value"]["stringValue"])
                reply["replies"][0]["meta"]["usage"]["prompt_tokens"] = TOKENS[sp["traceId"][:2]]
                a["value"]["stringValue"] = json.dumps(reply)
    path = tmp_path / "haystack.otlp.json"
    path.write_text(json.dumps(doc))
    heard: list[Any] = []
    guard = GuardSpanProcessor(POLICY, on_cut=heard.append, on_escalate=heard.append)
    _play(path, [guard], "tags")
    assert guard.errors == 0
    with wb.open() as ws:
        ws.ingest(path, progress=False)
        for run_id in ws.runs()["run_id"]:
            ws.label(run_id, outcome="failure")
        said = set(not_allowed(wb.backtest(POLICY, ws, steps=True)))
    return {(e.run_id, e.step_id, e.action, e.rule) for e in heard}, said


@pytest.mark.xfail(
    strict=True,
    reason="attack50: _guard_span_haystack._whole reads '١٢٠٠' / '\\xa01200' as 1200 (int(), str.strip()) where the "
    "store's try_cast gives NULL, and '0x10' as None where the store gives 16: the live guard escalates what the "
    "backtest of the same spans does not (and the reverse)",
)
def test_guard_reads_haystack_token_counts_as_the_store(tmp_path: Path) -> None:
    told, said = _told_and_said(tmp_path)
    # (each run's first model call is judged by the one or the other, so a run equal on both sides reads alike)
    assert {r[0][:2] for r in told | said} == set(TOKENS)
    for r in TOKENS:
        assert {x for x in told if x[0][:2] == r} == {x for x in said if x[0][:2] == r}, r
