"""realb45's LangSmith sniff (``ingest/_langsmith_sniff.py``) knows a run from the 64 KB head by one object's keys:
``run_type`` with a LangSmith type and either a LangSmith-only key or all the SDK's first keys (``id``, ``name``,
``start_time``). Its text says a dump whose keys are sorted (the REST API's pages, ``json.dumps(...,
sort_keys=True)``, ``jq -S``) is known by "those keys" (``dotted_order``, ``parent_run_id``, ``trace_id``); but
sorted, ``run_type`` comes after ``inputs`` and ``outputs``: a first run whose inputs pass 64 KB (a RAG chain's
retrieved documents) hides it past the head, and the file is "not in any known format", as attack45's 8 KB case
was before the fix. (With the SDK's own field order the same file is read: ``run_type`` is fourth.) attack46's
strict xfail: two runs, the first's prompt 70 KB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb

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


@pytest.mark.xfail(
    strict=True,
    reason="attack46: ingest/_langsmith_sniff.py needs run_type in the 64 KB head; a dump with sorted keys puts it "
    "after a first run's 70 KB inputs: FormatError 'not in any known format'",
)
def test_a_sorted_dump_whose_first_run_has_a_long_prompt_is_langsmith(tmp_path: Path) -> None:
    runs = [
        _run(_TRACE, None, "chain", "LangGraph", "retrieved document text " * 3_000),  # ~70 KB of inputs
        _run(_CALL, _TRACE, "llm", "ChatOpenAI", "hi"),
    ]
    path = tmp_path / "runs.jsonl"
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in runs), encoding="utf-8")
    report = wb.open().ingest(path, progress=False)
    assert (report.read, report.stored) == (2, 2)
