"""Two more readers' digit text in another script's digits (attack49's notes, not tested there):

A Who&When file's ``mistake_step`` in another script's digits (``"٢"``, Arabic-Indic two): ``whowhen._step_index``
took ``value.strip().isdigit()``, which any script's digits pass, and ``int`` read it as 2, so the label blamed turn
``t002`` where the file wrote no index a Who&When tool writes. ASCII digits only, as
the other readers (round 48): the agent part of the label stays, the step index is quarantined with its reason.

BeeAI's emitter events (``_framework_agents.emitter_event``): a span named ``<target>-<counter>`` is one event of
its emitter, not a step; ``isdigit`` took ``agent.react.update-١٣`` (no counter BeeAI writes) for one, and the span
was dropped from the agents."""

from __future__ import annotations

import json
from pathlib import Path

from test_documents import _whowhen

import workbench as wb
from workbench.ingest._framework_agents import emitter_event


def test_a_mistake_step_in_another_scripts_digits_is_no_index(tmp_path: Path) -> None:
    doc = {**_whowhen(), "mistake_step": "\u0662"}  # (test_documents' three turns, agent A)
    path = tmp_path / "ww.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    ws = wb.open()
    ws.ingest(path, format="whowhen", progress=False)
    assert ws.sql("SELECT agent, step_id FROM labels").fetchall() == [("A", None)]
    ((reason,),) = ws.sql("SELECT reason FROM quarantine").fetchall()
    assert "is not an integer index into history" in reason


def test_an_event_counter_in_another_scripts_digits_is_no_event() -> None:
    attrs = {"target": "agent.react.update"}
    assert emitter_event("agent.react.update-13", attrs)
    assert not emitter_event("agent.react.update-\u0661\u0663", attrs)
