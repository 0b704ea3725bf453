"""The run Explorer, the findings drill-down and the drift view count "failed" as workbench investigate
does (store/sql/run_outcomes.sql): a run declared success whose answer quotes a value no tool returned is a
failure, shown as "failure (silent)"; ``silent=False`` (the Explorer's box unticked) gives the
labelled/declared outcome; a store without silent failures shows what it showed before."""

from __future__ import annotations

import pytest
from _left21_silent import BAD, GOOD, SILENT, silent_store

from workbench.widgets import DriftMonitor, FindingsOverview, IncidentExplorer
from workbench.widgets._runs import RunFilter, RunPager, count_runs


@pytest.fixture(scope="module")
def ws():  # noqa: ANN201
    ws = silent_store()
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def clean():  # noqa: ANN201
    ws = silent_store(silent_runs=0)
    yield ws
    ws.close()


def test_fixture_has_silent_failures_declared_success(ws) -> None:  # noqa: ANN001
    from workbench._failed import taken_as_failed

    assert sorted(taken_as_failed(ws)) == [f"silent{i}" for i in range(SILENT)]
    assert set(ws.runs(outcome="success")["run_id"]) >= {f"silent{i}" for i in range(SILENT)}


def test_outcome_filter_counts_as_investigate(ws) -> None:  # noqa: ANN001
    assert (
        count_runs(ws, RunFilter(outcome="failure"))
        == BAD + SILENT
        == len(ws.runs(outcome="failure", silent=True))
    )
    assert count_runs(ws, RunFilter(outcome="success")) == GOOD
    # the labelled/declared view, as before
    assert count_runs(ws, RunFilter(outcome="failure", silent=False)) == BAD
    assert count_runs(ws, RunFilter(outcome="success", silent=False)) == GOOD + SILENT


def test_pages_say_why_a_run_is_taken_as_failed(ws) -> None:  # noqa: ANN001
    page = RunPager(ws, RunFilter(outcome="failure")).page(0, 20)
    assert sorted(page["run_id"]) == sorted(
        [f"bad{i}" for i in range(BAD)] + [f"silent{i}" for i in range(SILENT)]
    )
    why = page.set_index("run_id")["taken_why"]
    assert why[[f"silent{i}" for i in range(SILENT)]].str.contains("13.75").all()
    assert why[[f"bad{i}" for i in range(BAD)]].isna().all()
    old = RunPager(ws, RunFilter(outcome="failure", silent=False)).page(0, 20)
    assert sorted(old["run_id"]) == [f"bad{i}" for i in range(BAD)] and old["taken_why"].isna().all()


def test_explorer_lists_failure_silent_and_keeps_the_labelled_view(ws) -> None:  # noqa: ANN001
    ex = IncidentExplorer(ws, page_size=20, filters={"outcome": "failure"}, blame_model=None)
    assert ex.total == BAD + SILENT
    labels = dict((v, text) for text, v in ex.runs.options)
    assert all("· failure (silent)" in labels[f"silent{i}"] for i in range(SILENT)), labels
    assert all("(silent)" not in labels[f"bad{i}"] for i in range(BAD))
    ex.show_run("silent0")
    assert "failure (silent)" in ex.header.value and "13.75" in ex.header.value
    ex.silent.value = False  # the labelled/declared outcomes
    assert ex.filter.silent is False and ex.total == BAD
    assert sorted(v for _, v in ex.runs.options) == [f"bad{i}" for i in range(BAD)]
    ex.outcome.value = "success"
    assert ex.total == GOOD + SILENT
    ex.show_run("silent0")
    assert "failure (silent)" not in ex.header.value


def test_explorer_unchanged_without_silent_failures(clean) -> None:  # noqa: ANN001
    for outcome in ("failure", "success", None):
        assert count_runs(clean, RunFilter(outcome=outcome)) == count_runs(
            clean, RunFilter(outcome=outcome, silent=False)
        )
    ex = IncidentExplorer(clean, page_size=20, blame_model=None)
    assert ex.total == BAD + GOOD
    assert not any("(silent)" in text for text, _ in ex.runs.options)


def test_findings_drill_shows_silent_failures_as_failed(ws) -> None:  # noqa: ANN001
    runs = FindingsOverview(ws).drill("silent_failure").set_index("run_id")
    silent = [f"silent{i}" for i in range(SILENT)]
    assert set(runs.index) == set(silent)
    assert (runs.loc[silent, "outcome"] == "failure (silent)").all()
    assert (runs.loc[silent, "reported_outcome"] == "success").all()


def test_drift_view_failure_rate_counts_silent_failures(ws, clean) -> None:  # noqa: ANN001
    runs = BAD + SILENT + GOOD
    rate = DriftMonitor(ws, buckets=1).series.set_index("agent")["failure_rate"]
    assert rate["pricer"] == pytest.approx((BAD + SILENT) / runs)
    old = DriftMonitor(ws, buckets=1, silent=False).series.set_index("agent")["failure_rate"]
    assert old["pricer"] == pytest.approx(BAD / runs)
    a, b = DriftMonitor(clean, buckets=1).series, DriftMonitor(clean, buckets=1, silent=False).series
    assert a.equals(b)


def _data(chart):  # noqa: ANN001, ANN202
    """The DataFrame a (layered) chart draws."""
    data = getattr(chart, "data", None)
    if hasattr(data, "columns"):
        return data
    return next(d for d in (_data(c) for c in getattr(chart, "layer", []) or []) if d is not None)


def test_tuner_histogram_counts_failed_as_its_sweep(ws) -> None:  # noqa: ANN001
    from workbench.widgets import ThresholdTuner

    tuner = ThresholdTuner(ws, signal="latency_ms")
    assert tuner.sweep.silent is True
    bins = _data(tuner.hist_chart.chart).groupby("outcome")["n"].sum().to_dict()
    # three leaf steps with a latency per run: the silent failures' steps are drawn as failed, as the
    # sweep beside the histogram counts them
    assert bins == {"failure": (BAD + SILENT) * 3, "success": GOOD * 3}


def test_pager_refresh_reads_the_store_again() -> None:
    # the pager works out the runs taken as failed once; refresh() (after new labels or findings) again
    ws = silent_store(silent_runs=1)
    try:
        pager = RunPager(ws, RunFilter(outcome="failure"))
        assert "silent0" in set(pager.page(0, 20)["run_id"]) and pager.total == BAD + 1
        ws.label("silent0", outcome="success")  # the user's word wins over the detector's
        pager.refresh()
        assert "silent0" not in set(pager.page(0, 20)["run_id"]) and pager.total == BAD
    finally:
        ws.close()
