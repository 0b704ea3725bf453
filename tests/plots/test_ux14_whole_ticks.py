"""The limit view's axes count runs and steps: whole numbers. Vega's ``tickMinStep: 1`` alone let half
steps through (0, 0.5, 1, 1.5 on a peak axis of two, and on a runs axis of two runs), so the tick labels
as Vega draws them (the SVG vl-convert renders, the same Vega as the notebook's) must be integers."""

from __future__ import annotations

import re

import pytest

import workbench as wb
from workbench import plots


def _store(n: int) -> wb.Workspace:
    recs: list[dict] = []
    for r in range(n):
        run, calls = f"r{r:03d}", 2 + r % 6
        recs.append({"record": "run", "run_id": run, "system": "shop",
                     "outcome": "failure" if calls >= 6 else "success"})
        recs += [{"run_id": run, "step_id": f"t{i:02d}", "agent": "finder", "kind": "tool", "tool": "search",
                  "input": {"q": f"{r}-{i}"}, "status": "ok", "output": f"result {i}"} for i in range(calls)]
    ws = wb.open()
    ws.ingest(recs, progress=False)
    return ws


def axis_labels(svg: str) -> list[str]:
    """The text of every axis tick label Vega drew."""
    groups = re.findall(r'class="mark-text role-axis-label".*?</g>', svg, re.S)
    return [t for g in groups for t in re.findall(r"<text[^>]*>([^<]*)</text>", g)]


@pytest.mark.parametrize("runs", [3, 30])
def test_limit_view_ticks_are_whole_counts(runs: int) -> None:
    import vl_convert as vlc

    limits = wb.suggest_limits(_store(runs))
    bins, rules = plots.limit_bins(limits, "shop")
    assert len(rules) >= 3 and (rules["x_max"] - bins["bin_start"].min() < 3).any()   # narrow axes too
    labels = axis_labels(vlc.vegalite_to_svg(plots.limit_peaks(bins, rules).to_dict()))
    assert len(labels) >= 4 * len(rules), labels
    assert all(re.fullmatch(r"-?\d+", t) for t in labels), sorted(set(labels))
