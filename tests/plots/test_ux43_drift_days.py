"""The drift chart's time axis over a day or more (ux43): each tick names its day and month, a tick inside a day its
clock time (the first one its day too), under the stretch's dates. Vega's own labels named the month at a month's
first day only: over runs from the 3rd the axis began "Thu 03", "Sat 05", no month in sight. Drawn by Vega
through vl-convert (the same Vega the notebook's charts run), the ticks read as a person reads them."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import vl_convert as vlc

from workbench import plots


def _ticks(start: str, end: str) -> tuple[list[str], str]:
    t = pd.date_range(start, end, periods=30)
    chart = plots.drift_over_time(
        pd.DataFrame(
            {"agent": ["a"] * 30, "t": t, "latency_ms": [float(i % 5) for i in range(30)], "runs": [1] * 30}
        ),
        "latency_ms",
    )
    svg = vlc.vegalite_to_svg(chart.to_dict())
    axis = svg[svg.index('aria-label="X-axis') :]
    group = re.search(r'role-axis-label"[^>]*>(.*?)</g>', axis, re.S).group(1)
    texts = re.findall(r'<text[^>]*transform="translate\(([-\d.]+),[^>]*>([^<]*)</text>', group)
    title = re.search(r'role-axis-title"[^>]*>.*?<text[^>]*>([^<]*)</text>', axis, re.S).group(1)
    return [text for _, text in sorted(texts, key=lambda x: float(x[0]))], title


@pytest.mark.parametrize(
    ("start", "end", "tick", "title"),
    [
        ("2026-12-03", "2026-12-28", r"\d\d Dec", "03 Dec – 28 Dec 2026"),  # a month from the 3rd
        ("2026-12-01", "2026-12-08", r"\d\d Dec", "01 Dec – 08 Dec 2026"),  # a week
        ("2026-01-10", "2027-02-01", r"[A-Z][a-z]{2} 202[67]", "10 Jan 2026 – 01 Feb 2027"),  # a year: months
    ],
)
def test_every_tick_names_its_month(start: str, end: str, tick: str, title: str) -> None:
    ticks, shown_title = _ticks(start, end)
    assert len(ticks) >= 3 and all(re.fullmatch(tick, t) for t in ticks), ticks
    assert shown_title == title


def test_a_few_days_in_hours_name_the_day_at_its_first_tick_and_at_midnight() -> None:
    ticks, _ = _ticks("2026-12-03 09:00", "2026-12-05 00:00")
    assert re.fullmatch(r"03 Dec \d\d:\d\d", ticks[0]), ticks
    assert "04 Dec" in ticks and all(re.fullmatch(r"\d\d:\d\d|0[45] Dec", t) for t in ticks[1:]), ticks


def test_over_two_days_or_more_every_hour_tick_names_its_day() -> None:
    """(lab56) Over four days Vega ticks every 12 hours; in a 1000 px window it dropped every other label, the
    midnights that named the days, and the axis read "01 Mar 12:00, 12:00, 12:00, 12:00": no day to tell them
    apart. Each label names its day."""
    ticks, _ = _ticks("2026-03-01 10:00", "2026-03-05 10:00")
    assert len(ticks) > 3 and all(re.fullmatch(r"0\d Mar( \d\d:\d\d)?", t) for t in ticks), ticks
