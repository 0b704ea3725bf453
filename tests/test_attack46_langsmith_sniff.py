"""realb45's LangSmith sniff (``ingest/_langsmith_sniff.py``) knows a run from the 64 KB head by one object's keys:
``run_type`` with a LangSmith type and either a LangSmith-only key or all the SDK's first keys (``id``, ``name``,
``start_time``). Its text says a dump whose keys are sorted (the REST API's pages, ``json.dumps(...,
sort_keys=True)``, ``jq -S``) is known by "those keys" (``dotted_order``, ``parent_run_id``, ``trace_id``); but
sorted, ``run_type`` comes after ``inputs`` and ``outputs``: a first run whose inputs pass 64 KB (a RAG chain's
retrieved documents) hides it past the head, and the file is "not in any known format", as attack45's 8 KB case
was before the fix. (With the SDK's own field order the same file is read: ``run_type`` is fourth.) attack46's
strict xfail (two runs, the first's prompt 70 KB), made a test by realb46: sorted, ``dotted_order`` comes before
the inputs, and its value (a start stamp and the run's UUID) is LangSmith's alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._driver import choose_adapter
from workbench.ingest._langsmith_sniff import looks_like_runs

_TRACE, _CALL = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"


def _run(run_id: str, parent: str | None, run_type: str, name: str, prompt: str) -> dict:
    return {
        "id": run_id,
        "name": name,
        "start_time": "2026-03-02T09:30:11.320000",
        "run_type": run_type,
        "end_time": "2026-03-02T09:30:12.320000",
        "inputs": {"messages": [{"content": prompt}]},
        "outputs": {"output": "ok"},
        "parent_run_id": parent,
        "trace_id": _TRACE,
        "dotted_order": "20260302T093011320000Z" + run_id,
        "error": None,
    }


def _runs() -> list[dict]:
    return [
        _run(_TRACE, None, "chain", "LangGraph", "retrieved document text " * 3_000),  # ~70 KB of inputs
        _run(_CALL, _TRACE, "llm", "ChatOpenAI", "hi"),
    ]


def test_a_sorted_dump_whose_first_run_has_a_long_prompt_is_langsmith(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in _runs()), encoding="utf-8")
    report = wb.open().ingest(path, progress=False)
    assert (report.read, report.stored) == (2, 2)


def test_every_sorted_shape_is_langsmith(tmp_path: Path) -> None:
    # (the driver's choice only: the reader reads these shapes, tests/ingest/test_langsmith_sniff.py)
    runs = _runs()
    nested = {**runs[0], "child_runs": [runs[1]]}
    shapes = {
        "runs.json": runs,
        "page.json": {"cursors": {"next": None}, "runs": runs},
        "traces.json": {"export_metadata": {"total_traces": 1}, "traces": [nested]},
    }
    for name, doc in shapes.items():
        path = tmp_path / name
        path.write_text(json.dumps(doc, sort_keys=True, indent=1), encoding="utf-8")
        assert choose_adapter(path).name == "langsmith", name


@pytest.mark.parametrize(
    "text",
    [
        b'{"dotted_order": "1.2.3", "id": "a", "inputs": {"q": "',  # another format's dotted numbering
        b'{"dotted_order": "20260302T093011320000Z", "inputs": {"q": "',  # a stamp without a run id
        b'{"dotted_order": "20260302T093011320000Z00000000-0000-0000-0000-00000000000',  # cut by the head
        b'{"note": "\\"dotted_order\\": \\"20260302T093011320000Z00000000-0000-0000-0000-000000000001\\""}',
    ],
    ids=["numbering", "no-id", "cut", "in-a-string"],
)
def test_a_dotted_order_not_langsmith_s_is_no_run(text: bytes) -> None:
    assert not looks_like_runs(text)


def test_a_langsmith_dotted_order_is_a_run() -> None:
    child = b"20260302T093011320000Z" + _TRACE.encode() + b".20260302T093011400000Z" + _CALL.encode()
    assert looks_like_runs(b'{"child_runs": [], "dotted_order": "' + child + b'", "events": [{"name": "')
