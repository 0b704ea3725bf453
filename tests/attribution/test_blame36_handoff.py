"""The opt-in "handoff" group: who hands a value to whom, per move and per agent (bench/protocol_blame36.md).

Hand-written runs as arrays (a few ms each): a value stated by one agent, relayed by another into the final
answer, corrected by a third; values the task gives are nobody's; a tool's output counts for the move that called
it; and the group stays out of the default feature sets and the shipped model.
"""

from __future__ import annotations

import numpy as np

from workbench.attribution._blame_model import ALL_FEATURES, OPT_IN_GROUPS, PORTABLE_GROUPS, BlameModel
from workbench.attribution._feature_labels import FEATURE_LABELS
from workbench.attribution._portable import _run_features
from workbench.attribution._portable_handoff import HANDOFF_FEATURES, handoff_features

# (kind, agent, output): the planner states 42, the coder computes 84 from it with a tool, the checker says 84
# is wrong and gives 85, the planner answers 84 (the coder's value, relayed).
RUN = [
    ("agent", "planner", "The rate is 42 per unit."),
    ("agent", "coder", "Using 42 I compute it. ```print(42*2)```"),
    ("tool", "coder", "84"),
    ("agent", "checker", "I think 84 is wrong; actually 85."),
    ("agent", "planner", "Final answer: 84"),
]


def _features(moves: list[tuple[str, str, str]], task: str = "Task: compute for 2 units") -> dict[str, list]:
    kind, agent, texts = (np.array([m[i] for m in moves], dtype=object) for i in range(3))
    f = _run_features(kind, agent, list(texts), task)
    return {k: f[k].tolist() for k in HANDOFF_FEATURES}


def test_per_move_edges_follow_a_value_from_its_first_stater() -> None:
    f = _features(RUN)
    # 42 is the planner's, repeated by the coder (1 of 2 other agents); 84 is the coder's (its tool printed it
    # first), repeated by the checker and the planner.
    assert f["handoff_passed"] == [0.5, 1.0, 0.0, 0.0, 0.0]
    # The coder's move states 42 (received) and 2 (the task's: nobody's, not counted); the checker states the
    # coder's 84 and its own 85; the planner's answer only the coder's 84.
    assert f["handoff_received"] == [0.0, 1.0, 0.0, 0.5, 1.0]
    # The checker corrects 84, which the coder's move never states itself (its tool printed it).
    assert f["corrected_by_other"] == [0.0] * 5


def test_corrected_by_other_counts_another_agent_and_not_the_agent_itself() -> None:
    f = _features(
        [
            ("agent", "a", "The total is 500."),
            ("agent", "a", "Actually 500 was a typo, I mean it: 500."),  # a's own correction
            ("agent", "b", "That is wrong: 500 misses a row, it is 600."),
            ("agent", "c", "Agreed, 600."),
        ],
        task="",
    )
    # a's first move: b's correction only (a's own "Actually ..." is not another agent's); b: c only agrees.
    assert f["corrected_by_other"] == [1.0, 1.0, 0.0, 0.0]


def test_agent_level_columns_are_the_same_on_every_move_of_the_agent() -> None:
    f = _features(RUN)
    # Final values (the last two agent moves): 84 from the coder, 85 from the checker.
    assert f["agent_final_first"] == [0.0, 0.5, 0.0, 0.5, 0.0]
    # The planner and the checker repeat 84 after the coder stated it.
    assert f["agent_final_relay"] == [0.5, 0.0, 0.0, 0.5, 0.5]
    assert f["agent_out_degree"] == [0.5, 1.0, 0.0, 0.0, 0.5]  # checker's 85: nobody repeats it
    assert f["agent_in_degree"] == [0.5, 0.5, 0.0, 0.5, 0.5]  # tool moves: 0


def test_an_agent_repeating_itself_or_the_task_hands_nothing_off() -> None:
    f = _features(
        [
            ("agent", "a", "There are 12 boxes, I count 360 items."),
            ("agent", "a", "Again: 360."),
            ("agent", "b", "The task says 12 boxes."),
        ],
        task="How many items in 12 boxes?",
    )
    assert f["handoff_passed"] == [0.0, 0.0, 0.0]
    assert f["handoff_received"] == [0.0, 0.0, 0.0]
    assert f["agent_out_degree"] == f["agent_in_degree"] == [0.0, 0.0, 0.0]
    assert f["agent_final_first"] == [1.0, 1.0, 0.0]  # 360 (the final moves' one value not the task's) is a's


def test_an_empty_run_and_a_run_without_numbers() -> None:
    empty = handoff_features(
        np.array([], dtype=object),
        np.array([], dtype=bool),
        np.array([], dtype=bool),
        [],
        set(),
        np.array([], dtype=bool),
        set(),
    )
    assert all(v.tolist() == [] for v in empty.values())
    f = _features([("agent", "a", "no numbers"), ("agent", "b", "none either")], task="")
    assert all(v == [0.0, 0.0] for v in f.values())


def test_the_group_is_opt_in_and_labelled() -> None:
    assert "handoff" in OPT_IN_GROUPS and all(ALL_FEATURES[k][0] == "handoff" for k in HANDOFF_FEATURES)
    assert not set(HANDOFF_FEATURES) & set(BlameModel()._feature_list())
    assert not set(HANDOFF_FEATURES) & set(BlameModel(features="portable")._feature_list())
    assert BlameModel(features=[*PORTABLE_GROUPS, "handoff"])._feature_list() == [
        *BlameModel(features="portable")._feature_list(),
        *HANDOFF_FEATURES,
    ]
    assert not set(HANDOFF_FEATURES) & set(BlameModel.pretrained().feature_names_in_)
    assert all(0 < len(FEATURE_LABELS[k]) <= 40 for k in HANDOFF_FEATURES)
