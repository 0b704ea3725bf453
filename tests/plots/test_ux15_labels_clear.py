"""Labels drawn clear of what they label, read from the SVG Vega draws (vl-convert: the notebook's Vega).

The cost curve's "best within budget" label sat centred 14 px under the diamond, on the curve wherever
it rises through the point (the tuner's cheapest threshold within a 10 % budget, seen in JupyterLab).
The limit view's "limit 5" label sat 8 px under the top of a panel whose bars past the limit reach the
top (30 runs, tool calls up to 7): drawn over a bar."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from test_ux14_axis_labels import limit_view

from workbench import plots

FONT = 11.0
NS = "{http://www.w3.org/2000/svg}"


def _text_box(el: ET.Element) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a Vega text node: Vega puts the alphabetic baseline at the
    translate; a character is at most 0.6 em wide in its sans-serif."""
    x, y = map(float, re.search(r"translate\(([-\d.e]+),([-\d.e]+)\)", el.get("transform")).groups())
    w = 0.6 * FONT * len(el.text or "")
    anchor = el.get("text-anchor", "start")
    left = x - w / 2 if anchor == "middle" else x - w if anchor == "end" else x
    return left, y - 0.8 * FONT, left + w, y + 0.25 * FONT


def _line_points(d: str) -> np.ndarray:
    pts = np.array([[float(a), float(b)] for a, b in re.findall(r"([-\d.e]+),([-\d.e]+)", d)])
    # every half pixel between two vertices, so a steep segment through the box counts
    out = [pts[:1]]
    for p, q in zip(pts[:-1], pts[1:], strict=True):
        n = max(2, int(np.hypot(*(q - p)) * 2))
        out.append(p + (q - p) * np.linspace(0, 1, n)[:, None])
    return np.concatenate(out)


def _inside(points: np.ndarray, box: tuple[float, float, float, float], margin: float = 1.0) -> int:
    left, top, right, bottom = box
    return int(
        (
            (points[:, 0] > left - margin)
            & (points[:, 0] < right + margin)
            & (points[:, 1] > top - margin)
            & (points[:, 1] < bottom + margin)
        ).sum()
    )


def _curve(shape: str) -> pd.DataFrame:
    t = np.linspace(0.13, 1.08, 300)
    cost = {
        "rising": 2000 + 8500 * (t - 0.13) ** 1.5,  # the tuner's entropy curve
        "falling": 10000 - 8000 * (t - 0.13) ** 0.7,
        "valley": 2000 + 9000 * (t - 0.6) ** 2,
    }[shape]
    return pd.DataFrame({"threshold": t, "cost": cost})


@pytest.mark.parametrize(
    ("shape", "best", "live"),
    [
        ("rising", 0.94, True),
        ("rising", 0.94, False),
        ("rising", 0.4, True),
        ("falling", 0.3, True),
        ("falling", 0.9, False),
        ("valley", 0.45, True),
        ("valley", None, False),
    ],
)
def test_cost_curve_label_keeps_off_the_curve(shape: str, best: float | None, live: bool) -> None:
    import vl_convert as vlc

    table = _curve(shape)
    chart = plots.cost_curve(table, best if best is not None else 0.5, live=live, best=best)
    root = ET.fromstring(vlc.vegalite_to_svg(chart.to_dict()))
    label = "minimum" if best is None else "best within budget"
    [text] = [t for t in root.iter(f"{NS}text") if t.text == label]
    [path] = [g.find(f"{NS}path") for g in root.iter(f"{NS}g") if "mark-line" in (g.get("class") or "")]
    box = _text_box(text)
    assert _inside(_line_points(path.get("d")), box) == 0, (shape, best, box)
    assert box[0] >= 0 and box[2] <= 360 and box[1] >= 0 and box[3] <= 240, box  # inside the plot


def _bar_boxes(cell: ET.Element) -> list[tuple[float, float, float, float]]:
    boxes = []
    for g in cell.iter(f"{NS}g"):
        if "mark-rect" not in (g.get("class") or ""):
            continue
        for p in g.findall(f"{NS}path"):
            if p.get("opacity") not in (None, "1"):  # the see-through band past the limit
                continue
            m = re.fullmatch(r"M([-\d.e]+),([-\d.e]+)h([-\d.e]+)v([-\d.e]+)h[-\d.e]+Z", p.get("d"))
            if m:
                x, y, w, h = map(float, m.groups())
                boxes.append((x, y, x + w, y + h))
    return boxes


@pytest.mark.parametrize(("runs", "log"), [(30, False), (30, True), (3, False), (200, False)])
def test_limit_label_is_drawn_over_no_bar(runs: int, log: bool) -> None:
    _, rules, svg = limit_view(runs, log)  # (the drawing ux14 reads too: made once per process)
    root = ET.fromstring(svg)
    # the facet's panels: the items of its "cell" scope group, each in its own frame
    [scope] = [g for g in root.iter(f"{NS}g") if "cell" in (g.get("class") or "").split()]
    cells = scope.findall(f"{NS}g")
    assert len(cells) == len(rules)
    seen = 0
    for cell in cells:
        for text in cell.iter(f"{NS}text"):
            if not (text.text or "").startswith("limit "):
                continue
            seen += 1
            left, top, right, bottom = _text_box(text)
            hit = [
                b for b in _bar_boxes(cell) if b[0] < right and b[2] > left and b[1] < bottom and b[3] > top
            ]
            assert not hit, (text.text, (left, top, right, bottom), hit)
    assert seen == len(rules)
