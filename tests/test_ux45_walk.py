"""What an SRE met first on real framework desks and the demo (ux45), each on the least that shows it (no kernel, no
notebook execution: the notebooks' own cells are run in-process on small stores, as test_ux44_walk.py does).

- The explorer opened on the newest run: on the real desks a success with a ping_pong hit, where an SRE opens it to
  see a failure. It opens on the most recent failed run (else the run with the most serious finding), saying why.
- Notebook 03 on the CrewAI desks backtested the suggested limits on nothing: their system had no held-out run.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from test_ux44_walk import (  # (a notebook's code cell by a marker; run with the names above it defines)
    _cell,
    _per_agent,
    _run,
)

import workbench as wb
from workbench.widgets import IncidentExplorer
from workbench.widgets._runs import RunFilter, RunPager


def _runs(outcomes: list[str], looping: int) -> list[dict]:
    """One run per outcome, a minute apart (the last the newest), each of two tool calls; run ``looping`` calls the
    same tool with the same input six times (a critical ``loop`` finding)."""
    records, call = [], {"kind": "tool", "tool": "search", "agent": "finder", "status": "ok"}
    for r, outcome in enumerate(outcomes):
        run = f"r{r}"
        records.append({"record": "run", "run_id": run, "system": "shop", "outcome": outcome})
        for i in range(6 if r == looping else 2):
            at = f"2026-03-01T10:{r:02d}:{i:02d}"
            records.append(
                {
                    **call,
                    "run_id": run,
                    "step_id": f"t{i}",
                    "output": f"result {i} of run {run}",
                    "input": {"q": "same" if r == looping else f"{r}-{i}"},
                    "started_at": f"{at}Z",
                    "ended_at": f"{at}.5Z",
                }
            )
    return records


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture(scope="module")
def shop() -> wb.Workspace:
    """r1 and r3 failed; the newest, r5, succeeded; r2, of unknown outcome, loops (a critical finding)."""
    ws = wb.open()
    ws.ingest(
        _runs(["unknown", "failure", "unknown", "failure", "success", "success"], looping=2), progress=False
    )
    wb.detect(ws, detectors=["loop"], progress=False)
    return ws


def test_the_explorer_opens_on_the_most_recent_failed_run_and_says_why(shop: wb.Workspace) -> None:
    ex = IncidentExplorer(shop, blame_model=None, page_size=2)
    # r3 is on the list's second page (r5 r4 | r3 r2 | r1 r0): the list pages to it and highlights it (the loop in
    # r2 is not the pick while a run failed)
    assert (ex.run_id, ex.page, ex.runs.value) == ("r3", 1, "r3"), (ex.run_id, ex.page)
    assert "of run r3" in ex.detail.value
    said = _text(ex.opened.value)
    assert said.startswith("Opened on the most recent failed run"), said
    assert ex.opened.layout.display is None
    # another run shown: the note was about the first one, gone
    ex.show_run("r5")
    assert ex.opened.value == "" and ex.opened.layout.display == "none"


def test_with_no_known_outcome_it_opens_on_the_run_with_the_most_serious_finding(shop: wb.Workspace) -> None:
    from workbench.widgets._explorer import _opened_words

    pick = RunPager(shop, RunFilter(outcome="unknown")).to_open()
    assert pick is not None and (pick["run_id"], pick["why"], pick["detector"], pick["severity"]) == (
        "r2",
        "finding",
        "loop",
        "critical",
    ), pick
    said = _text(_opened_words(pick))
    assert said.startswith("Opened on the run with the most serious finding (loop, critical, at step"), said
    assert "no run listed is known to have failed" in said
    # no finding either: the newest run, said so; no run kept: nothing
    pick = RunPager(shop, RunFilter(outcome="success")).to_open()
    assert pick is not None and (pick["run_id"], pick["why"]) == ("r5", "newest"), pick
    assert _text(_opened_words(pick)).startswith(
        "Opened on the newest run: no run listed failed or has a finding"
    )
    assert RunPager(shop, RunFilter(system="another")).to_open() is None


@pytest.fixture(scope="module")
def two_systems() -> wb.Workspace:
    """The shop's six runs (two failed), then an hour later the desk's four (two failed); no finding."""
    later = _runs(["success", "failure", "success", "failure"], looping=-1)
    for r in later:  # another system's runs, an hour after the shop's
        r["run_id"] = "n" + r["run_id"][1:]
        if r.get("record") == "run":
            r["system"] = "desk"
        else:
            r["started_at"], r["ended_at"] = (
                r[k].replace("T10:", "T11:") for k in ("started_at", "ended_at")
            )
    ws = wb.open()
    ws.ingest(
        _runs(["success", "failure", "success", "failure", "success", "success"], looping=-1) + later,
        progress=False,
    )
    return ws


def test_03_backtests_a_system_with_no_held_out_run_in_sample_and_says_so(two_systems: wb.Workspace) -> None:
    """Notebook 03 on the CrewAI desks: the limits' system (the view's) had no held-out run (its runs all older than
    the split; the newer ones another system's), and the cell said "nothing to backtest its limits on", no table."""
    ws = two_systems
    by_time = ws.runs().sort_values(["started_at", "run_id"]).reset_index(drop=True)
    learned, newer = by_time.iloc[:6], by_time.iloc[6:]
    shown = []
    names = {
        "ws": ws,
        "policy": wb.Policy(),
        "suggested": wb.Policy(name="shop"),
        "by_time": by_time,
        "learned": learned,
        "held_runs": newer,
        "held": ws,
        "held_name": "held out (the newer 4 runs)",
        "held_out": None,
        "display": shown.append,
    }
    printed = _run(_cell("03_export_policy.ipynb", "held_suggested = wb.backtest(suggested"), **names)
    assert printed.startswith("No run of shop was held out: its 6 runs are all older than the split"), printed
    assert (
        "(in-sample: " in printed and "pick a system with held-out runs in the view above (desk)" in printed
    )
    (table,) = shown
    # the table says what it was backtested on, in its header
    assert table.columns.name == "backtested on: in-sample, the 6 runs of shop learned from", table.columns
    assert list(table.loc["runs"]) == ["6", "6"] and list(table.loc["failures"]) == ["2", "2"], table


def test_the_explorer_says_the_model_alone_was_a_coin_toss_when_the_evidence_outweighs_it() -> None:
    """The CrewAI ping-pong run (real44's desk): the verdict named Crew Manager from the error that ended the run, and
    "(the model alone: Stock Clerk)" read as a second opinion, where the model was at 0.498. (The row's shape is
    predict_with_evidence's for that run.)"""
    from workbench.widgets._explorer import _model_alone

    row = pd.Series(
        {
            "agent": "Crew Manager",
            "agent_confidence": 0.799,
            "model_agent": "Stock Clerk",
            "model_confidence": 0.498,
            "disagrees": "Stock Clerk",
            "evidence": "error",
        }
    )
    said = _model_alone(row, 0.5)
    assert said == " (the model alone: Stock Clerk, 50%, uncertain; the evidence outweighs it)", said
    assert _model_alone(row.replace({0.498: 0.62}), 0.5).endswith(
        "Stock Clerk, 62%; the evidence outweighs it)"
    )
    # the model kept its own pick over the evidence's agent: both named
    kept = pd.Series(
        {"agent": "Pricer", "model_agent": "Pricer", "model_confidence": 0.9, "disagrees": "Crew <b>"}
    )
    assert _model_alone(kept, 0.5) == " (it names Crew &lt;b&gt;; the model is surer of Pricer: look at both)"
    agreed = pd.Series(
        {"agent": "Pricer", "model_agent": "Pricer", "model_confidence": 0.6, "disagrees": None}
    )
    assert _model_alone(agreed, 0.5) == ""


def test_02_says_only_one_agent_gets_a_threshold_where_several_carry_the_signal() -> None:
    """The desks' handoffs: nine agents' steps carry it, the per-agent sweep gave Pricer alone a rule, and 02 said
    "one agent's steps carry handoffs: Pricer"."""
    records = []
    for r in range(24):
        run, slow = f"r{r:02d}", r % 4 == 0  # the finder slow in every failed run; the helper alike in all
        records.append(
            {"record": "run", "run_id": run, "system": "shop", "outcome": "failure" if slow else "success"}
        )
        records += [
            {
                "run_id": run,
                "step_id": "a",
                "kind": "llm",
                "agent": "finder",
                "latency_ms": 900 if slow else 100 + r,
                "input": "q",
                "output": f"result {r}",
            },
            {
                "run_id": run,
                "step_id": "b",
                "kind": "llm",
                "agent": "helper",
                "latency_ms": 50 + (r * 7) % 13,
                "input": "q",
                "output": f"ok {r}",
            },
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    printed = _per_agent(ws, "latency_ms")
    assert printed == (
        "only finder gets a threshold, escalated when latency_ms ≥ 900: for the other agent whose steps carry "
        "latency_ms, no threshold beats sending none\n"
    ), printed


def test_02_s_limit_table_says_each_system_s_basis_once(two_systems: wb.Workspace) -> None:
    """The desks' limit table in 02: a basis column of "all runs (1 successful, fewer than 5: limits are where the runs
    went, not what normal runs need)" on each of 40 rows (5,700 px tall at 1000 px, wider than the output)."""
    printed = _run(
        _cell("02_tune_hitl_thresholds.ipynb", "limits = wb.suggest_limits(ws, quantile=0.99)"),
        ws=two_systems,
    )
    assert printed.splitlines() == [
        "desk: every limit from the peaks of all runs (2 successful, fewer than 5: limits are where the runs went, "
        "not what normal runs need)",
        "shop: every limit from the peaks of all runs (4 successful, fewer than 5: limits are where the runs went, "
        "not what normal runs need)",
    ], printed


def test_01_s_path_1_says_the_demo_s_simulator_cannot_replay_other_logs(shop: wb.Workspace) -> None:
    """On the desks 01 printed "no replay: '8e6f…' is not a run of this system (seed 7)", then "Path 1 skipped:
    nothing can re-run this run" again as the cell's value."""
    printed = _run(
        _cell("01_investigate_incident.ipynb", "replay = wb.demo.demo_replay()"), ws=shop, incident="r3"
    )
    assert printed.startswith("Path 1 skipped: these are not the demo's runs"), printed
    assert "seed" not in printed and printed.count("Path 1 skipped") == 1, printed
