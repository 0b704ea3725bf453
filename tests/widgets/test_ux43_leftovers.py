"""ux42's leftovers (ux43), on real framework traces (``tests/browser/_lab.REAL_TRACES``: OTel trace ids of 32 hex):
the threshold tuner's list of escalated runs writes each run as the explorer's run list does (the id cut to 12 hex,
a break point before each " · "), and the views' style gives a browser without ``field-sizing`` a run list that
scrolls instead of one twelve times its tallest line high. (What Chromium draws of each, with the drift chart's
ticks and the state table's headers: tests/browser/test_ux43_in_lab.py.)"""

from __future__ import annotations

import re

import pytest
from _real_traces import FIXTURES, traces_store

import workbench as wb
from workbench.widgets import IncidentExplorer, ThresholdTuner
from workbench.widgets._html import STYLE

ZWSP = "\u200b"


@pytest.fixture(scope="module")
def ws() -> wb.Workspace:
    return traces_store()


def test_an_escalated_run_s_line_is_written_as_the_run_list_writes_it(ws: wb.Workspace) -> None:
    tu = ThresholdTuner(ws, signal="latency_ms")
    options = tu.escalated.pick.options
    assert options, tu.escalated.summary.value
    for line, run_id in options:
        assert re.fullmatch(r"[0-9a-f]{32}", run_id), run_id  # (the value: the whole id, to open)
        head, what, value = line.split(f"{ZWSP} · ")
        assert head == f"{run_id[:12]}…" and what == "failed, caught in time", line
        assert re.fullmatch(r"latency_ms [\d.]+", value), line
    # the whole id opens in the explorer
    assert tu.escalated.open_run().run_id == options[0][1]


def test_without_field_sizing_the_run_list_scrolls_at_a_height_of_its_own() -> None:
    style = STYLE.removeprefix("<style>").removesuffix("</style>")
    fallback = re.search(r"@supports not \(field-sizing:content\)\{(.*?\})\}", style)
    assert fallback, "no rule for a browser without field-sizing"
    assert re.fullmatch(r"\.wb-run-list select\{max-height:\d+em;overflow-y:auto\}", fallback.group(1))
    # both lists wrap their lines (and fit them, where field-sizing is known)
    assert ":is(.wb-run-list,.wb-escalated-runs) select{overflow-x:hidden;field-sizing:content}" in style
    assert ":is(.wb-run-list,.wb-escalated-runs) option{white-space:normal;" in style


def test_a_smolagents_chat_message_s_text_parts_are_read() -> None:
    """smolagents' spans log a model call's messages as ChatMessage reprs whose content is a list of text parts
    (``content=[{'type': 'text', 'text': '...'}]``): the explorer's input read "system:" and "user:", empty, and the
    observation the pricer then misquoted (14.20 read, 12.40 answered) was nowhere but in the raw attributes."""
    ws = wb.open()
    ws.ingest(str(FIXTURES / "smolagents-order-desk" / "manager_cascade.otlp.jsonl"), progress=False)
    run_id = ws.runs().run_id.iat[0]
    step = ws.sql(
        "SELECT step_id FROM steps WHERE run_id = ? AND agent = 'pricer' AND kind = 'llm' "
        "AND input LIKE '%TOOL_RESPONSE%' ORDER BY seq DESC LIMIT 1",
        params=[run_id],
    ).fetchall()[0][0]
    ex = IncidentExplorer(ws, blame_model=None)
    ex.show_run(run_id)
    ex.select_step(step)
    shown = ex.detail.value
    assert "system: Order desk. You solve the task with your tools" in shown, shown[:3000]
    assert "user: New task:" in shown and "tool-response: Observation:\nwidget: 14.20 USD each" in shown, (
        shown[:3000]
    )
    assert "ChatMessage(" not in shown.split("<b>output</b>")[0]
