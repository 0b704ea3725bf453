"""A short run's timeline axis as Vega draws it (vl-convert's SVG). On a clock axis a run of about a second
showed one time label ("10:00:00": every tick the same second; ux16 saw it on real framework traces). A
run under two minutes is drawn in time from its start: several distinct labels, the unit in the title."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import workbench as wb
from workbench import plots

vlc = pytest.importorskip("vl_convert")


def _run(ws: wb.Workspace, run: str, moves: list[tuple[str, str, str, float, float]]) -> None:
    t0 = pd.Timestamp("2026-03-01T10:00:00.250")
    recs: list[dict] = [{"record": "run", "run_id": run, "system": "s", "outcome": "failure"}]
    recs += [
        {
            "run_id": run,
            "step_id": sid,
            "agent": agent,
            "kind": kind,
            "output": "ok",
            "started_at": (t0 + pd.Timedelta(seconds=a)).isoformat() + "Z",
            "ended_at": (t0 + pd.Timedelta(seconds=b)).isoformat() + "Z",
            "confidence": 0.8,
        }
        for sid, agent, kind, a, b in moves
    ]
    ws.ingest(recs, progress=False)


def _axes(svg: str) -> tuple[list[list[str]], list[str]]:
    """Per axis, the tick labels drawn (not hidden as overlapping); and every axis title."""
    groups = re.findall(r'class="mark-text role-axis-label".*?</g>', svg, re.S)
    labels = [re.findall(r'<text[^>]*opacity="1"[^>]*>([^<]*)</text>', g) for g in groups]
    titles = [
        t
        for g in re.findall(r'class="mark-text role-axis-title".*?</g>', svg, re.S)
        for t in re.findall(r"<text[^>]*>([^<]*)</text>", g)
    ]
    return labels, titles


def _drawn(ws: wb.Workspace, run: str) -> tuple[list[list[str]], list[str]]:
    chart = plots.timeline(plots.timeline_data(ws, run), plots.handoff_data(ws, run))
    return _axes(vlc.vegalite_to_svg(chart.to_dict()))


def test_a_run_of_a_second_gets_several_readable_ticks_in_ms() -> None:
    ws = wb.open()
    _run(
        ws,
        "quick",
        [
            ("a", "planner", "llm", 0, 0.40),
            ("b", "planner", "tool", 0.40, 0.41),
            ("c", "writer", "llm", 0.45, 1.10),
        ],
    )
    labels, titles = _drawn(ws, "quick")
    # the x axes: numbers up to about 1,100 ms (the signals' y axis reads 0.0 to 1.0)
    time_axes = [
        ls
        for ls in labels
        if ls
        and all(re.fullmatch(r"[\d,.]+", t) for t in ls)
        and max(float(t.replace(",", "")) for t in ls) >= 100
    ]
    assert len(time_axes) == 2, labels
    for ticks in time_axes:  # the lanes' axis and the signals' axis below it
        assert len(set(ticks)) >= 4 and len(set(ticks)) == len(ticks), ticks
        assert "0" in ticks and all(":" not in t for t in ticks), ticks
    assert any(t.startswith("ms from the first move (10:00:00)") for t in titles), titles


def test_a_run_of_a_minute_is_in_seconds_and_a_long_run_keeps_the_clock() -> None:
    ws = wb.open()
    _run(ws, "minute", [("a", "planner", "llm", 0, 20), ("b", "writer", "llm", 21, 65)])
    _run(ws, "hours", [("a", "planner", "llm", 0, 3600), ("b", "writer", "llm", 3600, 7300)])
    labels, titles = _drawn(ws, "minute")
    assert any(t.startswith("s from the first move") for t in titles), titles
    assert any("60" in ls and "0" in ls for ls in labels), labels
    labels, titles = _drawn(ws, "hours")
    assert not any("from the first move" in t for t in titles), titles
    assert any(len(ls) >= 3 and all(re.fullmatch(r"\d\d:\d\d:\d\d", t) for t in ls) for ls in labels), labels
