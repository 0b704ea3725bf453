"""A Haystack agent whose tool bears the agent's own name (component "pricer", tool "pricer") is backed by that
tool's result: only a tool named after *another* agent of the run is that agent's reply (real31's
det_repr_not_backend: an agent offered to another as a ComponentTool).

On f811312 the pricer's get-the-price tool, 14.20 USD, was read as a reply of the agent "pricer", backing nothing:
the right answer "The widget costs 14.20 USD." was a critical silent_failure."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb

T0 = 1_796_260_030_603_837_043


def _msg(role: str, content: str) -> str:
    return f"ChatMessage(_role=<ChatRole.{role.upper()}: '{role}'>, _content=[{content}], _name=None, _meta={{}})"


def _attrs(values: dict[str, str]) -> list[dict]:
    return [{"key": k, "value": {"stringValue": v}} for k, v in values.items()]


def _pipeline(tmp_path: Path, tool: str, answer: str) -> Path:
    """OpenInference's Haystack spans of a Pipeline over one Agent component "pricer" with one tool: Pipeline.run
    and Agent.run only, the messages as Python reprs (as tests/ingest/fixtures/haystack's real run)."""
    call = f"ToolCall(tool_name='{tool}', arguments={{'item': 'widget'}}, id='call_1', extra=None)"
    messages = [
        _msg("system", "TextContent(text='You find list prices.')"),
        _msg("user", "TextContent(text='Look up the list price of a widget.')"),
        _msg("assistant", call),
        _msg("tool", f"ToolCallResult(result='widget: 14.20 USD', origin={call}, error=False)"),
        _msg("assistant", f"TextContent(text='{answer}')"),
    ]
    given, gave = {"messages": messages[1:2]}, {"messages": messages, "last_message": messages[-1]}
    spans = [
        ("Pipeline.run", "OYAsSot/nKc=", None, {"data": {"pricer": given}}, {"pricer": gave}),
        ("Agent.run", "oeQY7wphT3E=", "OYAsSot/nKc=", given, gave),
    ]
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": _attrs({"service.name": "quotes"})},
                "scopeSpans": [
                    {
                        "scope": {"name": "openinference.instrumentation.haystack"},
                        "spans": [
                            {
                                "traceId": "AUx+259gIVwJVWxZcwxDcg==",
                                "spanId": sid,
                                **({"parentSpanId": pid} if pid else {}),
                                "name": name,
                                "startTimeUnixNano": str(T0 + i * 10**8),
                                "endTimeUnixNano": str(T0 + (5 - i) * 10**9),
                                "status": {"code": "STATUS_CODE_OK"},
                                "attributes": _attrs(
                                    {
                                        "input.value": json.dumps(inp),
                                        "input.mime_type": "application/json",
                                        "output.value": json.dumps(out),
                                        "output.mime_type": "application/json",
                                        "openinference.span.kind": "CHAIN",
                                    }
                                ),
                            }
                            for i, (name, sid, pid, inp, out) in enumerate(spans)
                        ],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "pricer.otlp.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    return path


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[str], pd.DataFrame]]:
    """Per answer, its run's agents and silent_failure findings: the two pipelines as two traces (the second's id
    told apart) in one store, detected once (a store and a detect each before, suite54)."""
    folder = tmp_path_factory.mktemp("attack31")
    paths = {}
    for name, answer, trace in (
        ("right", "The widget costs 14.20 USD.", None),
        ("made_up", "The widget costs 41.20 USD.", "AUx+259gIVwJVWxZcwxDcw=="),
    ):
        (folder / name).mkdir()
        paths[name] = _pipeline(folder / name, "pricer", answer)
        if trace:
            paths[name].write_text(paths[name].read_text().replace("AUx+259gIVwJVWxZcwxDcg==", trace))
    ws = wb.open()
    ws.ingest([str(p) for p in paths.values()], progress=False)
    hits = wb.detect(ws, detectors=["silent_failure"])
    out = {}
    for name, path in paths.items():
        ((run,),) = ws.sql("SELECT DISTINCT run_id FROM steps WHERE file = ?", [str(path)]).fetchall()
        out[name] = (ws.steps(run).agent.dropna().tolist(), hits[hits.run_id == run].reset_index(drop=True))
    return out


def test_an_agents_tool_named_like_the_agent_backs_its_answer(
    found: dict[str, tuple[list[str], pd.DataFrame]],
) -> None:
    """(a tool named otherwise, get_price, backs it too: the real run's right variant, test_real31_framework_fixtures)"""
    agents, hits = found["right"]
    assert agents == ["pricer"]
    assert hits.empty


def test_a_made_up_price_is_still_found(found: dict[str, tuple[list[str], pd.DataFrame]]) -> None:
    _, hits = found["made_up"]
    assert list(zip(hits.agent, hits.severity, strict=True)) == [("pricer", "critical")]
    assert "41.20 (unsupported)" in hits.detail.iloc[0]
