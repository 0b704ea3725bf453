"""AutoGen AgentChat's ``Swarm`` traced by OpenInference's AgentChat instrumentation (drift50: the newest releases
captured live, ``tests/ingest/fixtures/autogen-openinference/README.md``): each hand-off is a ``transfer_to_<agent>``
tool span described "Handoff to <agent>." with no ``gen_ai.system``. Before, both hand-offs read as tool calls (a
tool budget counted them, the hand-off view showed none); autogen-core's own spans (``../autogen/``) were read.
"""

from __future__ import annotations

from pathlib import Path

from _otlp_edits import edited_copy, ingested_whole

import workbench as wb
from workbench.plots._data import handoff_data

SWARM = Path(__file__).parent / "fixtures" / "autogen-openinference" / "swarm_handoffs.otlp.jsonl"


def _steps(ws: wb.Workspace, kind: str) -> list[tuple[str, str | None]]:
    steps = ws.steps(ws.runs().run_id[0]).sort_values("seq")
    picked = steps[steps.kind == kind]
    return list(zip(picked.agent, picked.output if kind == "handoff" else picked.tool, strict=True))


def test_openinference_agentchat_swarm_handoffs_are_handoffs() -> None:
    # (by the reader chosen; both readers' agreement on it is test_reader24_agreement's checked-in fixtures')
    ws = ingested_whole(SWARM)
    runs = ws.runs()
    assert runs[["outcome", "n_steps"]].values.tolist() == [["success", 15]]
    assert _steps(ws, "handoff") == [("triage", "researcher"), ("researcher", "writer")]
    assert _steps(ws, "tool") == [("researcher", "get_price"), ("writer", "format_quote")]
    pairs = handoff_data(ws, runs.run_id[0])
    assert list(zip(pairs.src_agent, pairs.dst_agent, strict=True)) == [
        ("triage", "researcher"),
        ("researcher", "writer"),
    ]
    # The answer is AgentChat's TaskResult (the root span's output): the writer's last message, not the record's
    # token counts and timestamps (was also 12, 200, 2026, 30, 42, 45 "unsupported", detect56)
    (silent,) = wb.detect(ws, detectors=["silent_failure"], progress=False).detail
    assert silent.startswith(
        "reported success, but the final answer 41.20 (made up upstream); first stated by writer"
    )


def test_a_tool_described_as_a_handoff_but_named_otherwise_stays_a_tool(tmp_path: Path) -> None:
    """Without AutoGen's system the description alone hands nothing on: the tool must be named as AgentChat
    names that hand-off (``transfer_to_<agent>``); a developer's ``escalate`` described so is a tool call."""

    def edit(span: dict) -> None:
        for a in span["attributes"]:
            if a["key"] == "tool.name" and a["value"].get("stringValue") == "transfer_to_writer":
                a["value"] = {"stringValue": "escalate"}

    ws = ingested_whole(edited_copy(tmp_path, edit, SWARM))
    assert _steps(ws, "handoff") == [("triage", "researcher")]
    assert ("researcher", "escalate") in _steps(ws, "tool")


TOOL_ERROR = Path(__file__).parent / "fixtures" / "autogen-tool-error"


def test_a_tool_that_raised_is_a_failed_call_by_both_of_agentchats_tracers() -> None:
    """real51 (``fixtures/autogen-tool-error/README.md``): get_price raises; AgentChat hands the model its message
    with is_error. OpenInference's tool span says OK (its ERROR came after an OK, which OpenTelemetry keeps): only
    the pricer's next model call says the result was an error. Failed at main: that call read as a success, and
    the autogen-core file (its execute_tool span in error) was four runs, one per agent's create_agent span."""
    for name, ok, error in (
        ("price_raises_openinference", "ok", "price feed timeout"),
        ("price_raises_core", "unset", "TimeoutError: price feed timeout"),  # (autogen-core sets no OK)
    ):
        ws = ingested_whole(TOOL_ERROR / f"{name}.otlp.jsonl.gz")
        (run,) = ws.runs().run_id
        # the selector's model calls are its manager's under both tracers (OpenInference's sit right under the
        # team's run_stream span: nobody's before real56b)
        assert ws.sql(
            "SELECT DISTINCT agent FROM steps WHERE kind = 'llm' AND contains(input, 'select the next role')"
        ).fetchall() == [("SelectorGroupChatManager",)], name
        assert ws.sql(
            "SELECT agent, tool, status, error FROM steps WHERE run_id = ? AND kind = 'tool' ORDER BY seq",
            [run],
        ).fetchall() == [
            ("clerk", "get_stock", ok, None),
            ("pricer", "get_price", "error", error),
            ("shipping", "get_shipping", ok, None),
            ("shipping", "get_insurance", ok, None),
        ], name


MAGENTIC_ONE = Path(__file__).parent / "fixtures" / "magentic-one"


def test_magentic_ones_orchestrator_under_openinference_is_the_agent_of_its_ledger_calls() -> None:
    """real56b (``fixtures/magentic-one/README.md``): OpenInference's AgentChat instrumentation writes no span of
    the orchestrator's: its facts, plan, progress ledger and final answer calls sit right under the team's
    ``MagenticOneGroupChat.run_stream`` span. Failed at main: they named no agent, so the 124.00 the orchestrator
    made up in its instruction to shipping was "?"'s, and the ledger loop on the stalled price feed read as
    the clerk and the pricer handing work back and forth (the orchestrator's turns between them unseen)."""
    ws = wb.open()
    names = ("orchestrator_misquotes_openinference", "price_feed_stalled_openinference")
    report = ws.ingest([MAGENTIC_ONE / f"{n}.otlp.jsonl.gz" for n in names], progress=False)
    assert report.quarantined == 0 and len(ws.runs()) == 2
    found = wb.detect(ws, progress=False)
    assert ws.sql("SELECT count(*) FROM steps WHERE kind = 'llm' AND agent IS NULL").fetchall() == [(0,)]
    (misquotes,) = ws.sql("SELECT DISTINCT run_id FROM steps WHERE contains(file, ?)", [names[0]]).fetchall()[
        0
    ]
    ((told,),) = ws.sql(
        "SELECT step_id FROM steps WHERE run_id = ? AND agent = 'MagenticOneOrchestrator' AND kind = 'llm' "
        "AND contains(output, 'worth 124.00')",
        [misquotes],
    ).fetchall()
    made_up = found[found.detail.str.contains("made-up value 124.00", regex=False)]
    assert made_up[["severity", "agent", "step_id"]].values.tolist() == [
        ["critical", "MagenticOneOrchestrator", told]
    ]
    stalled = found[found.run_id != misquotes]
    pingpong = stalled[stalled.detector == "ping_pong"].detail.tolist()
    assert pingpong and all(d.startswith("MagenticOneOrchestrator and pricer handed") for d in pingpong)
    ((gave_up, step),) = stalled[stalled.detector == "gave_up"][["agent", "step_id"]].values.tolist()
    assert gave_up == "pricer" and ws.sql(
        "SELECT tool, status FROM steps WHERE step_id = ?", [step]
    ).fetchall() == [("get_price", "error")]
