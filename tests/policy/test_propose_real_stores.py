"""policy_from_findings on a store of real traces that are all failures (only the incidents were labelled):
no limit can be weighed against lost successes, and the policy said nothing about why it had none."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def test_all_failed_store_says_why_there_is_no_limit(tmp_path: Path) -> None:
    spans = []
    for t in range(3):  # three Phoenix-exported agent runs, each labelled failed by its user
        for i, (name, kind) in enumerate(
            [("agent", "AGENT"), ("chat", "LLM"), ("search", "TOOL"), ("chat", "LLM")]
        ):
            spans.append(
                {
                    "name": name,
                    "context": {"trace_id": f"t{t}", "span_id": f"t{t}s{i}"},
                    "span_kind": kind,
                    "parent_id": None if i == 0 else f"t{t}s0",
                    "start_time": f"2026-07-09T00:0{t}:{i:02d}+00:00",
                    "end_time": f"2026-07-09T00:0{t}:{i:02d}.{t + 2}+00:00",
                    "status_code": "OK",
                    "attributes": {"tool.name": "search"} if kind == "TOOL" else {},
                }
            )
    (tmp_path / "spans.json").write_text(json.dumps(spans), encoding="utf-8")
    ws = wb.open()
    ws.ingest(tmp_path / "spans.json", progress=False)
    for run in ws.runs().run_id:
        ws.label(run, outcome="failure")
    policy = wb.policy_from_findings(ws)
    assert policy.breakers.max_run_latency_ms is None and policy.budgets.max_tool_calls_run is None
    assert any(
        "no breaker, budget or loop limit: this store has no successful run" in n
        for n in policy.provenance.notes
    )
