"""What ux35 saw playing a Phoenix / Langfuse user on a failed run of the real frameworks' logs, checked without a
browser.

- A real LangChain trace whose tool raised ("quote service unavailable: 503 from quotes.internal") opened the step
  panel on the run's first step; the step that raised read like any other line of the step list, and the verdict
  named it by a 16-hex span id the list does not show ("11 · writer · tool · execute_tool format_quote").
- Nothing said how long each agent took (a trace view's span durations).
- The explorer's cell stood blank while it built (3 s wall on a busy machine), and a long system name pushed a run's
  outcome past the run list's edge.
"""

from __future__ import annotations

import ipywidgets
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import workbench as wb
from workbench.widgets import IncidentExplorer

T0 = 1_767_225_600_000_000_000


def _failed_run(system: str = "quote-desk") -> list[dict]:
    """A run whose writer's tool raised after a planner's 1.2 s turn and a researcher's two quick lookups."""
    steps = [
        ("planner", "llm", "chat", 1200, None),
        ("researcher", "tool", "get_price", 40, None),
        ("researcher", "tool", "get_price", 60, None),
        ("writer", "tool", "format_quote", 5, "quote service unavailable: 503 from quotes.internal"),
    ]
    recs: list[dict] = [{"record": "run", "run_id": "r1", "system": system, "outcome": "failure"}]
    t = T0
    for i, (agent, kind, name, ms, error) in enumerate(steps):
        recs.append(
            {
                "record": "step",
                "run_id": "r1",
                "step_id": f"span{i:012x}",
                "agent": agent,
                "kind": kind,
                "name": name,
                "tool": name if kind == "tool" else None,
                "input": f"in {i}",
                "output": None if error else f"out {i}",
                "status": "error" if error else "ok",
                "error": error,
                "started_at": t,
                "ended_at": t + ms * 1_000_000,
            }
        )
        t += (ms + 10) * 1_000_000
    return recs


def test_a_failed_run_opens_on_the_step_that_raised_and_its_verdict_s_step_is_one_click_away() -> None:
    ws = wb.open()
    ws.ingest(_failed_run(), progress=False)
    ex = IncidentExplorer(ws, blame_model=None)
    raised, first = "span000000000003", "span000000000000"
    lines = dict((v, text) for text, v in ex.step.options)
    assert lines[raised].startswith("  3 ✖ error · writer · tool"), lines  # marked as an error span is
    assert not any("✖" in text for v, text in lines.items() if v != raised), lines
    # nothing flagged, labelled or replayed: the panel opens on the step that raised, its error shown
    assert ex.step.value == raised and "503 from quotes.internal" in ex.detail.value
    # each agent's time, the longest first
    assert (
        "planner 1.2 s (1 step) · researcher 100 ms (2 steps) · writer 5 ms (1 step)"
        in ex.header.value.replace("\u00a0", " ")
    )
    assert ex.goto_step.layout.display == "none"  # no verdict names a step yet
    # a replay finds the planner's turn decisive: a button under the verdict shows that step, named as the list does
    wb.attribute(ws, "r1", wb.TableReplay(lambda _r, replaced: "planner" in replaced or first in replaced))
    ex.show_run("r1")
    assert ex._verdict_step == first and ex.goto_step.layout.display != "none"
    assert ex.goto_step.description == "Show step 0 · planner · llm · chat"
    ex.step.value = raised
    ex.goto_step.click()
    assert ex.step.value == first and ex.step_id == first and "in 0" in ex.detail.value


def test_the_explorer_says_what_it_does_while_it_builds() -> None:
    ws = wb.open()
    ws.ingest(_failed_run(), progress=False)
    shell = InteractiveShell.instance()
    shell.kernel = object()  # as in a notebook's kernel (a terminal IPython gets no status widget)
    try:
        with capture_output() as out:
            IncidentExplorer(ws, blame_model=None)
    finally:
        InteractiveShell.clear_instance()
    shown = [(o.data, o.update) for o in out.outputs]
    view_json = "application/vnd.jupyter.widget-view+json"
    assert len(shown) == 2 and "listing the runs" in shown[0][0]["text/plain"], shown
    assert shown[0][0][view_json]["model_id"] not in ipywidgets.widgets.widget._instances  # gone once built
    assert shown[1][1] and shown[1][0][view_json]["model_id"] == "", shown


def test_a_long_system_name_leaves_the_outcome_on_the_run_list_s_line() -> None:
    ws = wb.open()
    long = "unknown_service:python-" + "x" * 60
    ws.ingest(
        _failed_run(long) + [{"record": "run", "run_id": "r2", "system": "desk", "outcome": "success"}],
        progress=False,
    )
    ex = IncidentExplorer(ws, blame_model=None)
    line = dict((v, text) for text, v in ex.runs.options)["r1"]
    assert line.startswith("r1 · unknown_service:pyt… · ") and line.index("failure") < 60, line
    assert long in ex.header.value or ex.run_id != "r1"  # whole where the run is shown
