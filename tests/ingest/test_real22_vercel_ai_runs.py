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
from _read_together import ReadTogether

FIXTURES = Path(__file__).parent / "fixtures" / "vercel_ai"
CASES = [
    ("ai6_quote_unwrapped", 8, 2, True, []),
    ("ai6_quote_unwrapped", 8, 2, False, []),
    ("ai6_quote_wrapped", 9, 1, True, ["writer"]),
    ("ai6_quote_wrapped", 9, 1, False, ["writer"]),
    ("ai7_quote_unwrapped", 12, 2, True, ["writer"]),
    ("ai7_quote_wrapped", 13, 1, False, ["writer"]),
]


@pytest.fixture(scope="module")
def detected() -> dict[bool, ReadTogether]:
    """Each reader's files of the cases below read in one call of that reader and detected once (_read_together:
    a file's rows and findings as in a store of its own)."""
    return {
        fast: ReadTogether([FIXTURES / f"{name}.otlp.jsonl" for name, _, _, f, _ in CASES if f == fast], fast)
        for fast in (True, False)
    }


# AI SDK 7 (real37: ai 7.0.173, @ai-sdk/otel 1.0.173's OpenTelemetry integration, registerTelemetry; the same
# program otherwise) writes OTel GenAI spans instead: invoke_agent (gen_ai.agent.name = the functionId), an
# agent_step span per step, chat and execute_tool. Read as ai 6's are (its step spans are chain steps); the
# writer's own input now holds the researcher's figure, so its wrong one is found in its own run too.
@pytest.mark.parametrize(("name", "spans", "runs", "fast", "silent"), CASES)
def test_vercel_ai_calls_are_runs_as_their_traces(
    detected: dict[bool, ReadTogether], fast: bool, name: str, spans: int, runs: int, silent: list[str]
) -> None:
    path = FIXTURES / f"{name}.otlp.jsonl"
    read = detected[fast]  # (every record of its call stored: ReadTogether asserts it)
    assert read.ws.sql("SELECT count(*) FROM steps WHERE file = ?", [str(path.resolve())]).fetchall() == [
        (spans,)
    ]
    assert len(read.runs(path)) == runs
    assert read.ws.sql(
        "SELECT agent, count(*) FILTER (kind = 'llm'), count(*) FILTER (kind = 'tool') FROM steps "
        "WHERE agent IS NOT NULL AND file = ? GROUP BY agent ORDER BY agent",
        [str(path.resolve())],
    ).fetchall() == [("researcher", 3, 2), ("writer", 1, 0)]
    f = read.findings(path)
    assert list(f[f.detector == "retry"].agent) == ["researcher"]
    # (ai 6: the wrong figure is only seen against the researcher's result within one run)
    assert list(f[f.detector == "silent_failure"].agent) == silent
