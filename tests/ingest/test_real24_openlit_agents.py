"""OpenLIT's instrumentation of the OpenAI Agents SDK, read from a real run
(``fixtures/openlit/README.md``: planner with researcher and writer as tools; the researcher states 41.2 where
its tool said 14.2).

OpenLIT names the SDK's spans that are not an agent's (each model response, each turn) ``invoke_agent`` with
no ``gen_ai.agent.name``. Before, each read as an agent named "invoke_agent": every model call and tool call
under them acted for it, and the made-up figure was blamed on "invoke_agent". Now such a span is a step of the
agent above it."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

FIXTURE = Path(__file__).parent / "fixtures" / "openlit" / "openai_agents_as_tools.otlp.jsonl"


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_openlit_agents_steps_act_for_the_agents_that_ran_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    ws = wb.open()
    rep = ws.ingest(FIXTURE, progress=False)
    assert (rep.read, rep.stored, rep.quarantined) == (25, 25, 0)
    run = ws.sql("SELECT run_id FROM runs ORDER BY n_steps DESC LIMIT 1").fetchall()[0][0]
    steps = ws.steps(run).sort_values("seq")
    assert "invoke_agent" not in set(steps.agent.dropna())  # old code: the agent of 17 steps
    assert set(steps[steps.name == "invoke_agent"].kind) == {"chain"}
    calls = [
        (a, t)
        for a, t in zip(steps[steps.kind == "tool"].agent, steps[steps.kind == "tool"].tool, strict=True)
    ]
    assert calls == [
        ("planner", "research_price"),
        ("researcher", "lookup_price"),
        ("planner", "write_report"),
    ]
    llm = list(steps[steps.kind == "llm"].agent)
    assert llm == ["planner", "researcher", "researcher", "planner", "writer", "planner"]
    f = wb.detect(ws)
    assert list(f[f.detector == "silent_failure"].agent) == ["researcher"]  # old code: "invoke_agent"
    origin = f[(f.detector == "cascade") & (f.severity == "critical")]
    assert list(origin.agent) == ["researcher"]
