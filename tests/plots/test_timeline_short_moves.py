"""Short moves stay visible: any-agent's traces put 1-3 ms tool calls between LLM calls of 300-700 ms, and
the timeline drew them as hairlines under the next LLM bar (nothing to see, nothing to click)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import workbench as wb
from workbench import plots


def test_a_3_ms_tool_call_is_drawn_wide_enough_and_on_top(tmp_path: Path) -> None:
    ms = 1_000_000
    t0 = 1_758_026_599_000 * ms
    moves = [
        ("llm1", "llm", 0, 330),
        ("tool1", "tool", 330, 333),
        ("llm2", "llm", 333, 700),
        ("tool2", "tool", 700, 701),
        ("llm3", "llm", 701, 1390),
    ]
    recs = [
        {"record": "run", "run_id": "agno", "outcome": "failure"},
        {
            "record": "step",
            "run_id": "agno",
            "step_id": "root",
            "agent": "any_agent",
            "kind": "agent",
            "started_at": t0,
            "ended_at": t0 + 1400 * ms,
        },
    ]
    recs += [
        {
            "record": "step",
            "run_id": "agno",
            "step_id": sid,
            "parent_id": "root",
            "agent": "any_agent",
            "kind": kind,
            "tool": "write_file" if kind == "tool" else None,
            "started_at": t0 + a * ms,
            "ended_at": t0 + b * ms,
        }
        for sid, kind, a, b in moves
    ]
    path = tmp_path / "agno.jsonl"
    path.write_text(
        "".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n" for r in recs),
        encoding="utf-8",
    )
    ws = wb.open()
    ws.ingest(path, progress=False)
    spec = plots.timeline(plots.timeline_data(ws, "agno")).to_dict()
    bars = spec["vconcat"][0]["layer"][0]
    assert bars["encoding"]["x2"]["field"] == "x1"  # a run of 1.4 s: drawn in ms from its start (shown_end)
    rows = next(iter(spec["datasets"].values()))
    order = [r["step_id"] for r in rows]
    assert order.index("tool1") > order.index("llm2") and order.index("tool2") > order.index("llm3")
    span = pd.Timedelta(milliseconds=1390)
    for r in rows:
        start, shown = pd.Timestamp(r["started_at"]), pd.Timestamp(r["shown_end"])
        assert shown - start >= span / 150 - pd.Timedelta(microseconds=1)
        if r["kind"] == "llm":  # long moves keep their real end
            assert shown == pd.Timestamp(r["ended_at"])
        assert r["latency_ms"] < 5 if r["kind"] == "tool" else r["latency_ms"] > 300  # the tooltip's truth
