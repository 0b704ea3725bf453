"""The drift chart's change-point names, read from the SVG Vega draws (vl-convert): each in a strip above
the plot, clear of the lines and of each other. They were drawn 8 px under the top of the plot, over
the lines of agents near the top of the scale (confidence ~0.85 in notebook 01), and agents that changed
together (a model change, the agents downstream of it) wrote their names over each other."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from test_ux15_labels_clear import NS, _inside, _line_points, _text_box

from workbench import plots

AGENTS = ["executor", "planner", "pricer", "retriever", "verifier"]


def _series(metric: str) -> pd.DataFrame:
    t = pd.date_range("2026-01-01", periods=40, freq="D")
    rng = np.random.default_rng(0)
    base = {"confidence": (0.84, -0.08, 0.01), "latency_ms": (2700.0, 1800.0, 300.0)}[metric]
    return pd.DataFrame(
        [
            {
                "agent": a,
                "t": ti,
                metric: base[0] + base[1] * (a == "pricer") * (i >= 17) + rng.normal(0, base[2]),
                "runs": 10,
            }
            for a in AGENTS
            for i, ti in enumerate(t)
        ]
    )


def _changes(series: pd.DataFrame) -> pd.DataFrame:
    t = sorted(series["t"].unique())
    # a model change, two agents downstream of it a bucket apart, and a change at the right edge
    return pd.DataFrame(
        {
            "agent": ["pricer", "verifier", "executor", "planner"],
            "since": [t[17], t[17], t[18], t[-1]],
            "severity": ["warning", "info", "info", "warning"],
            "detail": ["d"] * 4,
            "run_id": ["r"] * 4,
        }
    )


@pytest.mark.parametrize("metric", ["confidence", "latency_ms"])
def test_change_point_names_clear_of_lines_and_each_other(metric: str) -> None:
    import vl_convert as vlc

    series = _series(metric)
    root = ET.fromstring(
        vlc.vegalite_to_svg(plots.drift_over_time(series, metric, _changes(series)).to_dict())
    )
    names = [
        t
        for g in root.iter(f"{NS}g")
        if {"mark-text", "role-mark"} <= set((g.get("class") or "").split())
        for t in g.iter(f"{NS}text")
        if t.text in AGENTS
    ]
    assert sorted(t.text for t in names) == ["executor", "planner", "pricer", "verifier"]
    lines = [
        g for g in root.iter(f"{NS}g") if {"mark-line", "role-mark"} <= set((g.get("class") or "").split())
    ]
    points = np.concatenate(
        [_line_points(p.get("d")) for g in lines for p in g.iter(f"{NS}path") if p.get("d")]
    )
    boxes = [_text_box(t) for t in names]
    for t, box in zip(names, boxes, strict=True):
        assert _inside(points, box) == 0, (t.text, box)  # no line through a name
        assert box[3] <= 0, (t.text, box)  # above the plot (its top is y = 0)
        assert box[0] >= -2 and box[2] <= 640 + 2, (t.text, box)  # within the plot's width
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, (a, b)
    # the title above the names, in the page's coordinates (each sits in its own translated group)
    at = _offsets(root)
    # (the key, "dashed: change points", is the title's last line: a subtitle since ux36)
    [title] = [t for t in root.iter(f"{NS}text") if (t.text or "") == "dashed: change points"]
    title_bottom = _text_box(title)[3] + at[title][1]
    assert all(title_bottom <= box[1] + at[t][1] + 1 for t, box in zip(names, boxes, strict=True)), (
        title_bottom
    )


def _offsets(root: ET.Element) -> dict[ET.Element, tuple[float, float]]:
    """Each element's origin in the SVG's coordinates: the sum of its ancestors' translations."""
    out: dict[ET.Element, tuple[float, float]] = {}

    def walk(el: ET.Element, x: float, y: float) -> None:
        out[el] = (x, y)
        for child in el:
            m = re.match(r"translate\(([-\d.e]+),([-\d.e]+)\)", child.get("transform") or "")
            if child.tag == f"{NS}g" and m:
                walk(child, x + float(m.group(1)), y + float(m.group(2)))
            else:
                walk(child, x, y)

    walk(root, 0.0, 0.0)
    return out


def _legend(root: ET.Element) -> list[tuple[str, str]]:
    """(agent, fill colour) of each legend entry as drawn: its symbol and its label, in order."""

    def marks(role: str, tag: str) -> list[ET.Element]:
        return [
            e
            for g in root.iter(f"{NS}g")
            if role in (g.get("class") or "").split()
            for e in g.iter(f"{NS}{tag}")
        ]

    fills = [p.get("fill") for p in marks("role-legend-symbol", "path")]
    names = [t.text for t in marks("role-legend-label", "text")]
    assert len(fills) == len(names), (fills, names)
    return list(zip(names, fills, strict=True))


@pytest.mark.parametrize("n_agents", [8, 16, 26])
def test_each_agent_drawn_has_a_colour_of_its_own(n_agents: int) -> None:
    # a store of several frameworks' traces had 26 agents; ten colours went round three times
    import vl_convert as vlc

    t = pd.date_range("2026-01-01", periods=6, freq="h")
    series = pd.DataFrame(
        [
            {"agent": f"agent_{a:02d}", "t": ti, "latency_ms": 100.0 + a, "runs": 1 + a}
            for a in range(n_agents)
            for ti in t
        ]
    )
    changes = pd.DataFrame(
        {"agent": ["agent_00"], "since": [t[3]], "severity": ["warning"], "detail": ["d"], "run_id": ["r"]}
    )
    chart = plots.drift_over_time(series, "latency_ms", changes)
    root = ET.fromstring(vlc.vegalite_to_svg(chart.to_dict()))
    legend = _legend(root)
    assert len(legend) == min(n_agents, 20), legend
    assert len({c for _, c in legend}) == len(legend), legend  # no colour twice
    names = {a for a, _ in legend}
    if n_agents > 20:  # the agent with a change point is kept, and the chart says how many are left out
        assert "agent_00" in names and "agent_25" in names
        # (a line of the subtitle: its own tspan since ux36)
        assert any(
            "the 20 agents with the most runs; 6 more not drawn" in "".join(t.itertext())
            for t in root.iter(f"{NS}text")
        )
