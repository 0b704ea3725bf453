"""The signal histogram by run outcome and the agent series' failure rate count a silent failure (declared
success, its answer quoting a value no tool returned) as failed, as the threshold sweep and workbench
investigate do; ``silent=False`` gives the labelled/declared outcome; the frame says which counting."""

from __future__ import annotations

import pytest
from _left21_silent import BAD, GOOD, SILENT, silent_store

from workbench import plots


@pytest.fixture(scope="module")
def ws():  # noqa: ANN201
    ws = silent_store()
    yield ws
    ws.close()


def _by_outcome(frame) -> dict[str, int]:  # noqa: ANN001
    return frame.groupby("outcome")["n"].sum().to_dict()


def test_histogram_counts_silent_failures_as_failed(ws) -> None:  # noqa: ANN001
    # leaf steps with a latency per run: two tool calls and one LLM step (the root encloses them)
    per_run = 3
    now = plots.histogram_data(ws, "latency_ms")
    assert _by_outcome(now) == {"failure": (BAD + SILENT) * per_run, "success": GOOD * per_run}
    assert "silent failures" in now.attrs["counting"]
    old = plots.histogram_data(ws, "latency_ms", silent=False)
    assert _by_outcome(old) == {"failure": BAD * per_run, "success": (GOOD + SILENT) * per_run}
    assert "only" in old.attrs["counting"]


def test_agent_series_failure_rate_counts_silent_failures(ws) -> None:  # noqa: ANN001
    runs = BAD + SILENT + GOOD
    now = plots.agent_series(ws, buckets=1).set_index("agent")
    assert now.loc["pricer", "failure_rate"] == pytest.approx((BAD + SILENT) / runs)
    old = plots.agent_series(ws, buckets=1, silent=False).set_index("agent")
    assert old.loc["pricer", "failure_rate"] == pytest.approx(BAD / runs)
    # the other metrics do not depend on the counting
    assert now.drop(columns="failure_rate").equals(old.drop(columns="failure_rate"))


def test_unchanged_without_silent_failures() -> None:
    clean = silent_store(silent_runs=0)
    try:
        for signal in ("latency_ms", "depth"):
            a = plots.histogram_data(clean, signal)
            b = plots.histogram_data(clean, signal, silent=False)
            assert a.equals(b)
        assert plots.agent_series(clean).equals(plots.agent_series(clean, silent=False))
    finally:
        clean.close()
