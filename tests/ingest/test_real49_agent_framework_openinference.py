"""Microsoft Agent Framework traced through OpenInference's span processor reads as the framework's own spans do.

fixtures/agent-framework/README.md: ``openinference_handoff_fault.otlp.jsonl`` is the real hand-off run of
``handoff_fault.otlp.jsonl`` with the processor's transform applied (Arize-ai/openinference at 1fe497f1,
openinference-instrumentation-agent-framework). The processor types every span it does not know as a model call,
tool or agent CHAIN, the ``message.send`` spans among them, and HandoffBuilder's hand-offs show only there (the
sending executor's message addressed to the next agent's, ``message.destination_executor_id``): the reader looked
for them on spans of kind "other" only, so through the processor the run had no hand-off (planner -> researcher
-> writer read as three agents that never passed the work).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _deep import deep
from _reader_agreement import readers

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures" / "agent-framework"


def _steps(ws: wb.Workspace) -> dict:
    rows = ws.sql("SELECT step_id, kind, agent, tool, status, error FROM steps").fetchall()
    return {r[0]: r[1:] for r in rows}


# (the checked-in fixture by the SQL reader: both readers store the same rows for it, test_reader24_agreement.py;
# by the Python reader too with WORKBENCH_DEEP_TESTS=1)
READERS = [True, False] if deep() else [True]


@pytest.fixture(scope="module")
def stores() -> tuple[dict, dict]:
    native = wb.open()
    native.ingest(FIXTURES / "handoff_fault.otlp.jsonl", progress=False)
    via_oi = {}
    for fast in READERS:
        with readers(fast):
            ws = wb.open()
            rep = ws.ingest(FIXTURES / "openinference_handoff_fault.otlp.jsonl", progress=False)
        assert (rep.read, rep.stored, rep.quarantined) == (41, 41, 0), fast
        via_oi[fast] = _steps(ws)
    return _steps(native), via_oi


@pytest.mark.parametrize("fast", READERS, ids=["sql", "python"][: len(READERS)])
def test_the_hand_offs_read_through_the_processor(stores: tuple[dict, dict], fast: bool) -> None:
    native, via_oi = stores[0], stores[1][fast]
    handoffs = sorted((s[1], s[0]) for s in via_oi.values() if s[0] == "handoff")
    assert handoffs == [("planner", "handoff"), ("researcher", "handoff")]
    assert {k for k, s in via_oi.items() if s[0] == "handoff"} == {
        k for k, s in native.items() if s[0] == "handoff"
    }
    # the rest as the framework's own spans read, but the processor's word: CHAIN where they said nothing, OK where
    # they left the status unset
    for k, (kind, agent, tool, status, error) in via_oi.items():
        n_kind, n_agent, n_tool, n_status, n_error = native[k]
        assert (agent, tool, error) == (n_agent, n_tool, n_error)
        assert kind == n_kind or (n_kind, kind) == ("other", "chain")
        assert status == n_status or (n_status, status) == ("unset", "ok")
