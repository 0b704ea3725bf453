"""Siblings that started within one µs get the same agent whether read in one call or split over calls
(left18). Before: stored_agent_of_previous.sql compared a stored step's start (µs, as the store keeps it)
with a staged sibling's start in ns, so an AG2 executor turn stored by an earlier call lost the agent of the
turn that started 200 ns before it (the researcher's), which one call gave it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from _deep import deep
from _variants import own_copy
from test_real14_ag2 import TRACE, groupchat

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson


def _same_microsecond() -> dict:
    """real14's group chat with the researcher's first turn (b1) and its executor turn (b2) started 500 and
    700 ns into the same µs."""
    doc = groupchat()
    for sp in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        if sp["spanId"].endswith(("b1", "b2")):
            base = int(sp["startTimeUnixNano"]) // 1_000_000_000 * 1_000_000_000
            sp["startTimeUnixNano"] = str(base + (500 if sp["spanId"].endswith("b1") else 700))
    return doc


def _write(path: Path, doc: dict, keep: set[str]) -> Path:
    """``doc`` with only the spans whose ids end in ``keep``, written to ``path`` as one OTLP JSON line."""
    piece = copy.deepcopy(doc)
    spans = piece["resourceSpans"][0]["scopeSpans"][0]["spans"]
    piece["resourceSpans"][0]["scopeSpans"][0]["spans"] = [s for s in spans if s["spanId"][-2:] in keep]
    path.write_text(json.dumps(piece) + "\n")
    return path


# The split read by both readers in turn (the executor turn staged by one, the rest by the other: the agent is the
# merge's, reader-independent; the readers' staging of every span is compared by the whole file read by each);
# the other turn with deep().
_TURNS = [(True, False), (False, True)] if deep() else [(True, False)]


@pytest.mark.parametrize(
    ("first_fast", "rest_fast"), _TURNS, ids=[f"{'sql' if a else 'python'}-first" for a, _ in _TURNS]
)
def test_an_executor_turn_stored_first_takes_the_agent_of_a_turn_in_the_same_microsecond(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_fast: bool, rest_fast: bool
) -> None:
    otlp = next(a for a in ADAPTERS if isinstance(a, OtlpJson))
    doc = _same_microsecond()
    every = {s["spanId"][-2:] for s in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]}
    steps = "SELECT step_id, agent, agent_own FROM steps WHERE run_id = ? ORDER BY step_id"
    # (the whole chat read by each reader as copies with trace ids of their own, each in the split's call by that
    # reader: stores of their own before)
    wholes = {
        fast: (_write(tmp_path / f"all-{n}.otlp.jsonl", own_copy(doc, n)[0], every), own_copy(doc, n)[1])
        for n, fast in enumerate((first_fast, rest_fast), start=1)
    }
    first = _write(tmp_path / "executor.otlp.jsonl", doc, {"b2", "c1"})
    rest = _write(tmp_path / "rest.otlp.jsonl", doc, every - {"b2", "c1"})
    split = wb.open()
    monkeypatch.setattr(otlp, "fast", first_fast)
    split.ingest([first, wholes[first_fast][0]])
    monkeypatch.setattr(otlp, "fast", rest_fast)
    split.ingest([rest, wholes[rest_fast][0]])
    by_reader = {fast: split.sql(steps, [run]).fetchall() for fast, (_, run) in wholes.items()}
    for fast, rows in by_reader.items():
        assert ("00000000000000b2", "researcher", "researcher") in rows, fast
    assert by_reader[True] == by_reader[False], "the two readers store the whole chat differently"
    assert split.sql(steps, [TRACE]).fetchall() == by_reader[True]
    again = split.ingest([first, rest])
    assert (again.read, again.quarantined, again.added) == (9, 0, 0)
