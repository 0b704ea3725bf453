"""The cells and checks of ux45's walk, run in test_ux44_in_lab.py's notebook (one notebook on the shared page and kernel:
a notebook of its own cost ~5 s more). In JupyterLab, what an SRE met first on real framework desks, each on the least
that shows it, at 1000 px:

- the explorer opens on the most recent failed run (it opened on the newest, a desk's success with a ping_pong hit),
  the list paged to it and highlighting it, a line above its header saying why it was chosen, within the output;
- notebook 01's findings of the incident read from the left, within the output (a detail quoting a message held
  the table 642 px wide in a 568 px output, cut at the right).
"""

from __future__ import annotations

from _jupyterlab import SHOTS
from _lab import PANEL

CELLS = [
    """import pandas as pd
from IPython.display import HTML
ws = wb.open()
ws.ingest([r for n, outcome in enumerate(["unknown", "failure", "unknown", "failure", "success", "success"])
           for r in [{"record": "run", "run_id": f"r{n}", "system": "shop", "outcome": outcome}]
           + [{"run_id": f"r{n}", "step_id": f"t{i}", "kind": "tool", "tool": "search", "agent": "finder",
               "input": {"q": f"{n}-{i}"}, "output": f"result {i}", "started_at": f"2026-03-01T10:{n:02d}:{i:02d}Z",
               "ended_at": f"2026-03-01T10:{n:02d}:{i:02d}.5Z"} for i in range(2)]], progress=False)
ex = IncidentExplorer(ws, blame_model=None, page_size=2)
ex""",
    # notebook 01's findings of the incident, its own lines, on the CrewAI desk's findings of the ping-pong run
    """import nbformat
src = next(c.source for c in nbformat.read(pathlib.Path(wb.__file__).resolve().parents[1] / "notebooks" /
           "01_investigate_incident.ipynb", as_version=4).cells if "silent_cascades = ws.sql" in c.source)
desk = "8e6fab01b296cf16a7cb07906d4b9d21"
findings = pd.DataFrame({"run_id": [desk] * 3, "step_id": ["f1304289e3ccfe5a", "f1304289e3ccfe5a", "99cfd6c92ffeb51e"],
    "agent": ["Crew Manager", "Pricer", "Pricer"], "detector": ["loop", "ping_pong", "repeated_reply"],
    "severity": ["critical", "critical", "warning"],
    "detail": ["Crew Manager called Pricer with the same arguments 5 times in a row",
               "Pricer and Crew Manager handed the work back and forth 8 times without progress: Pricer said again "
               "what it had said (4 time(s)), with no new tool result or value between",
               'Pricer said the same thing 5 times in a row: "[{"role":"assistant","content":"A widget costs 14.20 '
               'USD each."}]"']})
exec(src[src.index("hits = findings"):].replace("incident", "desk"))""",
]

# The explorer's opened-on line and the run list's highlighted run, their boxes against the output's.
_OPENED = """(panel) => { const out = document.querySelector(panel + ' .wb-incident-explorer').closest('.jp-OutputArea-output');
  const note = document.querySelector(panel + ' .wb-opened-why');
  const list = document.querySelector(panel + ' .wb-run-list select');
  const r = note && note.getBoundingClientRect(), o = out.getBoundingClientRect();
  return {text: note ? note.innerText : null, shown: !!r && r.height > 0, right: r ? r.right : 0, out: o.right,
          picked: list ? [...list.selectedOptions].map(x => x.textContent) : null,
          header: (document.querySelector(panel + ' .wb-run-header h4') || {}).textContent}; }"""

# The incident's findings table: its width against the output's, and its cells' alignment.
_HITS = """(panel) => { const t = document.querySelector(panel + ' table.wb-hits');
  if (!t) return null; const out = t.closest('.jp-OutputArea-output');
  return {table: t.getBoundingClientRect().width, out: out.clientWidth, scroll: out.scrollWidth,
          align: [...t.querySelectorAll('td, th')].map(c => getComputedStyle(c).textAlign)}; }"""


def ux45_wrong(s, first: int) -> list[tuple]:  # noqa: ANN001
    """What the page shows wrong of CELLS, run from the notebook's cell ``first`` (from 0) on, at the width set: each
    output screenshotted (``ux45_*.png``)."""
    page, wrong = s.page, []
    cells = page.locator(f"{PANEL} .jp-CodeCell")
    for n, name in ((first, "explorer_opened"), (first + 1, "incident_findings")):
        out = cells.nth(n).locator(".jp-OutputArea").first
        out.scroll_into_view_if_needed()
        out.screenshot(path=str(SHOTS / f"ux45_{name}.png"))
    # 1. the most recent failed run (r3, on the list's second page), highlighted, the reason said and in view
    got = page.evaluate(_OPENED, PANEL)
    if got["header"] != "r3" or not got["picked"] or not got["picked"][0].startswith("r3"):
        wrong.append(("opened on", got))
    if (
        not got["shown"]
        or not (got["text"] or "").startswith("Opened on the most recent failed run")
        or got["right"] > got["out"] + 1
    ):
        wrong.append(("why opened", got))
    # 2. the incident's findings within the output, read from the left
    got = page.evaluate(_HITS, PANEL)
    if not got or got["scroll"] > got["out"] + 1 or any(a not in ("left", "start") for a in got["align"]):
        wrong.append(("incident findings", got))
    return wrong
