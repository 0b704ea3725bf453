"""Who&When adapter: a code executor is known by what it says, whatever the system calls it.

Fixtures are written here: one AutoGen-style and one Magentic-One-style run, with the executor
under its usual name and under names the adapter has never seen.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_whowhen import stage_file

from workbench.ingest.whowhen import executor_shaped

SAMPLES = Path(__file__).parents[2].parent / "shared" / "samples" / "whowhen-algorithm-generated"


def _autogen(executor: str) -> dict:
    history = [
        {"name": "Planner_Expert", "role": "assistant", "content": "Plan: compute the total with code."},
        {"name": "Coder_Expert", "role": "user", "content": "```python\nprint(sum([3, 4]))\n```"},
        {"name": executor, "role": "user", "content": "exitcode: 0 (execution succeeded)\nCode output: 7"},
        {"name": "Coder_Expert", "role": "user", "content": "```python\nprint(1/0)\n```"},
        {
            "name": executor,
            "role": "user",
            "content": "exitcode: 1 (execution failed)\nCode output: Traceback (most recent call last):\nZeroDivisionError",
        },
        {
            "name": executor,
            "role": "user",
            "content": "There is no code from the last 1 message for me to execute. Group chat manager should let "
            "other participants to continue the conversation.",
        },
        # An agent that quotes a traceback once is still an agent: its other turns talk.
        {
            "name": "Planner_Expert",
            "role": "assistant",
            "content": "Traceback (most recent call last): the division failed, so the total is 7. TERMINATE",
        },
    ]
    return {
        "question": "What is 3 + 4?",
        "history": history,
        "is_correct": False,
        "question_ID": "ag",
        "mistake_agent": "Coder_Expert",
        "mistake_step": "3",
        "ground_truth": "7",
    }


def _magentic(executor: str) -> dict:
    history = [
        {"role": "human", "content": "How many labels does the repository have?"},
        {"role": f"Orchestrator (-> {executor})", "content": "Run the script that lists the labels."},
        {
            "role": executor,
            "content": "The script ran, then exited with Unix exit code: 0\nIts output was:\n12",
        },
        {"role": f"Orchestrator (-> {executor})", "content": "Run it again with the token."},
        {
            "role": executor,
            "content": "The script ran, then exited with Unix exit code: 2\nIts output was:\nusage",
        },
        {"role": "Orchestrator (thought)", "content": "The repository has 12 labels."},
    ]
    return {
        "question": "How many labels?",
        "history": history,
        "is_corrected": False,
        "question_ID": "hc",
        "mistake_agent": "Orchestrator",
        "mistake_step": "5",
        "ground_truth": "14",
    }


def _stage(tmp_path: Path, rec: dict) -> list[tuple]:
    path = tmp_path / f"run{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(rec))
    con, _ = stage_file(path)
    assert con.execute("SELECT count(*) FROM stage_quarantine").fetchone() == (0,)
    return con.execute(
        "SELECT step_id, kind, is_agent, status, error, json_extract(attributes, '$.exitcode') "
        "FROM stage_steps ORDER BY order_hint"
    ).fetchall()


@pytest.mark.parametrize("name", ["code_runner", "Sandbox", "tool", "PyRunner 2"])
def test_a_renamed_autogen_executor_reads_like_computer_terminal(tmp_path: Path, name: str) -> None:
    known = _stage(tmp_path, _autogen("Computer_terminal"))
    renamed = _stage(tmp_path, _autogen(name))
    assert renamed == known
    kinds = [k for _, k, *_ in known]
    assert kinds == ["agent", "agent", "tool", "agent", "tool", "tool", "agent"]
    assert known[4][3:] == ("error", "exitcode: 1 (execution failed)", "1")
    assert known[2][3] == "unset" and known[5][5] is None


@pytest.mark.parametrize("name", ["ComputerTerminal", "Shell", "code_executor_agent"])
def test_a_renamed_magentic_executor_reads_the_same_and_its_exit_code_counts(
    tmp_path: Path, name: str
) -> None:
    steps = _stage(tmp_path, _magentic(name))
    assert [k for _, k, *_ in steps] == ["human", "handoff", "tool", "handoff", "tool", "agent"]
    assert [s[5] for s in steps] == [None, None, "0", None, "2", None]
    assert steps[4][3] == "error" and steps[2][3] == "unset"


def test_tool_role_turns_are_tool_steps(tmp_path: Path) -> None:
    history = [
        {"role": "assistant", "name": "Assistant", "content": "I will look up the weather."},
        {"role": "tool", "name": "get_weather", "content": '{"temp": 21}'},
        {"role": "function", "content": '{"temp": 22}'},
        {"role": "assistant", "name": "Assistant", "content": "It is 21 degrees."},
    ]
    steps = _stage(
        tmp_path,
        {"question": "Weather?", "history": history, "mistake_agent": "Assistant", "mistake_step": 3},
    )
    assert [k for _, k, *_ in steps] == ["agent", "tool", "tool", "agent"]


def test_one_shaped_turn_does_not_make_a_talking_agent_an_executor(tmp_path: Path) -> None:
    rec = _autogen("Computer_terminal")
    rec["history"].insert(
        1,
        {
            "name": "Coder_Expert",
            "role": "user",
            "content": "exitcode: 0 (execution succeeded)\nCode output: 7 -- as I expected.",
        },
    )
    kinds = {s[0]: s[1] for s in _stage(tmp_path, rec)}
    assert kinds["t001"] == "agent" and kinds["t002"] == "agent"
    assert executor_shaped("exitcode: 0 (execution succeeded)") and executor_shaped(
        "  Traceback (most recent call last):"
    )
    assert not executor_shaped("The exitcode: 0 line shows it worked") and not executor_shaped(None)


def test_the_shape_alone_finds_the_public_executors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without its known names, the adapter still finds exactly the executors of the public runs."""
    files = sorted(SAMPLES.glob("*.json"))
    if not files:
        pytest.skip(f"the Algorithm-Generated runs are not at {SAMPLES}")
    from workbench.ingest import whowhen

    found = []
    for p in files:
        history = json.loads(p.read_text())["history"]
        with monkeypatch.context() as m:
            m.setattr(whowhen, "_TERMINALS", frozenset())
            by_shape = {s[1] for s in whowhen._speakers(history) if isinstance(s, tuple) and s[2] == "tool"}
        by_name = {s[1] for s in map(whowhen._speaker, history) if s[2] == "tool"}
        assert by_shape == by_name, p.name
        found.append(bool(by_shape))
    assert sum(found) == 116  # the runs that have a Computer_terminal turn
