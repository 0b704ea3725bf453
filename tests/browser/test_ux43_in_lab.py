"""In JupyterLab (headless Chromium, the session's one server), ux42's leftovers on real framework traces
(``_lab.REAL_TRACES``: OTel trace ids, 32 hex), at 1000 px and 800 px:

- the threshold tuner's list of escalated runs: each line read whole (a whole 32-hex id pushed the rest of the line
  past the list's edge), the id cut as the explorer's run list cuts it, the line wrapped before a " · ";
- the explorer's run list in a browser without ``field-sizing`` (Firefox; Chromium with the rule switched off): the
  list stays about twelve one-line runs high and scrolls, instead of twelve times its tallest line (550 px);
- the drift chart over the demo's month of runs: each tick names its month ("03 Jan", was "Sat 03"), the labels shown
  apart ("03 Jan05 Jan07 Jan" ran edge to edge at 1000 px);
- the state table of a step, and a view's table of figures (the limit tuner's): each header over its values, both
  at the left (the headers sat at the right).

And (ux45, _ux45_lab.py) the explorer opens on the most recent failed run, saying why above the run's header.
"""

from __future__ import annotations

import re
import sys

import pytest
from _lab import HEADER, PANEL, REAL_TRACES, drawn_at, run_cells
from _ux45_lab import _OPENED, opened_wrong

pytestmark = pytest.mark.slow

CELLS = [
    HEADER
    + f"""import ipywidgets as w, pandas as pd
from workbench.widgets._html import STYLE, frame, state_table
warnings.simplefilter("ignore")
ws = wb.open()
ws.ingest({REAL_TRACES!r}, progress=False)
wb.detect(ws)""",
    "tu = ThresholdTuner(ws, signal='latency_ms')\ntu",
    "ex = IncidentExplorer(ws)\nex",
    """t = pd.date_range("2026-01-01 06:00", "2026-01-29 18:00", periods=40)   # (the demo's month)
plots.drift_over_time(pd.DataFrame({"agent": ["pricer"] * 40, "t": t, "latency_ms": [float(i % 7) for i in range(40)],
                                    "runs": [1] * 40}), "latency_ms").properties(width=460)   # (the monitor's plot at 1000 px)""",
    """w.VBox([w.HTML(STYLE + state_table({"item_query": "ear plugs silicone, a box of 200 for a warehouse of 40 people",
                                      "budget": 40, "approved": False})),
        w.HTML(STYLE + frame(pd.DataFrame({"rule": ["max_depth", "max_step_latency_ms"], "limit": [2, 30014],
                                           "first runs stopped": ["proc-s7-000117", "proc-s7-001599, proc-s7-000313"]})))])""",
]

# Per option of a list: how much of its text lies past its box (px; > 0: cut at the right), and its text.
_LINES = """(sel) => { const s = document.querySelector(sel);
  return {past: [...s.options].map(o => o.scrollWidth - o.clientWidth), texts: [...s.options].map(o => o.text)}; }"""

# The run list as a browser without field-sizing draws it: the rule off, and the rules the views' style gives such a
# browser (its "@supports not (field-sizing...)" block) applied as they would be there.
_NO_FIELD_SIZING = """(sel) => {
  const rules = [...document.styleSheets].flatMap(sh => { try { return [...sh.cssRules]; } catch (e) { return []; } })
    .filter(r => r instanceof CSSSupportsRule && /not\\s*\\(field-sizing/.test(r.conditionText))
    .flatMap(r => [...r.cssRules].map(x => x.cssText));
  const style = document.createElement('style');
  style.id = 'ux43-no-field-sizing';
  style.textContent = '.wb-run-list select{field-sizing:fixed!important}' + rules.join('');
  document.head.appendChild(style);
  const s = document.querySelector(sel), em = parseFloat(getComputedStyle(s).fontSize);
  const tallest = Math.max(...[...s.options].map(o => o.getBoundingClientRect().height));
  const out = {fallback: rules, height: s.getBoundingClientRect().height, em, tallest, size: s.size,
               scroll: s.scrollHeight, overflowY: getComputedStyle(s).overflowY};
  style.remove();
  return out;
}"""

# The state table: each header's and each first-row cell's text alignment and left edge of its text.
_STATE = """(t) => { const edge = el => { const r = document.createRange(); r.selectNodeContents(el);
    const b = r.getBoundingClientRect(); return b.left - el.getBoundingClientRect().left; };
  const th = [...t.querySelectorAll('thead th')], td = [...t.querySelectorAll('tbody tr:first-child td')];
  return th.map((h, i) => ({name: h.textContent, head: getComputedStyle(h).textAlign, cell: getComputedStyle(td[i])
    .textAlign, head_left: edge(h), cell_left: edge(td[i])})); }"""

# After a filter change: the line says why, of a run not failed (outcome=unknown lists none), and the run the list
# highlights is the one the header names.
_OPENED_AGAIN = """(panel) => { const note = document.querySelector(panel + ' .wb-opened-why');
  const list = document.querySelector(panel + ' .wb-run-list select');
  const head = document.querySelector(panel + ' .wb-run-header h4');
  if (!note || !list || !head || note.offsetHeight === 0 || !note.innerText.startsWith('Opened on the ')
      || note.innerText.includes('failed run')) return false;
  const id = ([...list.selectedOptions].map(o => o.textContent)[0] || '').replace(/\\u00a0/g, ' ').split(' ')[0]
    .replace(/…$/, '');
  return id.length > 0 && head.textContent.startsWith(id); }"""


def test_escalated_runs_drift_ticks_state_header_and_the_run_list_without_field_sizing(lab, browser) -> None:  # noqa: ANN001
    with run_cells(browser, lab, "ux43_leftovers.ipynb", CELLS, width=1000) as s:
        page = s.page
        cells = page.locator(f"{PANEL} .jp-CodeCell")
        tuner = cells.nth(1).locator(".wb-threshold-tuner")
        wrong = []  # (every width and every leftover checked, then said together)
        lab.shots.mkdir(parents=True, exist_ok=True)
        for width in (1000, 800):
            drawn_at(s, width, 4)  # the tuner's charts, the explorer's timeline, the drift chart
            # 1. the escalated runs: each line whole, its id cut to 12 hex
            listed = tuner.locator(".wb-escalated-runs select")
            listed.scroll_into_view_if_needed()
            lines = page.evaluate(_LINES, f"{PANEL} .wb-escalated-runs select")
            tuner.locator(".wb-escalated").screenshot(path=str(lab.shots / f"ux43_escalated_{width}.png"))
            assert lines["texts"], lines
            if any(p > 1 for p in lines["past"]) or any(
                re.search(r"[0-9a-f]{32}", t) for t in lines["texts"]
            ):
                wrong.append(("escalated run cut", width, lines))
            # 2. the run list without field-sizing: no taller than ~20 lines of text, its runs scrolled to
            got = page.evaluate(_NO_FIELD_SIZING, f"{PANEL} .wb-run-list select")
            if (
                not got["fallback"]
                or got["height"] > 21 * got["em"]
                or got["overflowY"] not in ("auto", "scroll")
            ):
                wrong.append(("run list without field-sizing", width, got))
            # (ux45) the explorer opened on the most recent failed run, the reason said above its header
            wrong += [(*w, width) for w in opened_wrong(page)]
        # (ux46) a filter change opens by the same rule, saying why: the list's first run was shown, the line gone
        ex = cells.nth(2).locator(".wb-incident-explorer")
        ex.locator(".widget-dropdown", has_text="outcome").locator("select").select_option(label="unknown")
        # (the line, the list's highlight and the header: three messages, the header's last)
        try:
            page.wait_for_function(_OPENED_AGAIN, arg=PANEL, timeout=60_000)
        except Exception:  # noqa: BLE001  (said with the rest)
            wrong.append(("opened after a filter change", page.evaluate(_OPENED, PANEL)))
        # 3. the drift chart's first tick names its month; every tick a day and a month
        chart = cells.nth(3).locator(".vega-embed svg").first
        chart.screenshot(path=str(lab.shots / "ux43_drift.png"))
        shown = chart.evaluate("""svg => [...svg.querySelectorAll('[aria-label^="X-axis"] .role-axis-label text')]
            .filter(t => getComputedStyle(t).opacity !== '0' && t.getAttribute('opacity') !== '0')
            .map(t => { const r = t.getBoundingClientRect(); return {x: r.left, right: r.right, text: t.textContent}; })""")
        shown = sorted(shown, key=lambda t: t["x"])
        ticks = [t["text"] for t in shown]
        if len(ticks) < 3 or not all(re.fullmatch(r"\d\d Jan", t) for t in ticks):
            wrong.append(("drift ticks", ticks))
        # the labels shown stand apart ("03 Jan05 Jan" read as one)
        if any(b["x"] - a["right"] < 6 for a, b in zip(shown, shown[1:], strict=False)):
            wrong.append(("drift ticks touch", shown))
        # 4. the state table, and a view's table of figures (the limits'): every header at the left, over its values
        cells.nth(4).locator(".jp-OutputArea-output").first.screenshot(
            path=str(lab.shots / "ux43_state_table.png")
        )
        for name, head in (
            ("table.wb-state-table", ["key", "value"]),
            ("table.wb-table:not(.wb-state-table)", ["rule", "limit", "first runs stopped"]),
        ):
            cols = cells.nth(4).locator(name).evaluate(_STATE)
            if [c["name"] for c in cols] != head or any(
                c["head"] not in ("left", "start") or abs(c["head_left"] - c["cell_left"]) > 1 for c in cols
            ):
                wrong.append(("table header", name, cols))
        for w in wrong:
            print(*w, sep="\n  ", file=sys.stderr)
        assert not wrong, wrong
        assert not s.dialogs and not s.console_errors, (s.dialogs, s.console_errors)
