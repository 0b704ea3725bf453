"""OpenLIT writes on a chat span the tool the model's reply asks for (``gen_ai.tool.name``,
``gen_ai.tool.call.id``, ``gen_ai.tool.args``; real24's fixture ``fixtures/openlit``). The call runs in the
tool span that follows; the model step only asked for it. Before, both readers stored the chat span's step with
``tool`` set, so every call was counted twice by tool (``steps.groupby("tool")``: research_price 2, lookup_price
2, write_report 2) and the BlameModel's features took the model's request for a call of the tool (a failed call
"handled" by the next model step asking for the same tool)."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

FIXTURE = Path(__file__).parent / "fixtures" / "openlit" / "openai_agents_as_tools.otlp.jsonl"


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_a_chat_span_naming_a_tool_is_a_model_step_not_a_tool_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    ws = wb.open()
    ws.ingest(FIXTURE, progress=False)
    run = ws.sql("SELECT run_id FROM runs ORDER BY n_steps DESC LIMIT 1").fetchall()[0][0]
    steps = ws.steps(run)
    llm = steps[steps.kind == "llm"]
    assert len(llm) == 6 and llm.tool.isna().all()  # old code: 3 named research_price, lookup_price, ...
    assert steps.groupby("tool").size().to_dict() == {
        "lookup_price": 1,
        "research_price": 1,
        "write_report": 1,
    }
