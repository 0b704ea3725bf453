"""In JupyterLab (headless Chromium, the session's one server), the views the notebooks do not show, on a store
of real framework traces the tests hold (LangGraph, CrewAI, OpenAI Agents, AutoGen, AG2, pydantic-ai, smolagents
through OpenInference / OpenLLMetry / native tracing, and Who&When's logs): the explorer on a failed run, the
timeline of the longest run (an AutoGen swarm of 89 steps) and of a run of one step, the threshold tuner with one
threshold per agent, the drift monitor and the limit tuner, at 1000 and 1400 px. Every chart is drawn (marks in
its SVG), no view scrolls sideways, no console error, no dialog (log text is shown, never run)."""

from __future__ import annotations

import re

import pytest
from _jupyterlab import REPO
from _lab import HEADER, PANEL, drawn_at, run_cells, wide_outputs

pytestmark = pytest.mark.slow

FIXTURES = REPO / "tests" / "ingest" / "fixtures"
FILES = [
    "langgraph/openinference_two_agents.otlp.jsonl",
    "crewai/delegation_fault.otlp.jsonl",
    "crewai/openllmetry_fault.otlp.jsonl",
    "openai-agents/openinference_handoffs.otlp.jsonl",
    "openai-agents/openinference_tool_crash.otlp.jsonl",
    "autogen/swarm_handoffs.otlp.jsonl",
    "ag2/openinference_groupchat_fault.otlp.jsonl",
    "pydantic-ai/delegation_fault.otlp.jsonl",
    "pydantic-ai/two_runs_ok.otlp.jsonl",
    "smolagents/managed_fault.otlp.jsonl",
    "whowhen/records.jsonl",
]

SETUP = (
    HEADER
    + f"""
warnings.simplefilter("ignore")
ws = wb.open()
ws.ingest({[str(FIXTURES / f) for f in FILES]!r}, progress=False)   # (one call: eleven cost 2.0 CPU s, one 0.95)
runs = ws.runs()
longest = runs.sort_values("n_steps").run_id.iloc[-1]
shortest = runs.sort_values("n_steps").run_id.iloc[0]
failed = runs[runs.outcome == "failure"].run_id.iloc[0]
"""
)
EDGES = r"""LONG = "research_agent_" + "for_the_quarterly_supplier_price_review_" * 5 + "<img src=x onerror=alert(1)>"
records = []
for r in range(6):
    run = f"run-{r}"
    records.append({"record": "run", "run_id": run, "system": "desk", "outcome": "unknown",
                    "started_at": f"2026-03-0{1 + r}T10:00:00Z"})
    records += [{"run_id": run, "step_id": f"s{i}", "agent": None if r == 5 else [LONG, "writer"][i % 2],
                 "kind": ["llm", "tool"][i % 2], "tool": f"lookup_tool_number_{r * 4 + i // 2}" if i % 2 else None,
                 "latency_ms": 100.0 * (i + 1) * (r + 1), "started_at": f"2026-03-0{1 + r}T10:00:0{i}Z",
                 "ended_at": f"2026-03-0{1 + r}T10:00:0{i}.5Z"} for i in range(8)]
edges = wb.open()
display(edges.ingest(records, progress=False))
edges   # (lab56: its summary, the long name on its agents line: it ran past the notebook's edge)
"""
CELLS = [
    SETUP,
    "ex = IncidentExplorer(ws, blame_model=None)\nex.show_run(failed)\nex",
    "plots.timeline(plots.timeline_data(ws, longest), plots.handoff_data(ws, longest))",
    "plots.timeline(plots.timeline_data(ws, shortest), plots.handoff_data(ws, shortest))",
    "tu = ThresholdTuner(ws, signal='latency_ms')\ntu.per_agent.value = True\ntu",
    # (a burst of runs: two begun within a second, a store of their file; the AutoGen file ux39 saw as four runs
    # begun within 32 ms is one run, its chat, since real52)
    f"burst = wb.open()\nburst.ingest({str(FIXTURES / 'pydantic-ai' / 'two_runs_ok.otlp.jsonl')!r}, progress=False)\n"
    "DriftMonitor(burst)",
    # (views56b) and the suggestions' own repr, every system opened: each system's table within the output (one table
    # of a row per system and rule in 15 columns scrolled sideways; lab56)
    "lt = LimitTuner(ws)\nfrom IPython.display import HTML\n"
    "display(HTML(lt.limits._repr_html_().replace('<details>', '<details open>')))\nlt",
    # what real logs also bring: an agent name of 215 characters, a run whose steps name no agent, 24 tool names,
    # no outcome known (no labels)
    EDGES,
    "ex2 = IncidentExplorer(edges, blame_model=None)\nex2.show_run('run-5')\nex2",
    "ThresholdTuner(edges, signal='latency_ms')",
    "DriftMonitor(edges)",
]
VIEWS = {
    2: "explorer",
    3: "timeline_longest",
    4: "timeline_shortest",
    5: "tuner",
    6: "drift",
    7: "limits",
    9: "edges_explorer",
    10: "edges_tuner",
    11: "edges_drift",
}
BARE = {2, 3}  # (notebook cell numbers of the bare charts: wide_outputs counts cells from 0)

# The drift chart's x-axis labels, and how many per-agent sliders the tuner draws faded ("no rule").
_DRIFT_TICKS = """(v) => [...v.querySelectorAll('g[aria-label^="X-axis"] .role-axis-label text')].map(t => t.textContent)"""


def test_views_on_real_framework_traces(lab, browser) -> None:  # noqa: ANN001
    with run_cells(browser, lab, "ux39_real_views.ipynb", CELLS) as s:
        page = s.page
        cells = page.locator(f"{PANEL} .jp-CodeCell")
        for width in (1400, 1000):
            drawn_at(s, width, 11)  # every chart a drawn SVG holding marks
            # no view scrolls sideways (a bare chart, 720 px wide by default, scrolls in its own output)
            wide = [w for w in wide_outputs(s) if int(w.split(":")[0].split()[1]) not in BARE]
            assert not wide, (width, wide)
            for n, name in VIEWS.items():
                out = cells.nth(n - 1).locator(".jp-OutputArea").first
                out.scroll_into_view_if_needed()
                out.screenshot(path=str(_shot(lab, f"ux39_{name}_{width}.png")))
        # the explorer: the failed run's header, its timeline drawn, a step shown
        ex = page.locator(f"{PANEL} .wb-incident-explorer").first
        assert "outcome" in ex.inner_text() and ex.locator(".wb-timeline svg").count() >= 1
        # drift over two pydantic-ai runs begun within 764 ms: clock times on the axis, and said to be too short
        drift = page.locator(f"{PANEL} .wb-drift-monitor").first
        ticks = drift.evaluate(_DRIFT_TICKS)
        assert ticks and all(re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", t) for t in ticks), ticks
        assert "too short a stretch to show drift" in drift.inner_text()
        # the tuner, one threshold per agent, on a system of successful runs only: no rule pays for any agent,
        # each slider opens faded on "no rule" and the note names the agents
        tuner = page.locator(f"{PANEL} .wb-threshold-tuner").first
        tuner.locator("select").first.select_option(label="pai-market-desk")
        note = tuner.locator(".wb-tuner-agent-note")
        # (the system it opened on has agents with no rule too since ux40: wait for this one's)
        note.filter(has_text="planner").wait_for(timeout=30_000)
        assert all(a in note.inner_text() for a in ("planner", "researcher", "writer")), note.inner_text()
        # (each slider's class comes in a message of its own, after the note: wait for the third)
        tuner.locator(".wb-no-rule").nth(2).wait_for(timeout=30_000)
        assert tuner.locator(".wb-no-rule").count() == 3
        assert "planner no rule" in tuner.locator(".wb-tuner-readout").inner_text()
        tuner.screenshot(path=str(_shot(lab, "ux39_tuner_no_rule_1000.png")))
        # the edge cases: the run of no agent says so, the long name is cut in the timeline's lane axis
        ex2 = page.locator(f"{PANEL} .wb-incident-explorer").nth(1)
        assert "(no agent)" in ex2.inner_text()
        review = page.locator(f"{PANEL} .wb-review-load").first
        assert (
            review.count() == 1
            and "has a known outcome" in page.locator(f"{PANEL} .wb-threshold-tuner").nth(1).inner_text()
        )
        assert not s.dialogs and not s.console_errors, (s.dialogs, s.console_errors)


def _shot(lab, name: str):  # noqa: ANN001, ANN202
    lab.shots.mkdir(parents=True, exist_ok=True)
    return lab.shots / name
