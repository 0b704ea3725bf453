"""The ``handoffs`` signal (replayed through the guard's hand-off counter) is read at exactly the steps
every other running signal is read at (``thresholds/sql/signal_steps.sql``): a step with steps under it
carries none, whatever its kind — an agent span, and a trace's root span too."""

from __future__ import annotations

from importlib import resources

import workbench as wb
from workbench.store._outcomes import with_run_outcomes
from workbench.thresholds._handoff_signal import handoff_signal

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000


def _run(run_id: str, outcome: str) -> list[dict]:
    recs: list[dict] = [{"record": "run", "run_id": run_id, "system": "unit", "outcome": outcome}]

    def step(i: int, **fields: object) -> None:
        recs.append(
            {
                "run_id": run_id,
                "step_id": f"s{i:03d}",
                "seq": i,
                "started_at": T0 + i * S,
                "ended_at": T0 + (i + 1) * S,
                "status": "ok",
                **fields,
            }
        )

    step(0, kind="chain", name="app")  # the trace's root: encloses all
    step(1, kind="agent", agent="planner", name="planner", parent_id="s000")  # an agent span enclosing
    step(2, kind="llm", agent="planner", name="gpt", parent_id="s001", output="ask the worker")
    step(3, kind="handoff", agent="planner", name="hand off", parent_id="s001", output="worker")
    step(4, kind="agent", agent="worker", name="worker", parent_id="s000", output="nothing yet")  # a turn
    step(5, kind="tool", agent="worker", tool="lookup", name="lookup", parent_id="s000", output="ORD-7")
    return recs


def test_handoffs_read_at_the_same_steps_as_the_other_running_signals() -> None:
    ws = wb.open()
    ws.ingest(_run("a", "failure") + _run("b", "success"))
    sql = with_run_outcomes(
        resources.files("workbench.thresholds").joinpath("sql/signal_steps.sql").read_text("utf-8")
    )
    counted = sorted(
        ws.con.execute(f"SELECT run_id, seq FROM ({sql})", {"every_run": False, "silent": True}).fetchall()
    )
    replayed = sorted(zip(*(handoff_signal(ws.con)[c] for c in ("run_id", "seq")), strict=True))
    seqs = {seq for _, seq in counted}
    assert 0 not in seqs and 1 not in seqs  # the root and the enclosing agent span carry none
    assert {2, 3, 4, 5} <= seqs  # the leaf agent turn does
    assert replayed == counted
    ws.close()
