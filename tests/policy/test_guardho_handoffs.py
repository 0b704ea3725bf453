"""The hand-off breaker in the guard and the backtest: the handoff_breach detector's rule, read step by step.

Runs written here as native records, Magentic-One's shape as Who&When logs it: each round an orchestrator
hands a web surfer an instruction (a hand-off step) and the surfer works (a tool call, then its report),
two hand-offs a round. One surfer keeps bringing results, one is stuck on a page that will not load.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

import workbench as wb
from workbench.guard import Guard
from workbench.policy import Breakers, Policy, PolicyViolation
from workbench.policy._propose import run_peaks

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
TASK = "Find the opening hours of the bakeries on Elm Street in directory DIR-7."


class Run:
    def __init__(self, run_id: str, outcome: str = "failure") -> None:
        self.run_id = run_id
        self.records: list[dict] = [
            {"record": "run", "run_id": run_id, "system": "unit", "task": TASK, "outcome": outcome}
        ]
        self.steps: list[dict] = []

    def add(
        self, agent: str, kind: str, output: object = None, tool: str | None = None, status: str = "ok"
    ) -> str:
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
            rec["input"] = {"url": "https://bing.example/search?q=bakeries+elm+street"}
        if output is not None:
            rec["output"] = output
        self.steps.append(rec)
        self.records.append(rec)
        return rec["step_id"]

    def round(self, page: str, report: str, status: str = "ok") -> None:
        self.add("Orchestrator", "handoff", "Please open the next result and report what it says.")
        self.add("WebSurfer", "tool", page, tool="visit_url", status=status)
        self.add("WebSurfer", "agent", report)

    def stall(self) -> None:
        """A round on a page that will not load: the search page seen before, a failed call (its error
        text is no result), and a report naming nothing new (DIR-7 is the task's)."""
        self.add("Orchestrator", "handoff", "Please open the next result and report what it says.")
        self.add("WebSurfer", "tool", "<html>Bakery 2, 102 Elm Street</html>", tool="visit_url")
        self.add(
            "WebSurfer",
            "tool",
            "Timeout loading https://bakery-elm.example",
            tool="visit_url",
            status="error",
        )
        self.add(
            "WebSurfer", "agent", "The page did not load; I still see directory DIR-7 and the same results."
        )


def working(rounds: int = 20) -> Run:
    """Each round the surfer opens a new page and reports new hours and a phone number."""
    run = Run("working", outcome="success")
    for k in range(rounds):
        run.round(
            f"<html>Bakery {k}, {100 + k} Elm Street</html>",
            f"Bakery {k} at {100 + k} Elm Street opens at {6 + k % 3}:30, phone 555-01{k:02d}.",
        )
    return run


def bakery(run: Run, k: int) -> None:
    run.round(
        f"<html>Bakery {k}, {100 + k} Elm Street</html>", f"Bakery {k} at {100 + k} Elm Street opens at 7:30."
    )


def stuck(good: int = 3, bad: int = 6) -> Run:
    """Three rounds with results, then rounds on a page that will not load."""
    run = Run("stuck")
    for k in range(good):
        bakery(run, k)
    for _ in range(bad):
        run.stall()
    return run


def ws_of(*runs: Run) -> wb.Workspace:
    ws = wb.open()
    ws.ingest([r for run in runs for r in run.records], progress=False)
    return ws


def feed(guard: Guard, run: Run, task: str | None = TASK) -> list[tuple]:
    """The guard's decisions on a run's steps, in the backtest's form; stops at a cut."""
    if task is not None:
        guard.start_run(run.run_id, task=task)
    out = []
    for rec in run.steps:
        sid, agent, kind, tool = rec["step_id"], rec["agent"], rec["kind"], rec.get("tool")
        try:
            d = guard.before_step(run.run_id, agent, kind, tool, rec.get("input"))
            out.append((run.run_id, sid, "before", d.action, d.rule))
        except PolicyViolation as exc:
            out.append((run.run_id, sid, "before", "cut", exc.rule))
            break
        try:
            d = guard.after_step(
                run.run_id,
                agent,
                kind,
                tool,
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


def breaches(ws: wb.Workspace, limit: int) -> dict[str, dict]:
    found = wb.detect(ws, detectors=["breach"], config={"max_handoffs": limit})
    return {
        r: json.loads(a)
        for r, d, a in found[["run_id", "detector", "attributes"]].itertuples(index=False)
        if d == "handoff_breach"
    }


def test_an_orchestrator_handing_off_twice_a_round_with_new_results_is_not_cut() -> None:
    # 39 hand-offs; each surfer turn brings a new page and new figures, so no two in a row bring nothing
    # (the orchestrator's repeated instruction is one that brings nothing, the surfer's answer ends it)
    policy = Policy(breakers=Breakers(max_handoffs=1))
    assert {d[3] for d in feed(Guard(policy), working())} == {"allow"}
    ws = ws_of(working())
    assert breaches(ws, 1) == {}
    assert wb.backtest(policy, ws).runs["decision"].tolist() == ["allowed"]
    assert run_peaks(ws).set_index("run_id").loc["working", "max_handoffs"] == 1


def test_a_stuck_stretch_is_cut_where_the_count_passes_the_limit() -> None:
    run = stuck()
    # turns: O, W (rounds 1-3, 9 steps: s000-s008), then from round 4 (s009) every turn brings nothing:
    # O4 s009, W4 s010-s012, O5 s013, W5 s014-s016, O6 s017 (the fifth hand-off in a row, past 4),
    # judged when it ends: the cut comes at W6's first step, s018
    policy = Policy(breakers=Breakers(max_handoffs=4))
    got = feed(Guard(policy), run)
    assert got[-1] == ("stuck", "s018", "before", "cut", "max_handoffs")
    assert {d[3] for d in got[:-1]} == {"allow"}
    with pytest.raises(PolicyViolation, match="max_handoffs is 5, the limit is 4"):
        _raise_at_cut(Guard(policy), run)
    ws = ws_of(run)
    (attrs,) = breaches(ws, 4).values()
    assert attrs["first_step"] == "s009" and attrs["tripped_at"] == "s017" and attrs["handoffs"] == 12
    report = wb.backtest(policy, ws, steps=True)
    assert report.runs[["cut_step", "cut_rule"]].values.tolist() == [["s018", "max_handoffs"]]
    expected = [
        (r, s, p, a, None if rule != rule else rule)
        for r, s, _q, p, a, rule in report.steps.itertuples(index=False, name=None)
    ]
    assert got == expected
    # what a policy learns from: the longest stretch, as the detector counts it (the last turn judged at
    # the end of the run)
    assert run_peaks(ws).set_index("run_id").loc["stuck", "max_handoffs"] == attrs["handoffs"] == 12


def _raise_at_cut(guard: Guard, run: Run) -> None:
    guard.start_run(run.run_id, task=TASK)
    for rec in run.steps:
        guard.before_step(run.run_id, rec["agent"], rec["kind"], rec.get("tool"), rec.get("input"))
        guard.after_step(
            run.run_id,
            rec["agent"],
            rec["kind"],
            rec.get("tool"),
            rec.get("input"),
            status=rec["status"],
            output=rec.get("output"),
        )


def test_a_value_of_the_task_is_no_news_a_new_one_is() -> None:
    policy = Policy(breakers=Breakers(max_handoffs=4))
    # not told the task, the guard takes the surfer's first "DIR-7" (s012) for news: the stretch starts a
    # turn later (O5 s013), passes 4 at O7 (s021), the cut at W7's first step
    assert feed(Guard(policy), stuck(), task=None)[-1] == ("stuck", "s022", "before", "cut", "max_handoffs")
    guard = Guard(policy)
    with guard.run("stuck", task=TASK):
        assert feed(guard, stuck(), task=None)[-1] == ("stuck", "s018", "before", "cut", "max_handoffs")
    # a report with a figure never stated before brings something: the stretch starts again after it.
    # W5 (s014-s016) reports a cached opening time: from O6 (s017) on, 12 turns bring nothing; the fifth,
    # O8 (s025), passes 4: the cut at W8's first step
    run = stuck(bad=8)
    run.steps[16]["output"] = "The page did not load, but the cached copy says it opens at 6:45."
    ws = ws_of(run)
    (attrs,) = breaches(ws, 4).values()
    assert attrs["first_step"] == "s017" and attrs["tripped_at"] == "s025" and attrs["handoffs"] == 12
    assert feed(Guard(policy), run)[-1] == ("stuck", "s026", "before", "cut", "max_handoffs")


def test_a_tool_named_only_by_its_name_is_that_tool() -> None:
    # A log that names a call's tool only in the step's name (tool unset): the detector keys a result by
    # the name, so the same page from another tool is a new result; the backtest reads it so too
    run = stuck()
    for k, rec in enumerate(r for r in run.steps if r["kind"] == "tool" and r["status"] == "ok"):
        rec["name"] = f"browser_action_{k}"
        del rec["tool"]
    ws = ws_of(run)
    assert breaches(ws, 1) == {}
    assert wb.backtest(Policy(breakers=Breakers(max_handoffs=1)), ws).runs["decision"].tolist() == ["allowed"]


def test_the_breaker_trips_in_the_first_stretch_past_the_limit_not_the_longest() -> None:
    # 7 turns in a row bring nothing (O4 s009 to O7 s021), the surfer's new page (s022) ends them, then 14
    # (O8 s024 to the end): the finding names the longest stretch, and trips where the guard does, in the
    # first one (O6 s017, the fifth; the cut at W6's first step)
    run = stuck(bad=3)
    bakery(run, 3)
    for _ in range(7):
        run.stall()
    ws = ws_of(run)
    (attrs,) = breaches(ws, 4).values()
    assert (attrs["handoffs"], attrs["first_step"], attrs["tripped_at"]) == (14, "s024", "s017")
    policy = Policy(breakers=Breakers(max_handoffs=4))
    assert feed(Guard(policy), run)[-1] == ("stuck", "s018", "before", "cut", "max_handoffs")
    assert wb.backtest(policy, ws).runs["cut_step"].tolist() == ["s018"]


def test_start_run_takes_each_lock_once() -> None:
    # start_run held the guard's lock while looking the run up, and the lookup takes that lock itself
    # (a threading.Lock is not re-entrant): the first call hung for ever.
    guard = Guard(Policy(breakers=Breakers(max_handoffs=2)))
    worker = threading.Thread(
        target=guard.start_run, args=("r1",), kwargs={"task": "order 4471 for 12 units"}, daemon=True
    )
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()
    with guard.run("r2", task="order 4472"):
        pass


@pytest.mark.parametrize("old", ["workbench.policy/v1", "workbench.policy/v2"])
def test_policy_files_that_counted_every_hand_off(old: str) -> None:
    # A v1/v2 file's max_handoffs limited every hand-off step; read with today's meaning (idle hand-offs in
    # a row) the same number would let a run hand off many times more: refused, naming the field.
    doc = f"schema: {old}\nbreakers: {{max_depth: 8, max_handoffs: 15}}\n"
    with pytest.raises(
        wb.PolicyError,
        match=r"policy: breakers\.max_handoffs: in workbench\.policy/v[12] it "
        r"limited every hand-off step.*schema: workbench\.policy/v4",
    ):
        Policy.from_yaml(doc)
    assert Policy.from_yaml(doc.replace("max_handoffs: 15", "max_handoffs: null")).breakers.max_depth == 8
    new = Policy.from_yaml(doc.replace(old, "workbench.policy/v4"))
    assert new.breakers.max_handoffs == 15 and new.to_dict()["schema"] == "workbench.policy/v4"
    assert Policy.from_json(new.to_json()) == new
