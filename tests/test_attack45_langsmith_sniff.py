"""A LangSmith dump whose first run is long: the SDK's ``Run`` dataclass (``langsmith/schemas.py``) dumps its fields
in the order ``id, name, start_time, run_type, end_time, extra, error, serialized, events, inputs, outputs,
reference_example_id, parent_run_id, tags, attachments, trace_id, session_id, ... dotted_order``, so every key the
``langsmith`` sniff needs beside ``run_type`` (``parent_run_id``, ``trace_id``, ``dotted_order``, ...) comes after the
run's inputs and outputs; the sniff reads the first 8 KB of the file (``anyagent.json_start``). A first run with
a prompt of a few pages (a system prompt, a retrieved document) makes the file "not in any known format" (a
folder's ingest leaves it out). attack45's strict xfail, fixed by realb45 (:mod:`workbench.ingest._langsmith_sniff`:
a run is known by one object's first keys; ``tests/ingest/test_langsmith_sniff.py`` has prompts past the whole
head); the sniff alone, no store."""

from __future__ import annotations

import json
from pathlib import Path

from workbench.ingest._driver import choose_adapter


def _run(i: int, prompt: str) -> dict:
    """An ``llm`` run, its fields in the order ``Run.model_dump_json()`` writes them."""
    rid = f"1ef0c2a4-0000-4000-8000-00000000000{i}"
    return {
        "id": rid,
        "name": "ChatOpenAI",
        "start_time": "2026-01-05T10:00:00",
        "run_type": "llm",
        "end_time": "2026-01-05T10:00:01",
        "extra": {"invocation_params": {"model": "gpt-4o"}, "metadata": {"langgraph_node": "agent"}},
        "error": None,
        "serialized": None,
        "events": [{"name": "start", "time": "2026-01-05T10:00:00"}],
        "inputs": {
            "messages": [[{"type": "system", "content": prompt}, {"type": "human", "content": "Go."}]]
        },
        "outputs": {"generations": [[{"text": "Done."}]]},
        "reference_example_id": None,
        "parent_run_id": None,
        "tags": [],
        "attachments": {},
        "trace_id": rid,
        "session_id": "0f0c2a4e-0000-4000-8000-000000000000",
        "dotted_order": f"20260105T100000000000Z{rid}",
    }


def test_a_dump_whose_first_run_is_short_is_langsmith(tmp_path: Path) -> None:
    # the control: the same runs with a short prompt are recognised
    path = tmp_path / "runs.jsonl"
    path.write_text("".join(json.dumps(_run(i, "You are a pricing agent.")) + "\n" for i in range(2)))
    assert choose_adapter(path).name == "langsmith"


def test_a_dump_whose_first_run_has_a_long_prompt_is_langsmith(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_text("".join(json.dumps(_run(i, "Price list follows. " * 450)) + "\n" for i in range(2)))
    assert choose_adapter(path).name == "langsmith"
