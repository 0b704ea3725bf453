"""A span typed LLM named after a private method (``Class._method``) is LlamaIndex's helper that makes the messages
ready (real30: ``OpenAI._prepare_chat_with_tools``, no model call) only when what it gives back is messages made
ready: a developer's own model call, spanned by a decorator that names spans ``Class.method`` (the usual
hand-made OpenInference decorator), in a private method that answers text and counts no tokens, is a model call.

On 2bd4437 such calls (``Agent._ask_model``, the real LlamaIndex run's model calls so renamed) were read as chain
steps: every model call of the run gone."""

from __future__ import annotations

from pathlib import Path

import pytest
from _otlp_edits import ingested_whole, string_attr
from test_real30_framework_fixtures import LLAMA, _variant


@pytest.mark.parametrize("fast", [True, False])
def test_a_developers_private_model_call_answering_text_is_a_model_call(tmp_path: Path, fast: bool) -> None:
    def edit(span: dict) -> None:
        # the model calls spanned by a hand-made decorator: a private method's name, no messages or token counts
        if span["name"] == "OpenAI.astream_chat":
            span["name"] = "Agent._ask_model"
            span["attributes"] = [
                a
                for a in span["attributes"]
                if not a["key"].startswith(
                    ("llm.input_messages.", "llm.output_messages.", "llm.token_count.")
                )
            ]

    ws = ingested_whole(_variant(tmp_path, edit), fast)
    steps = ws.steps(ws.runs().run_id[0])
    calls = steps[steps.name == "Agent._ask_model"]
    assert calls.kind.tolist() == ["llm"] * 4
    helpers = steps[steps.name == "OpenAI._prepare_chat_with_tools"]
    assert helpers.kind.tolist() == ["chain"] * 4
    assert sorted(steps[steps.kind == "llm"].agent) == ["researcher", "researcher", "writer", "writer"]


def test_the_helper_is_told_by_the_messages_it_makes_ready() -> None:
    """(the fixture's helper spans give back {"messages": [...], ...}: what the rule reads)"""
    import json

    outs = [
        string_attr(span, "output.value")
        for line in LLAMA.read_text().splitlines()
        for rs in json.loads(line)["resourceSpans"]
        for ss in rs["scopeSpans"]
        for span in ss["spans"]
        if span["name"] == "OpenAI._prepare_chat_with_tools"
    ]
    assert len(outs) == 4 and all("messages" in json.loads(o) for o in outs)
