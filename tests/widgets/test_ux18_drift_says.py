"""What the DriftMonitor says and draws on a store of few runs. ux17 saw, on real logs after ``wb.detect``: "No
drift findings … (run wb.detect)" and a chart of lone dots. The panel now says what is true (not run yet / ran,
too few runs to judge / ran, compared N pairs, none significant) and an agent's points across a stretch with no
runs are joined by a dotted line."""

from __future__ import annotations

import warnings

import workbench as wb
from workbench import plots
from workbench.widgets import DriftMonitor


def _store(runs: int, hours_apart: int) -> wb.Workspace:
    recs: list[dict] = []
    for r in range(runs):
        t = (
            f"2026-03-01T{(r * hours_apart) % 24:02d}:{r % 60:02d}:00Z"
            if hours_apart
            else f"2026-03-{1 + r // 24:02d}T{r % 24:02d}:00:00Z"
        )
        recs.append({"record": "run", "run_id": f"r{r}", "outcome": "success", "started_at": t})
        recs += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": agent,
                "kind": "llm",
                "started_at": t,
                "latency_ms": 300 + (r * 37 + i * 11) % 50,
            }
            for i, agent in enumerate(("planner", "writer"))
        ]
    ws = wb.open()
    ws.ingest(recs, progress=False)
    return ws


def _detect(ws: wb.Workspace, **config: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb.detect(ws, detectors=["drift"], config=config or None)


def test_before_detect_the_panel_asks_for_it() -> None:
    text = DriftMonitor(_store(6, 0)).summary.value
    assert "has not run" in text and "wb.detect(ws)" in text


def test_too_few_runs_is_said_after_detect() -> None:
    ws = _store(6, 0)
    _detect(ws)
    text = DriftMonitor(ws).summary.value
    assert "Too few runs to judge drift" in text and "30 runs or more" in text, text
    assert "the most runs of one agent: 6" in text and "run <code>wb.detect" not in text, text


def test_tested_and_none_found_is_said() -> None:
    ws = _store(48, 0)
    _detect(ws, drift_min_runs=5)
    text = DriftMonitor(ws).summary.value
    assert text.startswith("<i>No drift found") and "compared 10 pairs" in text, (
        text
    )  # 2 agents × 5 window pairs


def test_lone_points_of_an_agent_are_joined_dotted() -> None:
    ws = _store(3, 9)  # runs at 00:00, 09:01, 18:02: an agent's buckets far apart
    series = plots.agent_series(ws)
    assert series.groupby("agent")["bucket"].diff().max() > 1
    spec = plots.drift_over_time(series, "latency_ms").to_dict()
    dotted = [
        lay
        for lay in spec["layer"]
        if isinstance(lay.get("mark"), dict) and lay["mark"].get("strokeDash") == [1, 3]
    ]
    assert len(dotted) == 1, spec["layer"]
    title = str(spec["title"])  # (the key in the subtitle since ux36)
    assert "dotted: no runs between" in title, title
    data = spec["datasets"][dotted[0]["data"]["name"]]
    assert len(data) == 2 * 2 * 2 and {d["agent"] for d in data} == {"planner", "writer"}  # 2 gaps per agent
