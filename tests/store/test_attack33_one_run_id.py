"""A function of one run takes its id as the list functions take each (a number read as its text), and anything
else is a TypeError naming the function.

On e352347 ``ws.steps(5)``, ``ws.edges``, ``ws.labels``, ``ws.label``, the timeline's and hand-offs' data and the
explorer's ``show_run`` bound the value as given: DuckDB cast the store's run ids to its type and failed on "Could
not convert string 'r1' to INT32" (a list: "can't be cast to the destination type VARCHAR[]"), naming neither the
argument nor the function."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.plots._data import handoff_data, timeline_data


def _store() -> wb.Workspace:
    ws = wb.open()
    ws.ingest(
        [
            {"run_id": "r1", "step_id": "s1", "agent": "a", "kind": "llm"},
            {"run_id": "5", "step_id": "s1", "agent": "a", "kind": "llm"},
        ],
        progress=False,
    )
    return ws


def test_a_number_is_read_as_the_run_id_it_spells() -> None:
    with _store() as ws:
        assert ws.steps(5)["run_id"].tolist() == ["5"]
        assert timeline_data(ws, 5)["step_id"].tolist() == ["s1"]
        ws.label(5, outcome="failure")
        assert ws.labels(5)["outcome"].tolist() == ["failure"]


def test_anything_else_is_a_type_error_naming_the_function() -> None:
    with _store() as ws:
        for call, name in [
            (lambda v: ws.steps(v), "ws.steps"),
            (lambda v: ws.edges(v), "ws.edges"),
            (lambda v: ws.labels(v), "ws.labels"),
            (lambda v: ws.label(v, outcome="failure"), "ws.label"),
            (lambda v: timeline_data(ws, v), "timeline_data"),
            (lambda v: handoff_data(ws, v), "handoff_data"),
        ]:
            for bad in (["r1"], b"r1"):
                with pytest.raises(TypeError, match=f"{name}: run_id must be one run id"):
                    call(bad)
        assert ws.count("labels") == 0
