"""Python-repr messages with a string literal left open, and tool calls with no arguments of their own.

A literal whose closing quote is missing (a repr the logger cut short) or escaped (hostile text) was tried again
from every later quote: reading was quadratic (80 kB of ``\\'`` took 34 s, the 1 MB the step panel parses hours)
and the cut-short message was shown empty. A Haystack tool call took the arguments written after the next comma
anywhere later in the text, so calls without arguments took another call's (and 1 MB of such calls sharing one
0.5 MB argument object made gigabytes of text)."""

from __future__ import annotations

from workbench.widgets._messages import readable
from workbench.widgets._repr_messages import repr_messages


def test_a_repr_cut_short_shows_the_text_it_holds() -> None:
    text = "[HumanMessage(content='what is ACME at?', id='1'), AIMessage(content='ACME closed at 41.20 and the wri"
    assert repr_messages(text) == [
        {"role": "human", "content": "what is ACME at?"},
        {"role": "ai", "content": "ACME closed at 41.20 and the wri"},
    ]


def test_closed_literals_read_as_before() -> None:
    assert repr_messages("HumanMessage(content='it\\'s \\\\', id='1')") == [
        {"role": "human", "content": "it's \\"}
    ]
    assert repr_messages('AIMessage(content="say \\"hi\\"")') == [{"role": "ai", "content": 'say "hi"'}]


def test_a_literal_opened_and_never_closed_is_read_in_one_pass() -> None:
    # each \' escapes the quote that would close the literal: the whole text is one open literal
    body = "\\'" * 400_000
    shown = readable("HumanMessage(content='" + body)
    assert shown == "human: " + "'" * 400_000


def test_a_tool_call_takes_only_the_arguments_written_after_its_own_name() -> None:
    text = (
        "[ChatMessage(_role=<ChatRole.ASSISTANT: 'assistant'>, _content=[ToolCall(tool_name='a' "
        "ToolCall(tool_name='b', arguments={'x': 1}, id='c')])]"
    )
    # (no arguments after a call's name: the log cut the repr there, shown as '…' since ux19)
    assert repr_messages(text)[0]["tool_calls"] == [
        {"name": "a", "arguments": "…"},
        {"name": "b", "arguments": "{'x': 1}"},
    ]
    real = (
        "[ChatMessage(_role=<ChatRole.ASSISTANT: 'assistant'>, _content=[ToolCall(tool_name='get_price', "
        "arguments={'symbol': 'ACME'}, id='c1'), ToolCall(tool_name='get_news', arguments={}, id='c2')])]"
    )
    assert repr_messages(real)[0]["tool_calls"] == [
        {"name": "get_price", "arguments": "{'symbol': 'ACME'}"},
        {"name": "get_news", "arguments": "{}"},
    ]


def test_many_calls_before_one_argument_object_do_not_each_copy_it() -> None:
    # (names all different: the same call given twice in one message is shown once since ux19)
    text = (
        "ChatMessage("
        + "".join(f"tool_name='a{i}' " for i in range(2_000))
        + ", arguments={"
        + "x" * 30_000
        + "}"
    )
    calls = repr_messages(text)[0]["tool_calls"]
    assert len(calls) == 2_000
    # the last call's name is followed by the comma and the arguments: only it takes them
    assert [c["arguments"] for c in calls[:-1]] == ["…"] * 1_999 and len(calls[-1]["arguments"]) == 30_002
