"""In JupyterLab (headless Chromium, the session's one server and page), an SRE's walk on real framework desks
(ux44: the CrewAI hierarchical and LlamaIndex AgentWorkflow order desks ingested into a fresh store, detected, then
investigate → tune → export in the views), what it showed wrong, each on the least that shows it (the walk's views,
drawn whole, took a minute of the suite). At 1000 px:

- the limit view's "first runs stopped": each run id on one line (the sim's "proc-s7-000117" broke at its
  hyphens, "proc-s7-" over "000117"); an OTel trace id cut to 12 hex as the run list cuts it;
- the cost curve's "N more thresholds up to …" note stands above the plot, clear of the curve and of the title
  (it hung from the plot's top edge, over the curve where the curve peaked);
- notebook 01's log-only answer reads from the left ("what it means" stood at the right).

In the same notebook, ux45's walk (_ux45_lab.py): the explorer opened on the most recent failed run, saying why; notebook
01's incident findings within the output.
"""

from __future__ import annotations

import sys

import pytest
from _lab import HEADER, PANEL, drawn_at, run_cells
from _ux45_lab import CELLS as CELLS45
from _ux45_lab import ux45_wrong
from _ux48_lab import CELLS as CELLS48
from _ux48_lab import ux48_wrong

pytestmark = pytest.mark.slow

_ANSWER = """import nbformat, types
from IPython.display import HTML
# notebook 01's display of the log-only answer, its own lines, on an answer of the shape the shipped model gives
src = next(c.source for c in nbformat.read(pathlib.Path(wb.__file__).resolve().parents[1] / "notebooks" /
           "01_investigate_incident.ipynb", as_version=4).cells if "what it means" in c.source)
# (wb.logonly_verdicts' shape, verdict45: the error that ended the CrewAI run outweighs the model's Stock Clerk)
log_only = pd.Series({"run_id": "8e6fab01b296cf16a7cb07906d4b9d21", "agent": "Crew Manager", "step_id": "f1304289e3ccfe5a",
                      "score": 0.059, "agent_confidence": 0.799, "uncertain": False, "only_agent": False,
                      "step_confidence": 0.35, "familiarity": 0.08, "unfamiliar": False, "model_agent": "Stock Clerk",
                      "model_confidence": 0.498, "model_uncertain": True, "evidence": "error", "disagrees": "Stock Clerk",
                      "why": "Crew Manager's step raised 'RuntimeError: max iterations' at step f1304289e3ccfe5a"})
model = types.SimpleNamespace(uncertain_below=0.5)
exec(src[src.index("MEANS = {"):])"""

CELLS = [
    # the sim's run ids, hyphenated, in the limit view's table (as the view shows it: its charts not drawn here)
    HEADER
    + """import ipywidgets as w, numpy as np, pandas as pd
from workbench.widgets._html import STYLE
sim = wb.open()
sim.ingest([r for n in range(30) for r in [{"record": "run", "run_id": f"proc-s2027-{n:06d}", "system": "procurement",
           "outcome": "failure" if n % 6 >= 4 else "success"}] + [{"run_id": f"proc-s2027-{n:06d}", "step_id": f"t{i}",
           "kind": "tool", "tool": "search", "agent": "buyer", "status": "ok", "input": {"q": f"{n}-{i}"}}
           for i in range(2 + n % 6)]], progress=False)
w.VBox([w.HTML(STYLE), LimitTuner(sim, quantile=0.5).table])""",
    # the cost curve whose note lay over the desks' curve
    """t = np.array([*range(233, 497, 12), 30000.0])
plots.cost_curve(pd.DataFrame({"threshold": t, "cost": 20 + 0.3 * (t - t.min()).clip(0, 500)}), current=233.0)""",
    _ANSWER,
]

# Per id of the limit tables' "first runs stopped": its text and how many lines it is drawn on.
_IDS = """(panel) => [...document.querySelectorAll(panel + ' .wb-limits-table .wb-id')].map(s =>
  [s.textContent, new Set([...s.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size])"""

# The cost curve's note, the title and the plot's frame (page px).
_NOTE = """(svg) => { const box = el => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom,
    left: r.left, right: r.right}; };
  const note = [...svg.querySelectorAll('text')].find(t => t.textContent.includes('more threshold'));
  const title = svg.querySelector('.role-title-text text');
  const frame = svg.querySelector('.mark-group.role-scope path.background, .role-frame path, path.background');
  const line = svg.querySelector('.mark-line path');
  return {note: note && box(note), title: title && box(title), frame: frame && box(frame), line: line && box(line)}; }"""

# The answer table's cells: their text alignment.
_ALIGN = """(t) => ({align: [...t.querySelectorAll('td')].map(td => getComputedStyle(td).textAlign),
  table: t.getBoundingClientRect().width, means: t.querySelector('tbody td:last-child').getBoundingClientRect().width})"""


def test_what_the_desks_showed_wrong_limit_ids_cost_note_answer(lab, browser) -> None:  # noqa: ANN001
    with run_cells(browser, lab, "ux44_walk.ipynb", CELLS + CELLS45 + CELLS48) as s:
        page, wrong = s.page, []
        cells = page.locator(f"{PANEL} .jp-CodeCell")
        lab.shots.mkdir(parents=True, exist_ok=True)
        # ux48: the timeline's long lane names at 1400 px (the page opens there), then everything at 1000 (one resize)
        drawn_at(s, 1400, 1)
        wrong += ux48_wrong(s, len(CELLS) + len(CELLS45), 1400)
        drawn_at(s, 1000, 1)
        for n, name in ((0, "limits_table"), (1, "cost_note"), (2, "answer")):
            out = cells.nth(n).locator(".jp-OutputArea").first
            out.scroll_into_view_if_needed()
            out.screenshot(path=str(lab.shots / f"ux44_{name}.png"))
        # 1. every id of the limit tables on one line; the desks' trace ids cut to 12 hex
        ids = page.evaluate(_IDS, PANEL)
        if (
            not any(t.startswith("proc-s2027-") for t, _ in ids)
            or any(lines != 1 for _, lines in ids)
            or any(len(t) > 20 for t, _ in ids)
        ):
            wrong.append(("limit ids", ids))
        # 2. the note above the plot, clear of the title
        got = cells.nth(1).locator(".vega-embed svg").first.evaluate(_NOTE)
        note, title, line = got["note"], got["title"], got["line"]
        if not note or not title or note["top"] < title["bottom"] - 1 or note["bottom"] > line["top"] + 1:
            wrong.append(("cost note", got))
        # 3. notebook 01's answer from the left
        got = cells.nth(2).locator("table.wb-answer").evaluate(_ALIGN)
        if not got["align"] or any(a not in ("left", "start") for a in got["align"]):
            wrong.append(("answer alignment", got))
        # the meanings not squeezed beside the run id (whole, its column held 290 px, the meanings 3 words a line)
        if got["means"] < 0.35 * got["table"]:  # (41 % now, 18 % with the id whole)
            wrong.append(("answer's meanings squeezed", got))
        wrong += ux45_wrong(s, len(CELLS))
        wrong += ux48_wrong(s, len(CELLS) + len(CELLS45), 1000)
        for w in wrong:
            print(*w, sep="\n  ", file=sys.stderr)
        assert not wrong, wrong
        assert not s.dialogs and not s.console_errors, (s.dialogs, s.console_errors)
