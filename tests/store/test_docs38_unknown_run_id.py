"""README, "Errors": every bad argument — a run id the store does not hold among them — raises
InvalidParameterError naming the parameter and the value. ``ws.steps``, ``ws.edges`` and ``ws.labels`` answered
a mistyped id with an empty frame, as if the run had logged nothing."""

from __future__ import annotations

import pytest

import workbench as wb


@pytest.fixture(scope="module")
def ws() -> wb.Workspace:
    ws = wb.open()
    ws.ingest(list(wb.sim.procurement(seed=2).generate(3)), progress=False)
    # a run the store holds with no step stored: its one step quarantined (a confidence outside [0, 1])
    ws.ingest(
        [
            {"record": "run", "run_id": "bare", "outcome": "failure"},
            {
                "record": "step",
                "run_id": "bare",
                "step_id": "s1",
                "agent": "a",
                "kind": "llm",
                "confidence": 7.0,
            },
        ],
        progress=False,
    )
    return ws


@pytest.mark.parametrize("method", ["steps", "edges", "labels"])
def test_a_run_id_the_store_does_not_hold_is_named(ws: wb.Workspace, method: str) -> None:
    with pytest.raises(
        wb.InvalidParameterError, match=rf"ws.{method}: run_id: no run 'proc-s2-00000' in this store"
    ):
        getattr(ws, method)("proc-s2-00000")
    assert len(getattr(ws, method)("proc-s2-000000")) > 0


def test_a_run_with_no_step_stored_still_answers_empty(ws: wb.Workspace) -> None:
    assert "bare" in set(ws.runs().run_id) and ws.quarantine().shape[0] == 1
    assert ws.steps("bare").empty and ws.edges("bare").empty and ws.labels("bare").empty


def test_label_names_the_parameter(ws: wb.Workspace) -> None:
    with pytest.raises(wb.InvalidParameterError, match=r"ws.label: run_id: no run 'nope' in this store"):
        ws.label("nope", outcome="failure")


@pytest.mark.parametrize("where", ["timeline_data", "handoff_data"])
def test_the_charts_data_names_a_run_id_the_store_does_not_hold(ws: wb.Workspace, where: str) -> None:
    # (an empty frame drew an empty timeline for a mistyped id; a held run with no hand-off still answers empty)
    fn = getattr(wb.plots, where)
    with pytest.raises(
        wb.InvalidParameterError, match=rf"{where}: run_id: no run 'proc-s2-00000' in this store"
    ):
        fn(ws, "proc-s2-00000")
    assert len(wb.plots.timeline_data(ws, "proc-s2-000000")) > 0
    assert fn(ws, "bare").empty


def test_the_blame_model_names_the_run_ids_the_store_does_not_hold(ws: wb.Workspace) -> None:
    model = wb.BlameModel.pretrained()
    with pytest.raises(
        wb.InvalidParameterError,
        match=r"BlameModel.predict: run_ids: no run 'nope', 'proc-s2-00000' in this store",
    ):
        model.predict(ws, ["proc-s2-000000", "proc-s2-00000", "nope"])
    assert model.predict(ws, iter(["proc-s2-000000"]))["run_id"].tolist() == ["proc-s2-000000"]
