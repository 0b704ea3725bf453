"""ux24's view leftovers: legends list only the outcomes a store has; the tuner's readout shows the slider's own
number; the limits table shows counts as whole numbers; the explorer says plainly why a run has nothing to
attribute; the capabilities note reads for an SRE; the explorer's log-only verdict is computed once per run."""

from __future__ import annotations

import re
import warnings

import pytest

import workbench as wb
from workbench.widgets import LimitTuner, ThresholdTuner


def _store(outcomes: list[str], calls: int = 3) -> wb.Workspace:
    """Runs of one system with fractional latencies (166.308 ms and the like) and 1..calls tool calls each."""
    records: list[dict] = []
    for r, outcome in enumerate(outcomes):
        run = f"r{r}"
        records.append({"record": "run", "run_id": run, "system": "s", "outcome": outcome})
        for i in range(1 + r % calls):
            records.append(
                {
                    "run_id": run,
                    "step_id": f"s{i}",
                    "agent": "a",
                    "kind": "tool",
                    "name": "search",
                    "tool": "search",
                    "input": f"q{r}-{i}",
                    "latency_ms": 100.0 + 33.2617 * r + 7.31 * i,
                }
            )
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def _color_domains(spec: object) -> list[list[str]]:
    found: list[list[str]] = []

    def walk(x: object) -> None:
        if isinstance(x, dict):
            color = x.get("color")
            if (
                isinstance(color, dict)
                and isinstance(color.get("scale"), dict)
                and "domain" in color["scale"]
            ):
                found.append(color["scale"]["domain"])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(spec)
    return found


def _quiet(make):  # noqa: ANN001, ANN202
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make()


def _shown_threshold(readout: str) -> str:
    return re.search(r"[≥≤] ([-\d,.]+)", readout).group(1)


def _readout_shows_the_sliders_number(tu: ThresholdTuner) -> None:
    slider = tu.threshold
    lo, hi, step = slider.min, slider.max, slider.step
    for value in (slider.value, lo + 37 * step, lo + 101 * step, hi - 3 * step):
        slider.value = value
        shown = format(slider.value, slider.readout_format)
        assert _shown_threshold(tu.readout.value) == shown, (tu.readout.value, shown)
        # the number shown is the threshold itself, not a rounding of it
        assert float(shown.replace(",", "")) == pytest.approx(slider.value, abs=1e-9)


def test_legends_list_only_the_outcomes_the_store_has_and_the_readout_the_sliders_number() -> None:
    """The tuners' legends, and (on the tuners of the first and the last store: merged, suite52) the tuner's readout
    showing the slider's own number."""
    ws = _store(["unknown"] * 6)  # a raw trace export: no run has an outcome (the Langfuse samples)
    tu = _quiet(lambda: ThresholdTuner(ws, signal="latency_ms"))
    hist = tu.review.hist_chart.chart.to_dict()
    assert _color_domains(hist) == [["unknown"]]
    _readout_shows_the_sliders_number(tu)
    lt = _quiet(lambda: LimitTuner(ws, min_runs=1))
    assert {tuple(d) for d in _color_domains(lt.peaks_chart.chart.to_dict())} == {("unknown",)}
    ws.close()
    ws = _store(["failure"] * 6)  # an incident export: failed runs only (Who&When)
    tu = _quiet(lambda: ThresholdTuner(ws, signal="latency_ms"))
    assert _color_domains(tu.hist_chart.chart.to_dict()) == [["failure"]]
    lt = _quiet(lambda: LimitTuner(ws, min_runs=1, quantile=0.5))
    assert {tuple(d) for d in _color_domains(lt.peaks_chart.chart.to_dict())} == {("failure",)}
    stops = lt.stops_chart.chart.to_dict()
    assert {tuple(d) for d in _color_domains(stops)} == {("failure",)}
    assert "successful" not in str(stops["title"]) and "failed (red)" in str(stops["title"])
    ws.close()
    ws = _store(["success", "failure"] * 5)  # both: both listed, the failures' red first as before
    tu = _quiet(lambda: ThresholdTuner(ws, signal="latency_ms"))
    assert _color_domains(tu.hist_chart.chart.to_dict()) == [["success", "failure"]]
    _readout_shows_the_sliders_number(tu)
    ws.close()


def test_limits_table_shows_counts_as_whole_numbers() -> None:
    ws = _store(["success"] * 5, calls=4)  # 1, 2, 3, 4, 1 tool calls: an interpolated p90 is 3.6
    lt = _quiet(lambda: LimitTuner(ws, min_runs=1))
    row = lt.limits.table.set_index("rule").loc["max_tool_calls_run"]
    assert float(row["p90"]).is_integer() and float(row["p50"]).is_integer()
    # the peak of a real run at that rank (numpy's "higher"), as the limit's own quantile is
    assert (row["p50"], row["p90"]) == (2.0, 4.0)
    cells = re.search(r"<td>max_tool_calls_run</td>(.*?)</tr>", lt.table.value, re.S).group(1)
    assert not re.search(r"<td>\d+\.\d+</td>", cells), cells
    # a measured rule keeps its fractions
    assert not float(lt.limits.table.set_index("rule").loc["max_step_latency_ms", "p90"]).is_integer()
    ws.close()


def _explorer_store() -> wb.Workspace:
    """A failed, a successful and an unknown-outcome run of two agents (a planner hands off to a coder)."""
    records: list[dict] = []
    for run, outcome in (("bad", "failure"), ("ok", "success"), ("quiet", "unknown")):
        records.append({"record": "run", "run_id": run, "system": "s", "outcome": outcome})
        records += [
            {
                "run_id": run,
                "step_id": f"{run}-{i}",
                "agent": agent,
                "kind": kind,
                "name": name,
                "output": f"{run} {i}",
                "error": "tool failed" if (run, i) == ("bad", 2) else None,
            }
            for i, (agent, kind, name) in enumerate(
                [
                    ("planner", "llm", "plan"),
                    ("planner", "handoff", "to coder"),
                    ("coder", "tool", "run_tests"),
                    ("coder", "llm", "answer"),
                ]
            )
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_explorer_says_why_a_run_has_nothing_to_attribute_and_scores_a_run_once_until_it_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One store and one explorer for both checks (merged, suite52): what the verdict says of a run with nothing to
    attribute, then that a run's log-only verdict is scored once until the run changes."""
    from workbench.attribution import _evidence
    from workbench.widgets import IncidentExplorer

    calls: list[list[str]] = []
    real = _evidence.predict_with_evidence

    def counting(model, ws, run_ids):  # noqa: ANN001, ANN202
        calls.append(list(run_ids))
        return real(model, ws, run_ids)

    monkeypatch.setattr(_evidence, "predict_with_evidence", counting)
    ws = _explorer_store()
    ex = IncidentExplorer(ws)  # opens on the failed run "bad": scored once
    ex.show_run("ok")
    assert "Nothing to attribute</b>: this run succeeded" in ex.verdict.value, ex.verdict.value
    assert "replay=" not in ex.verdict.value and ex.compute.layout.display == "none"
    ex.show_run("quiet")
    assert "Nothing to attribute</b>: the logs do not say this run failed" in ex.verdict.value, (
        ex.verdict.value
    )
    assert "ws.label(&#x27;quiet&#x27;, outcome='failure')" in ex.verdict.value
    assert "replay=" not in ex.verdict.value and ex.compute.layout.display == "none"
    ex.show_run(
        "bad"
    )  # a failed run keeps the replay's invitation: in words (ux27: no button that does nothing)
    assert (
        "No replay attribution stored" in ex.verdict.value and "Nothing to attribute" not in ex.verdict.value
    )
    assert "pass <code>replay=</code>" in ex.verdict.value
    assert ex.compute.layout.display == "none" and ex.compute.disabled
    # the verdict is scored once: the opened run, then shown again after other runs, from what was kept
    first = ex.verdict.value
    ex.show_run("ok")
    ex.show_run("bad")
    ex.show_run("bad")
    assert calls == [["bad"]] and ex.verdict.value == first and "Log-only BlameModel" in first, calls
    # with a replay, a run of unknown outcome can still be replayed: the replay as recorded says if it fails
    with_replay = IncidentExplorer(ws, replay=lambda run_id, intervention: None, blame_model=None)
    with_replay.show_run("quiet")
    assert "outcome is unknown" in with_replay.verdict.value and with_replay.compute.layout.display != "none"
    assert calls == [["bad"]], "an explorer without a model scored a run"
    wb.detect(ws)  # new findings of the run: its evidence may differ, so it is scored again
    if ws.sql("SELECT count(*) FROM findings WHERE run_id = 'bad'").fetchall()[0][0]:
        ex.show_run("bad")
        assert calls == [["bad"], ["bad"]]
    ws.label("bad", agent="coder", step_id="bad-2")  # a label alone is not what the model reads
    ex.show_run("bad")
    n = len(calls)
    ws.ingest(
        [
            {
                "run_id": "bad",
                "step_id": "bad-4",
                "agent": "coder",
                "kind": "llm",
                "name": "retry",
                "output": "again",
            }
        ],
        progress=False,
    )  # the run's steps changed
    ex.show_run("bad")
    assert len(calls) == n + 1
    ws.close()


def test_what_can_be_tuned_says_plainly_how_silent_failures_are_counted() -> None:
    ws = _explorer_store()
    ws.con.execute(
        "INSERT INTO findings (run_id, step_id, agent, detector, severity, detail) VALUES "
        "('ok', 'ok-3', 'coder', 'silent_failure', 'critical', 'the answer rests on a failed tool call')"
    )
    why = wb.what_can_be_tuned(ws).set_index("what").loc["breaker, budget and loop limits", "why"]
    assert (
        "1 of these failed runs reported success (or no outcome), but a critical silent_failure finding "
        "shows it failed: the tuners count it as failed" in why
    ), why
    assert "wb.sweep_thresholds(ws, signal, silent=False) or wb.suggest_limits(ws, silent=False)" in why
    assert "(silent=False: as reported)" not in why
    ws.close()
