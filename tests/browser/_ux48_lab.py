"""ux48's check in JupyterLab, in test_ux44_in_lab.py's notebook (no page or notebook of its own): a container-wide
timeline whose agents have real frameworks' long names. The lanes' axis room is 110 px (one width with the signals
chart under it); an axis label was cut there with "…" and no tooltip ("agents.research.web_…", two agents of one
prefix alike). Each name is now drawn in that room whole, on two lines where one does not hold it, and hovering it
shows the whole name; checked at 1000 and 1400 px, screenshotted (``ux48_lanes_<width>.png``).
"""

from __future__ import annotations

from _jupyterlab import SHOTS
from _lab import PANEL

NAMES = [
    "agents.research.web_searcher_v2",
    "agents.research.web_reader_v2",
    "Senior Research Analyst",
    "planner",
]

CELLS = [
    f"""import pandas as pd
_names = {NAMES!r}
_t = pd.Timestamp("2026-01-01 10:00:00")
lanes_steps = pd.DataFrame({{"step_id": [f"s{{i}}" for i in range(8)], "agent": [_names[i % 4] for i in range(8)],
    "kind": ["llm", "tool"] * 4, "started_at": [_t + pd.Timedelta(seconds=3 * i) for i in range(8)],
    "ended_at": [_t + pd.Timedelta(seconds=3 * i + 2) for i in range(8)], "flagged": [False] * 8,
    "built_on_fault": [False] * 8, "confidence": [0.9, None] * 4}})
plots.timeline(lanes_steps)""",
]

# The lane names' text marks: their text (lines joined by "|"), their box, and the lanes' plot's left edge.
_LANES = """(svg) => { const s = svg.getBoundingClientRect();
  const plot = Math.min(...[...svg.querySelectorAll('.mark-rect.role-mark path')].map(p => p.getBoundingClientRect().left));
  return [...svg.querySelectorAll('.mark-text.role-mark text')].map(t => { const r = t.getBoundingClientRect();
    const spans = [...t.querySelectorAll('tspan')].map(x => x.textContent);
    return {text: (spans.length ? spans : [t.textContent]).join('|'), left: r.left, right: r.right, svg: s.left,
            plot: plot}; }); }"""


def ux48_wrong(s, first: int, width: int) -> list[tuple]:  # noqa: ANN001
    """What the page shows wrong of CELLS (run from the notebook's cell ``first``, from 0) at ``width`` px."""
    page, wrong = s.page, []
    out = page.locator(f"{PANEL} .jp-CodeCell").nth(first).locator(".jp-OutputArea").first
    out.scroll_into_view_if_needed()
    out.screenshot(path=str(SHOTS / f"ux48_lanes_{width}.png"))
    svg = out.locator(".vega-embed svg").first
    names = [
        t
        for t in svg.evaluate(_LANES)
        if t["text"].replace("|", "").replace(" ", "") in {n.replace(" ", "") for n in NAMES}
    ]
    # every name whole (lines joined), none cut, each within the chart and left of the lanes' plot
    if sorted(t["text"].replace("|", "").replace(" ", "") for t in names) != sorted(
        n.replace(" ", "") for n in NAMES
    ):
        wrong.append(("lane names not whole", width, svg.evaluate(_LANES)))
    for t in names:
        if t["left"] < t["svg"] - 1 or t["right"] > t["plot"] + 1:
            wrong.append(("lane name outside its room", width, t))
    if sum(1 for t in names if "|" in t["text"]) < 3:  # the three long names on two lines, "planner" on one
        wrong.append(("long names not on two lines", width, names))
    # the whole name in the tooltip of its label
    label = svg.locator(".mark-text.role-mark text", has_text="web_searcher_v2").first
    label.hover()
    tip = page.locator("#vg-tooltip-element")
    try:
        tip.wait_for(state="visible", timeout=5000)
        said = tip.inner_text()
    except Exception as exc:  # noqa: BLE001 - reported as what is wrong
        said = f"no tooltip: {exc}"
    if "agents.research.web_searcher_v2" not in said:
        wrong.append(("lane name's tooltip", width, said))
    page.mouse.move(0, 0)
    return wrong
