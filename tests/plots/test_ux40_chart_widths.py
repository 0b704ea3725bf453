"""Charts as wide as the output they are drawn in (ux40): a bare ``plots.timeline(...)`` was 826 px wide in a
1000 px window's 568 px output, the blame bars 652 and the drift chart 815 (cut, or scrolled in their output).
They are container-wide by default now; the renderer ``plots.enable_offline()`` sets gives such a chart its
output's whole width (in vega-embed's inline box it measured 0 and drew nothing); saved, it has a fixed width.
The browser test of the widths is tests/browser/test_ux40_in_lab.py."""

from __future__ import annotations

import functools
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import altair as alt
import pandas as pd
from ipywidgets.widgets.widget import _instances

import workbench as wb
from workbench import plots

FIXTURE = (
    Path(__file__).resolve().parents[1]
    / "ingest"
    / "fixtures"
    / "openai-agents"
    / "openinference_tool_crash.otlp.jsonl"
)
BLAME = pd.DataFrame({"player": ["a_rather_long_agent_name_for_research", "writer"], "blame": [0.7, 0.3]})


@functools.cache
def _timeline_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The fixture's run as the timeline reads it, ingested once for the module (suite52: three times before)."""
    ws = wb.open()
    ws.ingest(str(FIXTURE), progress=False)
    run = ws.runs().run_id.iat[0]
    return plots.timeline_data(ws, run), plots.handoff_data(ws, run)


def _timeline() -> alt.VConcatChart:
    moves, handoffs = _timeline_data()
    return plots.timeline(moves.copy(), handoffs.copy())  # (a chart of its own each time)


def _shown(chart: alt.TopLevelMixin) -> alt.JupyterChart:
    bundle = chart._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    return _instances[bundle["application/vnd.jupyter.widget-view+json"]["model_id"]]


def test_bare_charts_are_as_wide_as_their_output() -> None:
    spec = _timeline().to_dict()
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert [c["width"] for c in spec["vconcat"]] == ["container"] * len(spec["vconcat"])
    assert plots.blame_bars(BLAME).to_dict()["width"] == "container"
    plots.enable_offline()
    assert alt.renderers.active == "workbench"
    shown = _shown(plots.blame_bars(BLAME))
    assert isinstance(shown, alt.JupyterChart) and shown.layout.width == "100%"
    assert _shown(_timeline()).layout.width == "100%"
    # a chart of a fixed width keeps it, and its "…" menu beside it
    assert (
        _shown(
            plots.sweep_curve(
                pd.DataFrame({"threshold": [1.0, 2.0], "escalation_rate": [0.5, 0.1], "recall": [1.0, 0.5]})
            )
        ).layout.width
        is None
    )
    # still a width of one's own when asked for
    assert plots.blame_bars(BLAME, width=300).to_dict()["width"] == 300
    empty = pd.DataFrame(
        columns=["step_id", "agent", "kind", "started_at", "ended_at", "flagged", "built_on_fault"]
    )
    assert "autosize" not in plots.timeline(empty, width=500).to_dict()


def test_saved_container_wide_charts_have_a_width(tmp_path: Path) -> None:
    for name, chart in (("timeline", _timeline()), ("blame", plots.blame_bars(BLAME))):
        svg = ET.parse(plots.save(chart, tmp_path / f"{name}.svg")).getroot()
        # the plot drawn 640 px wide (vl-convert drew a container-wide chart 300 px in all)
        assert 640 < float(svg.get("width")) < 1000, (name, svg.get("width"))
        page = plots.save(chart, tmp_path / f"{name}.html", width=500).read_text()
        body = page[page.index("const spec = ") + len("const spec = ") :]
        spec = json.loads(body[: body.index(";\n")])
        widths = [c["width"] for c in spec.get("vconcat", [spec])]
        assert widths == [500] * len(widths) and "autosize" not in spec, (name, widths)
