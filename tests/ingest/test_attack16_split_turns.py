"""An AG2 group chat or a LlamaIndex AgentWorkflow split over files read one ingest call each, in either
order, gives the store one call gives, and the same files read again add nothing (attack16). Before: an AG2
executor turn (a LlamaIndex call_tool step) stored before the agent's turn it acts for stayed the chat
manager's (nobody's), and the tool calls under it too; a failed AG2 call stored apart from its executor turn
kept the bare 'ExecutionError'; and reading the files again quarantined them as conflicts ('differs in
agent' / 'differs in error')."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from _otel_fixtures import collector_style, otlp_request, write_jsonl
from test_links12_llamaindex_tools import _spans as llamaindex_spans
from test_real14_ag2 import groupchat

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

_COLUMNS = "step_id, agent, agent_own, kind, status, error"


def _steps(ws: wb.Workspace) -> list[tuple]:
    return ws.sql(f"SELECT {_COLUMNS} FROM steps ORDER BY step_id").fetchall()


def _files(tmp_path: Path, cut: int) -> list[Path]:
    doc = groupchat()
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    paths = []
    for i, part in enumerate((spans[:cut], spans[cut:])):
        piece = copy.deepcopy(doc)
        piece["resourceSpans"][0]["scopeSpans"][0]["spans"] = part
        paths.append(tmp_path / f"ag2-{i}.otlp.jsonl")
        paths[-1].write_text(json.dumps(piece) + "\n")
    return paths


_WHOLE: dict[tuple[bool, int], list[tuple]] = {}  # (fast, cut) -> steps one call stores (rows: read-only)


# cut 3: the researcher's first turn, then its executor turn; 4: an executor turn, then its failed call;
# 6: the researcher's second turn, then its executor turn
@pytest.mark.parametrize("cut", [3, 4, 6])
@pytest.mark.parametrize("reverse", [False, True], ids=["in-order", "later-first"])
@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_a_chat_split_over_calls_is_stored_as_one_call_stores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool, reverse: bool, cut: int
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    paths = _files(tmp_path, cut)
    if (fast, cut) not in _WHOLE:
        # what one call stores: the same for both orders of the split, so ingested once per reader and cut
        whole = wb.open()
        whole.ingest(paths)
        _WHOLE[fast, cut] = _steps(whole)
    whole_steps = _WHOLE[fast, cut]
    assert (
        "00000000000000c1",
        "researcher",
        None,
        "tool",
        "error",
        "ExecutionError: Error: price service timed out",
    ) in whole_steps
    split = wb.open()
    for path in reversed(paths) if reverse else paths:
        split.ingest(path)
    assert _steps(split) == whole_steps
    again = split.ingest(paths)
    assert (again.read, again.stored, again.quarantined, again.added) == (9, 9, 0, 0)
    assert _steps(split) == whole_steps


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_a_workflow_read_a_span_a_call_last_span_first_is_stored_as_one_call_stores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    spans = llamaindex_spans()
    whole = wb.open()
    whole.ingest(write_jsonl(tmp_path / "wf.otlp.jsonl", [collector_style(otlp_request(spans))]))
    assert ("FunctionTool.acall", "researcher") in whole.sql("SELECT name, agent FROM steps").fetchall()
    paths = [
        write_jsonl(tmp_path / f"wf-{i}.otlp.jsonl", [collector_style(otlp_request([s]))])
        for i, s in enumerate(spans)
    ]
    split = wb.open()
    for path in reversed(paths):
        split.ingest(path)
    assert _steps(split) == _steps(whole)
    again = split.ingest(paths)
    assert (again.read, again.quarantined, again.added) == (len(spans), 0, 0)
