"""False alarms the detectors raised on public real logs (Who&When, Magentic-One, AG2), each on a run of
that shape the test writes, beside the fault the detector is there for."""

from __future__ import annotations

import importlib
import json
from itertools import zip_longest

import pytest
from _runs import RunBuilder, _hits, _ws

import workbench as wb
from workbench.detect import DetectorConfig, detect


def _group_chat(run_id: str, executor_outputs: list[tuple[str, str]]) -> RunBuilder:
    """An AG2 group chat as Who&When logs it: experts write code in their messages, the executor
    runs it; the executor's step has no input (the code is in the message before it)."""
    run = RunBuilder(run_id)
    for k, (status, output) in enumerate(executor_outputs):
        run.add(
            kind="agent",
            agent="Expert",
            output=f"Here is version {k} of the script:\n```python\nprint({k})\n```",
        )
        run.add(
            kind="tool",
            agent="Computer_terminal",
            tool="Computer_terminal",
            status=status,
            error=output if status == "error" else None,
            output=output,
        )
    return run


def test_calls_whose_arguments_the_log_does_not_hold_are_no_loop_or_retry() -> None:
    # Every executor call had the signature of "no arguments", so any two in a row were "the same call":
    # a loop on 57 and a retry on 50 of the 126 Who&When Algorithm-Generated runs.
    chat = _group_chat(
        "chat",
        [
            ("error", "exitcode: 1 (execution failed)\nTraceback ..."),
            ("error", "exitcode: 1 (execution failed)\nNameError"),
            ("ok", "exitcode: 0 (execution succeeded)\nCode output: 12"),
            ("ok", "exitcode: 0 (execution succeeded)\nCode output: 13"),
        ],
    )
    same = RunBuilder("same")
    for status in ("error", "error", "ok", "ok", "ok"):
        same.add(
            kind="tool",
            agent="Expert",
            tool="run_code",
            input='{"code": "print(1)"}',
            status=status,
            error="boom" if status == "error" else None,
        )
    findings = detect(_ws(chat, same), detectors=["loop", "retry"])
    assert {(h["run_id"], h["detector"]) for h in findings.to_dict("records")} == {
        ("same", "loop"),
        ("same", "retry"),
    }
    assert json.loads(_hits(findings, "retry")[0]["attributes"])["retries"] == 2


def _page(title: str, body: str) -> str:
    return (
        f"I clicked '{title}'. Here is a screenshot of [{title}](https://example.org/{title.replace(' ', '-')}). "
        f"The viewport shows 17% of the webpage. The following text is visible in the viewport: {body}"
    )


def _magentic(run_id: str, pages: list[str], asks: list[str]) -> RunBuilder:
    """A Magentic-One run as Who&When logs it: each round the orchestrator updates its ledger, hands
    the web surfer an instruction and names it the next speaker; the surfer reports the page it sees."""
    run = RunBuilder(run_id)
    run.add(
        kind="human", agent="human", output="Find the family-friendly hikes in Yellowstone rated 4.5 or more."
    )
    for k, (page, ask) in enumerate(zip(pages, asks, strict=True)):
        run.add(
            kind="agent",
            agent="Orchestrator",
            output=f'Updated Ledger: {{"is_request_satisfied": {{"reason": "round {k}: not yet", "answer": false}}}}',
        )
        run.add(kind="handoff", agent="Orchestrator", output=ask)
        run.add(kind="agent", agent="Orchestrator", output="Next speaker WebSurfer")
        run.add(kind="agent", agent="WebSurfer", output=page)
    return run


def test_an_orchestrator_handing_out_new_work_is_no_ping_pong_a_surfer_stuck_on_one_page_is() -> None:
    # ping_pong fired on 54 of the 58 Who&When Hand-Crafted runs: an orchestrator and a worker taking
    # turns, with no tool call logged between, was "ping-pong" whatever they said.
    hikes = ["Old Faithful", "Fairy Falls", "Mystic Falls", "Grand Prismatic", "Lone Star Geyser"]
    working = _magentic(
        "working",
        [
            _page(h, f"{h} trail, {2 + k} miles, rated {4 + k / 10} by 1{k}3 families, open May to Oct")
            for k, h in enumerate(hikes)
        ],
        [f"Please open the page about the {h} trail and read its rating." for h in hikes],
    )
    stuck_page = "Search results for family-friendly hikes: 10 Best Yellowstone Kid Friendly Hikes, Tales of a Mountain Mama"
    stuck = _magentic(
        "stuck",
        [_page("10 Best Yellowstone Kid Friendly Hikes", stuck_page + f" (viewed {k})") for k in range(5)],
        [f"Please open the '10 Best Yellowstone Kid Friendly Hikes' page (attempt {k})." for k in range(5)],
    )
    findings = detect(_ws(working, stuck), detectors=["ping_pong"])
    hits = _hits(findings, "ping_pong")
    assert [h["run_id"] for h in hits] == ["stuck"]
    attrs = json.loads(hits[0]["attributes"])
    assert "WebSurfer" in attrs["repeated_by"] and attrs["exchanges"] >= 6
    assert "without progress" in hits[0]["detail"]


def test_an_expert_and_its_executor_making_headway_is_no_ping_pong() -> None:
    # Who&When Algorithm-Generated: 60 of 126 runs were "ping-pong" between an expert and the code executor.
    headway = _group_chat(
        "headway", [("ok", f"exitcode: 0 (execution succeeded)\nCode output: {k * 17}") for k in range(6)]
    )
    same = RunBuilder("same")  # the same script run again and again, the same output each time
    for _ in range(4):
        same.add(
            kind="agent",
            agent="Expert",
            output="Let me run the script again:\n```python\nprint(check_digit('8200000'))\n```",
        )
        same.add(
            kind="tool",
            agent="Computer_terminal",
            tool="Computer_terminal",
            output="exitcode: 0 (execution succeeded)\nCode output: X",
        )
    hits = _hits(detect(_ws(headway, same), detectors=["ping_pong"]), "ping_pong")
    assert [h["run_id"] for h in hits] == ["same"]


def _mathchat() -> RunBuilder:
    """AG2 MathChat as the MAST sample logs it: the proxy answers every message that has no code
    with the same prompt, while the assistant keeps saying, in other words, that it cannot go on."""
    run = RunBuilder("mathchat")
    run.add(
        kind="agent",
        agent="mathproxyagent",
        output="Let's use Python to solve a math problem. Monica is wrapping gifts...",
    )
    for words in [
        "In the current problem, I don't have enough information to solve the problem.",
        "I'm sorry, but I really need more information to solve this problem.",
        "Based on the current information provided, we cannot continue: some crucial data is missing.",
        "Since the problem does not give the length of ribbon available, it cannot be solved.",
    ]:
        run.add(kind="agent", agent="assistant", output=words)
        run.add(
            kind="agent",
            agent="mathproxyagent",
            output="Continue. Please keep solving the problem until you need to query. "
            "(If you get to the answer, put it in \\boxed{}.)",
        )
    return run


def test_a_proxy_repeating_its_prompt_to_a_stuck_assistant_is_ping_pong_and_a_repeated_reply() -> None:
    findings = detect(_ws(_mathchat()), detectors=["ping_pong", "repeated_reply"])
    (pp,) = _hits(findings, "ping_pong")
    assert json.loads(pp["attributes"])["repeated_by"] == ["mathproxyagent"]
    (rr,) = _hits(findings, "repeated_reply")
    assert rr["agent"] == "mathproxyagent" and json.loads(rr["attributes"])["replies"] == 4
    assert "Continue. Please keep solving" in rr["detail"]


def _langgraph_node(run: RunBuilder, node: str, llm_output: str) -> None:
    """A LangGraph node as OpenInference records it: the node's span, the chat model's span under it
    (the node's output repeats the model's, wrapped in the graph state)."""
    span = run.add(kind="agent", agent=node, output=json.dumps({"messages": [json.loads(llm_output)]}))
    run.add(kind="llm", agent=node, parent_id=span, output=llm_output)


def test_an_agent_saying_it_needs_more_info_until_the_recursion_limit_is_a_repeated_reply() -> None:
    stuck = RunBuilder("stuck")
    for _ in range(6):
        _langgraph_node(stuck, "researcher", json.dumps({"role": "assistant", "content": "Need more info."}))
        _langgraph_node(
            stuck,
            "supervisor",
            json.dumps(
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {"id": "call_x", "function": {"name": "route", "arguments": '{"to": "researcher"}'}}
                    ],
                }
            ),
        )
    findings = detect(_ws(stuck), detectors=["repeated_reply"])
    (hit,) = _hits(findings, "repeated_reply")
    assert hit["agent"] == "researcher" and hit["severity"] == "critical"
    attrs = json.loads(hit["attributes"])
    assert attrs["replies"] == 6, "the node span wrapping each model call is no second reply"


def test_acknowledgements_and_tool_calls_said_again_and_again_are_no_repeated_reply() -> None:
    chat = RunBuilder("chat")
    for k in range(5):
        chat.add(
            kind="agent",
            agent="writer",
            output=f"Draft {k}: the quarterly revenue grew by {k + 3}% on the year.",
        )
        chat.add(kind="agent", agent="critic", output="OK")
        chat.add(
            kind="llm",
            agent="caller",
            output=json.dumps(
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {"id": f"call_{k}", "function": {"name": "search", "arguments": '{"q": "revenue"}'}}
                    ],
                }
            ),
        )
        chat.add(
            kind="llm",
            agent="claude",
            output=json.dumps(
                {
                    "role": "assistant",
                    "content": [
                        {"type": "tool_use", "id": f"toolu_{k}", "name": "search", "input": {"q": "revenue"}}
                    ],
                }
            ),
        )
    chat.add(kind="agent", agent="critic", output="TERMINATE")
    assert _hits(detect(_ws(chat), detectors=["repeated_reply"]), "repeated_reply") == []
    # the same replies with a lower bar on words: the acknowledgements are found, the tool calls are not
    found = _hits(
        detect(_ws(chat), detectors=["repeated_reply"], config=DetectorConfig(repeat_min_words=1)),
        "repeated_reply",
    )
    assert [h["agent"] for h in found] == ["critic"]


def test_repeat_settings_are_checked() -> None:
    with pytest.raises(wb.WorkbenchError, match="'repeat_similarity' must be in \\(0, 1\\] \\(got 1.5\\)"):
        DetectorConfig(repeat_similarity=1.5)
    with pytest.raises(wb.WorkbenchError, match="'repeat_min_replies' must be >= 2"):
        DetectorConfig(repeat_min_replies=1)


def test_a_failed_run_of_code_the_next_expert_fixes_is_no_cascade() -> None:
    # Who&When Algorithm-Generated: 85 cascade origins in 65 of 126 runs, every one an executor error
    # that the next expert read (a 'consumes' edge), fixed, and had run again with success.
    def chat(run_id: str, statuses: list[str]) -> RunBuilder:
        run = RunBuilder(run_id, outcome="failure")
        before = None
        for k, status in enumerate(statuses):
            said = run.add(kind="agent", agent="Expert", output=f"Version {k} of the script.")
            if before:
                run.edge(before, said)
            ran = run.add(
                kind="tool",
                agent="Computer_terminal",
                tool="Computer_terminal",
                status=status,
                error="exitcode: 1 (execution failed)" if status == "error" else None,
                output=f"exitcode: {int(status == 'error')}",
            )
            run.edge(said, ran)
            before = ran
        run.add(kind="agent", agent="Reviewer", output="Looks fine to me.")
        run.edge(before, f"s{run.i - 1:02d}")
        return run

    fixed = chat("fixed", ["error", "error", "ok"])
    never = chat("never", ["ok", "error"])  # the last run failed and the reviewer built on it
    origins = [
        h
        for h in _hits(detect(_ws(fixed, never), detectors=["cascade"]), "cascade")
        if h["severity"] == "critical"
    ]
    assert [(h["run_id"], h["agent"]) for h in origins] == [("never", "Computer_terminal")]


def test_replies_in_chunks_on_parallel_connections_give_the_same_findings(monkeypatch) -> None:  # noqa: ANN001
    stuck = _magentic(
        "stuck",
        [_page("Search", "the same results page") for _ in range(5)],
        ["Please open the first result." for _ in range(5)],
    )
    # the two runs' records interleaved, so each run's rows spread over the table
    interleaved = [rec for group in zip_longest(_mathchat().records, stuck.records) for rec in group if rec]
    ws = wb.open()
    ws.ingest(interleaved)
    ws.con.execute("SET threads = 2")
    detectors = ["ping_pong", "repeated_reply"]
    whole = detect(ws, detectors=detectors)
    assert set(whole["run_id"]) == {"mathchat", "stuck"} and set(whole["detector"]) == set(detectors)
    monkeypatch.setattr(importlib.import_module("workbench.detect._runner"), "CHUNK_STEPS", 5)
    chunked = detect(ws, detectors=detectors)
    cols = ["run_id", "step_id", "detector", "severity", "detail"]
    assert chunked[cols].sort_values(cols).values.tolist() == whole[cols].sort_values(cols).values.tolist()
