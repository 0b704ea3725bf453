"""The opt-in "claims" feature: a move's new numbers that no later tool output states (bench/protocol_blame34.md).

Hand-written runs, as arrays (a few ms each) and through a store the test writes (Who&When format), where the
signal must fire (a value out of thin air) and must not (a value the task gave, an earlier move gave, or a later
tool run confirms); and the group stays out of the default feature sets.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.attribution._blame_model import PORTABLE_GROUPS, BlameModel
from workbench.attribution._portable import _numbers
from workbench.attribution._portable_claims import CLAIM_FEATURES, claim_features


def _run(moves: list[tuple[str, str]], task: str = "") -> np.ndarray:
    kind = [k for k, _ in moves]
    f = claim_features(
        np.array([k == "agent" for k in kind]),
        np.array([k == "tool" for k in kind]),
        [_numbers(t) for _, t in moves],
        _numbers(task),
    )
    return f["unconfirmed_values"]


def test_a_value_out_of_thin_air_fires_and_a_confirmed_one_does_not() -> None:
    got = _run(
        [
            ("agent", "The population is 4200, so the answer is 4200."),  # never confirmed
            ("agent", "I computed 37 and will check it with code."),  # a later tool prints 37
            ("tool", "exitcode: 0\noutput: 37"),
            ("agent", "Confirmed: 37. Together with 4200 that is our answer."),
        ]
    )
    assert got.tolist() == [1.0, 0.0, 0.0, 0.0]


def test_values_the_task_or_an_earlier_move_gave_are_not_new() -> None:
    got = _run(
        [
            ("agent", "There are 12 boxes of 30 items."),  # 12 and 30 are the task's
            ("tool", "rows: 815"),
            ("agent", "The file lists 815 rows."),  # relays the tool: not new
            ("agent", "So 12 boxes hold 360 items, 815 rows."),
        ],  # 360 new; no tool after it
        task="How many items are in 12 boxes of 30?",
    )
    assert got.tolist() == [0.0, 0.0, 0.0, 1.0]


def test_the_share_counts_each_new_value_and_tool_moves_score_nothing() -> None:
    got = _run(
        [
            ("agent", "Estimates: 11, 22, 33 and 44."),
            ("tool", "checked 11 and 22"),
            ("tool", "a tool that states 99 itself"),
        ]
    )
    assert got.tolist() == [0.5, 0.0, 0.0]


def test_only_the_next_64_moves_can_confirm() -> None:
    filler = [("agent", "still working")] * 64
    assert _run([("agent", "It is 555."), *filler, ("tool", "555")])[0] == 1.0
    assert _run([("agent", "It is 555."), *filler[:63], ("tool", "555")])[0] == 0.0


def test_an_empty_run_and_a_run_without_numbers() -> None:
    assert _run([]).tolist() == []
    assert _run([("agent", "no numbers here"), ("tool", "none either")]).tolist() == [0.0, 0.0]


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> wb.Workspace:
    folder = tmp_path_factory.mktemp("claims") / "Hand-Crafted"
    folder.mkdir()
    history = [
        {"role": "Planner", "content": "We need the number of stations in 2021. Let me ask the Analyst."},
        {"role": "Analyst", "content": "I assume there are 140 stations, a typical figure."},
        {"role": "Checker", "content": "Running the count script on the 2021 file."},
        {"role": "Computer_terminal", "content": "exitcode: 0 (execution succeeded)\nCode output: 212"},
        {"role": "Checker", "content": "The script counts 212 stations."},
        {"role": "Planner", "content": "Final answer: 140."},
    ]
    (folder / "stations.json").write_text(
        json.dumps(
            {
                "question": "How many stations were open in 2021?",
                "history": history,
                "is_corrected": False,
                "question_ID": "stations",
                "mistake_agent": "Analyst",
                "mistake_step": "1",
                "mistake_reason": "made up the number of stations",
            }
        )
    )
    ws = wb.open()
    ws.ingest(str(folder / "*.json"), progress=False)
    return ws


@pytest.fixture(scope="module")
def frame(ws):
    return BlameModel(features="portable", detect=False).frame(ws)


def test_the_store_frame_has_it_where_a_made_up_value_is_stated(frame) -> None:
    assert set(CLAIM_FEATURES) <= set(frame.columns)
    by = frame.set_index("agent")["unconfirmed_values"].groupby(level=0).max()
    assert by["Analyst"] == 1.0  # 140: nobody gave it, no tool ever prints it
    assert by["Checker"] == 0.0  # 212: relays the terminal's output
    assert by["Planner"] == 0.0  # 2021 is the task's; 140 was stated before


def test_the_store_frame_has_the_handoff_columns(frame) -> None:
    # blame36's opt-in "handoff" group on the same store: the Planner's answer relays the Analyst's 140.
    by = frame.groupby("agent")[["agent_final_first", "agent_final_relay", "handoff_received"]].max()
    assert by.loc["Analyst"].tolist() == [0.5, 0.0, 0.0]  # 140 of the final {140, 212} starts here
    assert by.loc["Planner"].tolist() == [0.0, 0.5, 1.0]  # it passes 140 on to the answer
    assert by.loc["Checker"].tolist() == [0.5, 0.0, 0.0]  # 212: its terminal's output, its own


def test_the_group_is_opt_in() -> None:
    assert "unconfirmed_values" not in BlameModel()._feature_list()
    assert "unconfirmed_values" not in BlameModel(features="portable")._feature_list()
    assert BlameModel(features=[*PORTABLE_GROUPS, "claims"])._feature_list() == [
        *BlameModel(features="portable")._feature_list(),
        "unconfirmed_values",
    ]
    assert "unconfirmed_values" not in BlameModel.pretrained().feature_names_in_


def test_an_opt_in_model_learns_it_and_saves_it(ws, tmp_path) -> None:
    model = BlameModel(features=[*PORTABLE_GROUPS, "claims"], calibration_cv=None, detect=False).fit(ws)
    assert list(model.feature_names_in_)[-1] == "unconfirmed_values"
    again = BlameModel.load(model.save(tmp_path / "claims.json"))
    assert again.get_params()["features"] == [*PORTABLE_GROUPS, "claims"]
    pd.testing.assert_frame_equal(model.predict(ws), again.predict(ws))
