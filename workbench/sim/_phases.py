"""The phase table: program counter value -> handler that emits the next step."""

from __future__ import annotations

from . import _agents as a
from . import _agents_downstream as d
from ._agents import Phase, opener
from ._faults import AGENTS

PHASES: dict[str, Phase] = {
    "start": a.start,
    "handoff": a.handoff,
    "tool": a.run_tool,
    "planner.parse_task": a.planner_parse,
    "retriever.plan_search": a.retriever_plan_search,
    "retriever.select_item": a.retriever_select,
    "retriever.choose_supplier": a.retriever_choose,
    "retriever.reply": a.retriever_reply,
    "pricer.plan": a.pricer_plan,
    "pricer.quote": a.pricer_quote,
    "pricer.reply": a.pricer_reply,
    "executor.plan": d.executor_plan,
    "executor.report": d.executor_report,
    "verifier.plan": d.verifier_plan,
    "verifier.judge": d.verifier_judge,
    "verifier.final_answer": d.verifier_final,
    **{f"{name}.open": opener(name) for name in AGENTS},
}
