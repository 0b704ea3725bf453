"""What the Vercel AI SDK writes for calls made one after another (real22: ai 6.0.326, @ai-sdk/openai 3.0.141,
@opentelemetry/sdk-trace-node 2.12.1, OTLP JSON from @opentelemetry/otlp-transformer; researcher's
``generateText`` with a get_price tool that throws once, then writer's, which quotes 14.20 for 41.20; an
OpenAI-compatible scripted server on loopback). Untrimmed exports in ``fixtures/vercel_ai/``.

Without an application span around them, each ``generateText`` is the root of its own trace (two trace ids,
nothing in the spans linking them): two runs, as written. Inside one span (``tracer.startActiveSpan("quote")``)
they share its trace id: one run, in which the writer's wrong figure is found against the researcher's tool
result. (Both read so before real22: a guard, not a fix.)"""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

FIXTURES = Path(__file__).parent / "fixtures" / "vercel_ai"


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
@pytest.mark.parametrize(("name", "spans", "runs"), [("unwrapped", 8, 2), ("wrapped", 9, 1)])
def test_vercel_ai_calls_are_runs_as_their_traces(monkeypatch: pytest.MonkeyPatch, fast: bool, name: str,
                                                 spans: int, runs: int) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    ws = wb.open()
    rep = ws.ingest(FIXTURES / f"ai6_quote_{name}.otlp.jsonl", progress=False)
    assert (rep.read, rep.stored, rep.quarantined) == (spans, spans, 0)
    assert ws.sql("SELECT count(DISTINCT run_id) FROM steps").fetchall() == [(runs,)]
    assert ws.sql("SELECT agent, count(*) FILTER (kind = 'llm'), count(*) FILTER (kind = 'tool') FROM steps "
                  "WHERE agent IS NOT NULL GROUP BY agent ORDER BY agent").fetchall() == [
        ("researcher", 3, 2), ("writer", 1, 0)]
    f = wb.detect(ws)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    # the wrong figure is only seen against the researcher's result within one run
    assert list(f[f.detector == "silent_failure"].agent) == ([] if runs == 2 else ["writer"])
