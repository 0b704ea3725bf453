"""silent_failure on a smolagents managed-agent run (OpenInference OTLP JSON, the shape
openinference-instrumentation-smolagents writes): the manager restates the census agent's number in
its final answer, through the final_answer tool, which hands back the answer it was given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.detect import detect

T0 = 1_796_132_859_000_000_000
MS = 1_000_000


def _attr(key: str, value: object) -> dict:
    return {
        "key": key,
        "value": {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value},
    }


def _run(path: Path, census: str, answer: str) -> None:
    """Manager (ToolCallingAgent) -> Step 1 -> census_agent.run -> Step 1 (get_population, final_answer);
    manager Step 2 -> final_answer(answer)."""
    spans: list[dict] = []

    def span(
        sid: str,
        parent: str | None,
        name: str,
        start: int,
        end: int,
        kind: str,
        inp: str,
        out: str | None,
        **attrs: object,
    ) -> None:
        a = [_attr("input.value", inp), _attr("openinference.span.kind", kind)]
        if out is not None:
            a.append(_attr("output.value", out))
        a += [_attr(k, v) for k, v in attrs.items()]
        spans.append(
            {
                "traceId": "ce73fb324ea34d0f8c01afb4c3cbfae9",
                "spanId": sid,
                "name": name,
                "kind": "SPAN_KIND_INTERNAL",
                "startTimeUnixNano": str(T0 + start * MS),
                "endTimeUnixNano": str(T0 + end * MS),
                "attributes": a,
                "status": {"code": "STATUS_CODE_OK"},
                **({"parentSpanId": parent} if parent else {}),
            }
        )

    def tool_input(**kwargs: str) -> str:
        return json.dumps({"args": [], "sanitize_inputs_outputs": True, "kwargs": kwargs})

    step = json.dumps({"memory_step": "ActionStep(step_number=1, timing=Timing(start_time=1796132859.02))"})
    found = f"Lisbon has {census} inhabitants."
    span(
        "a000000000000001",
        None,
        "ToolCallingAgent.run",
        0,
        100,
        "AGENT",
        json.dumps({"task": "How many people live in Lisbon?", "stream": False}),
        answer,
        **{"smolagents.managed_agents.0.name": "census_agent"},
    )
    span(
        "a000000000000002",
        "a000000000000001",
        "Step 1",
        1,
        80,
        "CHAIN",
        step,
        f"Here is the final answer from your managed agent 'census_agent':\n{found}",
    )
    span(
        "a000000000000003",
        "a000000000000002",
        "census_agent.run",
        2,
        79,
        "AGENT",
        json.dumps({"task": "You're a helpful agent named 'census_agent'.\nTask:\nPopulation of Lisbon?"}),
        found,
    )
    span("a000000000000004", "a000000000000003", "Step 1", 3, 40, "CHAIN", step, found)
    span(
        "a000000000000005",
        "a000000000000004",
        "SimpleTool",
        4,
        39,
        "TOOL",
        tool_input(city="Lisbon"),
        found,
        **{"tool.name": "get_population"},
    )
    span("a000000000000006", "a000000000000003", "Step 2", 41, 78, "CHAIN", step, found)
    span(
        "a000000000000007",
        "a000000000000006",
        "FinalAnswerTool",
        42,
        77,
        "TOOL",
        tool_input(answer=found),
        found,
        **{"tool.name": "final_answer"},
    )
    span("a000000000000008", "a000000000000001", "Step 2", 81, 99, "CHAIN", step, answer)
    span(
        "a000000000000009",
        "a000000000000008",
        "FinalAnswerTool",
        82,
        98,
        "TOOL",
        tool_input(answer=answer),
        answer,
        **{"tool.name": "final_answer"},
    )
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", "unknown_service:python")]},
                "scopeSpans": [
                    {"scope": {"name": "openinference.instrumentation.smolagents"}, "spans": spans}
                ],
            }
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


# final_answer hands back its argument: no backend record, so it cannot support the 5.4 million
MADE_UP = ("545,000", "Lisbon has 5.4 million inhabitants.")
TOO_FAR = ("5,462,000", "Lisbon has 5.4 million inhabitants.")


def test_a_number_the_manager_made_up_is_caught_though_final_answer_echoes_it(
    scaled: dict[tuple[str, str], list[str]],
) -> None:
    found = scaled[MADE_UP]
    assert len(found) == 1 and "final answer 5.4 million (unsupported)" in found[0], found
    # the manager's run span carries smolagents.* attributes: its agent is ToolCallingAgent (_framework_agents.smolagents_agent)
    assert "first stated by ToolCallingAgent at" in found[0]


@pytest.mark.parametrize("sql_from_bytes", [0, 1 << 40])
def test_both_readers_name_the_manager_as_the_convention_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sql_from_bytes: int
) -> None:
    # the SQL fast path (0: every file) named it "ToolCallingAgent.run" while the Python reader (1 TiB: none)
    # said "ToolCallingAgent"; which reader a file met depends on its size
    from workbench.ingest import _jsonio

    monkeypatch.setattr(_jsonio, "SQL_MIN_BYTES", sql_from_bytes)
    path = tmp_path / "smolagents_managed.otlp.jsonl"
    _run(path, "545,000", "Lisbon has 5.4 million inhabitants.")
    ws = wb.open()
    ws.ingest(path)
    agents = dict(ws.sql("SELECT step_id, agent FROM steps").fetchall())
    assert agents["a000000000000001"] == "ToolCallingAgent"
    assert agents["a000000000000003"] == "census_agent.run"  # no smolagents.* attribute: the span's name


SCALED = [
    ("545,000", "Lisbon has 545,000 inhabitants."),
    ("545,000", "Lisbon has 545 thousand inhabitants."),
    ("545,000", "Lisbon has 0.545 million inhabitants."),
    ("5,412,345", "Lisbon has 5.4 million inhabitants."),  # rounded as written
    ("5,400,000", "Lisbon has 5.4 Million inhabitants."),
]


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[str]]:
    """Each (census, answer) run as a trace of its own (its id told apart), read in one call and detected once (a
    run's findings come from its own steps: a store each, as until suite49, found the same): per case, its run's
    silent_failure details. The made-up and the rounded-too-far cases too (suite54: a store and a detect each)."""
    folder = tmp_path_factory.mktemp("scaled")
    paths = {}
    for n, case in enumerate([*SCALED, MADE_UP, TOO_FAR]):
        paths[case] = folder / f"smolagents_managed_{n}.otlp.jsonl"
        _run(paths[case], *case)
        paths[case].write_text(
            paths[case]
            .read_text("utf-8")
            .replace("ce73fb324ea34d0f8c01afb4c3cbfae9", f"ce73fb324ea34d0f8c01afb4c3cbfa{n:02x}"),
            "utf-8",
        )
    ws = wb.open()
    assert ws.ingest([str(p) for p in paths.values()]).quarantined == 0
    assert ws.sql("SELECT DISTINCT reported_outcome FROM runs").fetchall() == [("success",)]
    assert ws.count("runs") == len(SCALED) + 2
    hits = detect(ws, detectors=["silent_failure"])
    out = {}
    for case, path in paths.items():
        ((run,),) = ws.sql("SELECT DISTINCT run_id FROM steps WHERE file = ?", [str(path)]).fetchall()
        out[case] = list(hits.loc[(hits["detector"] == "silent_failure") & (hits["run_id"] == run), "detail"])
    ws.close()
    return out


@pytest.mark.parametrize(("census", "answer"), SCALED)
def test_the_backends_number_written_with_a_scale_word_is_supported(
    scaled: dict[tuple[str, str], list[str]], census: str, answer: str
) -> None:
    assert scaled[census, answer] == []


def test_a_scale_word_rounding_too_far_is_unsupported(scaled: dict[tuple[str, str], list[str]]) -> None:
    found = scaled[TOO_FAR]
    assert len(found) == 1 and "5.4 million (unsupported)" in found[0], found
