"""A run whose spans name no agent: a step that calls tools itself is an agent loop, named from its spans.

DSPy 3.4 under OpenInference's instrumentor writes its modules as CHAIN spans named ``<Class>.forward`` and
its tools as TOOL spans ``<tool>.__call__``; no span names an agent. A manager ReAct offers a sub-agent (a
second ReAct) as the tool ``ask_fx_agent``; both end with the ``finish`` pseudo-tool (``{}`` arguments). Read
as one nameless actor, the two ``finish`` calls were "called finish with the same arguments 2 times in a row".
"""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

_T0 = 1_764_600_000_000_000_000


def _dspy_trace(path: Path) -> Path:
    tid = "5f1c0a9d2b7e4c31a8d6e0f2b4c6ad62"
    spans, clock = [], [0]

    def span(
        sid: str, parent: str | None, name: str, kind: str, inp: object, out: object, **extra: str
    ) -> None:
        clock[0] += 1
        attrs = {
            "openinference.span.kind": kind,
            "input.value": json.dumps(inp),
            "input.mime_type": "application/json",
            "output.value": json.dumps(out),
            "output.mime_type": "application/json",
            **extra,
        }
        sp = {
            "traceId": tid,
            "spanId": sid,
            "name": name,
            "kind": 1,
            "status": {},
            "startTimeUnixNano": str(_T0 + clock[0] * 10_000_000),
            "endTimeUnixNano": str(_T0 + clock[0] * 10_000_000 + 5_000_000),
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        }
        if parent:
            sp["parentSpanId"] = parent
        spans.append(sp)

    def think(sid: str, parent: str, thought: str, tool: str) -> None:
        step = {"next_thought": thought, "next_tool_name": tool, "next_tool_args": {}}
        span(sid, parent, "Predict.forward", "CHAIN", {"trajectory": ""}, step)
        span(
            sid[:-1] + "f",
            sid,
            "DummyLM.__call__",
            "LLM",
            {"messages": []},
            [json.dumps(step)],
            **{"llm.model_name": "dummy"},
        )

    span(
        "00000000000029a7",
        None,
        "ReAct.forward",
        "CHAIN",
        {"input_args": {"task": "Convert 1000 EUR to USD."}},
        {"answer": "1000 EUR = 1,842 USD"},
    )
    think("00000000000076b0", "00000000000029a7", "Ask the FX agent.", "ask_fx_agent")
    span(
        "000000000000bdda",
        "00000000000029a7",
        "ask_fx_agent.__call__",
        "TOOL",
        {"kwargs": {"question": "EUR to USD rate today?"}},
        "1 EUR = 1.0842 USD",
    )
    span(
        "00000000000065b5",
        "000000000000bdda",
        "ReAct.forward",
        "CHAIN",
        {"input_args": {"question": "EUR to USD rate today?"}},
        {"answer": "1 EUR = 1.0842 USD"},
    )
    think("0000000000009ef0", "00000000000065b5", "I need the EUR/USD rate.", "get_rate")
    span(
        "000000000000d1dc",
        "00000000000065b5",
        "get_rate.__call__",
        "TOOL",
        {"kwargs": {"base": "EUR"}},
        json.dumps({"rate": 1.0842}),
    )
    think("000000000000ce80", "00000000000065b5", "I have the rate.", "finish")
    span("0000000000003015", "00000000000065b5", "finish.__call__", "TOOL", {"kwargs": {}}, "Completed.")
    think("0000000000003490", "00000000000029a7", "Done.", "finish")
    span("0000000000001dba", "00000000000029a7", "finish.__call__", "TOOL", {"kwargs": {}}, "Completed.")
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": []},
                        "scopeSpans": [
                            {"scope": {"name": "openinference.instrumentation.dspy"}, "spans": spans}
                        ],
                    }
                ]
            }
        )
    )
    return path


def test_unnamed_agent_loops_are_named_and_their_finish_calls_are_no_loop(tmp_path: Path) -> None:
    ws = wb.open()
    report = ws.ingest(_dspy_trace(tmp_path / "dspy.otlp.json"))
    assert report.read == report.stored == 14
    agents = dict(ws.sql("SELECT step_id, agent FROM steps").fetchall())
    # the manager loop is named by its class, the sub-agent by the tool that runs it
    assert agents["00000000000029a7"] == agents["0000000000001dba"] == agents["000000000000bdda"] == "ReAct"
    assert (
        agents["00000000000065b5"]
        == agents["000000000000d1dc"]
        == agents["0000000000003015"]
        == "ask_fx_agent"
    )
    assert agents["0000000000009eff"] == "ask_fx_agent"  # (its model call, two levels down)
    wb.detect(ws)
    loops = ws.sql("SELECT detail FROM findings WHERE detector = 'loop'").fetchall()
    assert not [d for (d,) in loops if "finish" in d], loops


def test_a_run_that_names_an_agent_is_left_as_it_is(tmp_path: Path) -> None:
    path = _dspy_trace(tmp_path / "dspy.otlp.json")
    doc = json.loads(path.read_text())
    root = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    root["attributes"].append({"key": "gen_ai.agent.name", "value": {"stringValue": "manager"}})
    path.write_text(json.dumps(doc))
    ws = wb.open()
    ws.ingest(path)
    agents = dict(ws.sql("SELECT step_id, agent FROM steps").fetchall())
    assert agents["00000000000065b5"] == "manager" and agents["0000000000001dba"] == "manager"


def _haystack_trace(path: Path) -> Path:
    """Haystack 3.4 under OpenInference 0.1.46: CHAIN spans of the pipeline and its components, none named."""
    tid = "9a3e51c07d2b4f6e8c1a0b2d4f6e1fc5"
    researcher_out = {
        "messages": ["ChatMessage(user: 'What is the population of Lisbon?')", "ChatMessage(asst)"],
        "step_count": 3,
        "exit_reason": "text",
        "last_message": "Lisbon has 545,000 people.",
    }
    handover_out = {
        "messages": ["ChatMessage(user: 'Write a blurb from these facts: Lisbon has 545,000 people.')"]
    }
    writer_out = {
        "messages": ["ChatMessage(asst: 'Lisbon, 454,000 people.')"],
        "step_count": 1,
        "exit_reason": "text",
        "last_message": "Lisbon, 454,000 people.",
    }
    question = {"messages": ["ChatMessage(user: 'What is the population of Lisbon?')"]}
    spans = []
    for n, (sid, parent, name, inp, out) in enumerate(
        [
            (
                "0000000000001fc5",
                None,
                "Pipeline.run",
                {"data": {"researcher": question}},
                {
                    "researcher": {k: v for k, v in researcher_out.items() if k != "messages"},
                    "writer": writer_out,
                },
            ),
            (
                "000000000000dced",
                "0000000000001fc5",
                "Agent.run",
                {**question, "tools": None},
                researcher_out,
            ),
            (
                "000000000000c686",
                "0000000000001fc5",
                "Handover.run",
                {"messages": researcher_out["messages"]},
                handover_out,
            ),
            (
                "000000000000544a",
                "0000000000001fc5",
                "Agent.run",
                {**handover_out, "tools": None},
                writer_out,
            ),
        ]
    ):
        sp = {
            "traceId": tid,
            "spanId": sid,
            "name": name,
            "kind": 1,
            "status": {},
            "startTimeUnixNano": str(_T0 + n * 10_000_000),
            "endTimeUnixNano": str(_T0 + 90_000_000 - n),
            "attributes": [
                {"key": k, "value": {"stringValue": v}}
                for k, v in {
                    "openinference.span.kind": "CHAIN",
                    "input.value": json.dumps(inp),
                    "input.mime_type": "application/json",
                    "output.value": json.dumps(out),
                    "output.mime_type": "application/json",
                }.items()
            ],
        }
        if parent:
            sp["parentSpanId"] = parent
        spans.append(sp)
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": []},
                        "scopeSpans": [
                            {"scope": {"name": "openinference.instrumentation.haystack"}, "spans": spans}
                        ],
                    }
                ]
            }
        )
    )
    return path


def test_pipeline_components_are_named_by_the_pipelines_own_map(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(_haystack_trace(tmp_path / "haystack.otlp.json"))
    agents = dict(ws.sql("SELECT step_id, agent FROM steps").fetchall())
    # the researcher by the pipeline's input (and output less what the handover took), the writer by its output;
    # the handover component appears in neither: it stays unnamed, as does the pipeline
    assert agents == {
        "0000000000001fc5": None,
        "000000000000dced": "researcher",
        "000000000000c686": None,
        "000000000000544a": "writer",
    }
