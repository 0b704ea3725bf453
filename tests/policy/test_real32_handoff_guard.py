"""A hand-off traced without its arguments (ADK's own tracer's ``transfer_to_agent``) names its agent only once the
run is staged (``store/sql/handoff_targets.sql``, as the step's output); the span guard, deciding when the call
ends, cannot know it. A hand-off's output is a reply the repeated-reply rule reads: a coordinator handing to the
same agent twice must not repeat itself in the backtest only."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))

from _otlp_edits import edited_copy  # noqa: E402
from _otlp_replay import replay  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.policy import Loops, Policy  # noqa: E402

ADK_OWN = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "adk" / "own_transfer.otlp.jsonl"


def test_handoffs_named_after_staging_are_no_replies_the_guard_missed(tmp_path: Path) -> None:
    def edit(
        span: dict,
    ) -> None:  # the researcher's spans as the coordinator's: both hand-offs go to the writer
        for a in span["attributes"]:
            if a["key"] == "gen_ai.agent.name" and a["value"].get("stringValue") == "researcher":
                a["value"] = {"stringValue": "coordinator"}
        if span["name"] == "invoke_agent researcher":
            span["name"] = "invoke_agent coordinator"

    path = edited_copy(tmp_path, edit, ADK_OWN)
    ws = wb.open()
    ws.ingest(path, progress=False)
    steps = ws.steps(ws.runs().run_id[0])
    handoffs = steps[steps.kind == "handoff"]
    assert handoffs[["agent", "output"]].values.tolist() == [
        ["coordinator", "writer"],
        ["coordinator", "writer"],
    ]
    for run_id in ws.runs().run_id:
        ws.label(run_id, outcome="failure")
    policy = Policy(loops=Loops(max_repeated_replies=1))
    said = {
        (r, s, a, rule)
        for r, s, _q, _p, a, rule in wb.backtest(policy, ws, steps=True).steps.itertuples(
            index=False, name=None
        )
        if a != "allow"
    }
    heard: list[SpanDecision] = []
    replay(path, [GuardSpanProcessor(policy, on_cut=heard.append, on_escalate=heard.append)])
    assert {(e.run_id, e.step_id, e.action, e.rule) for e in heard} == said == set()
