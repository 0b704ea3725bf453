"""AG2 1.x's ``record_usage`` spans: a run's tokens the same whatever the order and split of the ingest calls (store42).

fix41 gives a model call's usage record its tokens when no other step of its run holds any. When the records came
in one call and the model calls' spans carrying tokens in a later one, the stored records kept theirs and the run
counted those calls twice (300 / 60 or 400 / 80 where one call gives 200 / 40). Each split below is checked against the store
one call gives, row for row both ways, and reading every part again changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from _deep import deep
from test_fix41_ag2_usage import _is_usage as _usage
from test_fix41_ag2_usage import _rewritten

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures" / "ag2-1.2.1"


def _agent_spans(src: Path) -> dict[str, set[str]]:
    """Each agent's span id and its children's, by the agent's name."""
    spans = [
        s
        for line in src.read_text(encoding="utf-8").splitlines()
        for rs in json.loads(line)["resourceSpans"]
        for ss in rs["scopeSpans"]
        for s in ss["spans"]
    ]
    agents = {
        s["spanId"]: s["name"].removeprefix("invoke_agent ")
        for s in spans
        if s["name"].startswith("invoke_agent")
    }
    out: dict[str, set[str]] = {n: {i} for i, n in agents.items()}
    for s in spans:
        if s.get("parentSpanId") in agents:
            out[agents[s["parentSpanId"]]].add(s["spanId"])
    return out


def _splits(src: Path) -> dict[str, list[Callable[[dict], bool]]]:
    ids = _agent_spans(src)

    def under(name: str) -> Callable[[dict], bool]:
        return lambda s: s["spanId"] in ids[name]

    r, w = under("researcher"), under("writer")
    return {
        "usage first": [_usage, lambda s: not _usage(s)],
        "model calls first": [lambda s: not _usage(s), _usage],
        # the records of one agent, then every other span, then the other agent's records
        "interleaved": [lambda s: _usage(s) and r(s), lambda s: not _usage(s), lambda s: _usage(s) and w(s)],
        # one agent's records with the other agent's calls; then the rest in two calls
        "crossed": [
            lambda s: (_usage(s) and r(s)) or (not _usage(s) and w(s)),
            lambda s: _usage(s) and w(s),
            lambda s: not _usage(s) and not w(s),
        ],
    }


def _rows(ws: wb.Workspace) -> Counter:
    """The store's steps as a multiset (a Counter equal both ways is EXCEPT ALL empty both ways), but where each
    row was read from: the parts are other files."""
    return Counter(ws.sql("SELECT * EXCLUDE (file, line, order_hint) FROM steps").fetchall())


def _tokens(ws: wb.Workspace) -> tuple:
    return ws.sql("SELECT sum(tokens_in), sum(tokens_out), sum(cost) FROM steps").fetchall()[0]


_WHOLE: dict[bool, tuple[tuple, Counter]] = {}  # stripped -> (_tokens, _rows) of one read of the whole file


_ORDERS = ["usage first", "model calls first", "interleaved", "crossed"]
# Each order once by default, the model calls holding tokens and not in turn (usage first with them: the order of
# store42's bug); every order both ways with WORKBENCH_DEEP_TESTS=1 (the same rules run again on other splits).
_CASES = (
    [(o, s) for o in _ORDERS for s in (False, True)]
    if deep()
    else [("usage first", False), ("model calls first", True), ("interleaved", False), ("crossed", True)]
)


@pytest.mark.parametrize(
    ("order", "stripped"),
    _CASES,
    ids=[f"{o}-{'records only' if s else 'calls hold tokens'}" for o, s in _CASES],
)
def test_a_runs_tokens_do_not_depend_on_the_order_of_the_calls(
    tmp_path: Path, order: str, stripped: bool
) -> None:
    src = FIXTURES / "telemetry_middleware_fault.otlp.jsonl"
    if stripped:
        src = _rewritten(src, tmp_path / "stripped.otlp.jsonl", lambda s: True, strip_calls=True)
    if stripped not in _WHOLE:  # (one read of the whole file: the same for every order of its parts)
        whole = wb.open()
        whole.ingest(src, progress=False)
        _WHOLE[stripped] = _tokens(whole), _rows(whole)
    whole_tokens, whole_rows = _WHOLE[stripped]
    assert whole_tokens[:2] == (200, 40)
    parts = [
        _rewritten(src, tmp_path / f"part{i}.otlp.jsonl", keep, strip_calls=False)
        for i, keep in enumerate(_splits(src)[order])
    ]
    split = wb.open()
    for p in parts:
        assert split.ingest(p, progress=False).quarantined == 0
    assert _tokens(split) == whole_tokens
    assert _rows(split) == whole_rows
    before = split.sql("SELECT * FROM steps ORDER BY step_id").fetchall()
    for p in parts:  # (read again: repeats, not conflicts)
        assert split.ingest(p, progress=False).quarantined == 0
    assert split.sql("SELECT * FROM steps ORDER BY step_id").fetchall() == before


@pytest.mark.parametrize("exported", ["usage", "model calls"])
def test_an_export_merged_counts_each_call_once(tmp_path: Path, exported: str) -> None:
    # one store read the records alone (they kept the tokens), the other the rest, or everything
    src = FIXTURES / "telemetry_middleware_fault.otlp.jsonl"
    usage = _rewritten(src, tmp_path / "usage.otlp.jsonl", _usage, strip_calls=False)
    calls = _rewritten(src, tmp_path / "calls.otlp.jsonl", lambda s: not _usage(s), strip_calls=False)
    whole = wb.open()
    whole.ingest([calls, usage], progress=False)
    with wb.open() as one:  # (one export, merged into each store below)
        one.ingest(usage if exported == "usage" else calls, progress=False)
        one.export(tmp_path / "export")
    for stored in ([calls] if exported == "usage" else [usage], [calls, usage]):
        ws = wb.open()
        ws.ingest(stored, progress=False)
        report = ws.ingest(tmp_path / "export", progress=False)
        assert report.quarantined == 0  # (a record both held is the same step, not a conflict)
        assert _tokens(ws) == _tokens(whole) and _tokens(ws)[:2] == (200, 40)
        assert _rows(ws) == _rows(whole)
