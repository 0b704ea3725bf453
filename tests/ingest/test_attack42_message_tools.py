"""More shapes of the tool calls read out of a model step's chat messages (attack42; real38's ``_message_tools``).

Gemini's ``functionCall`` / ``functionResponse`` parts carry no id (the API sends none): such calls were skipped
("a call with no id cannot be told from another"), so a Gemini run traced by its model calls alone had no tool
step. Now a call and a result with no id take their tool's name as one: matched by name and order (a turn's
results answer its calls of that name, in order), and only within one agent's conversation, never another
agent's call of the same tool. Anthropic's parallel ``tool_use`` blocks, answered in another order and one with
``is_error``, and a result before its call in a trimmed history are matched (or left out) honestly.
"""

from __future__ import annotations

import pytest
from test_attack40_message_tools import _ask, _result, _run

import workbench as wb

U = {"role": "user", "parts": [{"text": "price of W-1 and W-2?"}]}


def _call(name: str, args: dict, call_id: str | None = None, key: str = "functionCall") -> dict:
    return {key: {"name": name, "args": args, **({"id": call_id} if call_id else {})}}


def _answer(name: str, response: dict, call_id: str | None = None, key: str = "functionResponse") -> dict:
    return {key: {"name": name, "response": response, **({"id": call_id} if call_id else {})}}


def _model(*parts: dict) -> dict:
    return {"role": "model", "parts": list(parts)}


def _user(*parts: dict) -> dict:
    return {"role": "user", "parts": list(parts)}


def _reply(*parts: dict) -> dict:
    """A generateContent response, as a model step's output."""
    return {"candidates": [{"content": _model(*parts)}]}


def _agents(records: list[dict], *agents: str) -> list[dict]:
    for record, agent in zip(records[1:], agents, strict=True):
        record["agent"] = agent
    return records


W1, W2 = _call("lookup", {"sku": "W-1"}), _call("lookup", {"sku": "W-2"})
P1, P2 = _answer("lookup", {"price": 14.2}), _answer("lookup", {"price": 9.5})


def _gemini_by_name(shape: str) -> list[dict]:
    w1, w2, p1, p2 = (
        (W1, W2, P1, P2)
        if shape == "camelCase"
        else (
            _call("lookup", {"sku": "W-1"}, key="function_call"),
            _call("lookup", {"sku": "W-2"}, key="function_call"),
            _answer("lookup", {"price": 14.2}, key="function_response"),
            _answer("lookup", {"price": 9.5}, key="function_response"),
        )
    )
    stock = _call("stock", {"sku": "W-1"})
    # turn 1: two lookups and a stock check at once, answered in order; turn 2: lookup again (the same name)
    return _run(
        ("m1", [U], _reply(w1, w2, stock)),
        ("m2", [U, _model(w1, w2, stock), _user(p1, p2, _answer("stock", {"left": 3}))], _reply(w1)),
        (
            "m3",
            [
                U,
                _model(w1, w2, stock),
                _user(p1, p2, _answer("stock", {"left": 3})),
                _model(w1),
                _user(_answer("lookup", {"price": 14.3})),
            ],
            "done",
        ),
    )


ALICE, BOB = _call("search", {"q": "a"}), _call("search", {"q": "b"})


def _trimmed(shape: str) -> list[dict]:
    # each model call is handed the latest result alone (the history trimmed to it), and m3's input holds the first
    # turn's result before the second turn's call: that result answers no call asked after it
    if shape.startswith("gemini"):
        w1, w2, p1, p2 = _reply(W1), _reply(W2), _user(P1), _user(P2)
        asked = _model(W2)
    else:
        w1, w2 = (
            [_ask(("call_0", "lookup", '{"sku": "W-1"}'))],
            [_ask(("call_0", "lookup", '{"sku": "W-2"}'))],
        )
        p1, p2 = _result("call_0", '{"price": 14.2}'), _result("call_0", '{"price": 9.5}')
        asked = w2[0]
    return _run(("m1", [U], w1), ("m2", [p1], w2), ("m3", [p1, asked, p2], "done"))


def _anthropic() -> list[dict]:
    ask = {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "checking both"},
            {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"sku": "W-1"}},
            {"type": "tool_use", "id": "toolu_2", "name": "lookup", "input": {"sku": "W-2"}},
        ],
    }
    results = {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": [{"type": "text", "text": "9.50"}]},
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "price feed down", "is_error": True},
        ],
    }
    q = {"role": "user", "content": "prices?"}
    return _run(("m1", [q], ask), ("m2", [q, ask, results], "done"))


# Each case's run (its records made the run of the case's name)
CASES = {
    "gemini camelCase": lambda: _gemini_by_name("camelCase"),
    "gemini snake_case": lambda: _gemini_by_name("snake_case"),
    # both agents call search; bob's result is handed back first
    "two agents": lambda: _agents(
        _run(
            ("a1", [U], _reply(ALICE)),
            ("b1", [U], _reply(BOB)),
            ("b2", [U, _model(BOB), _user(_answer("search", {"hits": "B"}))], "done"),
            ("a2", [U, _model(ALICE), _user(_answer("search", {"hits": "A"}))], "done"),
        ),
        "alice",
        "bob",
        "bob",
        "alice",
    ),
    # only bob is handed a result of search (his own call not logged): alice's call was never answered
    "bob alone": lambda: _agents(
        _run(
            ("a1", [U], _reply(ALICE)),
            ("b2", [U, _model(BOB), _user(_answer("search", {"hits": "B"}))], "done"),
        ),
        "alice",
        "bob",
    ),
    # (the newer API gives ids: the results, in another order, answer their own calls, not the first of the name)
    "gemini ids": lambda: _run(
        ("m1", [U], _reply(_call("lookup", {"sku": "W-1"}, "g1"), _call("lookup", {"sku": "W-2"}, "g2"))),
        (
            "m2",
            [
                U,
                _model(_call("lookup", {"sku": "W-1"}, "g1"), _call("lookup", {"sku": "W-2"}, "g2")),
                _user(_answer("lookup", {"p": 2}, "g2"), _answer("lookup", {"p": 1}, "g1")),
            ],
            "done",
        ),
    ),
    # a result with an id answers no call without one: left out, not guessed
    "an id answering none": lambda: _run(
        ("m1", [U], _reply(W1)),
        ("m2", [U, _model(W1), _user(_answer("lookup", {"p": 1}, "g9"))], "done"),
    ),
    "trimmed gemini, no ids": lambda: _trimmed("gemini, no ids"),
    "trimmed openai, call_0 each turn": lambda: _trimmed("openai, call_0 each turn"),
    "anthropic": _anthropic,
}


@pytest.fixture(scope="module")
def stored() -> wb.Workspace:
    """Every case's run in one store, read in one call (only read; a case was a store and a call of its own)."""
    ws = wb.open()
    report = ws.ingest(
        [dict(r, run_id=case) for case, records in CASES.items() for r in records()], progress=False
    )
    assert report.quarantined == 0, report.errors
    return ws


def _tools(ws: wb.Workspace, case: str) -> list[tuple]:
    return ws.sql(
        "SELECT step_id, agent, tool, input, output, status, attributes::VARCHAR FROM steps "
        "WHERE kind = 'tool' AND run_id = ? ORDER BY step_id",
        [case],
    ).fetchall()


@pytest.mark.parametrize("shape", ["camelCase", "snake_case"])
def test_gemini_calls_without_ids_are_matched_by_name_and_order(stored: wb.Workspace, shape: str) -> None:
    tools = _tools(stored, f"gemini {shape}")
    assert [t[:5] for t in tools] == [
        ("m1/lookup", "shop", "lookup", '{"sku": "W-1"}', '{"price": 14.2}'),
        ("m1/lookup#2", "shop", "lookup", '{"sku": "W-2"}', '{"price": 9.5}'),
        ("m1/stock", "shop", "stock", '{"sku": "W-1"}', '{"left": 3}'),
        ("m2/lookup", "shop", "lookup", '{"sku": "W-1"}', '{"price": 14.3}'),
    ]
    # no id is made up: the step says where it was read, and no gen_ai.tool.call.id
    assert all("gen_ai.tool.call.id" not in t[6] and "\\u0000" not in t[6] for t in tools)


def test_a_call_by_name_takes_no_result_from_another_agent_s_conversation(stored: wb.Workspace) -> None:
    assert [t[:2] + t[4:5] for t in _tools(stored, "two agents")] == [
        ("a1/search", "alice", '{"hits": "A"}'),
        ("b1/search", "bob", '{"hits": "B"}'),
    ]
    assert _tools(stored, "bob alone") == []


def test_gemini_ids_where_given_are_the_calls_ids(stored: wb.Workspace) -> None:
    assert [(t[0], t[3], t[4]) for t in _tools(stored, "gemini ids")] == [
        ("m1/g1", '{"sku": "W-1"}', '{"p": 1}'),
        ("m1/g2", '{"sku": "W-2"}', '{"p": 2}'),
    ]
    assert _tools(stored, "an id answering none") == []


@pytest.mark.parametrize("shape", ["gemini, no ids", "openai, call_0 each turn"])
def test_a_trimmed_history_result_before_its_call(stored: wb.Workspace, shape: str) -> None:
    tools = _tools(stored, f"trimmed {shape}")
    assert [(t[0].replace("call_0", "lookup"), t[3], t[4]) for t in tools] == [
        ("m1/lookup", '{"sku": "W-1"}', '{"price": 14.2}'),
        ("m2/lookup", '{"sku": "W-2"}', '{"price": 9.5}'),
    ]


def test_anthropic_parallel_tool_use_blocks_answered_out_of_order(stored: wb.Workspace) -> None:
    assert [t[:6] for t in _tools(stored, "anthropic")] == [
        ("m1/toolu_1", "shop", "lookup", '{"sku": "W-1"}', "price feed down", "error"),
        ("m1/toolu_2", "shop", "lookup", '{"sku": "W-2"}', "9.50", "ok"),
    ]
