"""A store the left21 tests write: runs declared failed, runs declared success whose answer quotes a value
no tool returned (silent failures: a critical silent_failure finding, taken as failed by investigate),
and good runs. One agent, timed runs (the drift view draws them over time)."""

from __future__ import annotations

from _built import copy_of

import workbench as wb

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000
BAD, SILENT, GOOD = 3, 4, 5


def _run(run_id: str, k: int, outcome: str, answer: str, made_up: bool) -> list[dict]:
    """Run number ``k`` (an hour after the one before): two price look-ups (12.50 each) by the pricer, an
    LLM step (stating 13.75 when ``made_up``: no tool returned it), then ``answer`` on the root step."""
    recs: list[dict] = [
        {
            "record": "run",
            "run_id": run_id,
            "system": "shop",
            "task": "buy 40 units of SKU-7",
            "outcome": outcome,
        }
    ]
    steps: list[dict] = [{"kind": "system", "name": "run"}]
    steps += [
        {
            "kind": "tool",
            "agent": "pricer",
            "tool": "get_price",
            "input": f'{{"sku": "SKU-7", "try": {i}}}',
            "output": '{"sku": "SKU-7", "price": 12.50}',
        }
        for i in range(2)
    ]
    steps.append(
        {
            "kind": "llm",
            "agent": "pricer",
            "output": "unit price is 13.75" if made_up else "unit price is 12.50",
        }
    )
    base = T0 + k * 3600 * S
    for i, fields in enumerate(steps):
        start = base + i * S
        rec = {
            "run_id": run_id,
            "step_id": f"s{i:02d}",
            "started_at": start,
            "ended_at": start + (100 * S if i == 0 else (i + 1) * S // 4),
            "status": "ok",
            **fields,
        }
        if i:
            rec["parent_id"] = "s00"
        recs.append(rec)
    recs[1]["output"] = answer
    return recs


def silent_store(silent_runs: int = SILENT) -> wb.Workspace:
    """``BAD`` runs declared failed, ``silent_runs`` silent failures (declared success, the answer quotes
    13.75, no tool returned it), ``GOOD`` good runs; detectors run. A copy of the store of its kind built once per
    process (four modules of three directories read it: tests/_built.py)."""
    return copy_of(("left21_silent", silent_runs), lambda: _build(silent_runs))


def _build(silent_runs: int) -> wb.Workspace:
    records: list[dict] = []
    k = 0
    for i in range(BAD):
        records += _run(f"bad{i}", k, "failure", "could not order", made_up=False)
        k += 1
    for i in range(silent_runs):
        records += _run(f"silent{i}", k, "success", "Ordered 40 units at 13.75, total 550.00", made_up=True)
        k += 1
    for i in range(GOOD):
        records += _run(
            f"good{i}", k, "success", "Ordered 40 units at 12.50 each (total 500.00)", made_up=False
        )
        k += 1
    ws = wb.open()
    ws.ingest(records, progress=False)
    wb.detect(ws)
    return ws
