"""Driving a notebook in JupyterLab the way a person does: open it, Run All, look at the page."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

# Every code cell has run (a number in its prompt), none is still queued or running.
_ALL_RAN = """() => {
  const panel = document.querySelector('%s');
  if (!panel) return false;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent.trim());
  return prompts.length > 0 && prompts.every(t => /^\\[\\d+\\]:$/.test(t));
}""" % PANEL

# Every chart on the page: its drawing surface and the box it occupies on screen.
_CHARTS = """() => [...document.querySelectorAll('%s .vega-embed')].map(e => {
  const s = e.querySelector('svg.marks, canvas.marks') || e.querySelector('svg, canvas');
  const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
  const marks = s && s.tagName.toLowerCase() === 'svg' ? s.querySelectorAll('path, rect, line, text, circle').length : -1;
  return {kind: s ? s.tagName.toLowerCase() : null, width: r.width, height: r.height, marks: marks,
          title: (e.querySelector('.role-title-text') || {}).textContent || ''};
})""" % PANEL


@dataclass
class Session:
    """One open notebook: what the console and dialogs said while it ran."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    seconds: float = 0.0


def open_notebook(browser, url: str, name: str) -> Session:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    s = Session(page)
    page.on("console", lambda m: s.console_errors.append(f"{m.text} @ {m.location}") if m.type == "error" else None)
    page.on("pageerror", lambda e: s.console_errors.append(f"pageerror: {e} {e.stack or ''}"[:3000]))

    def on_dialog(d) -> None:  # noqa: ANN001
        s.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", on_dialog)
    page.goto(f"{url}/lab/tree/{name}?reset")
    # The idle indicator shows before any kernel exists; a Run All sent then is lost.
    page.wait_for_selector("text=(ipykernel) | Idle", timeout=120_000)
    return s


def run_all(s: Session, timeout: float = 600) -> None:
    page = s.page
    t0 = time.monotonic()
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    page.wait_for_function(_ALL_RAN, timeout=timeout * 1000, polling=500)
    page.wait_for_selector("text=(ipykernel) | Idle", timeout=timeout * 1000)
    s.seconds = time.monotonic() - t0


def save_notebook(s: Session, path: Path, timeout: float = 120) -> Path:
    """File > Save Notebook, then wait until ``path`` on disk holds every cell's run."""
    import nbformat

    page = s.page
    page.click(".lm-MenuBar-itemLabel:text-is('File')")
    page.click(".lm-Menu-itemLabel:text-is('Save Notebook')")
    deadline = time.monotonic() + timeout
    while True:
        try:
            nb = nbformat.read(path, as_version=4)
            if all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"):
                return path
        except Exception:  # noqa: BLE001 - caught mid-write: read again
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} was not saved with its outputs within {timeout:.0f} s")
        time.sleep(0.5)


def charts(s: Session) -> list[dict]:
    return s.page.evaluate(_CHARTS)


def wait_charts_drawn(s: Session, minimum: int, timeout: float = 60) -> list[dict]:
    """Charts draw asynchronously after their cell finished: wait until ``minimum`` are there."""
    deadline = time.monotonic() + timeout
    while True:
        found = charts(s)
        drawn = [c for c in found if c["kind"] and c["width"] > 0 and c["height"] > 0]
        if (len(found) >= minimum and len(drawn) == len(found)) or time.monotonic() > deadline:
            return found
        s.page.wait_for_timeout(500)


def cell_errors(s: Session) -> list[str]:
    return s.page.eval_on_selector_all(
        f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'],"
        f" {PANEL} .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']",
        "els => els.map(e => e.textContent.slice(0, 500))")


def widget_errors(s: Session) -> list[str]:
    return s.page.eval_on_selector_all(f"{PANEL} .jp-OutputArea-output",
                                       "els => els.map(e => e.textContent).filter(t => /Error displaying widget|"
                                       "model not found|Failed to load model/.test(t))")


# Every element of an output that scrolls sideways (holds more than its width): a reader sees a table or
# view cut at the right edge of the notebook. Cell number, element, content and box widths.
_WIDE = """(panel) => [...document.querySelectorAll(panel + ' .jp-Cell .jp-OutputArea-output')].flatMap(out => {
  const cell = out.closest('.jp-Cell');
  const n = [...cell.parentElement.children].indexOf(cell);
  return [out, ...out.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1
      && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
    .map(e => `cell ${n}: ${e.tagName}.${e.className} holds ${e.scrollWidth} px in ${e.clientWidth}`);
})"""


def wide_outputs(s: Session) -> list[str]:
    """The outputs (and elements in them) that scroll sideways: wider than the notebook shows."""
    return s.page.evaluate(_WIDE, PANEL)


def screenshot(s: Session, path: Path, full: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    s.page.screenshot(path=str(path), full_page=full)
    return path


def shutdown_kernels(url: str) -> None:
    """Stop every kernel of the server (frees the demo store for the next notebook)."""
    import json
    import urllib.request

    kernels = json.loads(urllib.request.urlopen(f"{url}/api/kernels", timeout=10).read())
    for k in kernels:
        req = urllib.request.Request(f"{url}/api/kernels/{k['id']}", method="DELETE")
        urllib.request.urlopen(req, timeout=30).read()
    # Wait until the server lists none: a page opened while a kernel is still going away sees
    # a 500 from /api/kernels in its console.
    deadline = time.monotonic() + 30
    while json.loads(urllib.request.urlopen(f"{url}/api/kernels", timeout=10).read()) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)


def wait_text_change(s: Session, selector: str, before: str, timeout: float = 30) -> float:
    """Seconds until the text of ``selector`` differs from ``before``."""
    t0 = time.perf_counter()
    s.page.wait_for_function(
        "([sel, before]) => { const e = document.querySelector(sel); return e && e.innerText !== before; }",
        arg=[selector, before], timeout=timeout * 1000, polling="raf")
    return time.perf_counter() - t0


def text(s: Session, selector: str) -> str:
    return s.page.eval_on_selector(selector, "e => e.innerText")


KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@contextlib.contextmanager
def run_cells(browser, lab, name: str, cells: list[str]) -> Iterator[Session]:  # noqa: ANN001
    """A notebook of ``cells`` written into the lab's root as ``name``, opened and Run All: the session, to
    look at the page; the page closed and every kernel stopped after, whatever the test found."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = KERNELSPEC
    nbformat.write(nb, lab.root / name)
    s = open_notebook(browser, lab.url, name)
    try:
        run_all(s)
        yield s
    finally:
        s.page.close()
        shutdown_kernels(lab.url)


# The first lines of a test notebook's set-up cell: the imports every view test uses, charts drawn offline.
HEADER = '''import json, pathlib, tempfile, warnings
import workbench as wb
from workbench import plots
from workbench.widgets import DriftMonitor, IncidentExplorer, LimitTuner, ThresholdTuner
plots.enable_offline()
'''


def whowhen_folder(runs: int, payload_in_answer: bool = False) -> str:
    """Set-up code writing ``runs`` Who&When-shaped files into a fresh ``folder`` (every run failed, the labels
    name Coder at step 1, the reason carries the ``XSS`` payload the code defines) and ingesting it as ``ws``.
    Run k has k + 1 Coder/terminal turns; with ``payload_in_answer`` the Verifier's last turn ends with it too."""
    tail = ' + " " + XSS' if payload_in_answer else ""
    return f'''XSS = "<img src=x onerror=alert(1)>"
folder = pathlib.Path(tempfile.mkdtemp())
for k in range({runs}):
    hist = [{{"name": "Planner", "role": "assistant", "content": "Plan: count the rows with code."}}]
    for j in range(k + 1):
        hist += [{{"name": "Coder", "role": "assistant", "content": f"```python\\nprint(len(rows) + {{j}})\\n```"}},
                 {{"name": "Computer_terminal", "role": "user",
                  "content": f"exitcode: 0 (execution succeeded)\\nCode output: {{40 + j}}"}}]
    hist.append({{"name": "Verifier", "role": "assistant", "content": "41 looks right. TERMINATE"{tail}}})
    (folder / f"{{k}}.json").write_text(json.dumps({{
        "question": f"How many rows in file {{k}}?", "ground_truth": "42", "is_correct": False, "history": hist,
        "mistake_agent": "Coder", "mistake_step": "1", "mistake_reason": f"miscounted rows {{XSS}}"}}))
ws = wb.open()
ws.ingest(str(folder), progress=False)
'''


# The charts of a view (its .vega-embed boxes, in order): their boxes on screen.
_CHART_BOXES = """(v) => [...v.querySelectorAll('.vega-embed')].map(e => { const r = e.getBoundingClientRect();
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })"""


def chart_layout(view) -> str:  # noqa: ANN001
    """How a view's charts lie: "row" (side by side, one top), "stacked" (each below the one before, one left
    edge) or "mixed" (a row that wrapped part-way: two side by side and a third below them)."""
    boxes = view.evaluate(_CHART_BOXES)
    if len(boxes) < 2:
        return "row"
    if max(b["top"] for b in boxes) - min(b["top"] for b in boxes) <= 2:
        return "row"
    below = all(b["top"] >= a["bottom"] - 2 for a, b in zip(boxes, boxes[1:], strict=False))
    if below and max(b["left"] for b in boxes) - min(b["left"] for b in boxes) <= 2:
        return "stacked"
    return "mixed"


# Every cell of each state table: its text and on how many lines it is drawn.
_CELL_LINES = """(v) => [...v.querySelectorAll('table.wb-state-table tr')].slice(1).map(tr => [...tr.children].map(td => {
  const r = document.createRange(); r.selectNodeContents(td);
  return [td.innerText, new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size];
}))"""


def state_cell_lines(view) -> list[list[list]]:  # noqa: ANN001
    """Each row of the view's state table as ``[text, lines drawn]`` per cell."""
    return view.evaluate(_CELL_LINES)
