"""silent_failure on a final record whose answer sits under a key of its own beside its messages (real24).

A LangGraph ``StateGraph`` over ``class State(MessagesState): report: str`` whose last node returns
``{"report": ...}`` (no message) ends with the state ``{"messages": [...], "report": "..."}``; a record may keep
``final_answer`` beside its chat the same way. left23's rule read such a record's answer as the last assistant
message only, so a made-up figure in ``report`` went unseen. Now the record's top-level text keys named as an
answer, holding prose, are read too; metadata beside them (the model's name, token counts, a stop reason with a
count in it) is still not the answer. Shapes of tests/detect/test_left23_message_lists.py."""

from __future__ import annotations

import json

import pytest
from test_left23_message_lists import ASK, RIGHT, WRONG, _openai, _records, silent_by_case

MESSAGES = _openai("I have the figure; handing it to the writer.")


def _run(key: str, said: str, extra: dict | None = None) -> list[dict]:
    record = {
        "messages": MESSAGES,
        key: said,
        "model": "gpt-4o-mini-2024-07-18",
        "usage": {"prompt_tokens": 160, "completion_tokens": 14, "total_tokens": 174},
        **(extra or {}),
    }
    return _records(
        [
            ("p", None, "agent", "graph", ASK, json.dumps(record), 0, 9),
            ("c1", "p", "llm", "chat", json.dumps(MESSAGES[:1]), json.dumps(MESSAGES[1]), 1, 2),
            ("c2", "p", "llm", "chat", json.dumps(MESSAGES[:3]), json.dumps(MESSAGES[3]), 4, 5),
            ("w", "p", "chain", "writer", json.dumps(MESSAGES), json.dumps({key: said}), 6, 8),
        ]
    )


STOP = {"stop_reason": "Maximum number of messages 10 reached, current message count: 10"}
CASES = {(key, said): _run(key, said) for said in (WRONG, RIGHT) for key in ("report", "final_answer")}
CASES["report", "stop"] = _run("report", RIGHT, STOP)


@pytest.fixture(scope="module")
def silent() -> dict[tuple[str, str], list[tuple]]:
    return silent_by_case(CASES)  # (each case a run of one store, detected once)


@pytest.mark.parametrize("key", ["report", "final_answer"])
def test_a_made_up_figure_under_the_answer_key_is_a_silent_failure(silent: dict, key: str) -> None:
    found = silent[key, WRONG]
    assert [s for s, _ in found] == ["critical"], found  # old code: [] (the last message said no figure)
    assert "454,000" in found[0][1] and not any(x in found[0][1] for x in ("160", "174", "gpt"))


@pytest.mark.parametrize("key", ["report", "final_answer"])
def test_the_right_figure_under_the_answer_key_is_none(silent: dict, key: str) -> None:
    assert silent[key, RIGHT] == []


def test_a_stop_reason_beside_the_messages_is_no_answer(silent: dict) -> None:
    """AutoGen's TaskResult keeps ``stop_reason`` beside its messages: its count is not a figure stated."""
    assert silent["report", "stop"] == []
