"""In JupyterLab (headless Chromium, the session's one server), what an SRE with a real incident sees (ux40): two
real framework traces with a planted fault (OpenAI Agents through OpenInference, a tool that crashed, beside a
run of the same system that succeeded; CrewAI, a made-up figure passed on), ``%workbench investigate`` on them, ``%workbench open`` (summary and explorer), the
bare timelines of both failed runs, the blame bars and the drift chart bare, the threshold tuner per agent, the
policy exported from it and its backtest, at 1000 and 1400 px. Every chart drawn (marks in its SVG), a bare chart
as wide as its output (826 px in 568 at 1000 px before), no output scrolling sideways, no console error, no
dialog."""

from __future__ import annotations

import pytest
from _jupyterlab import REPO
from _lab import HEADER, PANEL, drawn_at, run_cells, unfilled, wide_outputs

pytestmark = pytest.mark.slow

FIXTURES = REPO / "tests" / "ingest" / "fixtures"
TRACES = [
    str(FIXTURES / "openai-agents" / "openinference_tool_crash.otlp.jsonl"),
    str(FIXTURES / "openai-agents" / "openinference_handoffs.otlp.jsonl"),
    str(FIXTURES / "crewai" / "delegation_fault.otlp.jsonl"),
]

CELLS = [
    HEADER
    + """import pandas as pd
warnings.simplefilter("ignore")
folder = pathlib.Path(tempfile.mkdtemp())
db = str(folder / "incident.duckdb")
%load_ext workbench""",
    f"%workbench investigate {' '.join(TRACES)} --db {{db}}",
    "%workbench open {db}",
    """failed = ws.runs(outcome="failure", silent=True).sort_values("run_id").run_id.tolist()
plots.timeline(plots.timeline_data(ws, failed[0]), plots.handoff_data(ws, failed[0]))""",
    "plots.timeline(plots.timeline_data(ws, failed[1]), plots.handoff_data(ws, failed[1]))",
    """plots.blame_bars(pd.DataFrame({"player": ["a_rather_long_agent_name_for_the_research", "writer"],
                              "blame": [0.7, 0.3]}))""",
    "plots.drift_over_time(plots.agent_series(ws), 'latency_ms', plots.change_points(ws))",
    "tu = ThresholdTuner(ws, signal='latency_ms')\ntu.per_agent.value = True\ntu",
    "policy = tu.export_policy(str(folder / 'policy.yaml'))\npolicy",
    "report = wb.backtest(policy, ws)\nreport",
]
VIEWS = {
    2: "investigate",
    3: "open_explorer",
    4: "timeline_crash",
    5: "timeline_silent",
    6: "blame",
    7: "drift",
    8: "tuner",
    9: "policy",
    10: "backtest",
}
BARE = (4, 5, 6, 7)


def test_an_incident_from_real_traces_in_lab(lab, browser) -> None:  # noqa: ANN001
    with run_cells(browser, lab, "ux40_incident.ipynb", CELLS) as s:
        page = s.page
        cells = page.locator(f"{PANEL} .jp-CodeCell")
        for width in (1400, 1000):
            drawn_at(s, width, 8)  # the explorer's timeline, two bare ones, blame, drift, the tuner's three
            for n, name in VIEWS.items():
                out = cells.nth(n - 1).locator(".jp-OutputArea").first
                out.scroll_into_view_if_needed()
                out.screenshot(path=str(_shot(lab, f"ux40_{name}_{width}.png")))
            assert not wide_outputs(s), (width, wide_outputs(s))
            assert not unfilled(s, BARE), (width, unfilled(s, BARE))
        # investigate's table names both failed runs and the why of each
        text = cells.nth(1).inner_text()
        assert "SILENT*" in text and "format_quote" in text, text[:2000]
        # ... and how far its log-only percentages go (walk50)
        assert "trust: no replay checked these 3 verdicts (log)" in text, text[:3000]
        # ... and the legend of its cells, folded under it (walk49)
        assert cells.nth(1).locator("details > summary").first.inner_text() == "what the columns say"
        # the explorer %workbench open showed, on a failed run, its timeline drawn
        ex = page.locator(f"{PANEL} .wb-incident-explorer").first
        assert "outcome" in ex.inner_text() and ex.locator(".wb-timeline svg").count() >= 1
        # the tuner per agent (every run taken as failed: the made-up figure of the one that said it succeeded)
        tuner = page.locator(f"{PANEL} .wb-threshold-tuner").first
        note = tuner.locator(".wb-tuner-agent-note").inner_text()
        assert "No rule for" in note, note
        # the policy reads as its YAML file, the backtest as a table of a few columns (all 14 held 1,529 px in 968)
        assert "schema: workbench.policy/v4" in cells.nth(8).inner_text()
        assert "failures prevented" in cells.nth(9).inner_text()
        assert not s.dialogs and not s.console_errors, (s.dialogs, s.console_errors)


def _shot(lab, name: str):  # noqa: ANN001, ANN202
    lab.shots.mkdir(parents=True, exist_ok=True)
    return lab.shots / name
