"""A structured answer's numbered list: the numbers that count its items in order ({"number": 1}, {"number": 2},
an index from 0) are their places, no facts made up; the other small numbers of the same items still count."""

from __future__ import annotations

import json

from _runs import RunBuilder, _ws

from workbench.detect import detect

# run id -> (the answer, the numbers silent_failure must name as made up: none for a list's places alone)
ANSWERS: dict[str, tuple[object, list[str]]] = {
    "numbered": (
        {
            "steps": [
                {"number": 1, "description": "Get the time"},
                {"number": 2, "description": "Write the year"},
            ]
        },
        [],
    ),
    "indexed": (
        [
            {"index": 0, "step": "Get the time"},
            {"index": 1, "step": "Write the year"},
            {"index": 2, "step": "Done"},
        ],
        [],
    ),
    "nested": ({"plan": {"steps": [{"rank": 1, "what": "time"}, {"rank": 2, "what": "year"}]}}, []),
    # the list written as text in a final_answer tool's arguments, themselves text (smolagents' answer)
    "as_text": (
        [
            {
                "tool.name": "final_answer",
                "tool.args": json.dumps(
                    {
                        "answer": json.dumps(
                            {
                                "steps": [
                                    {"number": 1, "description": "Get the time"},
                                    {"number": 2, "description": "Write it"},
                                ]
                            }
                        )
                    }
                ),
            }
        ],
        [],
    ),
    # the places are let go, a count the items hold is not (7 and 3: nothing upstream said them)
    "counts": ({"steps": [{"number": 1, "minutes": 7}, {"number": 2, "minutes": 3}]}, ["7", "3"]),
    # numbers that do not count the items in order are no places ("number": 5 then 3)
    "unordered": (
        {"steps": [{"number": 5, "description": "a"}, {"number": 3, "description": "b"}]},
        ["5", "3"],
    ),
    # one item alone: its 1 may be a count as well as a place, so it still counts
    "single": ({"steps": [{"number": 1, "minutes": 1}]}, ["1"]),
}


def _run(run_id: str, answer: object) -> RunBuilder:
    text = json.dumps(answer)
    run = RunBuilder(
        run_id,
        task="Find the time in New York, write the year to a file, list your steps.",
        outcome="success",
    )
    run.add(
        kind="llm",
        agent="planner",
        name="gpt-4o",
        input="Find the time in New York.",
        output='{"tool_calls": [{"name": "get_time", "arguments": {"tz": "America/New_York"}}]}',
    )
    run.add(
        kind="tool",
        agent="planner",
        tool="get_time",
        input='{"tz": "America/New_York"}',
        output='{"datetime": "2025-09-16T08:43:15-04:00"}',
    )
    run.add(kind="llm", agent="planner", name="gpt-4o", input="get_time returned 2025-09-16", output=text)
    run.answer(text)
    return run


def test_the_place_numbers_of_a_list_are_no_made_up_facts_and_other_numbers_still_count() -> None:
    found = detect(
        _ws(*(_run(rid, answer) for rid, (answer, _) in ANSWERS.items())), detectors=["silent_failure"]
    )
    details = dict(zip(found["run_id"], found["detail"], strict=True))
    assert sorted(details) == sorted(rid for rid, (_, made_up) in ANSWERS.items() if made_up), details
    for rid, (_, made_up) in ANSWERS.items():
        for value in made_up:
            assert f"{value} (made up upstream)" in details[rid], (rid, details[rid])
    assert "1 (made up" not in details["counts"] and "2 (made up" not in details["counts"], details["counts"]
