"""The detectors on the public real logs in ../shared/samples (extra realism: skipped where that folder is
absent; test_real_log_shapes.py holds the always-run fixtures of the same shapes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.detect import detect

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
if not SAMPLES.is_dir():
    SAMPLES = Path("/work/shared/samples")
ALG_GEN = SAMPLES / "whowhen-algorithm-generated"
MAST = SAMPLES / "mast" / "mad_human_sample.from_mast-lint.json"


@pytest.mark.skipif(not ALG_GEN.is_dir(), reason="needs ../shared/samples/whowhen-algorithm-generated")
def test_group_chats_of_experts_and_their_executor_raise_no_loop_retry_or_ping_pong() -> None:
    # Before: loop on 57, retry on 50 and ping_pong on 60 of these 126 runs.
    ws = wb.open()
    ws.ingest(sorted(ALG_GEN.glob("*.json")))
    assert ws.count("runs") == 126
    found = detect(ws, detectors=["loop", "retry", "ping_pong"])
    assert found.empty, found[["run_id", "detector", "detail"]].head().to_dict("records")


@pytest.mark.skipif(not MAST.is_file(), reason="needs ../shared/samples/mast")
def test_the_mathchat_run_stuck_on_missing_data_is_ping_pong_and_the_solved_one_is_not() -> None:
    records = []
    for trace in json.loads(MAST.read_text(encoding="utf-8")):
        if trace["mas_name"] != "AG2":  # the MetaGPT traces are plain-text logs
            continue
        run_id = f"ag2-{trace['trace_id']}"
        records.append({"record": "run", "run_id": run_id, "system": "AG2"})
        for i, message in enumerate(json.loads(trace["trace"])["trajectory"]):
            content = message["content"]
            records.append(
                {
                    "run_id": run_id,
                    "step_id": f"m{i:03d}",
                    "seq": i,
                    "kind": "agent",
                    "agent": message.get("name") or message["role"],
                    "status": "ok",
                    "output": " ".join(content) if isinstance(content, list) else str(content),
                }
            )
    ws = wb.open()
    ws.ingest(records)
    assert ws.count("runs") == 2
    found = detect(ws, detectors=["ping_pong", "repeated_reply"])
    assert sorted(zip(found["run_id"], found["detector"], found["agent"], strict=True)) == [
        ("ag2-2", "ping_pong", "mathproxyagent"),
        ("ag2-2", "repeated_reply", "mathproxyagent"),
    ]
