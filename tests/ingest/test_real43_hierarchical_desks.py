"""The verdict on two order desks of frameworks whose multi-agent shapes the older fixtures lacked (real43).

``fixtures/crewai-hierarchical/``: CrewAI's ``Process.hierarchical``, its own manager agent delegating to three
workers through the "Delegate work to coworker" / "Ask question to coworker" tools (OpenInference).
``fixtures/llamaindex-agentworkflow/``: a LlamaIndex ``AgentWorkflow`` of three ``FunctionAgent``s handing off with
``can_handoff_to`` (OpenInference). ``fixtures/agentscope/`` (real55): an AgentScope 2.0 ``TeamPipeline``, a planner
assigning a pricer, a shipper and a verifier through AgentScope's ``TeamAssign`` tool, and a ``GoalPipeline``, a
quoter and an auditor in a loop until the auditor passes the quote (AgentScope's own tracing); its runs report no
outcome, the faulty ones labelled failed as their user would. ``fixtures/mastra/`` (real56): a Mastra supervisor
agent (``@mastra/core`` 1.71) calling its sub-agents as tools, traced by Mastra's own observability through
``@mastra/otel-exporter``; its runs report success (the supervisor's span OK), the faulty ones labelled failed. Each README says what was planted
in each run and which agent and step a right verdict names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _real_desks import desk_store

import workbench as wb
from workbench._investigate import investigate_table
from workbench.ingest._agentscope import structured_output, tool_response

pytestmark = pytest.mark.usefixtures("_own_cache")

FIXTURES = Path(__file__).parent / "fixtures"
FILES = {
    "crew_ok": "crewai-hierarchical/answered_ok",
    "crew_cascade": "crewai-hierarchical/price_error_cascade",
    "crew_loop": "crewai-hierarchical/manager_pingpong",
    "crew_silent": "crewai-hierarchical/shipping_made_up",
    "li_ok": "llamaindex-agentworkflow/answered_ok",
    "li_cascade": "llamaindex-agentworkflow/price_error_cascade",
    "li_pingpong": "llamaindex-agentworkflow/pricer_shipping_pingpong",
    "li_silent": "llamaindex-agentworkflow/shipping_made_up",
    "as_ok": "agentscope/answered_ok",
    "as_retried": "agentscope/price_error_retried",
    "as_pingpong": "agentscope/verifier_pingpong",
    "gp_ok": "agentscope/goal_ok",
    "gp_stuck": "agentscope/goal_stuck",
    "gp_fixed": "agentscope/goal_fixed",
    "ma_ok": "mastra/answered_ok",
    "ma_retried": "mastra/price_error_retried",
    "ma_pingpong": "mastra/verifier_pingpong",
    "ma_flow": "mastra/workflow_price_error_retried",
}

# ``fixtures/magentic-one/`` (real56b): an AutoGen ``MagenticOneGroupChat``, its orchestrator keeping a task and a
# progress ledger and instructing three participants (autogen-core's own spans); its runs report no outcome either.
FILES.update(
    m1_ok="magentic-one/answered_ok",
    m1_made_up="magentic-one/price_made_up",
    m1_misquotes="magentic-one/orchestrator_misquotes",
    m1_stalled="magentic-one/price_feed_stalled",
)


@pytest.fixture(scope="module")
def desks() -> tuple[wb.Workspace, dict[str, str], dict]:
    """The runs of FILES in one store, detected and attributed as ``workbench investigate`` does, and its verdicts."""
    files = {name: FIXTURES / f"{stem}.otlp.jsonl.gz" for name, stem in FILES.items()}
    ws, runs = desk_store(
        files,
        failed=(
            "as_retried",
            "as_pingpong",
            "gp_stuck",
            "ma_retried",
            "ma_pingpong",
            "m1_made_up",
            "m1_misquotes",
            "m1_stalled",
        ),
    )
    table = investigate_table(ws, None)
    return ws, runs, {row["run"]: row for row in table.to_dict("records")}


def _findings(ws: wb.Workspace, run: str) -> list[tuple]:
    """The run's findings above ``info`` (a cascade's steps built on are listed apart)."""
    return ws.sql(
        "SELECT detector, severity, agent, step_id, detail FROM findings WHERE run_id = ? "
        "AND severity <> 'info' ORDER BY detector, step_id",
        [run],
    ).fetchall()


def _model_calls(ws: wb.Workspace, run: str, agent: str) -> list[str]:
    return [
        s
        for (s,) in ws.sql(
            "SELECT step_id FROM steps WHERE run_id = ? AND agent = ? AND kind = 'llm' ORDER BY seq",
            [run, agent],
        ).fetchall()
    ]


@pytest.mark.parametrize("run", ["crew_ok", "li_ok", "as_ok", "gp_ok", "ma_ok"])
def test_the_clean_runs_are_flagged_by_nothing(desks, run) -> None:
    ws, runs, verdicts = desks
    assert _findings(ws, runs[run]) == []
    assert runs[run] not in verdicts


def test_a_manager_asking_a_worker_the_same_question_again_is_the_managers_loop(desks) -> None:
    """CrewAI's manager asks the pricer "What do 10 widgets cost?" five times; each ask runs the pricer afresh
    (one get_price each), and CrewAI's guard stops the crew. The repeated call is the manager's: the pricer's one
    lookup per question is no loop of its own."""
    ws, runs, verdicts = desks
    run = runs["crew_loop"]
    asks = [
        s
        for (s,) in ws.sql(
            "SELECT step_id FROM steps WHERE run_id = ? AND agent = 'Pricer' AND kind = 'agent' ORDER BY seq",
            [run],
        ).fetchall()
    ]
    assert len(asks) == 5
    loops = [f for f in _findings(ws, run) if f[0] == "loop"]
    assert [f[2:4] for f in loops] == [("Crew Manager", asks[0])]
    assert "Crew Manager called Pricer with the same arguments 5 times in a row" in loops[0][4]
    v = verdicts[run]
    assert v["reported"] == "failure" and v["culprit"].startswith("Crew Manager ")


def test_a_price_made_up_on_a_tools_error_cascades_through_the_managers_delegations(desks) -> None:
    """get_price returns the feed's error as its result; the pricer's model answers 12.40 anyway; the manager hands
    124.00 to shipping, which insures it, and quotes 151.48."""
    ws, runs, verdicts = desks
    run = runs["crew_cascade"]
    stated = _model_calls(ws, run, "Pricer")[-1]
    found = _findings(ws, run)
    assert [f[:4] for f in found] == [
        ("cascade", "critical", "Pricer", stated),
        ("silent_failure", "critical", "Pricer", stated),
    ]
    assert "Crew Manager" in found[0][4] and "Shipping Clerk" in found[0][4]
    v = verdicts[run]
    assert v["reported"] == "SILENT*" and v["culprit"].startswith("Pricer ") and v["step"] == stated


@pytest.mark.parametrize("run, agent", [("crew_silent", "Shipping Clerk"), ("li_silent", "shipping")])
def test_a_shipping_rate_the_carrier_did_not_give_is_the_shipping_agents(desks, run, agent) -> None:
    """The carrier has no rate; the shipping agent's model quotes 25.00 as if it had, and the total is the clean
    run's 169.84. In the LlamaIndex trace the workflow's root span holds its start state, not the request: the
    customer's "10 widgets" (in the first model call's messages) is what the run was given, not a made-up value."""
    ws, runs, verdicts = desks
    stated = _model_calls(ws, runs[run], agent)[-1]
    silent = [f for f in _findings(ws, runs[run]) if f[0] == "silent_failure"]
    assert [f[:4] for f in silent] == [("silent_failure", "critical", agent, stated)]
    assert "25.00" in silent[0][4] and "final answer 10 " not in silent[0][4]
    v = verdicts[runs[run]]
    assert v["reported"] == "SILENT*" and v["culprit"].startswith(f"{agent} ") and v["step"] == stated


def test_a_price_made_up_on_a_tools_error_is_handed_off_to_shipping(desks) -> None:
    ws, runs, verdicts = desks
    run = runs["li_cascade"]
    handed = [
        s
        for (s,) in ws.sql(
            "SELECT step_id FROM steps WHERE run_id = ? AND agent = 'pricer' AND kind = 'llm' "
            "AND contains(output, '12.40') ORDER BY seq",
            [run],
        ).fetchall()
    ]
    found = _findings(ws, run)
    assert [f[:4] for f in found] == [
        ("cascade", "critical", "pricer", handed[0]),
        ("silent_failure", "critical", "pricer", handed[0]),
    ]
    assert verdicts[run]["culprit"].startswith("pricer ") and verdicts[run]["step"] == handed[0]


def test_hand_offs_back_and_forth_with_nothing_new_are_ping_pong_and_no_wrong_answer(desks) -> None:
    ws, runs, verdicts = desks
    run = runs["li_pingpong"]
    found = _findings(ws, run)
    assert [f[0] for f in found] == ["ping_pong"]
    assert "shipping and pricer handed the work back and forth" in found[0][4]
    assert run not in verdicts  # the answer is right


def _ledger_calls(ws: wb.Workspace, run: str) -> list[tuple[str, str]]:
    """The orchestrator's model calls (facts, plan, each progress ledger, the final answer): step and output."""
    return ws.sql(
        "SELECT step_id, output FROM steps WHERE run_id = ? AND kind = 'llm' AND agent = 'MagenticOneOrchestrator' "
        "ORDER BY seq",
        [run],
    ).fetchall()


def test_a_magentic_one_price_made_up_on_a_tools_error_is_the_pricers(desks) -> None:
    """get_price answers the feed's error; the pricer states 12.40 anyway; the orchestrator hands 124.00 on to
    shipping, whose total (151.48) its final answer repeats. Every model call of the orchestrator (under autogen-core's
    ``process MagenticOneOrchestrator_…`` spans) is its own, none nobody's."""
    ws, runs, verdicts = desks
    run = runs["m1_made_up"]
    assert _findings(ws, runs["m1_ok"]) == [] and runs["m1_ok"] not in verdicts  # (the clean run)
    calls = _ledger_calls(ws, run)
    assert len(calls) == 7 and "151.48" in calls[-1][1]  # (facts, plan, 4 progress ledgers, the answer)
    assert ws.sql(
        "SELECT count(*) FROM steps WHERE run_id = ? AND kind = 'llm' AND agent IS NULL", [run]
    ).fetchall() == [(0,)]
    stated = _model_calls(ws, run, "pricer")[-1]
    found = _findings(ws, run)
    assert [f[:4] for f in found] == [("cascade", "critical", "pricer", stated)]
    assert "MagenticOneOrchestrator" in found[0][4] and "shipping" in found[0][4]
    v = verdicts[run]
    assert v["culprit"].startswith("pricer ") and v["step"] == stated


def test_a_value_the_magentic_one_orchestrator_made_up_in_its_instruction_is_the_orchestrators(desks) -> None:
    """The pricer says 142.00; the orchestrator's progress ledger tells shipping the widgets are "worth 124.00 USD";
    shipping insures 124.00 and quotes 151.48. The culprit is the orchestrator, at that ledger call: no participant
    said anything wrong."""
    ws, runs, verdicts = desks
    run = runs["m1_misquotes"]
    (told,) = [s for s, out in _ledger_calls(ws, run) if "worth 124.00" in out]
    found = _findings(ws, run)
    assert [f[:4] for f in found] == [("cascade", "critical", "MagenticOneOrchestrator", told)]
    assert "made-up value 124.00" in found[0][4] and "shipping" in found[0][4]
    v = verdicts[run]
    assert v["culprit"].startswith("MagenticOneOrchestrator ") and v["step"] == told


def test_a_magentic_one_participant_never_asked_is_made_in_its_teams_run(desks) -> None:
    """get_price times out every time; the orchestrator re-plans and gives up before it ever asks shipping. Shipping's
    ``create_agent`` span (a trace of its own, linked to nothing, its agent never invoked) is set-up of the team's
    run, beside the pricer's creation, not a run of its own of unknown outcome (desk_store: each file one run). The
    culprit is the pricer, at the price it could not get."""
    ws, runs, verdicts = desks
    run = runs["m1_stalled"]
    made = ws.sql(
        "SELECT agent, kind, parent_id FROM steps WHERE run_id = ? AND starts_with(name, 'create_agent ') ORDER BY agent",
        [run],
    ).fetchall()
    assert {a for a, _, _ in made} >= {"clerk", "pricer", "shipping"} and {k for _, k, _ in made} == {
        "system"
    }
    under = {a: p for a, _, p in made}
    assert under["shipping"] == under["pricer"]  # (beside the creation made nearest to it)
    assert ws.sql(
        "SELECT count(*) FROM steps WHERE run_id = ? AND agent = 'shipping' AND kind <> 'system'", [run]
    ).fetchall() == [(0,)]
    (first,) = ws.sql(
        "SELECT step_id FROM steps WHERE run_id = ? AND tool = 'get_price' AND status = 'error' ORDER BY started_at, seq "
        "LIMIT 1",
        [run],
    ).fetchall()
    v = verdicts[run]
    assert v["culprit"].startswith("pricer ") and v["step"] == first[0]


def _tool_calls(ws: wb.Workspace, run: str | None) -> list[tuple]:
    """The tool calls of ``run`` (None: of every run, in time order)."""
    return ws.sql(
        "SELECT agent, tool, input, output, status, error FROM steps WHERE coalesce(run_id = ?, true) "
        "AND kind = 'tool' ORDER BY started_at, seq",
        [run],
    ).fetchall()


def test_an_agentscope_team_is_its_agents_turns_and_their_calls(desks) -> None:
    """The planner's four turns (its reply parked on each assignment, resumed with the member's answer), the
    members' turns between them, each agent's model calls with their tokens, the tools with the arguments they
    were called with, and each TeamAssign's result read as the member's reply, not AgentScope's blocks."""
    ws, runs, _ = desks
    run = runs["as_ok"]
    turns = ws.sql(
        "SELECT agent, depth FROM steps WHERE run_id = ? AND kind = 'agent' ORDER BY seq", [run]
    ).fetchall()
    assert turns == [
        (a, 1) for a in ("planner", "pricer", "planner", "shipper", "planner", "verifier", "planner")
    ]
    assert ws.sql(
        "SELECT agent, count(*), sum(tokens_in), sum(tokens_out) FROM steps WHERE run_id = ? AND kind = 'llm' "
        "GROUP BY agent ORDER BY agent",
        [run],
    ).fetchall() == [
        ("planner", 4, 800, 120),
        ("pricer", 2, 400, 60),
        ("shipper", 2, 400, 60),
        ("verifier", 1, 200, 30),
    ]
    assert _tool_calls(ws, run) == [
        ("pricer", "get_price", '{"item": "widget"}', "widget: 14.20 USD each", "ok", None),
        ("planner", "TeamAssign", None, "10 widgets at 14.20 USD each, 142.00 USD in all.", "unset", None),
        ("shipper", "get_shipping", '{"item": "widget", "quantity": 10}', "carrier: 25.00 USD", "ok", None),
        ("planner", "TeamAssign", None, "Shipping: 25.00 USD.", "unset", None),
        ("planner", "TeamAssign", None, "APPROVED: the total adds up.", "unset", None),
    ]
    assert ws.runs().set_index("run_id").outcome[run] == "unknown"  # (the application's span says nothing)


def test_an_agentscope_tool_error_handed_to_the_model_is_a_failed_call_and_the_price_after_it_the_pricers(
    desks,
) -> None:
    """get_price raises three times (AgentScope hands the model each error as the call's result, the span OK); the
    pricer states 12.40 anyway, which the planner quotes. Read as written, the three calls were good ones, a loop."""
    ws, runs, verdicts = desks
    run = runs["as_retried"]
    failed_call = (
        "pricer",
        "get_price",
        '{"item": "widget"}',
        "price feed timeout",
        "error",
        "price feed timeout",
    )
    assert _tool_calls(ws, run)[:3] == [failed_call] * 3
    failed = ws.sql(
        "SELECT step_id, attributes FROM steps WHERE run_id = ? AND status = 'error' ORDER BY seq", [run]
    ).fetchall()
    assert (
        '"state": "error"' in json.loads(failed[0][1])["gen_ai.tool.call.result"]
    )  # (the whole kept beside)
    stated = _model_calls(ws, run, "pricer")[-1]
    found = _findings(ws, run)
    assert [f[:4] for f in found] == [
        ("cascade", "critical", "pricer", stated),
        ("retry", "warning", "pricer", failed[0][0]),
    ]
    assert "planner" in found[0][4] and "verifier" in found[0][4]
    v = verdicts[run]
    assert v["culprit"].startswith("pricer ") and v["step"] == failed[0][0]


def test_an_agentscope_verifier_rejecting_every_quote_is_a_ping_pong_blamed_on_the_verifier(desks) -> None:
    ws, runs, verdicts = desks
    run = runs["as_pingpong"]
    found = _findings(ws, run)
    assert [f[:3] for f in found] == [
        ("ping_pong", "warning", "planner"),
        ("repeated_reply", "warning", "verifier"),
    ]
    assert "planner and verifier handed the work back and forth" in found[0][4]
    # quoted as the verifier said it, not as the chat list its span wrote (was '"[{"role": "assistant", "parts": …',
    # detect56)
    assert (
        found[1][4] == 'verifier said the same thing 4 times in a row: "REJECTED: the quote has no tax line."'
    )
    v = verdicts[run]
    assert v["culprit"].startswith("verifier ") and v["step"] in _model_calls(ws, run, "verifier")
    # Unlabelled, its answer "I could not get the quote approved after 4 checks" states no value: the 4 counts
    # the planner's own checks (a small integer in prose, though the GenAI output messages wrap it in JSON), not
    # a figure the backend should support (was a silent_failure warning on the planner's "4", detect55)
    alone = wb.open()
    alone.ingest([FIXTURES / f"{FILES['as_pingpong']}.otlp.jsonl.gz"], progress=False)
    assert wb.detect(alone, detectors=["silent_failure"], progress=False).empty


def test_an_agentscope_team_with_no_span_of_the_applications_is_a_run_a_turn() -> None:
    """AgentScope alone writes each agent's turn as a trace of its own (the planner's four share its reply id, the
    members' their own sessions; nothing but time and text ties a member's turn to its assignment): seven runs,
    each an OK root read as a success, each one agent's, the tool results read as in the run above."""
    ws = wb.open()
    ws.ingest([FIXTURES / "agentscope" / "answered_ok_no_app_span.otlp.jsonl.gz"], progress=False)
    assert ws.sql(
        "SELECT r.outcome, s.agent, s.n FROM runs r JOIN (SELECT run_id, any_value(agent) FILTER (depth = 0) agent, "
        "count(DISTINCT agent) n FROM steps GROUP BY run_id) s USING (run_id) ORDER BY r.started_at"
    ).fetchall() == [
        ("success", a, 1)
        for a in ("planner", "pricer", "planner", "shipper", "planner", "verifier", "planner")
    ]
    assert [c[1:4] for c in _tool_calls(ws, None)] == [
        ("get_price", '{"item": "widget"}', "widget: 14.20 USD each"),
        ("TeamAssign", None, "10 widgets at 14.20 USD each, 142.00 USD in all."),
        ("get_shipping", '{"item": "widget", "quantity": 10}', "carrier: 25.00 USD"),
        ("TeamAssign", None, "Shipping: 25.00 USD."),
        ("TeamAssign", None, "APPROVED: the total adds up."),
    ]


def _structured_outputs(ws: wb.Workspace, run: str) -> list[tuple]:
    return ws.sql(
        "SELECT agent, output, json_extract_string(attributes, '$.\"gen_ai.tool.call.result\"') FROM steps "
        "WHERE run_id = ? AND tool = 'GenerateStructuredOutput' ORDER BY seq",
        [run],
    ).fetchall()


def test_an_agentscope_structured_output_is_what_the_agent_answered(desks) -> None:
    """A GoalPipeline's quoter and auditor end each turn by calling GenerateStructuredOutput with their report or
    verdict; the tool says "Structured output generated successfully." whatever it is given. The call's output is
    the structured output (the acknowledgement kept beside): the quoter that priced 12.40, was failed, and priced
    14.20 made two reports, not the same one twice, and that recovered run is no bounce nor loop."""
    ws, runs, _ = desks
    run = runs["gp_fixed"]
    said = _structured_outputs(ws, run)
    assert [(agent, json.loads(out)) for agent, out, _ in said] == [
        (
            "quoter",
            {
                "report": "10 widgets at 12.40 USD each come to 124.00 USD, plus 25.00 USD shipping: 149.00 USD in total."
            },
        ),
        (
            "auditor",
            {
                "result": "fail",
                "message": "The report prices a widget at 12.40 USD; the price list says 14.20 USD. Fix the unit price and the totals.",
            },
        ),
        (
            "quoter",
            {
                "report": "10 widgets at 14.20 USD each come to 142.00 USD, plus 25.00 USD shipping: 167.00 USD in total."
            },
        ),
        ("auditor", {"result": "pass", "message": "The quote matches the price list."}),
    ]
    assert all('"text": "Structured output generated successfully."' in ack for _, _, ack in said)
    assert not {f[0] for f in _findings(ws, run)} & {"ping_pong", "loop", "repeated_reply"}
    # the 12.40 the quoter took back (it reached only its own structured output, made again with 14.20) is no
    # cascade: the auditor quoting it to fail it built on nothing (was cascade critical at the quoter, detect55)
    assert _findings(ws, run) == []


def test_an_executor_making_its_report_again_unchanged_after_a_fail_is_the_culprit(desks) -> None:
    """The quoter reads the price list's 14.20 as 12.40 and reports it again unchanged after each of the auditor's
    three fails (max_iters 3). Read as written, every structured output was the same acknowledgement: the auditor's
    turn brought nothing new, and the bounce was blamed on it."""
    ws, runs, verdicts = desks
    run = runs["gp_stuck"]
    quoter = _model_calls(ws, run, "quoter")
    found = _findings(ws, run)
    assert ("cascade", "critical", "quoter", quoter[2]) in [f[:4] for f in found]  # (its first 12.40)
    assert "auditor and quoter handed the work back and forth" in next(
        f[4] for f in found if f[0] == "ping_pong"
    )
    # the cycle of calls runs through both agents' calls: it names both, each call with its agent (was
    # "quoter: a cycle of 3 tool calls (GenerateStructuredOutput → get_price → GenerateStructuredOutput)", detect55)
    assert (
        "auditor and quoter: a cycle of 3 tool calls (quoter's GenerateStructuredOutput → auditor's get_price → "
        "auditor's GenerateStructuredOutput) turned 3 times" in next(f[4] for f in found if f[0] == "loop")
    )
    v = verdicts[run]
    assert (
        v["culprit"].startswith("quoter ") and v["step"] == quoter[3]
    )  # (its report again after the first fail)


def test_a_mastra_supervisor_is_its_sub_agents_under_its_calls_of_them(desks) -> None:
    """The supervisor calls each sub-agent as a tool (``agent-<name>``), the sub-agent's run under the call; the
    call's result is read as the sub-agent's answer (Mastra's result, with a new thread id each call, kept beside).
    The model call that worked 142.00 out of the price list's 14.20 was given that result: Mastra writes the
    request's messages only on the step above the call, a tool's result as "[tool-result: get_price]" (read so, the
    clean run was a critical silent failure for a 142.00 made up by the pricer)."""
    ws, runs, _ = desks
    run = runs["ma_ok"]
    assert ws.sql(
        "SELECT s.agent, s.depth, p.tool FROM steps s LEFT JOIN steps p ON p.run_id = s.run_id "
        "AND p.step_id = s.parent_id WHERE s.run_id = ? AND s.kind = 'agent' ORDER BY s.seq",
        [run],
    ).fetchall() == [
        ("planner", 0, None),
        ("pricer", 4, "agent-pricer"),
        ("shipper", 4, "agent-shipper"),
        ("verifier", 4, "agent-verifier"),
    ]
    assert ws.sql(
        "SELECT agent, count(*), sum(tokens_in), sum(tokens_out) FROM steps WHERE run_id = ? AND kind = 'llm' "
        "GROUP BY agent ORDER BY agent",
        [run],
    ).fetchall() == [
        ("planner", 4, 340, 66),
        ("pricer", 2, 170, 45),
        ("shipper", 2, 170, 45),
        ("verifier", 1, 76, 18),
    ]
    check = "Check the quote: 10 widgets 142.00 USD plus shipping 25.00 USD, total 167.00 USD."
    assert _tool_calls(ws, run) == [
        (
            "planner",
            "agent-pricer",
            '{"prompt":"Price 10 widgets."}',
            "10 widgets at 14.20 USD each, 142.00 USD in all.",
            "ok",
            None,
        ),
        ("pricer", "get_price", '{"item":"widget"}', "widget: 14.20 USD each", "ok", None),
        (
            "planner",
            "agent-shipper",
            '{"prompt":"Shipping for 10 widgets."}',
            "Shipping: 25.00 USD.",
            "ok",
            None,
        ),
        ("shipper", "get_shipping", '{"item":"widget","quantity":10}', "carrier: 25.00 USD", "ok", None),
        (
            "planner",
            "agent-verifier",
            json.dumps({"prompt": check}, separators=(",", ":")),
            "APPROVED: the total adds up.",
            "ok",
            None,
        ),
    ]
    ((kept,),) = ws.sql(
        "SELECT attributes FROM steps WHERE run_id = ? AND tool = 'agent-pricer'", [run]
    ).fetchall()
    assert "subAgentThreadId" in json.loads(kept)["gen_ai.tool.call.result"]  # (the whole kept beside)
    stated = ws.sql(
        "SELECT s.kind, s.input, p.input FROM steps s JOIN steps p ON p.run_id = s.run_id AND p.step_id = s.parent_id "
        "WHERE s.run_id = ? AND s.agent = 'pricer' AND s.kind = 'llm' AND contains(s.output, '142.00')",
        [run],
    ).fetchall()
    assert len(stated) == 1 and stated[0][1] == stated[0][2]  # (the call given its step's messages)
    assert json.loads(stated[0][1])[-1] == {"role": "tool", "content": "widget: 14.20 USD each"}


def test_a_mastra_tool_error_retried_and_the_price_after_it_are_the_pricers(desks) -> None:
    """get_price throws three times (the pricer asks again each time); its model then states 12.40, which the
    supervisor quotes. The call stating it was handed the three errors, nothing with 12.40 in it."""
    ws, runs, verdicts = desks
    run = runs["ma_retried"]
    calls = _tool_calls(ws, run)
    failed_call = ("pricer", "get_price", '{"item":"widget"}', None, "error", "price feed timeout")
    assert calls[1:4] == [failed_call] * 3
    ((first,),) = ws.sql(
        "SELECT step_id FROM steps WHERE run_id = ? AND status = 'error' ORDER BY seq LIMIT 1", [run]
    ).fetchall()
    stated = _model_calls(ws, run, "pricer")[-1]
    assert [f[:4] for f in _findings(ws, run)] == [
        ("cascade", "critical", "pricer", stated),
        ("retry", "warning", "pricer", first),
        ("silent_failure", "critical", "pricer", stated),
    ]
    ((given,),) = ws.sql("SELECT input FROM steps WHERE step_id = ? AND run_id = ?", [stated, run]).fetchall()
    assert [m["content"] for m in json.loads(given) if m["role"] == "tool"] == ["price feed timeout"] * 3
    v = verdicts[run]
    assert v["culprit"].startswith("pricer ") and v["step"] == first


def test_a_mastra_verifier_rejecting_every_quote_is_a_ping_pong_blamed_on_the_verifier(desks) -> None:
    """The verifier rejects each quote ("no tax line"); the supervisor sends the same quote back four times, then
    gives up. Each call's result held a new thread id: read whole, each rejection was a new result, no bounce."""
    ws, runs, verdicts = desks
    run = runs["ma_pingpong"]
    found = _findings(ws, run)
    assert [f[:3] for f in found] == [
        ("loop", "critical", "planner"),
        ("ping_pong", "critical", "planner"),
        ("repeated_reply", "warning", "verifier"),
    ]
    assert "planner and verifier handed the work back and forth" in found[1][4]
    v = verdicts[run]
    assert v["culprit"].startswith("verifier ") and v["step"] == _model_calls(ws, run, "verifier")[0]


def test_a_mastra_workflow_of_two_agents_is_its_steps_and_the_price_made_up_the_pricers(desks) -> None:
    """A workflow (the pricer's step, a map, the writer's step) whose pricer states 12.40 after get_price threw three
    times: the workflow and its steps act for no agent, each agent's run is under its step."""
    ws, runs, verdicts = desks
    run = runs["ma_flow"]
    assert ws.sql(
        "SELECT name, kind, agent, depth FROM steps WHERE run_id = ? AND (depth <= 1 OR kind = 'agent') ORDER BY seq",
        [run],
    ).fetchall() == [
        ("invoke_workflow quote-workflow", "chain", None, 0),
        ("workflow_step pricer", "chain", None, 1),
        ("invoke_agent pricer", "agent", "pricer", 2),
        ("workflow_step mapping_quote-workflow_0", "chain", None, 1),
        ("workflow_step writer", "chain", None, 1),
        ("invoke_agent writer", "agent", "writer", 2),
    ]
    ((first,),) = ws.sql(
        "SELECT step_id FROM steps WHERE run_id = ? AND status = 'error' ORDER BY seq LIMIT 1", [run]
    ).fetchall()
    stated = _model_calls(ws, run, "pricer")[-1]
    assert [f[:4] for f in _findings(ws, run)] == [
        ("cascade", "critical", "pricer", stated),
        ("retry", "warning", "pricer", first),
        ("silent_failure", "critical", "pricer", stated),
    ]
    v = verdicts[run]
    assert v["culprit"].startswith("pricer ") and v["step"] == first


def _block(text: str, **more: object) -> dict:
    return {"type": "text", "text": text, "id": "b1", "created_at": "2026-12-06T14:05:10.612693", **more}


def test_agentscope_tool_result_shapes() -> None:
    """What is read as AgentScope's ToolResponse or reply blocks, and what is left as written."""
    response = {
        "content": [_block("price feed timeout"), _block("retry later")],
        "state": "error",
        "metadata": {},
    }
    assert tool_response(json.dumps(response)) == ("price feed timeout\nretry later", True)
    assert tool_response(json.dumps({**response, "state": "denied"}))[1] is True
    assert tool_response(json.dumps({**response, "state": "interrupted"}))[1] is False
    assert tool_response(json.dumps([_block("Shipping: 25.00 USD.")])) == ("Shipping: 25.00 USD.", False)
    for kept in (
        {**response, "other": 1},  # a field a ToolResponse has not
        {
            **response,
            "content": [*response["content"], {"type": "data", "id": "b2", "created_at": "t"}],
        },  # data
        {**response, "content": [{"type": "text", "text": "no time"}]},  # a block AgentScope did not write
        {**response, "content": []},
        {**response, "state": None},
    ):
        assert tool_response(json.dumps(kept)) is None, kept
    assert tool_response("price feed timeout") is None
    ack = "Structured output generated successfully."
    given = '{"result": "fail", "message": "12.40 is not 14.20"}'
    assert structured_output("GenerateStructuredOutput", given, ack, False) == given
    assert structured_output("GenerateStructuredOutput", "not JSON", ack, False) == ack
    assert structured_output("GenerateStructuredOutput", given, ack, True) == ack
    assert structured_output("get_price", given, ack, False) == ack
