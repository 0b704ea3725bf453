"""guard36: a tool call whose arguments are a JSON object with its keys in another order is the same call, to the
guard (and so the backtest: one core) and to the loop and retry detectors alike.

On e0db886 arguments were compared as text: an agent alternating ``{"a":1,"b":2}`` and ``{"b":2,"a":1}`` escaped
``max_repeats`` and the ``loop`` detector's same-call rule (README: a known limit). The guard's canonical form
(policy/_core.py ``canonical``) and the detector's (detect/sql/macros.sql ``det_canonical``) are written twice, in
Python and in DuckDB SQL: the last test holds the two equal on JSON of every shape."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.detect._macros import temp_statements as _statements
from workbench.policy import Budgets, Loops, Policy, PolicyViolation
from workbench.policy._core import call_key

SAME = [
    ('{"a": 1, "b": 2}', '{"b":2,"a":1}'),
    (
        '{"q": {"x": [1, {"k": 1, "l": 2}], "y": "s"}, "n": 1}',
        '{"n": 1.0, "q": {"y": "s", "x": [1, {"l": 2, "k": 1}]}}',
    ),
    ('[{"a": 1, "b": 2}, 3]', '[{"b": 2, "a": 1}, 3e0]'),
]
OTHER = [
    ('{"a": 1, "b": 2}', '{"a": 2, "b": 1}'),
    ("[1, 2]", "[2, 1]"),
    ('{"a": "1", "b": 2}', '{"a": 1, "b": 2}'),
    ('{"a": 1, "b": 2}', '{"a": 1, "b": 2, "c": 3}'),
    ('{"id": 12345678901234567890, "b": 1}', '{"id": 12345678901234567891, "b": 1}'),
]


def test_the_guard_takes_reordered_keys_for_the_same_call() -> None:
    for a, b in SAME:
        assert call_key("x", "t", a) == call_key("x", "t", b), (a, b)
    for a, b in OTHER:
        assert call_key("x", "t", a) != call_key("x", "t", b), (a, b)
    guard = wb.Guard(Policy(loops=Loops(max_repeats=1)))
    for args in ({"sku": "A", "qty": 2}, {"qty": 2, "sku": "A"}):  # given as dicts, or as text: alike
        guard.before_step("r", "a", "tool", tool="t", args=args)
        guard.after_step("r", "a", "tool", tool="t", args=args)
    with pytest.raises(PolicyViolation, match="max_repeats is 2"):
        guard.before_step("r", "a", "tool", tool="t", args='{"sku": "A", "qty": 2.0}')


def test_the_loop_detector_and_the_backtest_take_reordered_keys_for_the_same_call() -> None:
    orders = ['{"sku": "A", "qty": 2}', '{"qty": 2, "sku": "A"}']
    ws = wb.open()
    ws.ingest(
        [
            {"record": "run", "run_id": "r", "outcome": "failure"},
            *(
                {
                    "run_id": "r",
                    "step_id": f"s{i}",
                    "agent": "a",
                    "kind": "tool",
                    "tool": "t",
                    "seq": i,
                    "status": "ok",
                    "input": orders[i % 2],
                }
                for i in range(6)
            ),
        ],
        progress=False,
    )
    found = wb.detect(ws, detectors=["loop"])
    report = wb.backtest(Policy(loops=Loops(max_repeats=1), budgets=Budgets()), ws)
    # the stored arguments stay as written
    assert [r[0] for r in ws.con.execute("SELECT input FROM steps ORDER BY seq").fetchall()] == orders * 3
    ws.close()
    loops = found[found["detector"] == "loop"]
    assert len(loops) == 1 and "same arguments 6 times" in loops["detail"].iloc[0]
    assert report.runs["cut_rule"].tolist() == ["max_repeats"] and report.runs["cut_step"].tolist() == ["s2"]


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)
_json = st.recursive(
    _scalars,
    lambda kids: st.one_of(
        st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=4), kids, max_size=4)
    ),
    max_leaves=12,
)
_KEYS = st.sampled_from(["a", "A_1", "_a", "a b", 'a"b', "a\\b", "é", "", "9", "a.b", "a\nb"])
_TEXTS = st.one_of(
    _json.map(json.dumps),
    _json.map(lambda v: json.dumps(v, ensure_ascii=False, indent=1)),
    st.dictionaries(_KEYS, _scalars, min_size=2, max_size=5).map(json.dumps),
    st.sampled_from(
        [
            '{"a": 1, "a": 2}',
            "[1, 2,]",
            "[nan, 1]",
            "[NaN, 1]",
            "[Infinity, 1]",
            "[1e400, 2]",
            '["\\ud800", 1]',
            '["\\ud83d\\ude00", 1]',
            '{"a": 1,}',
            "[1, 2] x",
            " [1.0, -0.0]",
            '\n{"a": 1, "b": 2}',
            '{"b": 1e16, "a": 9007199254740993}',
            "plain, text",
            '{"x": "call_abc", "y": 1}',
            "[18446744073709551615, -9223372036854775809]",
        ]
    ),
)
# the longest text compared canonically, and one character more (as text, on both sides)
_EDGES = [
    json.dumps({"b": "é" * 65_519, "a": 1}, ensure_ascii=False),
    json.dumps({"b": "é" * 65_520, "a": 1}, ensure_ascii=False),
]


@settings(max_examples=8, deadline=None)
@given(st.lists(_TEXTS, min_size=30, max_size=80))
def test_the_guards_canonical_form_is_the_detectors(texts: list[str]) -> None:
    _agree(texts)


def test_the_longest_text_compared_canonically_is_the_same_on_both_sides() -> None:
    _agree(_EDGES)


def _agree(texts: list[str]) -> None:
    from workbench.policy._core import _normal

    con = _con()
    got = [
        r[0]
        for r in con.execute("SELECT det_call_args(t) FROM unnest(?::VARCHAR[]) u(t)", [texts]).fetchall()
    ]
    assert got == [_normal(t) for t in texts]


_CON: list = []


def _con():  # noqa: ANN202 - one DuckDB connection with the detectors' macros, for every example
    if not _CON:
        import duckdb

        con = duckdb.connect()
        for stmt in _statements("macros"):
            con.execute(stmt)
        _CON.append(con)
    return _CON[0]
