"""Ping-pong and repeated replies in the guard and the backtest: the detectors' rules, read step by step.

Runs written here as native records: a real bounce (a draft sent back unchanged, with a tool call that
finds nothing new), an orchestrator handing a worker new work (Magentic-One's shape), a two-agent Q&A.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

import workbench as wb
from workbench.exceptions import PolicyError
from workbench.guard import Guard
from workbench.policy import Loops, Policy, PolicyViolation
from workbench.policy._propose import run_peaks

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
DRAFT = (
    "Here is the draft of the supplier summary: the vendor ships batteries in packs of twenty four "
    "and delivers within a week of the order."
)
REVIEW = (
    "Please revise the draft, it has to cite the supplier contract and the delivery terms before "
    "I can approve it for the buyer."
)


class Run:
    def __init__(self, run_id: str, outcome: str = "failure") -> None:
        self.run_id = run_id
        self.records: list[dict] = [
            {"record": "run", "run_id": run_id, "system": "unit", "task": "t", "outcome": outcome}
        ]
        self.steps: list[dict] = []

    def add(
        self,
        agent: str,
        kind: str,
        output: object = None,
        tool: str | None = None,
        args: object = None,
        status: str = "ok",
    ) -> None:
        i = len(self.steps)
        rec = {
            "run_id": self.run_id,
            "step_id": f"s{i:03d}",
            "agent": agent,
            "kind": kind,
            "status": status,
            "started_at": (T0 + timedelta(seconds=i)).isoformat(),
            "ended_at": (T0 + timedelta(seconds=i, milliseconds=400)).isoformat(),
            "latency_ms": 400.0,
        }
        if tool is not None:
            rec["tool"] = tool
        if args is not None:
            rec["input"] = args
        if output is not None:
            rec["output"] = output
        self.steps.append(rec)
        self.records.append(rec)


def bounce(turns: int = 6) -> Run:
    """A writer sends the same draft back after every review; its search finds what it found before."""
    run = Run("bounce")
    for i in range(turns):
        if i % 2 == 0:
            run.add(
                "writer",
                "tool",
                [{"doc": "contract.pdf", "hits": 0}],
                tool="search_docs",
                args={"q": "contract"},
            )
            run.add("writer", "llm", {"role": "assistant", "content": DRAFT})
        else:
            run.add("reviewer", "llm", REVIEW)
    return run


def orchestrator(turns: int = 8) -> Run:
    """Magentic-One's shape: nearly the same instruction each time, a worker answering with new figures."""
    run = Run("orchestrated", outcome="success")
    items = ["AA batteries", "USB cables", "HDMI adapters", "desk lamps"]
    for i in range(turns // 2):
        run.add(
            "orchestrator",
            "llm",
            f"Please open the product page of the {items[i]} on the supplier "
            "site and report the unit price and the stock level shown there.",
        )
        run.add(
            "web_surfer",
            "tool",
            f"<html>{items[i]} page {i}</html>",
            tool="visit_url",
            args={"url": f"https://supplier.example/{i}"},
        )
        run.add(
            "web_surfer",
            "llm",
            f"The product page of the {items[i]} on the supplier site lists SKU-{100 + i} "
            f"at a unit price of {12 + i}.49 with {40 + 7 * i} units in stock.",
        )
    return run


def nagging(turns: int = 8) -> Run:
    """An orchestrator asking for the same page again and again, in nearly the same words."""
    run = Run("nagging")
    for i in range(turns // 2):
        run.add(
            "orchestrator",
            "llm",
            "Please open the product page of the AA batteries on the supplier site and "
            f"report the unit price.\nReminder {i}: the answer before was not usable.",
        )
        run.add("web_surfer", "llm", f"I could not open the page (attempt {i}).")
    return run


def questions(turns: int = 8) -> Run:
    run = Run("qa", outcome="success")
    for i in range(turns // 2):
        run.add("user_proxy", "human", f"Question {i}: what does step {i} of the plan need from the buyer?")
        run.add("assistant", "llm", f"Step {i} needs the buyer's approval of budget line {i} only.")
    return run


def ws_of(*runs: Run) -> wb.Workspace:
    ws = wb.open()
    ws.ingest([r for run in runs for r in run.records], progress=False)
    return ws


def feed(guard: Guard, run: Run) -> list[tuple]:
    """The guard's decisions on a run's steps, in the backtest's form; stops at a cut."""
    out = []
    for rec in run.steps:
        sid, agent, kind = rec["step_id"], rec["agent"], rec["kind"]
        try:
            d = guard.before_step(run.run_id, agent, kind, rec.get("tool"), rec.get("input"))
            out.append((run.run_id, sid, "before", d.action, d.rule))
        except PolicyViolation as exc:
            out.append((run.run_id, sid, "before", "cut", exc.rule))
            break
        try:
            d = guard.after_step(
                run.run_id,
                agent,
                kind,
                rec.get("tool"),
                rec.get("input"),
                status=rec["status"],
                latency_ms=rec["latency_ms"],
                output=rec.get("output"),
            )
            out.append((run.run_id, sid, "after", d.action, d.rule))
        except PolicyViolation as exc:
            out.append((run.run_id, sid, "after", "cut", exc.rule))
            break
    return out


def test_an_orchestrator_handing_out_new_work_and_a_qa_are_not_ping_pong() -> None:
    # the strictest limit: any bounce at all is cut
    guard = Guard(Policy(loops=Loops(max_pingpong=1)))
    for run in (orchestrator(), questions()):
        assert {d[3] for d in feed(guard, run)} == {"allow"}, run.run_id
    assert wb.detect(ws_of(orchestrator(), questions()), detectors=["ping_pong"]).empty


def test_a_draft_bounced_back_unchanged_is_cut() -> None:
    guard = Guard(Policy(loops=Loops(max_pingpong=2)))
    decisions = feed(guard, bounce())
    # writer, reviewer, writer (2 exchanges: allowed), reviewer again with nothing new: 3 exchanges, cut
    # at the first step of the next turn (the writer's search)
    assert decisions[-1] == ("bounce", "s006", "before", "cut", "max_pingpong")
    guard = Guard(Policy(loops=Loops(max_pingpong=2)))
    with pytest.raises(PolicyViolation, match="max_pingpong is 3, the limit is 2"):
        for rec in bounce().steps:
            guard.before_step("b", rec["agent"], rec["kind"], rec.get("tool"), rec.get("input"))
            guard.after_step(
                "b", rec["agent"], rec["kind"], rec.get("tool"), rec.get("input"), output=rec.get("output")
            )


def test_a_new_tool_result_or_new_value_is_progress() -> None:
    run = bounce(8)
    run.steps[3]["output"] = [{"doc": "contract.pdf", "hits": 3}]  # the second search found something
    # the stretch starts at turn 5 instead of 3: cut at the first step of turn 7, not of turn 5
    assert feed(Guard(Policy(loops=Loops(max_pingpong=2))), run)[-1] == (
        "bounce",
        "s009",
        "before",
        "cut",
        "max_pingpong",
    )
    assert json.loads(wb.detect(ws_of(run), detectors=["ping_pong"])["attributes"].iloc[0])["exchanges"] == 5
    run = bounce(8)
    run.steps[2]["output"] = REVIEW + " The contract is CT-2291."  # the reviewer brought a value
    # no bounce at turn 3 (the review before it stated CT-2291); from turn 4 on the reviewer's nearly-same
    # review and the same draft bounce: cut at the first step of turn 6
    assert feed(Guard(Policy(loops=Loops(max_pingpong=2))), run)[-1] == (
        "bounce",
        "s008",
        "before",
        "cut",
        "max_pingpong",
    )
    found = wb.detect(ws_of(run), detectors=["ping_pong"])
    assert json.loads(found["attributes"].iloc[0])["exchanges"] == 6  # turns 4 to 8: 8 - 4 + 2


def test_repeated_replies_are_cut_as_the_detector_counts_them() -> None:
    guard = Guard(Policy(loops=Loops(max_repeated_replies=2)))
    for _ in range(2):
        guard.before_step("r", "planner", "llm")
        guard.after_step("r", "planner", "llm", output="I need the budget before I can plan the order.")
        guard.before_step("r", "planner", "llm")
        guard.after_step("r", "planner", "llm", output="OK")  # too short to count, and breaks nothing
    guard.before_step("r", "planner", "llm")
    with pytest.raises(PolicyViolation, match="max_repeated_replies is 3, the limit is 2"):
        guard.after_step("r", "planner", "llm", output="I need the  BUDGET before I can plan the order.")


def test_measured_peaks_are_the_detectors_counts() -> None:
    ws = ws_of(bounce(), orchestrator(), questions(), nagging())
    found = wb.detect(ws, detectors=["ping_pong", "repeated_reply"])
    peaks = run_peaks(ws).set_index("run_id")
    pp = found[found["detector"] == "ping_pong"]
    # the nagging orchestrator and the surfer that finds nothing bounce the work too
    assert list(pp["run_id"]) == ["bounce", "nagging"]
    # bounces at turns 3 to 6: 6 - 3 + 2 exchanges; the orchestrator's at turns 3, 5 and 7: 7 - 3 + 2
    assert peaks.loc["bounce", "max_pingpong"] == json.loads(pp["attributes"].iloc[0])["exchanges"] == 5
    assert peaks.loc["nagging", "max_pingpong"] == json.loads(pp["attributes"].iloc[1])["exchanges"] == 6
    reps = {
        (r, json.loads(a)["replies"])
        for r, d, a in found[["run_id", "detector", "attributes"]].itertuples(index=False)
        if d == "repeated_reply"
    }
    # the orchestrator naming another product each time, in the same template, repeats nothing; asking
    # for the same page in nearly the same words (a reminder line below) is a repeated reply
    assert reps == {("bounce", 3), ("nagging", 4)}
    assert (
        peaks.loc["bounce", "max_repeated_replies"] == 3 and peaks.loc["nagging", "max_repeated_replies"] == 4
    )
    assert peaks.loc["orchestrated", "max_repeated_replies"] == 1
    assert peaks.loc["orchestrated", "max_pingpong"] == peaks.loc["qa", "max_pingpong"] == 0
    assert peaks.loc["qa", "max_repeated_replies"] == 1


@pytest.mark.parametrize(
    "loops",
    [
        Loops(max_pingpong=1),
        Loops(max_pingpong=2, max_repeated_replies=2),
        Loops(max_pingpong=3),
        Loops(max_repeated_replies=1),
    ],
)
def test_guard_and_backtest_agree_step_for_step(loops: Loops) -> None:
    policy = Policy(loops=loops)
    runs = [bounce(), orchestrator(), questions(), nagging()]
    report = wb.backtest(policy, ws_of(*runs), steps=True)
    expected = [
        (r, s, p, a, None if rule != rule else rule)
        for r, s, _q, p, a, rule in report.steps.itertuples(index=False, name=None)
    ]
    got = [d for run in runs for d in feed(Guard(policy), run)]
    assert sorted(got, key=str) == sorted(expected, key=str)
    assert any(d[3] == "cut" for d in got)


def test_policy_files_of_the_previous_format() -> None:
    old = "schema: workbench.policy/v1\nbudgets: {max_tool_calls_run: 25}\nloops: {max_repeats: 1, window: 20}\n"
    assert Policy.from_yaml(old).budgets.max_tool_calls_run == 25
    assert (
        Policy.from_yaml(old.replace("window: 20", "window: 20, max_pingpong: null")).loops.max_pingpong
        is None
    )
    with pytest.raises(
        PolicyError,
        match=r"policy: loops\.max_pingpong: in workbench\.policy/v1 it limited any "
        r"alternation.*schema: workbench\.policy/v4",
    ):
        Policy.from_yaml(old.replace("window: 20", "window: 20, max_pingpong: 3"))
    new = Policy.from_yaml(old.replace("v1", "v2").replace("window: 20", "window: 20, max_pingpong: 3"))
    assert new.loops.max_pingpong == 3 and new.to_dict()["schema"] == "workbench.policy/v4"
    assert Policy.from_json(new.to_json()) == new


def test_agent_steps_echoing_their_calls_are_said_once() -> None:
    # An agent span whose output repeats its LLM call's (OpenInference, Langfuse) is not a second reply;
    # two agent steps with no steps under them (Who&When turns) saying the same are two.
    spans = Run("wrapped")
    drafts = [
        "The vendor ships batteries in packs of twenty four, and the order goes out this week.",
        "Cables come from the second supplier instead, whose contract allows a smaller minimum order.",
        "Final plan: lamps are postponed until the budget review next month, everything else is ordered.",
    ]
    for i, draft in enumerate(drafts):
        spans.add("writer", "agent", draft)
        spans.steps[-1]["step_id"] = spans.records[-1]["step_id"] = f"a{i}"
        spans.add("writer", "llm", spans.steps[-1]["output"])
        spans.steps[-1]["parent_id"] = f"a{i}"
        spans.add("reviewer", "llm", f"Noted draft {i}, thanks, go on.")
    turns = Run("whowhen")
    for _ in range(2):
        turns.add("writer", "agent", DRAFT)
    ws = ws_of(spans, turns)
    found = wb.detect(ws, detectors=["repeated_reply"], config={"repeat_min_replies": 2})
    peaks = run_peaks(ws).set_index("run_id")["max_repeated_replies"]
    assert list(found["run_id"]) == ["whowhen"]
    assert peaks.to_dict() == {"whowhen": 2, "wrapped": 1}
