"""A hand-off naming no agent, its trace read in two calls (store44).

ADK's own ``transfer_to_agent`` tool is traced without its arguments: the agent handed to is the next other agent
to start in the run (``handoff_targets.sql``), a rule the ingest ran on each call's staged steps only. With the
hand-off in one file and the agent steps that follow it in another (a rotated exporter's files, read in either
order), the hand-off named no agent, where one call of both names it. Now the rule runs again over the stored
steps of the runs a call meets that the store held before (``store/_stored_rules.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_store42_export_split import _split
from test_store43_split_rules import _loose

import workbench as wb

SRC = Path(__file__).parent / "fixtures" / "adk" / "own_transfer.otlp.jsonl"


@pytest.fixture(scope="module")
def whole() -> dict[str, list]:
    with wb.open() as ws:
        ws.ingest(SRC, progress=False)
        return _loose(ws)


@pytest.mark.parametrize("at", [7])  # (each hand-off apart from the agent it hands to)
@pytest.mark.parametrize("order", ["in order", "later part first"])
def test_a_handoff_split_from_its_agents_names_the_agent(
    tmp_path: Path, whole: dict, at: int, order: str
) -> None:
    first, second = _split(SRC, at, tmp_path)
    with wb.open() as parts:
        for path in [first, second] if order == "in order" else [second, first]:
            assert parts.ingest(path, progress=False).quarantined == 0
        targets = parts.sql(
            "SELECT agent, output FROM steps WHERE kind = 'handoff' ORDER BY started_at"
        ).fetchall()
        assert targets == [("coordinator", "researcher"), ("researcher", "writer")]
        assert _loose(parts) == whole


def test_a_call_read_from_messages_goes_when_its_span_comes_later(tmp_path: Path) -> None:
    # An MCP quote desk (OpenAI Agents SDK): the model call asking for transfer_to_writer, and the run's root, read
    # first; with no span of the run tracing a tool yet, the call was read out of the messages as a tool step. The
    # hand-off's own span, read next, traces it: one call of both reads nothing out of the messages.
    src = Path(__file__).parent / "fixtures" / "mcp" / "agents_mcp_down.otlp.jsonl"
    first, second = _split(src, 7, tmp_path)
    with wb.open() as ws:
        ws.ingest(src, progress=False)
        want = _loose(ws)
    with wb.open() as parts:
        parts.ingest(second, progress=False)
        assert parts.sql("SELECT count(*) FROM steps WHERE name = 'transfer_to_writer'").fetchall() == [(1,)]
        report = parts.ingest(first, progress=False)
        assert any("read out of model calls' messages removed" in n for n in report.notes)
        assert _loose(parts) == want
