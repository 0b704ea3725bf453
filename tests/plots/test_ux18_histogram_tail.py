"""A far tail in the tuner's histogram: one 30 s call among ~300 ms ones put every other step in the first of
30 bins (seen on the demo store: the chart was one bar at 0 and an empty axis to 35,000). The bins now end
where the bulk does, the tail counted in one more bin past the last and named on the chart."""

from __future__ import annotations

import re

import workbench as wb
from workbench import plots


def _store(outliers: int) -> wb.Workspace:
    recs: list[dict] = []
    for r in range(20):
        recs.append({"record": "run", "run_id": f"r{r}", "outcome": "failure" if r % 5 == 0 else "success"})
        recs += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": "a",
                "kind": "llm",
                "latency_ms": 200 + (r * 7 + i * 13) % 200,
            }
            for i in range(10)
        ]
    recs += [
        {"run_id": "r3", "step_id": f"slow{i}", "agent": "a", "kind": "tool", "latency_ms": 30_000 + i}
        for i in range(outliers)
    ]
    ws = wb.open()
    ws.ingest(recs, progress=False)
    return ws


def test_one_far_outlier_gets_a_bin_of_its_own_past_the_axis() -> None:
    h = plots.histogram_data(_store(1), "latency_ms", bins=30)
    assert h["n"].sum() == 201  # every step still counted
    tail = h[h["above"]]
    assert tail["n"].sum() == 1 and tail["top"].max() == 30_000
    body = h[~h["above"]]
    assert body["bin_end"].max() < 1_000, body  # the bins span the ~200-400 ms bulk
    assert len(body.groupby("bin_start")) >= 10  # spread over many bins, not one
    assert abs(tail["bin_start"].iat[0] - body["bin_end"].max()) < 1e-6
    svg = _svg(h)
    assert re.search(r">1 above [\d,.]+ · max 30,000<", svg), "the tail is named on the chart"


def test_no_tail_no_clipping() -> None:
    h = plots.histogram_data(_store(0), "latency_ms", bins=30)
    assert not h["above"].any() and h["n"].sum() == 200
    assert " above " not in _svg(h)


def _svg(h) -> str:  # noqa: ANN001
    import vl_convert as vlc

    return vlc.vegalite_to_svg(plots.histogram(h, "latency_ms").to_dict())
