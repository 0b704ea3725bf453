"""A run whose log holds no tool span — Haystack's OpenInference instrumentor writes only component spans, the
tool's result is a ``ToolCallResult`` inside the agent's message list — and whose answer is the pipeline's output
record (every component's messages, token usage and model name), found checking newuser18's folder by hand
(left20). It was taken as failed whatever the answer said: every number in the record was "unsupported", and
the tool's result, in no tool span, supported none. The answer of a record holding messages is now the last
thing the assistant said in it, and a tool result in a message list is a backend record (left23): the right
figure passes, the made-up one is still caught."""

from __future__ import annotations

import json

import pytest

import workbench as wb

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000


def _msg(role: str, text: str, meta: str = "{}") -> str:
    return (
        f"ChatMessage(_role=<ChatRole.{role.upper()}: '{role}'>, _content=[TextContent(text={text!r})], "
        f"_name=None, _meta={meta})"
    )


def _run(said: str, run_id: str = "hs") -> list[dict]:
    """Haystack's shape: researcher (a tool call that fails, then 545000), handover, writer saying ``said``."""
    meta = "{'model': 'gpt-4o-mini-2024-07-18', 'usage': {'prompt_tokens': 160, 'completion_tokens': 14}}"
    fact = "Lisbon has 545,000 inhabitants (census 2024)."
    tool = (
        'ChatMessage(_role=<ChatRole.TOOL: \'tool\'>, _content=[ToolCallResult(result=\'{"city": "Lisbon", '
        '"population": 545000, "year": 2024}\', origin=ToolCall(tool_name=\'get_population\', '
        "arguments={'city': 'Lisbon'}, id='call_pop2', extra=None), error=False)], _name=None, _meta={})"
    )
    researcher = {
        "messages": [_msg("user", "What is the population of Lisbon?"), tool, _msg("assistant", fact, meta)],
        "step_count": 3,
        "token_usage": {"prompt_tokens": 400, "completion_tokens": 44},
        "tool_call_counts": {"get_population": 2},
        "last_message": _msg("assistant", fact, meta),
    }
    writer = {
        "messages": [_msg("user", f"Write a blurb from these facts: {fact}"), _msg("assistant", said, meta)],
        "step_count": 1,
        "token_usage": {"prompt_tokens": 90, "completion_tokens": 16},
        "tool_call_counts": {},
        "last_message": _msg("assistant", said, meta),
    }
    steps = [
        (
            "Pipeline.run",
            None,
            json.dumps({"data": {"researcher": {"messages": ["What is the population?"]}}}),
            json.dumps({"researcher": researcher, "writer": writer}),
        ),
        (
            "Agent.run",
            "p",
            json.dumps({"messages": [_msg("user", "What is the population of Lisbon?")]}),
            json.dumps(researcher),
        ),
        (
            "Handover.run",
            "p",
            json.dumps(researcher),
            json.dumps({"messages": [_msg("user", f"Write: {fact}")]}),
        ),
        (
            "Agent.run",
            "p",
            json.dumps({"messages": [_msg("user", f"Write a blurb from these facts: {fact}")]}),
            json.dumps(writer),
        ),
    ]
    recs: list[dict] = [{"record": "run", "run_id": run_id, "system": "haystack", "outcome": "success"}]
    for i, (name, parent, inp, out) in enumerate(steps):
        start = T0 + i * S
        recs.append(
            {
                "run_id": run_id,
                "step_id": "p" if i == 0 else f"s{i}",
                "parent_id": parent,
                "kind": "chain",
                "name": name,
                "input": inp,
                "output": out,
                "status": "ok",
                "started_at": start,
                "ended_at": start + (10 * S if i == 0 else S // 2),
            }
        )
    return recs


SAID = [
    "Lisbon, home to 454,000 people, is Portugal's capital.",
    "Lisbon, home to 545,000 people, is Portugal's capital.",
    # Python writes such a text in double quotes (text="…'s …"), which the span's JSON escapes
    "Lisbon's 545,000 people make it Portugal's largest city.",
    "Lisbon's 454,000 people make it Portugal's largest city.",
]


@pytest.fixture(scope="module")
def silent() -> dict[str, list[tuple]]:
    """Each answer's silent_failure findings (severity, detail): one run an answer, in one store, one detect (a store
    and a detect an answer before, ~0.6 CPU s each; suite54). The runs share no id; each is checked on its own."""
    ws = wb.open()
    ws.ingest([rec for i, said in enumerate(SAID) for rec in _run(said, f"hs{i}")], progress=False)
    wb.detect(ws)
    rows = ws.sql(
        "SELECT run_id, severity, detail FROM findings WHERE detector = 'silent_failure'"
    ).fetchall()
    return {said: [(s, d) for r, s, d in rows if r == f"hs{i}"] for i, said in enumerate(SAID)}


def test_a_made_up_figure_is_taken_as_failed(silent: dict[str, list[tuple]]) -> None:
    found = silent[SAID[0]]
    assert [s for s, _ in found] == ["critical"] and "454,000" in found[0][1]


def test_the_right_figure_is_not_taken_as_failed(silent: dict[str, list[tuple]]) -> None:
    assert silent[SAID[1]] == []


def test_a_reply_with_an_apostrophe_is_read_too(silent: dict[str, list[tuple]]) -> None:
    assert silent[SAID[2]] == []
    found = silent[SAID[3]]
    assert [s for s, _ in found] == ["critical"] and "454,000" in found[0][1]
