"""Charts: aggregated in DuckDB, drawn by pure functions, saved offline."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import pytest

import workbench as wb
from workbench import plots


def _failed(ws: wb.Workspace) -> str:
    return ws.sql("SELECT run_id FROM runs WHERE outcome = 'failure' ORDER BY run_id LIMIT 1").fetchall()[0][
        0
    ]


def test_timeline_data_marks_findings(ws: wb.Workspace) -> None:
    run = ws.sql(
        "SELECT run_id FROM findings WHERE detector = 'cascade' AND severity = 'info' ORDER BY run_id LIMIT 1"
    ).fetchall()[0][0]
    td = plots.timeline_data(ws, run)
    steps = ws.steps(run)
    moves = steps[steps.kind.isin(["llm", "tool", "handoff", "human", "retriever", "other"])]
    assert td.step_id.tolist() == moves.step_id.tolist()
    downstream = set(
        ws.sql(
            "SELECT step_id FROM findings WHERE run_id = ? AND detector = 'cascade' AND severity = 'info'",
            params=[run],
        ).fetchnumpy()["step_id"]
    )
    assert set(td.loc[td.built_on_fault, "step_id"]) == downstream & set(td.step_id)
    assert len(plots.timeline_data(ws, run, max_steps=3)) == 3


def test_histogram_is_aggregated_and_complete(ws: wb.Workspace) -> None:
    h = plots.histogram_data(ws, "entropy", bins=20)
    assert len(h) <= 40 and set(h.outcome) <= {"success", "failure"}
    expected = ws.sql(
        "SELECT count(*) FROM steps s JOIN runs r USING (run_id) WHERE s.entropy IS NOT NULL "
        "AND r.outcome IN ('success', 'failure')"
    ).fetchall()[0][0]
    assert h.n.sum() == expected
    one = plots.histogram_data(ws, "entropy", bins=20, agent="pricer")
    assert 0 < one.n.sum() < expected


def test_inputs_never_become_sql(ws: wb.Workspace) -> None:
    with pytest.raises(ValueError, match="signal must be one of"):
        plots.histogram_data(ws, "entropy FROM steps; DROP TABLE runs; --")
    with pytest.raises(ValueError, match="bins"):
        plots.histogram_data(ws, "entropy", bins=0)
    assert plots.histogram_data(ws, "entropy", agent="x' OR '1'='1").empty
    # (bound, not formatted: the id matches no run, and an id the store does not hold is named)
    with pytest.raises(wb.InvalidParameterError, match="no run \"x' OR '1'='1\" in this store"):
        plots.timeline_data(ws, "x' OR '1'='1")
    assert ws.count("runs") == 120


def test_agent_series_and_change_points(ws: wb.Workspace) -> None:
    s = plots.agent_series(ws, buckets=10)
    assert set(s.columns) >= {"agent", "t", "runs", *plots.AGENT_METRICS}
    assert s.groupby("agent").size().max() <= 10
    # every run is counted once per agent that acted in it
    per_agent = (
        ws.sql("SELECT agent, count(DISTINCT run_id) AS n FROM steps WHERE agent IS NOT NULL GROUP BY agent")
        .df()
        .set_index("agent")["n"]
    )
    assert s.groupby("agent")["runs"].sum().sort_index().tolist() == per_agent.sort_index().tolist()
    cp = plots.change_points(ws)
    assert list(cp.columns) == ["agent", "since", "severity", "detail", "run_id"]
    assert cp.since.notna().all()


def test_every_chart_builds_and_saves(
    ws: wb.Workspace, system: wb.sim.ProcurementSystem, tmp_path: Path
) -> None:
    run = _failed(ws)
    wb.attribute(ws, run, system.replay)
    values, facts = plots.stored_attribution(ws, run)
    assert facts is not None and facts["culprit"] == values.iloc[0]["player"]
    sweep = pd.DataFrame(
        {
            "threshold": [0.1, 0.5, 0.9],
            "escalation_rate": [0.9, 0.4, 0.05],
            "recall": [1.0, 0.7, 0.1],
            "cost": [30.0, 20.0, 45.0],
        }
    )
    charts = {
        "timeline": plots.timeline(
            plots.timeline_data(ws, run),
            plots.handoff_data(ws, run),
            decisive_step=facts["decisive_step"],
            title=run,
        ),
        "blame": plots.blame_bars(values),
        "hist": plots.histogram(plots.histogram_data(ws, "confidence"), "confidence", threshold=0.5),
        "calibration": plots.calibration(plots.calibration_data(ws)),
        "drift": plots.drift_over_time(plots.agent_series(ws), "confidence", plots.change_points(ws)),
        "detectors": plots.detector_bars(plots.detector_counts(ws)),
        "sweep": plots.sweep_curve(sweep, current=0.5),
        "cost": plots.cost_curve(sweep, current=0.5),
    }
    # Every chart drawn by Vega (an SVG: the cheapest image, the same drawing a PNG rasterises); the PNG and the
    # page, whose writing does not depend on the chart, once each (suite53: a PNG and a page of every chart)
    for name, chart in charts.items():
        spec = chart.to_dict()
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v")
        svg = plots.save(chart, tmp_path / f"{name}.svg").read_text()
        assert svg.startswith("<svg") and "<path" in svg, (name, svg[:200])
    png = plots.save(charts["timeline"], tmp_path / "timeline.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = plots.save(charts["drift"], tmp_path / "drift.html").read_text()
    assert "cdn.jsdelivr" not in page and "vegaEmbed" in page  # Vega inlined: opens offline
    timeline = charts["timeline"].to_dict()
    # (zoom: shift + scroll, ux36; zoomed: its stretch, which the confidence chart under the lanes follows, ux37)
    assert [p["name"] for p in timeline["params"]] == ["step", "zoom", "zoomed"]
    assert "decisive step" in str(timeline)


def test_charts_refuse_unaggregated_data() -> None:
    big = pd.DataFrame({"player": [f"p{i}" for i in range(6000)], "blame": 0.0})
    with pytest.raises(ValueError, match="aggregate in DuckDB"):
        plots.blame_bars(big)
    with pytest.raises(ValueError, match="missing"):
        plots.sweep_curve(pd.DataFrame({"threshold": [1.0]}))
    with pytest.raises(ValueError, match=r"\.png"):
        plots.save(plots.blame_bars(big.head(2)), "chart.txt")


def test_widget_is_offline() -> None:
    chart = plots.widget(alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q"))
    assert isinstance(chart, alt.JupyterChart) and alt.JupyterChart._is_offline
    assert "cdn.jsdelivr" not in alt.JupyterChart._esm


def test_every_chart_imports_one_shared_vega_bundle() -> None:
    """A chart's module is a small loader around the one bundle (see plots/_render.py): the bundle goes in
    whole and unchanged, keyed by its hash, and wrapping is idempotent."""
    import hashlib
    import json
    import re

    from workbench.plots._render import shared_module

    plots.enable_offline()
    esm = alt.JupyterChart._esm
    literal = re.search(r"^const SRC = (.*);$", esm, flags=re.M).group(1)
    bundle = json.loads(literal)
    assert "export{__default as default}" in bundle and len(bundle) > 100_000
    assert f"__workbench_esm_{hashlib.sha256(bundle.encode()).hexdigest()[:16]}" in esm
    assert "export default" in esm.split("const SRC")[0] + esm.split(literal)[1]
    assert shared_module(esm) == esm and shared_module(bundle) == esm
    assert plots.widget(alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q"))._esm == esm


HOSTILE_NAMES = ["</script><script>alert('saved')</script>", "esc\x1b[31m]0;t\x07 nul\x00 \ufffe", "ok & <b>"]


def test_saved_html_keeps_log_text_inside_the_script(tmp_path: Path) -> None:
    # A "</script>" in an agent name used to end the spec's script element: what followed ran.
    chart = plots.blame_bars(
        pd.DataFrame({"player": HOSTILE_NAMES, "blame": [0.5, 0.3, 0.2]}), title="<i>t</i>"
    )
    page = plots.save(chart, tmp_path / "blame.html").read_text()
    body = page[page.index("const spec = ") + len("const spec = ") :]
    spec_text = body[: body.index(";\n")]
    assert "<" not in spec_text and ">" not in spec_text and "&" not in spec_text
    import json

    values = next(iter(json.loads(spec_text)["datasets"].values()))
    assert [v["player"] for v in values] == HOSTILE_NAMES  # the same text, only escaped
    assert page.count("</script>") == page.count("<script")


def test_images_of_log_text_with_control_characters(tmp_path: Path) -> None:
    # vl-convert aborted the whole process (a Rust panic) on an ESC in a label: run it apart, so a
    # regression fails this test instead of killing the test run.
    import subprocess
    import sys

    code = (
        f"import pandas as pd\nfrom workbench import plots\nnames = {HOSTILE_NAMES!r}\n"
        "c = plots.blame_bars(pd.DataFrame({'player': names, 'blame': [0.5, 0.3, 0.2]}), title='t\\x1b')\n"
        f"for ext in ('png', 'svg'):\n    plots.save(c, {str(tmp_path)!r} + '/c.' + ext)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "c.svg").read_text()
    assert "esc^[[31m]0;t^G nul^@ &lt;U+FFFE&gt;" in svg and "\x1b" not in svg
