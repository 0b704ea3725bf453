"""What ux34 saw using the views on real-looking logs as a new SRE, checked without a browser.

- The LimitTuner on a store of several systems opened on the system most runs belong to: on the real
  frameworks' fixtures that is Who&When's 7 runs, none successful ("limits are where the runs went"), while
  systems whose successful runs make a basis sat further down its own dropdown (a twin of the other views'
  system picker).
- FindingsOverview's drilled runs were an HTML table: a Phoenix or Langfuse user clicks a trace to open it; here
  the run id had to be copied into ``ex.show_run(...)``.
- The ThresholdTuner on a store of several systems priced one system's runs (ux33) beside a calibration plot of
  every system's steps and a "what these logs do not let you tune" panel of the whole store.
"""

from __future__ import annotations

import re
from pathlib import Path

import workbench as wb
from workbench.widgets import FindingsOverview, IncidentExplorer, LimitTuner, ThresholdTuner

T0 = 1_767_225_600_000_000_000


def _runs(system: str, outcomes: str, first: int = 0) -> list[dict]:
    """One run per letter of ``outcomes`` (s: success, f: failure), 1-3 timed tool steps each."""
    recs: list[dict] = []
    for i, o in enumerate(outcomes, start=first):
        run_id = f"{system}-{i}"
        recs.append(
            {
                "record": "run",
                "run_id": run_id,
                "system": system,
                "outcome": {"s": "success", "f": "failure"}[o],
            }
        )
        for k in range(1 + i % 3):
            t = T0 + (i * 100 + k) * 1_000_000_000
            recs.append(
                {
                    "record": "step",
                    "run_id": run_id,
                    "step_id": f"s{k}",
                    "agent": "worker",
                    "kind": "tool",
                    "name": "lookup",
                    "input": f"q{k}",
                    "started_at": t,
                    "ended_at": t + 200_000_000,
                    "status": "ok",
                }
            )
    return recs


def test_limit_tuner_opens_on_a_system_its_limits_can_be_priced_on(tmp_path: Path) -> None:
    ws = wb.open()
    # the most runs, none successful (Who&When); a few successes, fewer than min_runs; enough successes
    ws.ingest(
        _runs("chats", "ffffffff") + _runs("quotes", "sssssf", 20) + _runs("mixed", "ssfffff", 40),
        progress=False,
    )
    view = LimitTuner(ws, policy_path=str(tmp_path / "limits.yaml"))
    assert view.system.value == "quotes"
    assert "learned from the successful runs of quotes" in view.table.value
    assert view.system.layout.display != "none"
    # below min_runs successes, one with some beats one with none, whatever their sizes
    assert LimitTuner(ws, min_runs=10).system.value == "mixed"
    # one system: its limits, the picker hidden (nothing to pick)
    one = wb.open()
    one.ingest(_runs("quotes", "sssssf"), progress=False)
    alone = LimitTuner(one)
    assert alone.system.value == "quotes" and alone.system.layout.display == "none"
    assert "for quotes" in alone.readout.value


def test_a_drilled_run_opens_in_the_explorer(ws: wb.Workspace) -> None:
    fo = FindingsOverview(ws)
    assert fo.open_row.layout.display == "none"  # nothing drilled: nothing to open
    runs = fo.drill("cascade")
    first, second = runs["run_id"].iloc[:2]
    assert fo.open_row.layout.display != "none" and fo.run_pick.value == first
    assert [v for _, v in fo.run_pick.options] == list(runs["run_id"])  # the table's runs, in its order
    # each run's example on a row of its own beneath it (a sixth column, it was squeezed to two words a line)
    assert fo.runs.value.count("<tr class='wb-finding-detail'><td colspan='5'>") == len(runs)
    fo.open_button.click()
    # no explorer given: one opened below the overview, on the run, the run list pointing at it
    assert isinstance(fo.explorer, IncidentExplorer) and fo.opened.children == (fo.explorer,)
    assert (
        fo.explorer.run_id == first and first in fo.explorer.header.value and fo.explorer.runs.value == first
    )
    # the user's own explorer (another cell): the run shown there, nothing opened here
    mine = IncidentExplorer(ws, blame_model=None)
    other = FindingsOverview(ws, explorer=mine)
    other.detector.value = "cascade"
    other.run_pick.value = second
    other.open_button.click()
    assert mine.run_id == second and mine.runs.value == second and other.opened.children == ()


def test_limit_tuner_says_what_it_does_while_it_builds_and_backtests(tmp_path: Path) -> None:
    """Measuring the peaks took 2 CPU s on a real store (6-8 s wall on a busy machine), a backtest 2 s on the
    demo's: the cell stood blank, then the button looked dead. A status line while each runs, gone after."""
    import ipywidgets
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    ws = wb.open()
    ws.ingest(_runs("quotes", "sssssf"), progress=False)
    shell = InteractiveShell.instance()
    shell.kernel = object()  # as in a notebook's kernel (a terminal IPython gets no status widget)
    try:
        with capture_output() as out:
            view = LimitTuner(ws, ws=ws, policy_path=str(tmp_path / "l.yaml"))
    finally:
        InteractiveShell.clear_instance()
    shown = [(o.data, o.update) for o in out.outputs]
    view_json = "application/vnd.jupyter.widget-view+json"
    assert len(shown) == 2 and "measuring how far each run went" in shown[0][0]["text/plain"], shown
    status = shown[0][0][view_json]["model_id"]
    assert status not in ipywidgets.widgets.widget._instances  # closed: gone from the output once built
    # and the output emptied (a view of no model, hidden): one left pointing at the closed widget read "Error
    # displaying widget: model not found" in the notebook saved and opened again
    assert shown[1][1] and shown[1][0][view_json]["model_id"] == "", shown
    said: list[tuple[str, bool]] = []
    view.backtest_view.observe(
        lambda c: said.append((c["new"], view.backtest_button.disabled)), names="value"
    )
    view.backtest_button.click()
    assert "runs through a guard" in said[0][0] and said[0][1], said  # said first, the button off
    # (ux46: "Backtest of <system>'s limits at p99 on its N runs", the picked system's runs only)
    assert "'s limits at p99 on its" in view.backtest_view.value and not view.backtest_button.disabled


def test_tuner_calibration_and_capabilities_are_the_picked_system_s() -> None:
    records = []
    for system, runs, good in (("alpha", 6, 0.9), ("beta", 4, 0.2)):  # beta's confidence says the opposite
        for r in range(runs):
            ok = r % 2 == 0
            records.append(
                {
                    "record": "run",
                    "run_id": f"{system}-{r}",
                    "system": system,
                    "outcome": "success" if ok else "failure",
                }
            )
            records.append(
                {
                    "run_id": f"{system}-{r}",
                    "step_id": "s0",
                    "agent": "writer",
                    "kind": "llm",
                    "confidence": good if ok else 1.1 - good,
                    **({"latency_ms": 100 + r} if system == "beta" else {}),
                }
            )  # beta's alone
    ws = wb.open()
    ws.ingest(records, progress=False)
    tu = ThresholdTuner(ws, signal="confidence")

    def drawn() -> list[tuple[float, float]]:  # (mean confidence, share of runs that succeeded) per bin
        table = tu.calibration.children[0].chart.layer[1].data.sort_values("mean_confidence")
        return [
            (round(c, 2), round(r, 2))
            for c, r in zip(table["mean_confidence"], table["success_rate"], strict=True)
        ]

    # alpha's steps alone (the store's: 0.4 and 0.6, both systems' runs in each bin)
    assert tu.system.value == "alpha" and drawn() == [(0.2, 0.0), (0.9, 1.0)], drawn()
    # what alpha's logs do not let you tune: a latency threshold (beta's steps carry latencies, alpha's none)
    # (ux47: the signals no step carries said in one item, "HITL on latency_ms, tokens_in, … or cost")
    assert re.search("HITL on [^<]*latency_ms[^<]*</b>: no step carries it", tu.capabilities.value), (
        tu.capabilities.value
    )
    # (ux47: the cost curve's x axis names the signal, as the slider does; it read "threshold")
    assert tu.cost_chart.chart.to_dict()["layer"][0]["encoding"]["x"]["title"] == "confidence"
    tu.system.value = "beta"
    assert drawn() == [(0.2, 1.0), (0.9, 0.0)], drawn()  # redrawn for beta, its confidence the other way
    assert "latency_ms" not in tu.capabilities.value and "HITL on entropy" in tu.capabilities.value
