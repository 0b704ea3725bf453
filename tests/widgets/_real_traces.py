"""One incident in three real framework traces (LangGraph through OpenInference, smolagents' managed agent, a
pydantic-ai delegation; OTel trace ids of 32 hex), as tests/browser/_lab.REAL_TRACES: the store ux42's and ux43's
view tests read, detected."""

from __future__ import annotations

from pathlib import Path

from _built import copy_of

import workbench as wb

FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
TRACES = [
    str(FIXTURES / "langgraph" / "openinference_two_agents.otlp.jsonl"),
    str(FIXTURES / "smolagents" / "managed_fault.otlp.jsonl"),
    str(FIXTURES / "pydantic-ai" / "delegation_fault.otlp.jsonl"),
]


def traces_store() -> wb.Workspace:
    """The three traces in a store in memory, the detectors run: a copy of one built once per process
    (tests/_built.py)."""
    return copy_of(("real_traces",), _traces_store)


def _traces_store() -> wb.Workspace:
    ws = wb.open()
    ws.ingest(TRACES, progress=False)
    wb.detect(ws)
    return ws
