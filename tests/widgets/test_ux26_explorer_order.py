"""The explorer draws a run's timeline before it scores the run's log-only verdict.

The default log-only verdict of a failed run (the pretrained BlameModel) costs ~0.6 CPU s, 1.6 s with the
model's first load (ux26, the Who&When samples): the run's moves waited behind it, the previous run's
verdict shown beside the new header meanwhile. Now the header, the timeline, then "scoring…", then the
verdict; the verdict is still scored only for a run that is shown."""

from __future__ import annotations

import workbench as wb
from workbench.widgets import IncidentExplorer


def _store() -> wb.Workspace:
    records: list[dict] = []
    for r in ("a", "b"):
        records.append({"record": "run", "run_id": r, "system": "shop", "outcome": "failure"})
        records += [
            {"run_id": r, "step_id": f"{r}{i}", "agent": agent, "kind": "llm", "output": f"{agent} says {i}"}
            for i, agent in enumerate(["planner", "coder", "planner", "coder"])
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_timeline_is_drawn_before_the_verdict_is_scored() -> None:
    ex = IncidentExplorer(_store())
    other = "a" if ex.run_id == "b" else "b"
    events: list[tuple[str, str]] = []
    ex.verdict.observe(lambda c: events.append(("verdict", c["new"])), names="value")
    ex.timeline.observe(lambda c: events.append(("timeline", "")), names="spec")
    ex.show_run(other)
    kinds = [k for k, _ in events]
    scored = next(i for i, (k, v) in enumerate(events) if k == "verdict" and "Log-only BlameModel" in v)
    assert "timeline" in kinds[:scored], events
    assert any(k == "verdict" and "scoring" in v for k, v in events[: kinds.index("timeline")]), events
    assert other in str(ex.timeline.chart.to_dict()) and "Log-only BlameModel" in ex.verdict.value
    assert set(ex._verdicts) == {"a", "b"}  # the two runs shown, each scored once
