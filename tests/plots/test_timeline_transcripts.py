"""The timeline of a conversation log: turns with no spans under them and no timestamps.

Seen on MAST's AG2 traces (a math proxy and an assistant taking turns, written as Who&When ``history``):
every turn is stored as an ``agent`` step, and the timeline listed only LLM / tool / … kinds and placed
bars by start time, so the explorer showed an empty chart and an empty step list for every such run.
"""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench import plots


def _transcript(tmp_path: Path) -> wb.Workspace:
    # The shape of a MAST AG2 trajectory converted to Who&When's: two speakers alternating, no times.
    turns = [
        ("mathproxyagent", "user", "Let's use Python to solve a math problem. How many cards ..."),
        ("assistant", "assistant", "Key idea: 5 + 24 = 29"),
        ("mathproxyagent", "user", "29.0"),
        ("assistant", "assistant", "The final answer is \\boxed{29}."),
    ]
    doc = {
        "question": "How many students does Miss Maria have?",
        "ground_truth": "30",
        "history": [{"name": n, "role": r, "content": c} for n, r, c in turns],
    }
    path = tmp_path / "ag2_chat.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    ws = wb.open()
    ws.ingest(path, progress=False)
    return ws


def test_every_turn_of_a_transcript_is_a_move(tmp_path: Path) -> None:
    ws = _transcript(tmp_path)
    run = ws.runs().run_id.iloc[0]
    td = plots.timeline_data(ws, run)
    assert td.step_id.tolist() == ws.steps(run).step_id.tolist()
    assert td.started_at.isna().all()


def test_an_untimed_transcript_is_drawn_in_order(tmp_path: Path) -> None:
    ws = _transcript(tmp_path)
    run = ws.runs().run_id.iloc[0]
    td = plots.timeline_data(ws, run)
    spec = plots.timeline(td, plots.handoff_data(ws, run), decisive_step=td.step_id.iat[1]).to_dict()
    bars = spec["vconcat"][0]["layer"][0]
    assert bars["encoding"]["x"]["field"] == "x0" and bars["encoding"]["x"]["type"] == "quantitative"
    rows = next(iter(spec["datasets"].values()))
    assert [r["x0"] for r in rows] == [0.0, 1.0, 2.0, 3.0]
    # the hand-off arrows go from the end of one turn to the start of the next, also without times
    arrows = [ds for ds in spec["datasets"].values() if ds and "src_step" in ds[0]]
    assert arrows and all(r["t0"] is not None and r["t1"] is not None for r in arrows[0])


def test_an_agent_span_around_its_calls_stays_off_the_timeline(tmp_path: Path) -> None:
    # An OpenTelemetry GenAI trace: invoke_agent encloses the chat and tool spans; only those are moves.
    path = tmp_path / "run.jsonl"
    recs = [
        {"record": "run", "run_id": "r1", "outcome": "failure"},
        {
            "record": "step",
            "run_id": "r1",
            "step_id": "a",
            "agent": "planner",
            "kind": "agent",
            "started_at": "2026-01-01T00:00:00Z",
            "ended_at": "2026-01-01T00:00:09Z",
        },
        {
            "record": "step",
            "run_id": "r1",
            "step_id": "b",
            "parent_id": "a",
            "agent": "planner",
            "kind": "llm",
            "started_at": "2026-01-01T00:00:01Z",
            "ended_at": "2026-01-01T00:00:02Z",
        },
        {
            "record": "step",
            "run_id": "r1",
            "step_id": "c",
            "parent_id": "a",
            "agent": "planner",
            "kind": "tool",
            "started_at": "2026-01-01T00:00:03Z",
            "ended_at": "2026-01-01T00:00:04Z",
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in recs) + "\n", encoding="utf-8")
    ws = wb.open()
    ws.ingest(path, progress=False)
    td = plots.timeline_data(ws, "r1")
    assert td.step_id.tolist() == ["b", "c"]
    x = plots.timeline(td).to_dict()["vconcat"][0]["layer"][0]["encoding"]["x"]
    assert (
        "from the first move" in x["title"]
    )  # drawn in time (seconds from its first move, in this 3 s run), not in order
