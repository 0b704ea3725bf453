"""ux47: ``suggest_limits`` with nothing to measure says what it was given and what it needs (attack46's note:
``runs=[]`` was told "no run with steps in this store" of a store holding runs with steps)."""

from __future__ import annotations

import pytest

import workbench as wb


@pytest.fixture(scope="module")
def two() -> wb.Workspace:
    """r1 with a tool call, r2 without a step."""
    ws = wb.open()
    ws.ingest(
        [
            {"run_id": "r1", "step_id": "s1", "agent": "a", "kind": "tool", "tool": "search"},
            {"record": "run", "run_id": "r2", "system": "shop"},
        ],
        progress=False,
    )
    return ws


@pytest.mark.parametrize(
    ("runs", "said"),
    [
        (
            [],
            r"runs is empty \(0 run ids given.*leave runs=None for every run \(the store holds 2 runs, 1 with steps",
        ),
        ("frame", r"runs is empty \(0 run ids given; a ws.runs\(...\) filter that matched no run"),
        (
            ["r2"],
            r"none of the 1 run given has a step \(the store holds 2 runs, 1 with steps\).*give runs with steps",
        ),
    ],
    ids=["empty-list", "empty-frame", "no-steps"],
)
def test_nothing_to_measure_says_what_was_given(two: wb.Workspace, runs: object, said: str) -> None:
    given = two.runs(system="nope") if runs == "frame" else runs
    with pytest.raises(wb.InvalidParameterError, match=f"^suggest_limits: {said}"):
        wb.suggest_limits(two, runs=given)


def test_an_empty_store_is_told_to_ingest() -> None:
    with pytest.raises(
        wb.InvalidParameterError,
        match=r"^suggest_limits: no run with steps in this store \(the "
        r"store holds no run\).*ws.ingest",
    ):
        wb.suggest_limits(wb.open())
