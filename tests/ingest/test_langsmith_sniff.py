"""A LangSmith dump whose first run's inputs are longer than the whole head the driver reads (64 KB): the SDK writes
``parent_run_id``, ``trace_id``, ``dotted_order`` after them, so the ``langsmith`` sniff knows the run by the keys
it writes first (``id``, ``name``, ``start_time``, ``run_type``), in every shape the reader takes; keys that are
not one object's (nested elsewhere, or inside a string) do not make a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._driver import choose_adapter
from workbench.ingest._langsmith_sniff import looks_like_runs

RUNS = Path(__file__).parent / "fixtures" / "langsmith" / "runs.jsonl"
# a retrieved document in the first run's inputs, past the driver's 64 KB head
_DOC = "Price list, page {}: widget 14.20 USD, gadget 3.10 USD. " * 1400


def _runs() -> list[dict]:
    runs = [json.loads(line) for line in RUNS.read_text().splitlines()]
    # the SDK's order, as the file has it
    assert list(runs[0])[:4] == ["id", "name", "start_time", "run_type"]
    return runs


def _lengthen(run: dict) -> dict:
    # (the inputs keep their place among the run's keys: before its trace keys)
    return {**run, "inputs": {**(run.get("inputs") or {}), "context": _DOC}}


def _nested(runs: list[dict]) -> list[dict]:
    by_id = {r["id"]: {**r, "child_runs": []} for r in runs}
    roots = []
    for r in sorted(runs, key=lambda r: r["dotted_order"]):
        (by_id[r["parent_run_id"]]["child_runs"] if r["parent_run_id"] else roots).append(by_id[r["id"]])
    return [_lengthen(roots[0]), *roots[1:]]  # the first trace's root long: its inputs before every trace key


def test_runs_whose_first_inputs_outrun_the_head_are_langsmith_in_every_shape(tmp_path: Path) -> None:
    runs = _runs()
    nested = _nested(runs)
    runs[0] = _lengthen(runs[0])
    assert len(json.dumps(runs[0])) > 70_000
    shapes = {
        "runs.jsonl": "".join(json.dumps(r) + "\n" for r in runs),
        "runs.json": json.dumps(runs, indent=2),
        "page.json": json.dumps({"runs": runs, "cursors": {"next": None}}),
        "traces.json": json.dumps({"export_metadata": {"total_traces": 2}, "traces": nested}),
    }
    for name, text in shapes.items():
        path = tmp_path / name
        path.write_text(text)
        assert choose_adapter(path).name == "langsmith", name
    # and the runs are read whole
    ws = wb.open()
    report = ws.ingest(tmp_path / "runs.jsonl", progress=False)
    assert (report.read, report.stored, report.quarantined) == (22, 22, 0)
    assert ws.sql("SELECT count(*) FROM steps WHERE input LIKE '%page {}%'").fetchall() == [(1,)]


@pytest.mark.parametrize(
    "text",
    [
        # the type in a nested object, the first keys in its parent's
        b'{"id": "a", "name": "n", "start_time": "2026-01-05T10:00:00", "meta": {"run_type": "llm"}}',
        # the first keys split between two objects of a list
        b'[{"id": "a", "name": "n", "run_type": "llm"}, {"start_time": "2026-01-05T10:00:00"}]',
        # a run's keys inside a string (an LLM's output quoting a run)
        b'{"text": "{\\"id\\": \\"a\\", \\"name\\": \\"n\\", \\"start_time\\": \\"t\\", \\"run_type\\": \\"llm\\"}"}',
        # a type LangSmith has not
        b'{"id": "a", "name": "n", "start_time": "2026-01-05T10:00:00", "run_type": "agent"}',
        # a key of the run's only after a value the head cuts
        b'{"run_type": "llm", "id": "a", "name": "n", "note": "cut {\\"start_time\\": ',
    ],
    ids=["nested-type", "split-objects", "in-a-string", "other-type", "cut-string"],
)
def test_keys_that_are_not_one_run_s_are_no_run(text: bytes) -> None:
    assert not looks_like_runs(text)


def test_a_run_s_first_keys_in_any_order_with_other_values_are_a_run() -> None:
    assert looks_like_runs(
        b'{"name": "n", "run_type": "tool", "extra": {"id": 1, "x": [1, {"y": null}]}, "start_time": 1767268800000, '
        b'"id": "a", "inputs": {"q": "'
    )
