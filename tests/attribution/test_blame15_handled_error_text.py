"""A handled failure's error text is no evidence of blame either (issue 12, blame15).

blame14 made the status features count unhandled failures only, but the error-text features (`has_error_text`,
`error_env`: rate limit / timeout / 5xx, `error_input`: 4xx / not found) still fired on a recovered call's
error message, and `error_env` carried v9's largest status weight: Semantic Kernel's and pydantic-ai's
recovered calls kept drawing the verdict. They now read unhandled failures only.
"""

from __future__ import annotations

import warnings

import pandas as pd

import workbench as wb
from workbench.attribution._blame_model import BlameModel

T0 = 1_767_225_600_000_000_000
S = 10**9


def _ws(recover_lookup: bool = False) -> wb.Workspace:
    """researcher's search times out (503) and then goes through; pricer's lookup fails (404), recovered or not."""
    steps = [
        ("s0", "planner", "llm", None, None, "ok", "Plan: search the catalogue, then price item 7.", None),
        ("s1", "researcher", "tool", "search", '{"q": "item 7"}', "error", "Error: 503 service unavailable",
         "503 service unavailable, timed out"),
        ("s2", "researcher", "tool", "search", '{"q": "item 7"}', "ok", "3 results for item 7", None),
        ("s3", "pricer", "tool", "lookup_price", '{"item": 7}', "error", "error: 404 not found", "404 not found"),
        ("s4", "pricer", "llm", None, None, "ok", "The price of item 7 is 12.50.", None),
        ("s5", "writer", "llm", None, None, "ok", "Item 7 costs 12.50.", None),
    ]
    if recover_lookup:
        steps.insert(4, ("s3b", "pricer", "tool", "lookup_price", '{"item": 7}', "ok", "12.50", None))
    recs: list[dict] = [{"record": "run", "run_id": "r", "outcome": "failure"},
                        {"run_id": "r", "step_id": "root", "kind": "system", "status": "error",
                         "started_at": T0, "ended_at": T0 + 100 * S}]
    for i, (sid, agent, kind, tool, inp, status, out, err) in enumerate(steps):
        rec = {"run_id": "r", "step_id": sid, "parent_id": "root", "kind": kind, "agent": agent, "status": status,
               "output": out, "started_at": T0 + (i + 1) * S, "ended_at": T0 + (i + 1) * S + S // 2}
        rec.update({k: v for k, v in (("tool", tool), ("input", inp), ("error", err)) if v is not None})
        recs.append(rec)
    ws = wb.open()
    ws.ingest(recs, progress=False)
    return ws


def _moves(ws: wb.Workspace) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return BlameModel(features="portable", detect=False).frame(ws).set_index("step_id")


def test_a_handled_failure_has_no_error_text_features() -> None:
    X = _moves(_ws())
    assert X.loc["s1", "handled_failure"] == 1
    assert X.loc["s1", ["has_error_text", "error_env", "error_input"]].tolist() == [0, 0, 0]


def test_an_unhandled_failure_keeps_its_error_text_features() -> None:
    X = _moves(_ws())
    assert X.loc["s3", ["has_error_text", "error_env", "error_input"]].tolist() == [1, 0, 1]


def test_recovering_the_lookup_clears_its_caller_caused_error() -> None:
    # the same 404 call, now retried with success: only the recovery differs
    X = _moves(_ws(recover_lookup=True))
    assert X.loc["s3", "handled_failure"] == 1
    assert X.loc["s3", ["has_error_text", "error_input"]].tolist() == [0, 0]
