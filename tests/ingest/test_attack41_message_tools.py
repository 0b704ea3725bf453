"""A call id used again where the conversation does not repeat the whole history, for the tool calls read out of a
model step's chat messages (attack41; attack40's call identity in ``_message_tools``).

Before: a call was matched to its result by the turn it was asked in, counted from the results of its id the
conversation held. Three conversations broke that count, each losing a call without a word or giving one call
another's result:
- an input of the latest results only (the Responses API's ``previous_response_id``: the model holds the history):
  the second ``call_0`` result was taken for the first call's, the second call was lost;
- a history trimmed to its last turns (a memory window): the same;
- a call never answered (a cut-off turn, a user who asked again), then the same id asked for another tool: the
  first call was staged with the second's result (``lookup`` returned ``3 left``), the second lost.
Now a step's results of an id answer the calls of that id asked before it, the last results the last calls, and
where a run asked an id more than once, a call of the request the conversation shows the result answering.
"""

from __future__ import annotations

from test_attack40_message_tools import _COLUMNS, T0, USER, _ask, _result, _run, _tools

import workbench as wb

FIRST = _ask(("call_0", "lookup", '{"sku": "W-1"}'))
SECOND = _ask(("call_0", "stock", '{"sku": "W-1"}'))
BOTH = [
    ("m1/call_0", "lookup", '{"sku": "W-1"}', "14.20"),
    ("m2/call_0", "stock", '{"sku": "W-1"}', "3 left"),
]
AGAIN = {"role": "user", "content": "never mind, how many are left?"}

RESULTS_ONLY = _run(
    ("m1", [USER], [FIRST]),
    ("m2", [_result("call_0", "14.20")], [SECOND]),
    ("m3", [_result("call_0", "3 left")], "done"),
)
WINDOW = _run(
    ("m1", [USER], [FIRST]),
    ("m2", [USER, FIRST, _result("call_0", "14.20")], [SECOND]),
    ("m3", [SECOND, _result("call_0", "3 left")], "done"),
)
LEFT_BEHIND = _run(
    ("m1", [USER], [FIRST]),
    ("m2", [USER, FIRST, AGAIN], [SECOND]),
    ("m3", [USER, FIRST, AGAIN, SECOND, _result("call_0", "3 left")], "done"),
)


def test_the_same_request_asked_in_two_turns_gets_each_its_result() -> None:
    again = _run(
        ("m1", [USER], [FIRST]),
        ("m2", [USER, FIRST, _result("call_0", "14.20")], [FIRST]),
        ("m3", [USER, FIRST, _result("call_0", "14.20"), FIRST, _result("call_0", "14.25")], "done"),
    )
    ws = wb.open()
    ws.ingest(again, progress=False)
    assert _tools(ws) == [
        ("m1/call_0", "lookup", '{"sku": "W-1"}', "14.20"),
        ("m2/call_0", "lookup", '{"sku": "W-1"}', "14.25"),
    ]


# what one call stores of each conversation: the latest results only answer the latest calls; a history trimmed
# to its last turn answers the last call; a call never answered does not take the result of a later call of its
# id (lookup was never answered: no step; stock's result is stock's)
WHOLE = {
    "results only": (RESULTS_ONLY, BOTH),
    "window": (WINDOW, BOTH),
    "left behind": (LEFT_BEHIND, [("m2/call_0", "stock", '{"sku": "W-1"}', "3 left")]),
}


def _as_run(recs: list[dict], run: str) -> list[dict]:
    """``recs`` as the records of the run ``run`` (several conversations side by side in one store)."""
    return [dict(r, run_id=run) for r in recs]


def _tools_of(ws: wb.Workspace, run: str) -> list[tuple]:
    return ws.sql(
        "SELECT step_id, tool, input, output FROM steps WHERE kind = 'tool' AND run_id = ? "
        "ORDER BY started_at, step_id",
        [run],
    ).fetchall()


def test_split_at_every_point_in_either_order_stores_what_one_call_stores() -> None:
    """Each conversation a run of its own, all three split at the same point in the same calls (each the same
    four records: the run's root and three model steps)."""
    runs = {case: _as_run(recs, f"r-{n}") for n, (case, (recs, _)) in enumerate(WHOLE.items())}
    assert {len(recs) for recs in runs.values()} == {4}
    whole = wb.open()
    report = whole.ingest([r for recs in runs.values() for r in recs], progress=False)
    assert report.quarantined == 0, report.errors
    for n, (case, (_, tools)) in enumerate(WHOLE.items()):
        assert _tools_of(whole, f"r-{n}") == tools, ("one call", case)
    assert report.stored == 3 * 4 + sum(len(tools) for _, tools in WHOLE.values())  # (results only: 6)
    want = whole.sql(f"SELECT {_COLUMNS} FROM steps ORDER BY ALL").fetchall()
    # (each split, a cut in either order, its own copy of the three runs, their ids ending in the split's number:
    # every split's first part read in one call, its second in the next; a split was a store and two calls)
    splits = [(cut, late_first) for cut in range(1, 4) for late_first in (False, True)]
    ws = wb.open()
    for call in (0, 1):
        part = []
        for k, (cut, late_first) in enumerate(splits):
            for recs in runs.values():
                own = _as_run(recs, f"{recs[0]['run_id']}-split{k}")
                part += own[:cut] if (call == 0) != late_first else own[cut:]
        ws.ingest(part, progress=False)
    for k, split in enumerate(splits):
        got = ws.sql(
            f"SELECT {_COLUMNS} FROM steps WHERE suffix(run_id, ?) ORDER BY ALL", [f"-split{k}"]
        ).fetchall()
        assert sorted(((r[0].removesuffix(f"-split{k}"), *r[1:]) for r in got), key=repr) == sorted(
            want, key=repr
        ), split


def _clocks(recs: list[dict], how: str) -> list[dict]:
    recs = [dict(r) for r in recs]
    if how == "one start":  # (a log of whole seconds: every model call begun in the same one)
        for r in recs[1:]:
            r["started_at"], r["ended_at"] = T0, T0 + 10**9
    elif how == "asker untimed":
        del recs[1]["started_at"], recs[1]["ended_at"]
    else:  # (the answering call's host clock behind: it begins before the asking call)
        recs[-1]["started_at"], recs[-1]["ended_at"] = T0 - 10**9, T0 - 10**8
    return recs


def test_a_call_is_matched_whatever_the_clocks_say() -> None:
    # (the order of asking is read from the clock only where an id is asked more than once, and then only
    # where the clock allows it: an earlier version of this fix lost each of these calls. Each clock's
    # conversations runs of their own, read in one call.)
    once = _run(("z1", [USER], [FIRST]), ("a2", [USER, FIRST, _result("call_0", "14.20")], "done"))
    reused = _run(
        ("z1", [USER], [FIRST]),
        ("a2", [USER, FIRST, _result("call_0", "14.20")], [SECOND]),
        ("a3", [USER, FIRST, _result("call_0", "14.20"), SECOND, _result("call_0", "3 left")], "done"),
    )
    hows = ["one start", "asker untimed", "answer clock behind"]
    ws = wb.open()
    recs = []
    for n, how in enumerate(hows):
        recs += _as_run(_clocks(once, how), f"once-{n}")
        # (the id asked again: only a log of whole seconds gives the clock a say, the others as written)
        recs += _as_run(_clocks(reused, how) if how == "one start" else reused, f"reused-{n}")
    ws.ingest(recs, progress=False)
    for n, how in enumerate(hows):
        assert [t[1:] for t in _tools_of(ws, f"once-{n}")] == [("lookup", '{"sku": "W-1"}', "14.20")], how
        assert sorted(t[1:] for t in _tools_of(ws, f"reused-{n}")) == [
            ("lookup", '{"sku": "W-1"}', "14.20"),
            ("stock", '{"sku": "W-1"}', "3 left"),
        ], how


def test_two_agents_asking_the_same_id_for_the_same_call_each_get_theirs() -> None:
    # (each agent's conversation numbers its calls call_0, ...: before, the second agent's request was taken for a
    # repeat of the first's, and one call staged with the first agent's result)
    recs = _run(
        ("a1", [USER], [FIRST]),
        ("b1", [USER], [FIRST]),
        ("a2", [USER, FIRST, _result("call_0", "14.20")], "done"),
        ("b2", [USER, FIRST, _result("call_0", "14.30")], "done"),
    )
    for rec, agent in zip(recs[1:], ("pricer", "checker", "pricer", "checker"), strict=True):
        rec["agent"] = agent
    ws = wb.open()
    ws.ingest(recs, progress=False)
    assert ws.sql(
        "SELECT step_id, agent, output FROM steps WHERE kind = 'tool' ORDER BY step_id"
    ).fetchall() == [("a1/call_0", "pricer", "14.20"), ("b1/call_0", "checker", "14.30")]
