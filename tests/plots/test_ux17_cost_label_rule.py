"""The cost curve's "minimum" label as Vega draws it (vl-convert's SVG) stays off the current threshold's red
rule. With the minimum near the y axis, every spot tried beside the point was crossed by the rule, and the
label was drawn on its dashes (ux16's screenshots of the tuner on real traces)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from workbench import plots

vlc = pytest.importorskip("vl_convert")
_CHAR_PX = 6.6  # 11 px sans-serif, at most about 0.6 em a character


def _label_and_rule(svg: str, text: str) -> tuple[float, float, float]:
    """The label's left and right edges and the rule's x, in plot pixels."""
    anchor, x = re.findall(
        rf'text-anchor="(\w+)" transform="translate\(([-\d.]+),[-\d.]+\)"[^>]*>{text}<', svg
    )[0]
    w = _CHAR_PX * len(text)
    left = float(x) - {"start": 0, "middle": w / 2, "end": w}[anchor]
    rule = float(re.findall(r'aria-roledescription="rule mark" transform="translate\(([-\d.]+),', svg)[0])
    return left, left + w, rule


@pytest.mark.parametrize("live", [False, True])
@pytest.mark.parametrize("current", [0.0, 0.03, 0.05, 0.08, 0.12, 0.5])
def test_minimum_label_keeps_off_the_threshold_rule(current: float, live: bool) -> None:
    x = np.linspace(0, 1, 101)
    table = pd.DataFrame({"threshold": x, "cost": 20 + 900 * (x - 0.03) ** 2})
    svg = vlc.vegalite_to_svg(plots.cost_curve(table, current, live=live).to_dict())
    left, right, rule = _label_and_rule(svg, "minimum")
    assert rule < left - 2 or rule > right + 2, (left, right, rule)
