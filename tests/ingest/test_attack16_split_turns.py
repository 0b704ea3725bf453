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
from _deep import deep
from _otel_fixtures import collector_style, otlp_request, write_jsonl
from test_links12_llamaindex_tools import _spans as llamaindex_spans
from test_real14_ag2 import TRACE, groupchat

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

_COLUMNS = "step_id, agent, agent_own, kind, status, error"


def _steps(ws: wb.Workspace) -> list[tuple]:
    return ws.sql(f"SELECT {_COLUMNS} FROM steps ORDER BY step_id").fetchall()


def _files(tmp_path: Path, cut: int, n: int) -> list[Path]:
    """The chat's spans before and after ``cut``, a file each, in a trace of their own: the chat's trace id with
    its first byte ``n``."""
    doc = groupchat()
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    for span in spans:
        span["traceId"] = f"{n:02x}{span['traceId'][2:]}"
    paths = []
    for i, part in enumerate((spans[:cut], spans[cut:])):
        piece = copy.deepcopy(doc)
        piece["resourceSpans"][0]["scopeSpans"][0]["spans"] = part
        paths.append(tmp_path / f"ag2-{n}-{i}.otlp.jsonl")
        paths[-1].write_text(json.dumps(piece) + "\n")
    return paths


def _run_steps(ws: wb.Workspace, run: str) -> list[tuple]:
    return ws.sql(f"SELECT {_COLUMNS} FROM steps WHERE run_id = ? ORDER BY step_id", [run]).fetchall()


# cut 3: the researcher's first turn, then its executor turn; 4: an executor turn, then its failed call;
# 6: the researcher's second turn, then its executor turn. Each cut in either order by one reader, each reader
# given every cut and both orders (the readers differ in staging only, which test_real14_ag2's files are
# compared on for both: tests/ingest/_reader_agreement.py); every reader, order and cut with deep(). A reader's
# splits are traces of one store, read in the same two calls (a split's first file in the first, its second in
# the second, whichever order it is read in): a split was a store and three calls of its own.
_CHAT_SPLITS = {
    fast: [
        (reverse, cut)
        for reverse in (False, True)
        for cut in (3, 4, 6)
        if deep() or fast == ((cut == 4) != reverse)
    ]
    for fast in (True, False)
}


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_a_chat_split_over_calls_is_stored_as_one_call_stores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    splits = {
        f"{'later-first' if reverse else 'in-order'}-{cut}": (f"{n:02x}{TRACE[2:]}", _files(tmp_path, cut, n))
        for n, (reverse, cut) in enumerate(_CHAT_SPLITS[fast], start=1)
    }
    # what one call stores: the same spans whatever the cut and order (file and line are not compared); the chat in
    # a trace of its own too (its first byte 00), both its files in the splits' first call
    whole = _files(tmp_path, 3, 0)
    split = wb.open()
    for i in (0, 1):
        split.ingest(
            [paths[1 - i if case.startswith("later") else i] for case, (_, paths) in splits.items()]
            + (whole if i == 0 else [])
        )
    whole_steps = _run_steps(split, f"00{TRACE[2:]}")
    assert (
        "00000000000000c1",
        "researcher",
        None,
        "tool",
        "error",
        "ExecutionError: Error: price service timed out",
    ) in whole_steps
    # the executor turn acts for the researcher, whose turn came before it (attack15)
    assert [r[1:4] for r in whole_steps if r[0] == "00000000000000b2"] == [
        ("researcher", "researcher", "chain")
    ]
    for case, (run, _) in splits.items():
        assert _run_steps(split, run) == whole_steps, case
    again = split.ingest([p for _, paths in splits.values() for p in paths] + whole)
    assert (again.read, again.stored, again.quarantined, again.added) == (9 * (len(splits) + 1),) * 2 + (0, 0)
    assert _run_steps(split, f"00{TRACE[2:]}") == whole_steps
    for case, (run, _) in splits.items():
        assert _run_steps(split, run) == whole_steps, case


# The span files read by both readers in turn ("mixed": a span of an even index by the SQL path, of an odd one in
# Python): the workflow's two researcher turns are 7 spans apart, so each kind of span of a turn is read by each
# reader once. Each reader for every span with deep().
@pytest.mark.parametrize("readers", ["mixed", "sql", "python"] if deep() else ["mixed"])
def test_a_workflow_read_a_span_a_call_last_span_first_is_stored_as_one_call_stores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, readers: str
) -> None:
    otlp = next(a for a in ADAPTERS if isinstance(a, OtlpJson))
    spans = llamaindex_spans()
    one = write_jsonl(tmp_path / "wf.otlp.jsonl", [collector_style(otlp_request(spans))])
    wholes = []
    for fast in (True, False) if readers == "mixed" else (readers == "sql",):
        monkeypatch.setattr(otlp, "fast", fast)
        whole = wb.open()
        whole.ingest(one)
        assert ("FunctionTool.acall", "researcher") in whole.sql("SELECT name, agent FROM steps").fetchall()
        wholes.append(_steps(whole))
    assert wholes[-1] == wholes[0], "the two readers store the whole workflow differently"
    paths = [
        write_jsonl(tmp_path / f"wf-{i}.otlp.jsonl", [collector_style(otlp_request([s]))])
        for i, s in enumerate(spans)
    ]
    names = [s.name for s in spans]
    assert names[:7] == names[7:14], names  # (the two turns, 7 spans apart)

    def fast(i: int) -> bool:
        return readers == "sql" or (readers == "mixed" and i % 2 == 0)

    split = wb.open()
    for i, path in reversed(list(enumerate(paths))):
        monkeypatch.setattr(otlp, "fast", fast(i))
        split.ingest(path)
    assert _steps(split) == wholes[0]
    # read again, each file by the reader that read it (in one call a reader)
    for reader in {fast(i) for i in range(len(paths))}:
        monkeypatch.setattr(otlp, "fast", reader)
        again = split.ingest([p for i, p in enumerate(paths) if fast(i) == reader])
        assert (again.quarantined, again.added) == (0, 0), reader
        assert again.read == sum(fast(i) == reader for i in range(len(paths))), reader
