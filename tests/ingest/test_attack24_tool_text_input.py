"""The tool text input pass (ingest/_tool_text_input.py) read the model step's output once per tool step after it:
one LLM step whose output is 1 MB, followed by 400 tool steps with text inputs, fetched 400 copies of it into
Python (peak RSS 938 MB against 151 MB for 10 tool steps; an output at the 4 MiB field limit and a few thousand
tool steps exhaust the machine). Each output is now read and parsed once (attack24)."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import workbench as wb

T0 = 1767225600000000000


def _log(path: Path, big: int, n: int) -> Path:
    calls = [
        {
            "id": f"c{i}",
            "type": "function",
            "function": {"name": "get_price", "arguments": json.dumps({"item": f"widget{i}"})},
        }
        for i in range(3)
    ]
    out = json.dumps([{"role": "assistant", "content": "x" * big, "tool_calls": calls}])
    lines = [
        {
            "record": "step",
            "run_id": "r1",
            "step_id": "llm",
            "agent": "a",
            "kind": "llm",
            "started_at": T0,
            "output": out,
        }
    ]
    lines += [
        {
            "record": "step",
            "run_id": "r1",
            "step_id": f"t{i:04d}",
            "agent": "a",
            "kind": "tool",
            "tool": "get_price",
            "started_at": T0 + 1000 + i,
            "input": f"widget{i % 5}",
        }
        for i in range(n)
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return path


def test_attack24_model_output_read_once(tmp_path: Path) -> None:
    ws = wb.open()
    log = _log(tmp_path / "steps.jsonl", 1_000_000, 300)
    tracemalloc.start()
    try:
        rep = ws.ingest(log, format="native", progress=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (rep.read, rep.stored, rep.quarantined) == (301, 301, 0)
    # Python's own allocations: old code held 300 copies of the 1 MB output (> 300 MB)
    assert peak < 60_000_000, peak
    # the arguments are still given back where they match the model's request (widget0..2, not widget3/4)
    inputs = dict(ws.sql("SELECT step_id, input FROM steps WHERE kind = 'tool'").fetchall())
    assert json.loads(inputs["t0001"]) == {"item": "widget1"} and json.loads(inputs["t0007"]) == {
        "item": "widget2"
    }
    assert inputs["t0003"] == "widget3" and inputs["t0299"] == "widget4"
    assert any("one argument" in n for n in rep.notes)
