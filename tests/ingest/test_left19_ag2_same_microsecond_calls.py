"""Two tool calls of one AG2 executor turn that started within one µs pair with the turn's answers the same
way whether read in one call or split over calls (left19). Before: ag2_executor_turns.sql ordered a staged
call by its start in ns and a stored one by its start in µs * 1000, so the failed call (700 ns into the µs,
stored by an earlier call) came first when split and second in one call, and took the other call's answer
("41.20") as its error in one of the two."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _deep import deep
from _variants import own_copy
from test_left18_same_microsecond import _write
from test_real14_ag2 import TRACE, _msgs, _span, _tool, groupchat

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson


def _two_calls_in_one_microsecond() -> dict:
    """real14's group chat whose first executor turn (b2) made two calls: c1 failed (700 ns into a µs), c3
    answered 41.20 (500 ns into the same µs); the turn's answers are in the order the calls were made."""
    doc = groupchat()
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    turn = next(s for s in spans if s["spanId"].endswith("b2"))
    answers = json.loads(_msgs("tool", "Error: price service timed out")) + json.loads(_msgs("tool", "41.20"))
    turn["attributes"] = [
        a
        if a["key"] != "gen_ai.output.messages"
        else {"key": a["key"], "value": {"stringValue": json.dumps(answers)}}
        for a in turn["attributes"]
    ]
    spans.append(
        _span(
            "00000000000000c3",
            "00000000000000b2",
            "execute_tool get_price",
            _tool("call_3", **{"gen_ai.tool.call.result": "41.20"}),
            12,
            13,
        )
    )
    for sp in spans:
        if sp["spanId"].endswith(("c1", "c3")):
            base = int(sp["startTimeUnixNano"]) // 1000 * 1000
            sp["startTimeUnixNano"] = str(base + (700 if sp["spanId"].endswith("c1") else 500))
    return doc


# The calls read first (the rest in a second call). Each split by one reader, each reader given one of the calls
# tied within the µs stored before the other is staged (c1 first: the failed call stored, as the bug had it);
# every split by both readers with deep().
_SPLITS = {True: [{"c1"}, {"c1", "c3"}], False: [{"c3"}, {"b2"}]}


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_two_calls_in_one_microsecond_pair_alike_in_one_call_or_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    doc = _two_calls_in_one_microsecond()
    every = {s["spanId"][-2:] for s in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]}
    steps = "SELECT step_id, agent, status, error FROM steps ORDER BY step_id"
    own_steps = steps.replace("ORDER BY", "WHERE run_id = ? ORDER BY")
    whole = _write(tmp_path / "all.otlp.jsonl", doc, every)
    # (each split a copy of the chat in a trace of its own, the splits' first files read in one call, their rests in
    # the next: a split was a store and three calls of its own; the chat as it is, read whole, in the first call)
    splits = _SPLITS[True] + _SPLITS[False] if deep() else _SPLITS[fast]
    copies = [own_copy(doc, n) for n in range(1, len(splits) + 1)]
    firsts = [
        _write(tmp_path / f"first-{n}.otlp.jsonl", d, keep)
        for n, ((d, _), keep) in enumerate(zip(copies, splits, strict=True))
    ]
    rests = [
        _write(tmp_path / f"rest-{n}.otlp.jsonl", d, every - keep)
        for n, ((d, _), keep) in enumerate(zip(copies, splits, strict=True))
    ]
    split = wb.open()
    split.ingest([*firsts, whole])
    split.ingest(rests)
    whole_steps = split.sql(own_steps, [TRACE]).fetchall()
    assert len(whole_steps) == len(every)
    for (_, run), first_keep in zip(copies, splits, strict=True):
        assert split.sql(own_steps, [run]).fetchall() == whole_steps, first_keep
    again = split.ingest(firsts + rests)
    assert (again.read, again.quarantined, again.added) == (10 * len(splits), 0, 0)
    # (the calls' own order within the µs is not in the store: a tie goes to the lesser step id, c1)
    errors = dict(
        split.sql(
            "SELECT right(step_id, 2), error FROM steps WHERE kind = 'tool' AND run_id = ?", [TRACE]
        ).fetchall()
    )
    assert errors["c1"] == "ExecutionError: Error: price service timed out"
