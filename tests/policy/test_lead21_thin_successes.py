"""With fewer than five successful runs a limit has nothing to be weighed against: every limit below the
few successes "costs nothing", so the cheapest cut every run (newuser18's real folder: silent failures
counted as failed left one success, and the proposal came out max_depth=0, cutting 100 %)."""

from __future__ import annotations

import workbench as wb

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000


def _run(run_id: str, outcome: str, calls: int) -> list[dict]:
    """One native run of ``calls`` price look-ups under a root span."""
    recs: list[dict] = [{"record": "run", "run_id": run_id, "system": "shop", "outcome": outcome}]
    steps = [{"kind": "system", "name": "run"}] + [
        {
            "kind": "tool",
            "agent": "pricer",
            "tool": "get_price",
            "input": f'{{"sku": "SKU-7", "try": {i}}}',
            "output": '{"price": 12.50}',
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
                "status": "ok",
                **({"parent_id": "s00"} if i else {}),
                **fields,
            }
        )
    return recs


def _store(good: int) -> wb.Workspace:
    records: list[dict] = []
    for i in range(4):
        records += _run(f"bad{i}", "failure", 6)
    for i in range(good):
        records += _run(f"good{i}", "success", 1 + i % 2)
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_two_successes_give_no_limit_and_say_why() -> None:
    ws = _store(good=2)
    policy = wb.policy_from_findings(ws)
    assert policy.budgets.max_tool_calls_run is None and policy.breakers.max_depth is None
    table = wb.backtest(policy, ws).table.set_index("rule")
    assert table.loc["total", "runs_cut"] == 0
    assert any("fewer than 5 successful runs" in n and "(2 in all)" in n for n in policy.provenance.notes)


def test_five_successes_still_weigh_limits() -> None:
    policy = wb.policy_from_findings(_store(good=5))
    assert not any("fewer than 5 successful runs" in n for n in policy.provenance.notes)
    assert policy.budgets.max_tool_calls_run is not None and policy.budgets.max_tool_calls_run >= 2
