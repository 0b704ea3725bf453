"""The findings chart's bars say how many runs each detector flagged, each run once. A cascade run has a
critical finding at its origin and info findings on every step built on it: counted once per severity,
notebook 01's cascade bar reached 656 "runs flagged" in a store of 2,000 runs where 328 had a cascade."""

from __future__ import annotations

import workbench as wb
from workbench import plots


def test_each_run_counted_once_per_detector(ws: wb.Workspace) -> None:
    counts = plots.detector_counts(ws)
    distinct = dict(ws.sql("SELECT detector, count(DISTINCT run_id) FROM findings GROUP BY 1").fetchall())
    mixed = ws.sql(
        "SELECT count(*) FROM (SELECT run_id FROM findings WHERE detector = 'cascade' "
        "GROUP BY run_id HAVING count(DISTINCT severity) > 1)"
    ).fetchall()[0][0]
    assert mixed > 0  # the store has cascade runs with critical and info findings
    drawn = plots.detector_bars(counts).to_dict()
    rows = drawn["datasets"][next(iter(drawn["datasets"]))]
    per_bar: dict[str, int] = {}
    for r in rows:  # what the stacked bars add up to
        per_bar[r["detector"]] = per_bar.get(r["detector"], 0) + r["runs"]
    assert per_bar == distinct
    total = dict(ws.sql("SELECT detector, count(*) FROM findings GROUP BY 1").fetchall())
    assert counts.groupby("detector")["findings"].sum().to_dict() == total
    worst = counts[counts["detector"] == "cascade"].set_index("severity")["runs"].to_dict()
    assert worst.get("critical", 0) >= mixed
    # the legend names the severities drawn, each in its own colour everywhere (lab56: "info" over bars of none)
    scale = drawn["encoding"]["color"]["scale"]
    assert scale["domain"] == [s for s in ("critical", "warning", "info") if s in set(counts["severity"])]
    assert dict(zip(scale["domain"], scale["range"], strict=True)).get("warning", "#f28e2b") == "#f28e2b"
    assert plots.detector_bars(counts[counts["severity"] != "info"]).to_dict()["encoding"]["color"]["scale"][
        "domain"
    ] == [s for s in ("critical", "warning") if s in set(counts["severity"])]
