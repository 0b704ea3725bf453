"""The review load of a HITL rule on ``handoffs`` (the policy escalates when hand-offs in a row bring
nothing new): raw traces have no outcome, yet a threshold on hand-offs sends runs to a human as surely
as one on latency. The review load reads the guard's own hand-off count (the replay the sweep reads) over
every run, known outcome or not; and the sweep and the review load share one step query, the runs of
unknown outcome in or out by a parameter."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.policy import HitlRule

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000


def _run(run_id: str, outcome: str | None, turns: list[tuple[str, str]]) -> list[dict]:
    """A run of agent turns (agent, what the turn says), each handing off to the next agent."""
    run: dict = {
        "record": "run",
        "run_id": run_id,
        "system": "unit",
        "task": "find order ORD-1",
        "outcome": outcome or "unknown",
    }
    recs: list[dict] = [run]
    for i, (agent, text) in enumerate(turns):
        recs.append(
            {
                "run_id": run_id,
                "step_id": f"s{i:03d}",
                "seq": i,
                "started_at": T0 + i * S,
                "ended_at": T0 + (i + 1) * S,
                "status": "ok",
                "kind": "llm",
                "agent": agent,
                "name": "gpt",
                "output": text,
            }
        )
    return recs


# idle: hand-offs that bring nothing new, one after another; busy: every turn states a new order id
IDLE = [
    ("planner", "please look"),
    ("worker", "looking"),
    ("planner", "please look"),
    ("worker", "looking"),
    ("planner", "please look"),
    ("worker", "looking"),
]
SHORT = IDLE[:3]
BUSY = [
    ("planner", "check ORD-2201"),
    ("worker", "found ORD-2202"),
    ("planner", "and ORD-2203"),
    ("worker", "found ORD-2204"),
]


def _store(labelled: bool) -> wb.Workspace:
    ws = wb.open()
    recs: list[dict] = []
    for run_id, turns, outcome in (
        ("idle", IDLE, "failure"),
        ("short", SHORT, "success"),
        ("busy", BUSY, "success"),
    ):
        recs += _run(run_id, outcome if labelled else None, turns)
    report = ws.ingest(recs, progress=False)
    assert report.quarantined == 0
    known = ws.sql("SELECT count(*) FROM runs WHERE outcome IN ('success', 'failure')").fetchall()[0][0]
    assert known == (3 if labelled else 0)
    return ws


@pytest.mark.parametrize("labelled", [False, True])
def test_review_load_counts_handoffs_as_the_sweep_and_the_guard_read_them(labelled: bool) -> None:
    ws = _store(labelled)
    load = wb.review_load(ws, "handoffs")
    assert load.n_runs == 3 and load.n_steps == len(IDLE) + len(SHORT) + len(BUSY)
    # the busy run's hand-offs each brought a new value: it never counts one; the idle run counts most
    top = load.curve["threshold"].max()
    assert top >= 2 and load.at(top)["escalated_runs"] == 1
    assert load.at(1)["escalated_runs"] == 2
    assert load.at(top + 1)["escalated_runs"] == 0
    # the sweep, on the same runs labelled, escalates the same runs at every threshold
    sweep = wb.sweep_thresholds(_store(True), signal="handoffs")
    for t in range(0, int(top) + 2):
        assert load.at(t)["escalated_runs"] == sweep.at(t).escalated_runs, t
        assert load.at(t)["escalated_steps"] == sweep.at(t).escalated_steps, t
    ws.close()


def test_tuner_on_unlabelled_runs_offers_handoffs() -> None:
    from workbench.widgets import ThresholdTuner

    tu = ThresholdTuner(_store(False), signal="handoffs")
    assert tu.review is not None and tu.review.load.signal == "handoffs"
    assert "handoffs" in tu.signal.options


def test_sweep_and_review_load_read_one_step_query_with_unknown_runs_by_parameter() -> None:
    from importlib import resources

    from workbench.store._outcomes import with_run_outcomes

    ws = _store(False)
    ws.ingest(_run("known", "failure", BUSY), progress=False)
    for name in ("signal_steps.sql", "column_steps.sql"):
        sql = with_run_outcomes(
            resources.files("workbench.thresholds").joinpath(f"sql/{name}").read_text("utf-8")
        )
        known = ws.con.execute(
            f"SELECT DISTINCT run_id FROM ({sql})", {"every_run": False, "silent": True}
        ).fetchall()
        every = ws.con.execute(
            f"SELECT DISTINCT run_id FROM ({sql})", {"every_run": True, "silent": True}
        ).fetchall()
        assert sorted(known) == [("known",)], name
        assert sorted(every) == [("busy",), ("idle",), ("known",), ("short",)], name
    ws.close()


def test_review_load_of_handoffs_is_what_a_live_guard_escalates() -> None:
    # the same runs fed to wb.Guard step by step: the runs a HITL rule on handoffs escalates at a
    # threshold are the runs the review load counts at it
    load = wb.review_load(_store(False), "handoffs")
    runs = {"idle": IDLE, "short": SHORT, "busy": BUSY}
    for t in range(0, int(load.curve["threshold"].max()) + 2):
        escalated: set[str] = set()
        guard = wb.Guard(
            wb.Policy(hitl=(HitlRule("handoffs", float(t)),)),
            on_escalate=lambda e, seen=escalated: seen.add(e.run_id),
        )
        for run_id, turns in runs.items():
            guard.start_run(run_id, task="find order ORD-1")
            for i, (agent, text) in enumerate(turns):
                guard.before_step(run_id, agent, "llm", started_at=float(i))
                guard.after_step(run_id, agent, "llm", ended_at=i + 1.0, output=text)
            guard.end_run(run_id)
        assert len(escalated) == load.at(t)["escalated_runs"], (t, escalated)
