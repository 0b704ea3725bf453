"""What ux30 saw using the views on stores they had not met (Who&When, the real framework fixtures in one store,
the simulator's seed 11), checked on the views' own models and HTML."""

from __future__ import annotations

import warnings

import workbench as wb
from workbench.widgets import ThresholdTuner


def _failed_store() -> wb.Workspace:
    """Six failed runs of four tool calls each, labelled with their culprit: r0's first call, the others' last."""
    records: list[dict] = []
    for r in range(6):
        records.append({"record": "run", "run_id": f"r{r}", "system": "s", "outcome": "failure"})
        records += [{"run_id": f"r{r}", "step_id": f"s{i}", "agent": "a" if i % 2 else "b", "kind": "tool",
                     "tool": "search", "input": f"q{r}-{i}", "started_at": f"2026-03-01T10:{r:02d}:{i:02d}Z",
                     "ended_at": f"2026-03-01T10:{r:02d}:{i:02d}.5Z"} for i in range(4)]
    ws = wb.open()
    ws.ingest(records, progress=False)
    for r in range(6):
        ws.label(f"r{r}", agent="b" if r == 0 else "a", step_id="s0" if r == 0 else "s3")
    return ws


def test_tuner_says_failed_runs_escalated_after_their_culprit() -> None:
    # Who&When: "escalation rate 20.0% (1 of 5) · failures caught 0.0% (0 of 5)" with every run failed read as
    # a miscount; the escalated run was escalated after its labelled mistake, too late to count as caught
    ws = _failed_store()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tu = ThresholdTuner(ws, signal="tool_calls", budget=None)
    tu.threshold.value = 2.0           # crossed at the second call: after r0's culprit, before the others'
    text = tu.readout.value
    assert "(6 of 6;" in text and "failures caught <b>83.3%</b> (5 of 6)" in text, text
    assert "1 failed run escalated too late: only after its labelled culprit step" in text, text
    tu.threshold.value = 1.0           # the first call: at r0's culprit, caught; nothing late
    assert "failures caught <b>100.0%</b> (6 of 6)" in tu.readout.value and "too late" not in tu.readout.value, \
        tu.readout.value
    ws.close()
