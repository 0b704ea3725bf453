"""What ux36 saw as a new SRE on an incident in JupyterLab at a 1000 px window, checked without a browser.

- The explorer's timeline was 720 px of plot (876 px with its axis, legend and key) in a 568 px output: the end
  of the run, where the red ✕ of the failure is, scrolled off in its own box.
- A move with an error text under a status left unset read "✖ error" in the step list and drew no red ✕ on the
  timeline (two readings of "a step that raised" in one view).
- The DriftMonitor's chart, 640 px and a legend, ran its title past the visible box ("…dotted: no runs betw").
- The run's header said how many steps, not how long the run took, its tokens nor its cost (a Phoenix or Langfuse
  trace's header line).
- Notebook 01 opened two explorers: FindingsOverview's own (cell 5, the shipped model) and the notebook's
  (19 cells later, the fitted model and the replay), which could name different culprits for one run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import workbench as wb
from workbench import plots
from workbench.plots._label_spot import _CHAR_PX
from workbench.widgets import DriftMonitor, IncidentExplorer

T0 = 1_767_225_600_000_000_000
# what JupyterLab gives a cell's output at a 1000 px window (the file browser open), measured by ux35
OUTPUT_PX = 568
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01_investigate_incident.ipynb"


def _run(n: int = 4) -> list[dict]:
    """A failed run of ``n`` moves; the last one's tool raised, recorded as an error text under status "ok" (a
    framework that keeps the exception and leaves the span's status unset)."""
    recs: list[dict] = [{"record": "run", "run_id": "r1", "system": "quote-desk", "outcome": "failure"}]
    for i in range(n):
        last = i == n - 1
        recs.append(
            {
                "record": "step",
                "run_id": "r1",
                "step_id": f"s{i:04d}",
                "agent": ["planner", "writer"][i % 2],
                "kind": "tool",
                "name": f"call {i}",
                "input": f"in {i}",
                "output": None if last else f"out {i}",
                "status": "ok",
                "error": "503 from quotes.internal" if last else None,
                "tokens_in": 100,
                "tokens_out": 20,
                "cost": 0.001,
                "started_at": T0 + i * 50_000_000,
                "ended_at": T0 + i * 50_000_000 + 40_000_000,
            }
        )
    return recs


def _crosses(spec: dict) -> int:
    """The red ✕ marks Vega draws for ``spec`` (rendered by vl-convert, as the page renders it)."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(spec)
    return len(re.findall(r'<path [^>]*aria-roledescription="point"[^>]*fill="#d62728"', svg))


def test_the_explorer_s_timeline_fits_its_output_and_marks_the_step_the_list_marks() -> None:
    ws = wb.open()
    ws.ingest(_run(), progress=False)
    ex = IncidentExplorer(ws, blame_model=None)
    lines = dict((v, text) for text, v in ex.step.options)
    assert "✖ error" in lines["s0003"], lines
    spec = ex.timeline.chart.to_dict()
    # as wide as the output, each line of its key too (a chart stacked with another cannot be: Vega-Lite sizes
    # only a single or layered chart to its container)
    assert spec["width"] == "container" and "vconcat" not in spec, spec.get("width")
    key = spec["title"]["subtitle"]
    assert all(len(line) * _CHAR_PX < OUTPUT_PX - 40 for line in key), key
    # the step the list marks "✖ error" is the one the timeline draws a red ✕ on
    assert _crosses(spec) == 1
    # the run's duration, tokens and cost in its header, as a Phoenix or Langfuse trace's header gives them
    assert "190 ms · 400 tokens in, 80 out · $0.0040" in ex.header.value.replace("\u00a0", " "), (
        ex.header.value
    )
    assert ex.signals_box.children == ()  # no move has a confidence or entropy: no empty chart under it
    data = [r for rows in spec["datasets"].values() for r in rows if "erred" in r]
    assert [r["step_id"] for r in data if r["erred"]] == ["s0003"]
    # what it raised in its tooltip (and its ✕'s), as a trace view shows the exception on hover
    assert [r["raised"] for r in data if r["erred"]] == ["503 from quotes.internal"]
    assert {"raised"} <= {
        t["field"] for layer in spec["layer"][:3] for t in layer["encoding"].get("tooltip", [])
    }


def test_a_raise_recorded_as_an_error_text_is_drawn_as_one_on_the_timeline() -> None:
    ws = wb.open()
    ws.ingest(_run(), progress=False)
    chart = plots.timeline(plots.timeline_data(ws, "r1"), title="r1")
    assert _crosses(chart.to_dict()) == 1


def test_the_lanes_and_the_confidence_chart_under_them_line_up_container_wide() -> None:
    # two charts container-wide: each plot is what its y axis and legend leave of the output; a "move" legend beside
    # a "signal" one put one chart's 0 s ~20 px left of the other's (and an end label overhanging it, ~15 px right)
    ws = wb.open()
    ws.ingest([dict(r, confidence=0.8) if r["record"] == "step" else r for r in _run()], progress=False)
    lanes, signals = (
        c.to_dict() for c in plots.timeline_parts(plots.timeline_data(ws, "r1"), width="container")
    )
    assert signals["width"] == lanes["width"] == "container"

    def y_axis(spec: dict) -> dict:
        return next(
            layer["encoding"]["y"]["axis"] for layer in spec.get("layer", [spec]) if "y" in layer["encoding"]
        )

    def legends(spec: dict) -> list:
        return [
            layer["encoding"]["color"].get("legend")
            for layer in spec.get("layer", [spec])
            if "color" in layer.get("encoding", {})
        ]

    a, b = y_axis(lanes), y_axis(signals)
    assert a["minExtent"] == a["maxExtent"] == b["minExtent"] == b["maxExtent"], (a, b)
    assert all(g and g["orient"] == "bottom" for g in legends(lanes) + legends(signals))
    assert all(
        layer["encoding"]["x"]["axis"]["labelFlush"] for layer in [lanes["layer"][0], signals["layer"][0]]
    )


def test_the_drift_chart_and_its_title_fit_a_1000_px_window_s_output() -> None:
    import vl_convert as vlc

    ws = wb.open()
    recs: list[dict] = []
    for r in range(6):
        recs.append({"record": "run", "run_id": f"r{r}", "outcome": "success"})
        recs += [
            {
                "record": "step",
                "run_id": f"r{r}",
                "step_id": f"r{r}s{i}",
                "agent": a,
                "kind": "llm",
                "started_at": T0 + r * 3_600_000_000_000 + i * 10**9,
                "ended_at": T0 + r * 3_600_000_000_000 + i * 10**9 + 400_000_000,
            }
            for i, a in enumerate(["a", "b"])
        ]
    ws.ingest(recs, progress=False)
    spec = DriftMonitor(ws, metric="latency_ms").chart.chart.to_dict()
    assert spec["width"] == "container", spec.get("width")
    svg = vlc.vegalite_to_svg(spec)
    drawn = float(re.search(r'<svg[^>]* width="([\d.]+)"', svg).group(1))
    assert drawn <= OUTPUT_PX, drawn
    title = spec["title"]
    lines = [title["text"], *(title.get("subtitle") or [])]
    assert all(len(line) * _CHAR_PX < OUTPUT_PX - 40 for line in lines), lines


def test_notebook_01_opens_one_explorer_and_its_findings_overview_drives_it() -> None:
    code = "\n".join(
        "".join(c["source"])
        for c in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
        if c["cell_type"] == "code"
    )
    assert len(re.findall(r"\bIncidentExplorer\(", code)) == 1, code
    overviews = re.findall(r"\bFindingsOverview\(([^)]*)\)", code)
    # every overview hands its runs to that explorer: without one, its "Open in explorer" builds its own
    assert overviews and all("explorer=" in args for args in overviews), overviews
