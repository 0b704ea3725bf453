"""Drift lines as Vega draws them (vl-convert's SVG) on a store mixing systems: a system's agents ran at
10:00 and again at 16:00, another system's in between. The agent's line joined its 10:00 buckets to its
16:00 ones, a straight stroke across six hours with no run of it (ux16 saw it on real framework traces).
The line now breaks where the agent's buckets skip: two strokes, none spanning the gap."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import workbench as wb
from workbench import plots

vlc = pytest.importorskip("vl_convert")


def _store() -> wb.Workspace:
    recs: list[dict] = []
    day = pd.Timestamp("2026-03-01T10:00:00")
    starts = [("shop", "planner", day + pd.Timedelta(minutes=3 * i)) for i in range(10)]
    starts += [("shop", "planner", day + pd.Timedelta(hours=6, minutes=3 * i)) for i in range(10)]
    starts += [("trip", "booker", day + pd.Timedelta(hours=3, minutes=3 * i)) for i in range(10)]
    for k, (system, agent, t) in enumerate(starts):
        run = f"r{k:02d}"
        recs.append(
            {
                "record": "run",
                "run_id": run,
                "system": system,
                "outcome": "success",
                "started_at": t.isoformat() + "Z",
            }
        )
        recs.append(
            {
                "run_id": run,
                "step_id": "s1",
                "agent": agent,
                "kind": "llm",
                "output": "ok",
                "latency_ms": 500 + 10 * k,
                "started_at": t.isoformat() + "Z",
                "ended_at": (t + pd.Timedelta(seconds=1)).isoformat() + "Z",
            }
        )
    ws = wb.open()
    ws.ingest(recs, progress=False)
    return ws


def _strokes(svg: str) -> list[list[tuple[float, float]]]:
    """Each stroke (a path's moveto and what follows it) of the solid line marks, as x, y points (ux18: the
    dotted bridges that join an agent's points across a gap say "no runs between" and are left out)."""
    out = []
    svg = re.sub(r'<path[^>]*stroke-dasharray="1,3"[^>]*/>', "", svg)
    for d in re.findall(r'<path[^>]*aria-roledescription="line mark"[^>]*d="([^"]*)"', svg) + re.findall(
        r'role-mark role-line.*?<path[^>]*d="([^"]*)"', svg, re.S
    ):
        for part in re.split(r"(?=M)", d):
            pts = [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", part)]
            if pts:
                out.append(pts)
    return out


def test_an_agents_line_breaks_where_its_buckets_are_missing() -> None:
    ws = _store()
    series = plots.agent_series(ws, buckets=40)
    assert set(series["agent"]) == {"planner", "booker"}
    svg = vlc.vegalite_to_svg(plots.drift_over_time(series, "latency_ms").to_dict())
    strokes = _strokes(svg)
    assert strokes, svg[:500]
    width = 640
    # no stroke crosses more than a tenth of the plot: each covers one half hour of runs (of 6.5 hours)
    widest = max(max(x for x, _ in s) - min(x for x, _ in s) for s in strokes)
    assert widest < width / 10, (widest, strokes)
    assert len(strokes) == 3, strokes  # planner at 10:00, booker at 13:00, planner at 16:00


def test_without_bucket_numbers_the_gap_is_told_by_the_step() -> None:
    t = pd.to_datetime(
        ["2026-03-01T10:00", "2026-03-01T10:10", "2026-03-01T10:20", "2026-03-01T15:00", "2026-03-01T15:10"]
    )
    series = pd.DataFrame({"agent": "a", "t": t, "latency_ms": [1.0, 2, 3, 4, 5], "runs": 1})
    strokes = _strokes(vlc.vegalite_to_svg(plots.drift_over_time(series, "latency_ms").to_dict()))
    assert [len(s) for s in strokes] == [3, 2], strokes
