"""A retry whose last attempt succeeded is a handled failure, not evidence of blame.

On real framework traces (pydantic-ai's ModelRetry, Semantic Kernel, Agno, LangGraph) an agent's tool call
fails once, is retried and succeeds, and another agent later makes the mistake. The move feature
``det_retry`` counted that recovered retry like a retry that never succeeded, and the pretrained model
weighs it heavily, so the log-only verdict named the agent whose failure was handled. Now it counts only
retries whose last attempt failed too.
"""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.attribution._features import step_features


def _step(run: str, sid: str, seq: int, agent: str, kind: str, **kw: str) -> dict:
    return {"record": "step", "run_id": run, "step_id": sid, "seq": seq, "agent": agent, "kind": kind,
            "name": kw.pop("name", kind), "status": kw.pop("status", "ok"), **kw}


def _write(path: Path) -> None:
    """Two failed runs: in r_ok the pricer's get_price fails once and then answers (recovered); in r_bad it
    fails on every attempt. In both the planner then states a price."""
    lines: list[dict] = []
    for run, second in (("r_ok", ("ok", "41.20", None)), ("r_bad", ("error", None, "timeout talking to prices")),):
        lines.append({"record": "run", "run_id": run, "system": "shop", "task": "price of sku 7",
                      "outcome": "failure"})
        status, out, err = second
        lines += [
            _step(run, "s1", 1, "planner", "llm", input="price of sku 7", output="ask pricer"),
            _step(run, "s2", 2, "pricer", "tool", name="get_price", tool="get_price", input='{"sku": 7}',
                  status="error", error="timeout talking to prices"),
            _step(run, "s3", 3, "pricer", "tool", name="get_price", tool="get_price", input='{"sku": 7}',
                  status=status, **({"output": out} if out else {}), **({"error": err} if err else {})),
            _step(run, "s4", 4, "planner", "llm", input="price", output="The price is 14.20"),
        ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")


def test_a_recovered_retry_is_not_counted_as_retry_evidence(tmp_path: Path) -> None:
    _write(tmp_path / "runs.jsonl")
    ws = wb.open()
    report = ws.ingest(tmp_path / "runs.jsonl", progress=False)
    assert report.quarantined == 0
    wb.detect(ws)
    found = ws.con.execute("SELECT run_id, step_id, attributes->>'recovered' FROM findings "
                           "WHERE detector = 'retry' ORDER BY run_id").fetchall()
    assert found == [("r_bad", "s2", "false"), ("r_ok", "s2", "true")]   # the detector tells them apart
    X = step_features(ws).set_index(["run_id", "step_id"])
    assert X.loc[("r_bad", "s2"), "det_retry"] == 1.0
    assert X.loc[("r_ok", "s2"), "det_retry"] == 0.0     # handled: no retry evidence left on the move
    assert X.loc[("r_ok", "s2"), "is_error"] == 1.0      # the failed call itself is still seen


def test_a_retry_finding_that_does_not_say_whether_it_recovered_still_counts() -> None:
    ws = wb.open()
    ws.con.execute("INSERT INTO runs (run_id, system, outcome) VALUES ('r', 'shop', 'failure')")
    ws.con.execute("INSERT INTO steps (run_id, step_id, seq, agent, kind, tool, status) VALUES "
                   "('r', 'a', 1, 'pricer', 'tool', 'get_price', 'error'), ('r', 'b', 2, 'planner', 'llm', NULL, 'ok')")
    # a store written before the retry detector said ``recovered``
    ws.con.execute("INSERT INTO findings (run_id, step_id, agent, detector, severity, detail, attributes) VALUES "
                   "('r', 'a', 'pricer', 'retry', 'warning', 'retried', '{\"retries\": 1}')")
    X = step_features(ws).set_index("step_id")
    assert X.loc["a", "det_retry"] == 1.0
