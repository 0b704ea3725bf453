"""The silent_failure detector on logs whose tool results live only in message lists and whose last step
outputs a record (messages beside token usage and the model's name), in the shapes of several frameworks: an
OpenAI chat (``role: "tool"`` messages), an Anthropic one (``tool_result`` blocks in a user turn), and a trace of
LLM calls only, no tool span, each call's input carrying the results before it. A right answer is no silent
failure; a made-up figure still is. Haystack's shape is tests/detect/test_left20_silent_hidden_tools.py."""

from __future__ import annotations

import json

import pytest

import workbench as wb

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000
ASK = "What is the population of Lisbon?"
RESULT = json.dumps({"city": "Lisbon", "population": 545000, "year": 2024})
RIGHT = "Lisbon, home to 545,000 people, is Portugal's capital."
WRONG = "Lisbon, home to 454,000 people, is Portugal's capital."


def _openai(said: str) -> list[dict]:
    return [
        {"role": "user", "content": ASK},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_Xa81kQ2",
                    "type": "function",
                    "function": {"name": "get_population", "arguments": json.dumps({"city": "Lisbon"})},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_Xa81kQ2", "content": RESULT},
        {"role": "assistant", "content": said},
    ]


def _anthropic(said: str) -> list[dict]:
    return [
        {"role": "user", "content": ASK},
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "toolu_01A", "name": "get_population", "input": {"city": "Lisbon"}}
            ],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01A", "content": RESULT}]},
        {"role": "assistant", "content": [{"type": "text", "text": said}]},
    ]


def _record_run(messages: list[dict], usage: dict, model: str) -> list[dict]:
    """A workflow span whose output is the agent's state: its messages, the tokens used, the model; under it
    the two LLM calls (the tool ran in-process, no span of its own)."""
    record = {"messages": messages, "usage": usage, "model": model, "turns": 2}
    steps = [
        ("p", None, "agent", "workflow", ASK, json.dumps(record), 0, 9),
        ("c1", "p", "llm", "chat", json.dumps(messages[:1]), json.dumps(messages[1]), 1, 2),
        ("c2", "p", "llm", "chat", json.dumps(messages[:3]), json.dumps(messages[3]), 4, 5),
    ]
    return _records(steps)


def _llm_only_run(said: str) -> list[dict]:
    """No record, no tool span: the final answer is the last LLM call's text, the tool's result only in its input
    (the root span, the user's request, outputs nothing)."""
    m = _openai(said)
    steps = [
        ("p", None, "agent", "workflow", ASK, None, 0, 9),
        ("c1", "p", "llm", "chat", json.dumps(m[:1]), json.dumps(m[1]), 1, 2),
        ("c2", "p", "llm", "chat", json.dumps(m[:3]), said, 4, 5),
    ]
    return _records(steps)


def _records(steps: list[tuple]) -> list[dict]:
    recs: list[dict] = [{"record": "run", "run_id": "r", "system": "app", "outcome": "success"}]
    for step_id, parent, kind, name, inp, out, t0, t1 in steps:
        recs.append(
            {
                "run_id": "r",
                "step_id": step_id,
                "parent_id": parent,
                "agent": "assistant",
                "kind": kind,
                "name": name,
                "input": inp,
                "output": out,
                "status": "ok",
                "started_at": T0 + t0 * S,
                "ended_at": T0 + t1 * S,
            }
        )
    return recs


SHAPES = {
    "openai record": lambda said: _record_run(
        _openai(said),
        {"prompt_tokens": 160, "completion_tokens": 14, "total_tokens": 174},
        "gpt-4o-mini-2024-07-18",
    ),
    "anthropic record": lambda said: _record_run(
        _anthropic(said), {"input_tokens": 412, "output_tokens": 31}, "claude-sonnet-4-20250514"
    ),
    "llm calls only": _llm_only_run,
}


def _silent(recs: list[dict]) -> list[tuple]:
    ws = wb.open()
    report = ws.ingest(recs, progress=False)
    assert report.quarantined == 0
    wb.detect(ws)
    return ws.sql("SELECT severity, detail FROM findings WHERE detector = 'silent_failure'").fetchall()


def silent_by_case(cases: dict[tuple[str, str], list[dict]]) -> dict[tuple[str, str], list[tuple]]:
    """Each case's records (of run "r") as a run of its own in one store, detected once (the detectors read a run's
    own steps: each in a store of its own, as until suite49, found the same): each case's silent_failure findings.
    (test_real24_record_answer_key.py's cases too.)"""
    names = list(cases)
    ws = wb.open()
    report = ws.ingest(
        [{**rec, "run_id": f"r{n}"} for n, case in enumerate(names) for rec in cases[case]], progress=False
    )
    assert report.quarantined == 0
    wb.detect(ws)
    found: dict[tuple[str, str], list[tuple]] = {case: [] for case in names}
    for run_id, severity, detail in ws.sql(
        "SELECT run_id, severity, detail FROM findings WHERE detector = 'silent_failure' ORDER BY ALL"
    ).fetchall():
        found[names[int(run_id[1:])]].append((severity, detail))
    ws.close()
    return found


@pytest.fixture(scope="module")
def silent() -> dict[tuple[str, str], list[tuple]]:
    return silent_by_case({(shape, said): SHAPES[shape](said) for said in (RIGHT, WRONG) for shape in SHAPES})


@pytest.mark.parametrize("shape", SHAPES)
def test_the_right_figure_is_no_silent_failure(
    silent: dict[tuple[str, str], list[tuple]], shape: str
) -> None:
    assert silent[shape, RIGHT] == []


@pytest.mark.parametrize("shape", SHAPES)
def test_a_made_up_figure_is_still_a_silent_failure(
    silent: dict[tuple[str, str], list[tuple]], shape: str
) -> None:
    found = silent[shape, WRONG]
    assert [s for s, _ in found] == ["critical"], found
    # the figure, and nothing of the record's metadata (token counts, the model's name)
    assert "454,000" in found[0][1] and not any(
        x in found[0][1] for x in ("160", "174", "412", "2024", "gpt", "claude")
    )


def test_a_figure_made_up_by_an_agent_called_as_a_tool_is_still_caught() -> None:
    """A tool result in a message list is a backend record, but what an agent called as a tool hands back is its
    own model's words: the researcher turns the backend's 545000 into 454,000, the planner gets that back as a
    ``role: "tool"`` message and answers with it. The figure was made up upstream, whoever passed it on."""
    got = {"role": "tool", "tool_call_id": "call_Zr55", "content": "Lisbon has 454,000 inhabitants."}
    steps = [
        ("p", None, "agent", "workflow", ASK, None, 0, 9),
        ("c1", "p", "llm", "chat", json.dumps(_openai("")[:3]), "Lisbon has 454,000 inhabitants.", 1, 2),
        ("c2", "p", "llm", "chat", json.dumps([{"role": "user", "content": ASK}, got]), WRONG, 3, 4),
    ]
    recs = _records(steps)
    recs[2]["agent"] = "researcher"
    found = _silent(recs)
    assert [s for s, _ in found] == ["critical"], found
    assert "454,000 (made up upstream)" in found[0][1] and "researcher" in found[0][1], found
