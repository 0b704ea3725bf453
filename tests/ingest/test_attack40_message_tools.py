"""A call id used again, and very many results in one message, for the tool calls read out of a model step's chat
messages (attack40; real38's ``_message_tools``).

Before: the calls were keyed by (run, call id), the first ask and the first answer kept: a provider that numbers its
calls per turn (``call_0`` asked and answered in turn 1, ``call_0`` again in turn 2) or gives one id twice in a
message lost every call after the first, without a word. And the walk of a message stopped after 20,000 objects:
25,000 results handed back in one message staged 19,998 calls, the rest dropped silently.
Now a call is its id, the turn that asked it (how many results of the id the conversation held before) and its
place in that turn: each repeat of an accumulated history (each model call's input holding the earlier messages, or
an output holding the whole conversation) names the same calls, and a call and its result get the same name. The
whole message is walked (its cost bounded by the field's 4 MB limit).
"""

from __future__ import annotations

import json

import pytest

import workbench as wb

T0 = 1_796_000_000_000_000_000
USER = {"role": "user", "content": "price of W-1?"}
_COLUMNS = (
    "run_id, step_id, parent_id, seq, depth, agent, kind, name, tool, started_at, ended_at, latency_ms, "
    "status, error, input, output, attributes::VARCHAR"
)


def _ask(*calls: tuple) -> dict:
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": i, "type": "function", "function": {"name": n, "arguments": a}} for i, n, a in calls
        ],
    }


def _result(call_id: str, content: str) -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": content}


def _run(*steps: tuple) -> list[dict]:
    """A native run: an agent root and its model steps (step id, input messages, output), in order, no tool step."""
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
                "input": json.dumps(inp),
                "output": out if isinstance(out, str) else json.dumps(out),
            }
        )
    return recs


def _tools(ws: wb.Workspace) -> list[tuple]:
    return ws.sql(
        "SELECT step_id, tool, input, output FROM steps WHERE kind = 'tool' ORDER BY started_at, step_id"
    ).fetchall()


FIRST = _ask(("call_0", "lookup", '{"sku": "W-1"}'))
SECOND = _ask(("call_0", "stock", '{"sku": "W-1"}'))
# each model call's input holds the conversation so far (as the chat APIs are called), its output its reply
REUSED = _run(
    ("m1", [USER], [FIRST]),
    ("m2", [USER, FIRST, _result("call_0", "14.20")], [SECOND]),
    ("m3", [USER, FIRST, _result("call_0", "14.20"), SECOND, _result("call_0", "3 left")], "done"),
)
BOTH = [
    ("m1/call_0", "lookup", '{"sku": "W-1"}', "14.20"),
    ("m2/call_0", "stock", '{"sku": "W-1"}', "3 left"),
]


def test_an_id_used_again_in_a_later_turn_is_a_call_of_its_own() -> None:
    ws = wb.open()
    report = ws.ingest(REUSED, progress=False)
    assert (report.stored, report.quarantined) == (6, 0), report.errors
    assert _tools(ws) == BOTH
    assert any("2 tool call(s) found only in the model calls' messages" in n for n in report.notes)


HISTORY = [USER, FIRST, _result("call_0", "14.20"), SECOND]
TWICE = _ask(("x", "lookup", '{"sku": "A"}'), ("x", "lookup", '{"sku": "B"}'))
# LangChain's message holding its calls twice, as its tool_calls and as the provider's additional_kwargs
LANGCHAIN = {
    "lc": 1,
    "type": "constructor",
    "id": ["langchain", "schema", "messages", "AIMessage"],
    "kwargs": {
        "content": "",
        "tool_calls": [{"name": "lookup", "args": {"sku": "W-1"}, "id": "call_0", "type": "tool_call"}],
        "additional_kwargs": {
            "tool_calls": [
                {
                    "id": "call_0",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": '{"sku": "W-1"}'},
                }
            ]
        },
    },
}
# Runs read side by side in one module store (each was a store and a call of its own)
CASES = {
    # (a framework's model step whose output is the whole conversation: each repeat of the first call is that call)
    "whole conversation": _run(
        ("m1", [USER], [FIRST]),
        ("m2", HISTORY[:3], HISTORY),
        (
            "m3",
            [*HISTORY, _result("call_0", "3 left")],
            [*HISTORY, _result("call_0", "3 left"), {"role": "assistant", "content": "done"}],
        ),
    ),
    "one id twice": _run(
        ("m1", [USER], [TWICE]), ("m2", [USER, TWICE, _result("x", "RA"), _result("x", "RB")], "done")
    ),
    # (the same reply logged by two model steps, and LangChain's message holding its calls twice: one call each time)
    **{
        f"repeats {n}": _run(
            ("m1", [USER], first),
            ("m1b", [USER], again),
            ("m2", [USER, FIRST, _result("call_0", "14.20")], "done"),
        )
        for n, (first, again) in enumerate(
            (([FIRST], [FIRST]), ({"generations": [[{"message": LANGCHAIN}]]}, "thinking"))
        )
    },
}


@pytest.fixture(scope="module")
def side_by_side() -> wb.Workspace:
    ws = wb.open()
    report = ws.ingest([dict(r, run_id=case) for case, recs in CASES.items() for r in recs], progress=False)
    assert report.quarantined == 0, report.errors
    return ws


def _tools_of(ws: wb.Workspace, run: str) -> list[tuple]:
    return ws.sql(
        "SELECT step_id, tool, input, output FROM steps WHERE kind = 'tool' AND run_id = ? "
        "ORDER BY started_at, step_id",
        [run],
    ).fetchall()


def test_an_output_holding_the_whole_conversation_names_the_same_calls(side_by_side: wb.Workspace) -> None:
    assert _tools_of(side_by_side, "whole conversation") == BOTH


def test_one_id_twice_in_one_message_is_two_calls(side_by_side: wb.Workspace) -> None:
    assert _tools_of(side_by_side, "one id twice") == [
        ("m1/x", "lookup", '{"sku": "A"}', "RA"),
        ("m1/x#2", "lookup", '{"sku": "B"}', "RB"),
    ]


def test_repeats_of_one_call_are_still_one_call(side_by_side: wb.Workspace) -> None:
    for case in ("repeats 0", "repeats 1"):
        assert _tools_of(side_by_side, case) == [("m1/call_0", "lookup", '{"sku": "W-1"}', "14.20")], case


def test_a_split_run_with_an_id_used_again_stores_what_one_call_stores() -> None:
    """The run split at each point, read in either order: as two runs of one store a cut (the same records, each its
    own run id), the first read its early part first and the second its late part first, every cut's in the same
    two calls (a cut was a store and three calls of its own)."""
    cuts = range(1, len(REUSED))
    runs = {
        (cut, order): [dict(r, run_id=f"{order}-{cut}") for r in REUSED]
        for cut in cuts
        for order in ("in-order", "reversed")
    }
    # (the run read whole, in one call, as one more run of the same store: its first call)
    whole = [dict(r, run_id="whole") for r in REUSED]
    ws = wb.open()
    for part in (0, 1):
        ws.ingest(
            [
                r
                for cut in cuts
                for recs, early in ((runs[cut, "in-order"], part == 0), (runs[cut, "reversed"], part == 1))
                for r in (recs[:cut] if early else recs[cut:])
            ]
            + (whole if part == 0 else []),
            progress=False,
        )

    def rows(run: str) -> list[tuple]:
        got = ws.sql(f"SELECT {_COLUMNS} FROM steps WHERE run_id = ? ORDER BY ALL", [run]).fetchall()
        return [("whole", *r[1:]) for r in got]

    want = rows("whole")
    assert want and ws.count("runs") == len(runs) + 1
    for run in runs:
        assert rows(f"{run[1]}-{run[0]}") == want, run
    again = ws.ingest([r for recs in [*runs.values(), whole] for r in recs], progress=False)
    assert again.added == 0
    for run in runs:
        assert rows(f"{run[1]}-{run[0]}") == want, ("again", run)


def test_every_result_of_a_very_long_message_is_read() -> None:
    n = 21_000  # (past the 20,000 objects the walk stopped at)
    asks = _ask(*[(f"c{i}", "lookup", "{}") for i in range(n)])
    ws = wb.open()
    report = ws.ingest(
        _run(
            ("m1", [USER], [asks]),
            ("m2", [USER, asks, *[_result(f"c{i}", f"R{i}") for i in range(n)]], "done"),
        ),
        progress=False,
    )
    assert (report.stored, report.quarantined) == (3 + n, 0)
    assert ws.sql("SELECT count(*), count(DISTINCT output) FROM steps WHERE kind = 'tool'").fetchall() == [
        (n, n)
    ]
