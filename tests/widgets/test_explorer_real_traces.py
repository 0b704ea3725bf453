"""The explorer on shapes real traces have: any-agent's Google ADK trace keeps the ``invoke_agent`` root
but drops the spans between it and the LLM / tool calls, so those calls have no agent, beside one that has."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.widgets import IncidentExplorer


def _google_adk_trace(path: Path) -> Path:
    tid, t0 = "cdbd7b99cef221c28dd6d03c27d09b4c", 1_758_026_599_000_000_000

    def span(sid: str, parent: str | None, name: str, op: str, n: int, **attrs: str) -> dict:
        sp = {
            "traceId": tid,
            "spanId": sid,
            "name": name,
            "kind": 1,
            "status": {"code": 1 if parent else 0},
            "startTimeUnixNano": str(t0 + n * 400_000_000),
            "endTimeUnixNano": str(t0 + n * 400_000_000 + 300_000_000),
            "attributes": [
                {"key": k, "value": {"stringValue": v}}
                for k, v in {"gen_ai.operation.name": op, **attrs}.items()
            ],
        }
        if parent:
            sp["parentSpanId"] = parent
        return sp

    spans = [
        span(
            "773076b4028f3d19",
            None,
            "invoke_agent [any_agent]",
            "invoke_agent",
            0,
            **{"gen_ai.agent.name": "any_agent"},
        ),
        span(
            "9d1e5a0b7c3f2e41",
            None,
            "invoke_agent [reviewer]",
            "invoke_agent",
            3,
            **{"gen_ai.agent.name": "reviewer"},
        ),
        # parents f0c2…/ea5d… are ADK's own spans, not exported: with two agents at the top, these
        # calls find no agent
        span("28b3922a9d89a4ac", "f0c22a1083ed1935", "call_llm mistral", "call_llm", 1),
        span(
            "cfa478aff011e825",
            "ea5dc1b933506464",
            "execute_tool get_current_time",
            "execute_tool",
            2,
            **{"gen_ai.tool.name": "get_current_time"},
        ),
    ]
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": []},
                        "scopeSpans": [{"scope": {"name": "any_agent"}, "spans": spans}],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    return path


def test_steps_without_an_agent_are_listed_with_a_dash_not_nan(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(_google_adk_trace(tmp_path / "GOOGLE.otlp.json"), progress=False)
    agents = ws.steps(ws.runs().run_id.iloc[0]).agent
    assert agents.isna().sum() == 2 and agents.notna().sum() == 2
    ex = IncidentExplorer(ws, blame_model=None)
    labels = [o[0] for o in ex.step.options]
    assert len(labels) == 4
    assert not any("nan" in lb for lb in labels)
    assert sum(" · — · " in lb for lb in labels) == 2


def _llamaindex_trace(path: Path) -> Path:
    """Langfuse's LlamaIndex trace: a root span and one LLM call, no agent anywhere."""
    tid = "12ea412956f99347b0503c1144acd0ec"

    def obs(
        oid: str, parent: str | None, kind: str, name: str, start: str, end: str, **extra: object
    ) -> dict:
        return {
            "id": oid,
            "traceId": tid,
            "projectId": "cloramnkj0002jz088vzn1ja4",
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
            "projectId": "cloramnkj0002jz088vzn1ja4",
            "name": "llama-index-trace",
            "timestamp": "2025-06-05T15:45:52.971Z",
            "input": '"What is Langfuse?"',
            "output": None,
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
                input="What is Langfuse?",
                output="An observability platform.",
            ),
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_log_only_verdict_of_a_trace_without_agents(tmp_path: Path) -> None:
    # Langfuse's LlamaIndex and Gemini traces hold LLM calls and no agent: the verdict read
    # "Log-only BlameModel: <b></b> at step … (agent share 65%)".
    ws = wb.open()
    ws.ingest(_llamaindex_trace(tmp_path / "llamaindex.trace.json"), progress=False)
    run = ws.runs().run_id.iloc[0]
    ws.label(run, outcome="failure")
    ex = IncidentExplorer(ws, blame_model=wb.BlameModel.pretrained())
    ex.show_run(run)
    assert "<b></b>" not in ex.verdict.value and "agent share" not in ex.verdict.value
    assert "step <b>7ca8b22f6628d0c7</b> (the log names no agent)" in ex.verdict.value


def test_replay_verdict_of_a_trace_without_agents_is_shown(tmp_path: Path) -> None:
    # wb.attribute on such a run stores a verdict and its decisive step, with no agent to blame; the
    # explorer said "No replay attribution stored for this run".
    ws = wb.open()
    ws.ingest(_llamaindex_trace(tmp_path / "llamaindex.trace.json"), progress=False)
    run = ws.runs().run_id.iloc[0]
    ws.label(run, outcome="failure")
    res = wb.attribute(ws, run, wb.TableReplay(lambda _run, replaced: "7ca8b22f6628d0c7" in replaced))
    assert res.verdict.culprit is None and res.verdict.decisive_step == "7ca8b22f6628d0c7"
    ex = IncidentExplorer(ws)
    ex.show_run(run)
    assert "No replay attribution stored" not in ex.verdict.value
    assert "Replay verdict" in ex.verdict.value and "step <b>7ca8b22f6628d0c7</b>" in ex.verdict.value
    assert ex.step.value == "7ca8b22f6628d0c7"


def test_run_list_names_the_replay_culprit_over_a_later_log_only_guess(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(_google_adk_trace(tmp_path / "GOOGLE.otlp.json"), progress=False)
    run = ws.runs().run_id.iloc[0]
    ws.label(run, outcome="failure")
    wb.attribute(ws, run, wb.TableReplay(lambda _r, replaced: "any_agent" in replaced), decisive=False)
    ws.sql("UPDATE attributions SET created_at = created_at - INTERVAL 1 HOUR")  # the replay came first
    wb.BlameModel.pretrained().store_predictions(ws)  # then `workbench investigate` stored its guess
    ws.sql("UPDATE attributions SET target = 'a_guess' WHERE method = 'blame_model' AND unit = 'verdict'")
    ex = IncidentExplorer(ws)
    label = ex.runs.options[0][0]
    assert "culprit any_agent" in label and "a_guess" not in label
