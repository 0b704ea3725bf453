"""The researcher/writer quote scenario: the log-only verdict names the writer (issue 12, blame18).

Seen on real traces of Microsoft Agent Framework, MLflow, LangChain, BeeAI, Phoenix, Langfuse and AG2:
researcher's price lookup times out once, is retried and returns 41.20; the writer's answer quotes 14.20.
Culprit: writer. The pretrained v9 named researcher's handled, failed call on 10 of 11 such traces: its
env-error weight had been learned from simulator labels that blamed faults the runs recovered from
(blame16); v10, refitted on the fixed labels, names the writer on all 11 (bench/protocol_blame18.md).
This keeps a shipped model from going back to naming the handled failure. (The writer is named through the
silent_failure finding on its move; on a run *labelled* failed that finding is not made, and v10 still names
researcher on the Agent Framework trace: notes/blame18.md.)
"""

from __future__ import annotations

import warnings

import workbench as wb
from workbench.attribution._blame_model import BlameModel

T0 = 1_767_225_600_000_000_000
S = 10**9


def _ws() -> wb.Workspace:
    """The run reports success (as the real traces' root spans did, status OK) with a wrong answer."""
    steps = [
        ("s0", "researcher", "llm", None, None, "ok", "I will look up the price of the ACME-7 widget.", None),
        (
            "s1",
            "researcher",
            "tool",
            "get_price",
            '{"item": "ACME-7"}',
            "error",
            "TimeoutError: price service timed out",
            "price service timed out",
        ),
        ("s2", "researcher", "tool", "get_price", '{"item": "ACME-7"}', "ok", "41.20", None),
        ("s3", "researcher", "llm", None, None, "ok", "The ACME-7 widget costs 41.20 EUR.", None),
        ("s4", "writer", "llm", None, None, "ok", "The ACME-7 widget costs 14.20 EUR.", None),
    ]
    run = {"record": "run", "run_id": "r", "task": "What does the ACME-7 widget cost? Answer with the price."}
    recs: list[dict] = [
        {**run, "outcome": "success"},
        {
            "run_id": "r",
            "step_id": "root",
            "kind": "agent",
            "status": "ok",
            "output": "The ACME-7 widget costs 14.20 EUR.",
            "started_at": T0,
            "ended_at": T0 + 100 * S,
        },
    ]
    for i, (sid, agent, kind, tool, inp, status, out, err) in enumerate(steps):
        rec = {
            "run_id": "r",
            "step_id": sid,
            "parent_id": "root",
            "kind": kind,
            "agent": agent,
            "status": status,
            "output": out,
            "started_at": T0 + (i + 1) * S,
            "ended_at": T0 + (i + 1) * S + S // 2,
        }
        rec.update({k: v for k, v in (("tool", tool), ("input", inp), ("error", err)) if v is not None})
        recs.append(rec)
    ws = wb.open()
    ws.ingest(recs, progress=False)
    return ws


def test_the_pretrained_model_names_the_writer_not_the_handled_failure() -> None:
    ws = _ws()
    wb.detect(ws)
    # the finding the verdict rests on: the made-up 14.20, first stated by writer
    assert ws.con.execute(
        "SELECT agent, step_id FROM findings WHERE detector = 'silent_failure'"
    ).fetchall() == [("writer", "s4")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = BlameModel.pretrained().predict(ws, ["r"]).set_index("run_id")
    assert got.loc["r", "agent"] == "writer"
    assert got.loc["r", "step_id"] == "s4"
