"""In JupyterLab (headless Chromium), after ux19: the IncidentExplorer's run list highlights the run its step panel
shows, and its timeline names it, after show_run from code (r23 stayed highlighted over r00), a click in the list
and a filter change; the step panel shows a LangGraph Send as the call it routes and a LlamaIndex AgentInput as its
message; the tuner's cost chart ends its axis with the bulk of the thresholds (was 0–30,000 for one 30 s call) and
says what is past it. A script payload in the logs never runs."""

from __future__ import annotations

import pytest
from _lab import HEADER, PANEL, cell_errors, run_cells, settle, wait_charts_drawn, widget_errors

pytestmark = pytest.mark.slow

SETUP = (
    HEADER
    + r"""
XSS = "<img src=x onerror=alert(1)>"
SEND = ("Send(node='tools', arg={'__type': 'tool_call_with_context', 'tool_call': {'name': 'search_flights', "
        "'args': {'origin': 'BER', 'destination': 'LIS'}, 'id': 'c1', 'type': 'tool_call'}, "
        "'state': {'messages': [HumanMessage(content='Book a flight.', additional_kwargs={}, id='1')]}})")
records = []
for r in range(24):
    run, t = f"r{r:02d}", f"2026-03-01T{10 + r // 6:02d}:{r:02d}"
    ask = ("AgentInput(input=[ChatMessage(role=<MessageRole.USER: 'user'>, blocks=[TextBlock(block_type='text', "
           f"text={'question of run ' + run + ' ' + XSS!r})])], current_agent_name='researcher')")
    records.append({"record": "run", "run_id": run, "system": "support", "outcome": "failure" if r % 3 == 0 else "success"})
    records += [{"run_id": run, "step_id": f"s{i}", "agent": "researcher", "kind": "chain", "name": "route",
                 "input": ask, "output": json.dumps([SEND]),
                 "latency_ms": 30000 if (r, i) == (5, 2) else 200 + (r * 37 + i * 11) % 300,
                 "started_at": f"{t}:{i:02d}Z", "ended_at": f"{t}:{i:02d}.5Z"} for i in range(4)]
ws = wb.open()
ws.ingest(records, progress=False)
"""
)

# The run list (the explorer's <select> with a size), what it highlights, and the run the header names.
_STATE = """(ex) => {
  const list = ex.querySelector('select[size]');
  const sel = list ? [...list.options].filter(o => o.selected).map(o => o.text.split('·')[0].trim()) : null;
  const h = ex.querySelector('h4');
  const pres = [...ex.querySelectorAll('pre.wb-pre')].map(p => p.innerText);
  return {listed: sel, shown: h ? h.innerText.trim() : null, pres: pres};
}"""

_COST = """(root) => {
  const chart = [...root.querySelectorAll('.vega-embed')].find(e =>
      [...e.querySelectorAll('svg text')].some(t => t.textContent.includes('Expected cost per threshold')));
  if (!chart) return null;
  const axes = [...chart.querySelectorAll('svg .role-axis')];
  const x = axes.find(a => (a.getAttribute('aria-label') || '').includes('X-axis')) || axes[0];
  return {texts: [...chart.querySelectorAll('svg text')].map(t => t.textContent),
          ticks: [...x.querySelectorAll('.role-axis-label text')].map(t => t.textContent),
          paths: chart.querySelectorAll('svg path').length};
}"""


def _wait_shown(s, ex, run: str) -> dict:  # noqa: ANN001
    s.page.wait_for_function(
        "([sel, run]) => { const e = document.querySelector(sel); const h = e && e.querySelector('h4');"
        " const t = e && e.querySelector('.vega-embed .role-title-text');"  # the timeline, drawn last
        " return h && h.innerText.trim() === run && t && t.textContent.trim() === run"
        " && [...e.querySelectorAll('pre.wb-pre')].some(p => p.innerText.includes('question of run ' + run)); }",
        arg=[f"{PANEL} .wb-incident-explorer", run],
        timeout=60_000,
    )
    settle(s, quiet=0.2)  # (the rest of the view laid out: a fixed 0.5 s guessed it)
    return ex.evaluate(_STATE)


def test_run_list_and_step_panel_agree_and_cost_axis_in_lab(lab, browser) -> None:  # noqa: ANN001
    with run_cells(
        browser,
        lab,
        "ux19_agree.ipynb",
        [
            SETUP,
            "ex = IncidentExplorer(ws)\nex.show_run('r20')\nex",
            "with warnings.catch_warnings():\n    warnings.simplefilter('ignore')\n"
            "    tu = ThresholdTuner(ws, signal='latency_ms')\ntu",
        ],
    ) as s:
        wait_charts_drawn(s, 4)
        assert not cell_errors(s) and not widget_errors(s), (cell_errors(s), widget_errors(s))
        ex = s.page.locator(f"{PANEL} .wb-incident-explorer").first
        ex.scroll_into_view_if_needed()
        st = _wait_shown(s, ex, "r20")
        assert st["listed"] == ["r20"], st["listed"]  # was r23 (the newest) over r20's steps
        inp, out = st["pres"][:2]
        assert inp == (
            "user: question of run r20 <img src=x onerror=alert(1)>\n\nevent: AgentInput\n\nagent: researcher"
        ), inp
        assert out == "send → tools: search_flights({'origin': 'BER', 'destination': 'LIS'})", out
        ex.screenshot(path=str(_shot(lab, "ux19_explorer_r20.png")))

        ex.locator("select[size]").select_option(
            label=ex.locator("select[size] option", has_text="r15 ·").inner_text()
        )
        st = _wait_shown(s, ex, "r15")  # a click in the list
        assert st["listed"] == ["r15"], st
        outcome = ex.locator(".widget-dropdown", has_text="outcome").locator("select")
        outcome.select_option(label="success")
        st = _wait_shown(s, ex, "r23")  # r15 (a failure) filtered out: the newest success
        assert st["listed"] == ["r23"], st
        ex.screenshot(path=str(_shot(lab, "ux19_explorer_filtered.png")))

        tuner = s.page.locator(f"{PANEL} .wb-threshold-tuner").first
        tuner.scroll_into_view_if_needed()
        cost = tuner.evaluate(_COST)
        assert cost and cost["paths"] > 3, cost
        assert (
            cost["ticks"]
            and "30,000" not in cost["ticks"]
            and max(float(t.replace(",", "")) for t in cost["ticks"]) < 1000
        ), cost["ticks"]
        assert any(t.startswith("1 more threshold up to 30,000") for t in cost["texts"]), cost["texts"]
        tuner.screenshot(path=str(_shot(lab, "ux19_tuner.png")))
        assert not s.dialogs, s.dialogs


def _shot(lab, name: str):  # noqa: ANN001, ANN202
    lab.shots.mkdir(parents=True, exist_ok=True)
    return lab.shots / name
