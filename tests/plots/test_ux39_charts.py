"""What ux39 changed in the charts: the drift chart's time axis over runs within a day reads as clock times
under the day's date (over runs begun within 32 ms Vega's own labels were one tick, ".116"; over an afternoon
"03 PM", no day named), and the timeline's lane of steps that name no agent says so."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench import plots


def _series(times: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agent": ["a"] * len(times),
            "t": pd.to_datetime(times),
            "latency_ms": [float(i) for i in range(len(times))],
            "runs": [1] * len(times),
        }
    )


@pytest.mark.parametrize(
    ("times", "fmt", "title"),
    [
        (["2026-12-02 18:56:52.085", "2026-12-02 18:56:52.118"], "%H:%M:%S.%L", "Wed 02 Dec 2026"),
        (["2026-12-02 18:50:00", "2026-12-02 18:56:52"], "%H:%M:%S", "Wed 02 Dec 2026"),
        (["2026-12-02 13:00", "2026-12-02 18:00"], "%H:%M", "Wed 02 Dec 2026"),
        (["2026-12-02 23:00", "2026-12-03 05:00"], "%H:%M", "Wed 02 Dec 2026 – Thu 03 Dec"),
    ],
)
def test_a_day_or_less_is_drawn_in_clock_times_under_its_date(times: list[str], fmt: str, title: str) -> None:
    x = plots.drift_over_time(_series(times), "latency_ms").to_dict()["layer"][0]["encoding"]["x"]
    assert x["axis"]["format"] == fmt and x["title"] == title, x


def test_a_week_is_drawn_in_days_under_its_dates() -> None:
    # (ux43: Vega's own labels, kept here until then, named no month before a month's first day: "Sat 03")
    x = plots.drift_over_time(_series(["2026-12-01", "2026-12-08"]), "latency_ms").to_dict()["layer"][0][
        "encoding"
    ]["x"]
    assert "%d %b" in x["axis"]["labelExpr"] and x["title"] == "01 Dec – 08 Dec 2026", x


def test_a_lane_of_steps_without_an_agent_says_so() -> None:
    """The AutoGen swarm's trace (real OpenInference spans) has 84 steps that name no agent: their lane read
    "(none)", as if an agent were called that; the explorer says "(no agent)" of such a step, and so does the lane."""
    from pathlib import Path

    import workbench as wb

    ws = wb.open()
    ws.ingest(
        Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "autogen" / "swarm_handoffs.otlp.jsonl",
        progress=False,
    )
    run = ws.runs().sort_values("n_steps").run_id.iloc[-1]
    spec = plots.timeline(plots.timeline_data(ws, run), plots.handoff_data(ws, run)).to_dict()
    lanes = {row["agent"] for rows in spec["datasets"].values() for row in rows if "agent" in row}
    assert "(no agent)" in lanes and "(none)" not in lanes and {"researcher", "triage", "writer"} <= lanes, (
        lanes
    )


def test_an_agent_with_no_value_of_the_metric_is_not_in_the_legend() -> None:
    """(lab56) On a store of several frameworks' traces the drift chart of "confidence" named six agents in its
    legend and drew two: the other four log no confidence. The agents it names are the agents it draws."""
    series = pd.concat(
        [
            _series(["2026-12-02 10:00", "2026-12-02 11:00"]),
            _series(["2026-12-02 10:00", "2026-12-02 11:00"]).assign(
                agent="retrieve", latency_ms=float("nan")
            ),
        ]
    )
    spec = plots.drift_over_time(series, "latency_ms").to_dict()
    rows = [r for d in spec.get("datasets", {}).values() for r in d]
    assert rows and {r["agent"] for r in rows} == {"a"}, rows


def test_the_legend_of_twenty_agents_fits_beside_the_plot() -> None:
    """(lab56) A store of several frameworks' traces: twenty agents drawn, their legend ran ~150 px below the plot
    and JupyterLab cut its last names off with the output. The plot is as tall as its legend: drawn without the
    legend, the chart is as tall as with it."""
    vlc = pytest.importorskip("vl_convert")
    import re

    series = pd.concat(
        _series(["2026-12-02 10:00", "2026-12-02 11:00"]).assign(agent=f"worker_{a:02d}") for a in range(20)
    )
    spec = plots.drift_over_time(series, "latency_ms", width=400).to_dict()

    def height(s: dict) -> float:
        return float(re.search(r'<svg[^>]*height="([\d.]+)"', vlc.vegalite_to_svg(s)).group(1))

    assert height(spec) == height({**spec, "config": {**spec.get("config", {}), "legend": {"disable": True}}})


def test_an_agent_name_is_drawn_with_its_bidi_and_control_characters_as_stand_ins() -> None:
    """(lab56) A U+202E in a log's agent name drew the drift legend's label reversed ("evil" read "live"), as it once
    did the timeline's lanes: the name is shown as the lanes show it, the override a visible stand-in."""
    spec = plots.drift_over_time(
        _series(["2026-12-02 10:00", "2026-12-02 11:00"]).assign(agent="x\u202eevil\nz"), "latency_ms"
    ).to_dict()
    agents = {r["agent"] for d in spec.get("datasets", {}).values() for r in d if "agent" in r}
    assert agents == {"x<U+202E>evil z"}, agents
