"""Hostile chat messages for the tool calls read out of a model step's messages (real38's ``_message_tools``).

Before: a logged step whose id was ``<asking step>/<call id>`` was quarantined ("duplicate step id ... with other
content") in favour of the tool step made from the messages, a record the log carried lost for one the workbench
made up; and the steps made from messages went into the stage one ``executemany`` row at a time, a statement each
(10,000 calls: 14 s of CPU against 0.5 s for the same 10,000 tool steps logged as steps).
What held (no change): calls with no or a non-text id, arguments that are no JSON, a result for an id never asked,
a 100,000-character id.
"""

from __future__ import annotations

import json

import workbench as wb
from workbench.ingest import _driver

T0 = 1_796_000_000_000_000_000


def _asks(*calls: tuple) -> str:
    return json.dumps(
        [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
                    for i, n, a in calls
                ],
            }
        ]
    )


def _hands(*results: tuple) -> str:
    return json.dumps(
        [{"role": "user", "content": "price of W-1?"}]
        + [{"role": "tool", "tool_call_id": i, "content": c} for i, c in results]
    )


def _run(*steps: tuple) -> list[dict]:
    """A native run: an agent root and its model steps (step id, input, output), in order, no tool step."""
    recs = [
        {
            "run_id": "r1",
            "step_id": "root",
            "agent": "shop",
            "kind": "agent",
            "started_at": T0,
            "ended_at": T0 + 10**9,
        }
    ]
    for k, (step_id, inp, out) in enumerate(steps, 1):
        recs.append(
            {
                "run_id": "r1",
                "step_id": step_id,
                "parent_id": "root",
                "agent": "shop",
                "kind": "llm",
                "started_at": T0 + k * 10**7,
                "ended_at": T0 + k * 10**7 + 10**6,
                "input": inp,
                "output": out,
            }
        )
    return recs


def _tools(ws: wb.Workspace) -> list[tuple]:
    return ws.sql(
        "SELECT step_id, tool, input, output FROM steps WHERE kind = 'tool' ORDER BY step_id"
    ).fetchall()


def test_a_logged_step_named_like_a_call_is_kept_and_the_call_not_made_up() -> None:
    ws = wb.open()
    report = ws.ingest(
        _run(("m1", "q", _asks(("x", "lookup", "{}"))), ("m1/x", _hands(("x", "R")), "done")), progress=False
    )
    assert (report.read, report.stored, report.quarantined) == (3, 3, 0), report.errors
    assert ws.sql("SELECT kind, output FROM steps WHERE step_id = 'm1/x'").fetchall() == [("llm", "done")]
    assert _tools(ws) == []
    assert any("1 tool call(s) found only in the model calls' messages not staged" in n for n in report.notes)


def test_many_calls_in_one_message_are_staged_in_one_statement(monkeypatch) -> None:
    """Every call is staged, and the statements the step runs do not grow with the calls (a proxy counts them)."""
    counts: list[int] = []
    real = _driver.stage_message_tools

    class Counting:
        def __init__(self, con) -> None:
            self.con, self.n = con, 0

        def execute(self, *args, **kwargs):
            self.n += 1
            return self.con.execute(*args, **kwargs)

        def executemany(self, sql, rows):
            rows = list(rows)
            self.n += len(rows)  # (DuckDB runs the statement once a row)
            return self.con.executemany(sql, rows)

    def counted(con):
        proxy = Counting(con)
        out = real(proxy)
        counts.append(proxy.n)
        return out

    monkeypatch.setattr(_driver, "stage_message_tools", counted)
    for n in (3, 300):
        calls = [(f"c{i}", "lookup", json.dumps({"i": i})) for i in range(n)]
        ws = wb.open()
        report = ws.ingest(
            _run(("m1", "q", _asks(*calls)), ("m2", _hands(*[(f"c{i}", f"R{i}") for i in range(n)]), "done")),
            progress=False,
        )
        assert (report.stored, report.quarantined) == (3 + n, 0)
        assert ws.sql(
            "SELECT count(*), count(DISTINCT output) FROM steps WHERE kind = 'tool'"
        ).fetchall() == [(n, n)]
    assert counts[0] == counts[1], counts


def test_odd_calls_cost_only_themselves() -> None:
    long_id = "c" * 100_000
    ws = wb.open()
    report = ws.ingest(
        _run(
            (
                "m1",
                "q",
                _asks(
                    (None, "lookup", "{}"),
                    ("", "lookup", "{}"),
                    (7, "lookup", "{}"),
                    ("c1", "lookup", "{not json"),
                    ("c2", "stock", 5),
                    (long_id, "notify", "{}"),
                ),
            ),
            (
                "m2",
                _hands(
                    (None, "N"), (7, "S"), ("c1", "R1"), ("c2", "R2"), (long_id, "R3"), ("never", "asked")
                ),
                "done",
            ),
        ),
        progress=False,
    )
    assert (report.read, report.stored, report.quarantined) == (6, 6, 0), report.errors
    assert _tools(ws) == [
        ("m1/c1", "lookup", "{not json", "R1"),
        ("m1/c2", "stock", "5", "R2"),
        (f"m1/{long_id}", "notify", "{}", "R3"),
    ]
