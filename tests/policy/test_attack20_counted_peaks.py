"""A count the decision core measures only when what it counts happens (a retry, a tool call) is 0 in a run where
none happened. ``policy_from_findings`` dropped such runs as unmeasured, so the floor of five successful runs
(lead21) saw only the successes that retried: 20 successful runs, 2 of them retrying once, gave "no limit on
max_retries: fewer than 5 successful runs to weigh it against (20 in all)", while 6 failed runs retried 5 times."""

from __future__ import annotations

import workbench as wb
from workbench.policy import Budgets
from workbench.policy._limits import _COUNTS
from workbench.policy._propose import _COUNTED

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000


def _run(run_id: str, outcome: str, calls: int, failing: int) -> list[dict]:
    """One native run of ``calls`` look-ups of one price, the first ``failing`` of them failed."""
    recs: list[dict] = [{"record": "run", "run_id": run_id, "system": "shop", "outcome": outcome}]
    steps = [{"kind": "system", "name": "run", "status": "ok"}] + [
        {
            "kind": "tool",
            "agent": "pricer",
            "tool": "get_price",
            "input": '{"sku": "SKU-7"}',
            "output": "timed out" if i < failing else '{"price": 12.50}',
            "status": "error" if i < failing else "ok",
        }
        for i in range(calls)
    ]
    for i, fields in enumerate(steps):
        start = T0 + i * S
        recs.append(
            {
                "run_id": run_id,
                "step_id": f"s{i:02d}",
                "started_at": start,
                "ended_at": start + S // 2,
                **({"parent_id": "s00"} if i else {}),
                **fields,
            }
        )
    return recs


def _store() -> wb.Workspace:
    records: list[dict] = []
    for i in range(6):
        records += _run(f"bad{i}", "failure", 6, 6)  # 5 retries of a call failing each time
    for i in range(20):
        records += _run(f"good{i}", "success", 2, 1) if i < 2 else _run(f"good{i}", "success", 1, 0)
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_successes_that_never_retried_weigh_the_retry_limit() -> None:
    ws = _store()
    policy = wb.policy_from_findings(ws)
    assert policy.budgets.max_retries == 1
    assert not any("fewer than 5 successful runs" in n for n in policy.provenance.notes)
    alone = wb.Policy(budgets=Budgets(max_retries=policy.budgets.max_retries))
    table = wb.backtest(alone, ws).table.set_index("rule")
    assert table.loc["max_retries", ["runs_cut", "failures_prevented", "successes_lost"]].tolist() == [
        6,
        6,
        0,
    ]


def test_the_proposal_and_the_suggestions_read_the_same_counts() -> None:
    assert set(_COUNTS) == _COUNTED  # (a run where none happened: 0 for both)
