"""ux45's walk checked in JupyterLab in notebooks other tests open anyway (a notebook of its own cost ~5 s more, an
explorer of its own ~3 s): what an SRE met first on real framework desks, each on the least that shows it:

- the explorer opens on the most recent failed run (it opened on the newest, a desk's success with a ping_pong hit),
  the list highlighting it, a line above its header saying why it was chosen, within the output (checked on
  test_ux43_in_lab.py's explorer of real traces, at 1000 and 800 px);
- (in test_ux44_in_lab.py's notebook, at 1000 px) notebook 01's findings of the incident read from the left, within the output (a detail quoting a message held
  the table 642 px wide in a 568 px output, cut at the right).
"""

from __future__ import annotations

from _jupyterlab import SHOTS
from _lab import PANEL

CELLS = [
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


def opened_wrong(page) -> list[tuple]:  # noqa: ANN001
    """The explorer on the page (one): what is wrong with the run it opened on, at the width set. It must be a failed
    run (the real traces' newest may be any), the one the list highlights and the header names, the reason said above
    the header and within the output."""
    got = page.evaluate(_OPENED, PANEL)
    picked = (got["picked"] or [""])[0].replace("\u00a0", " ").split(" ")[0].rstrip("…")
    wrong = []
    if not picked or not (got["header"] or "").startswith(picked):
        wrong.append(("opened on", got))
    if (
        not got["shown"]
        or not (got["text"] or "").startswith("Opened on the most recent failed run")
        or got["right"] > got["out"] + 1
    ):
        wrong.append(("why opened", got))
    return wrong


def ux45_wrong(s, first: int) -> list[tuple]:  # noqa: ANN001
    """What the page shows wrong of CELLS, run from the notebook's cell ``first`` (from 0) on, at the width set (its
    output screenshotted, ``ux45_incident_findings.png``): notebook 01's findings of an incident."""
    page, wrong = s.page, []
    out = page.locator(f"{PANEL} .jp-CodeCell").nth(first).locator(".jp-OutputArea").first
    out.scroll_into_view_if_needed()
    out.screenshot(path=str(SHOTS / "ux45_incident_findings.png"))
    got = page.evaluate(_HITS, PANEL)
    if not got or got["scroll"] > got["out"] + 1 or any(a not in ("left", "start") for a in got["align"]):
        wrong.append(("incident findings", got))
    return wrong
