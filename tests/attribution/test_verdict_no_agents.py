"""The replay verdict of a run whose log names no agent (Langfuse's LlamaIndex trace: a root span and one
LLM call). It said "no agent carries blame: replacing agents does not change the outcome" — there was no
agent to replace."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def test_verdict_says_the_log_names_no_agent(tmp_path: Path) -> None:
    tid, project = "12ea412956f99347b0503c1144acd0ec", "cloramnkj0002jz088vzn1ja4"

    def obs(
        oid: str, parent: str | None, kind: str, name: str, start: str, end: str, **extra: object
    ) -> dict:
        return {
            "id": oid,
            "traceId": tid,
            "projectId": project,
            "parentObservationId": parent,
            "type": kind,
            "name": name,
            "startTime": start,
            "endTime": end,
            "level": "DEFAULT",
            "statusMessage": None,
            "input": None,
            "output": None,
            "model": None,
            **extra,
        }

    doc = {
        "trace": {
            "id": tid,
            "projectId": project,
            "name": "llama-index-trace",
            "timestamp": "2025-06-05T15:45:52.971Z",
            "input": '"What is Langfuse?"',
        },
        "observations": [
            obs(
                "3344aabdd4e66110",
                None,
                "SPAN",
                "llama-index-trace",
                "2025-06-05T15:45:52.971Z",
                "2025-06-05T15:45:55.750Z",
            ),
            obs(
                "7ca8b22f6628d0c7",
                "3344aabdd4e66110",
                "GENERATION",
                "OpenAI.complete",
                "2025-06-05T15:45:53.100Z",
                "2025-06-05T15:45:55.700Z",
                model="gpt-4o",
            ),
        ],
    }
    (tmp_path / "llamaindex.trace.json").write_text(json.dumps(doc), encoding="utf-8")
    ws = wb.open()
    ws.ingest(tmp_path / "llamaindex.trace.json", progress=False)
    run = ws.runs().run_id.iloc[0]
    ws.label(run, outcome="failure")
    v = wb.attribute(ws, run, wb.TableReplay(lambda _r, replaced: "7ca8b22f6628d0c7" in replaced)).verdict
    assert v.culprit is None and v.decisive_step == "7ca8b22f6628d0c7"
    assert v.explanation == "the log names no agent: no agent to blame; decisive step 7ca8b22f6628d0c7"
    # with agents that the replays clear, the old wording stands
    blameless = wb.attribution._verdict.make_verdict(
        {"player": ["a"], "blame": [0.0], "blame_low": [0.0], "blame_high": [0.0]}
    )
    assert blameless.explanation.startswith("no agent carries blame: replacing agents does not change")
