"""What an SRE met first on real framework desks and the demo (ux45), each on the least that shows it (no kernel, no
notebook execution: the notebooks' own cells are run in-process on small stores, as test_ux44_walk.py does).

- The explorer opened on the newest run: on the real desks a success with a ping_pong hit, where an SRE opens it to
  see a failure. It opens on the most recent failed run (else the run with the most serious finding), saying why.
"""

from __future__ import annotations

import re

import pytest

import workbench as wb
from workbench.widgets import IncidentExplorer
from workbench.widgets._runs import RunFilter, RunPager


def _runs(outcomes: list[str], looping: int) -> list[dict]:
    """One run per outcome, a minute apart (the last the newest), each of two tool calls; run ``looping`` calls the
    same tool with the same input six times (a critical ``loop`` finding)."""
    records = []
    for r, outcome in enumerate(outcomes):
        run = f"r{r}"
        records.append({"record": "run", "run_id": run, "system": "shop", "outcome": outcome})
        records += [
            {
                "run_id": run,
                "step_id": f"t{i}",
                "kind": "tool",
                "tool": "search",
                "agent": "finder",
                "status": "ok",
                "input": {"q": "same" if r == looping else f"{r}-{i}"},
                "output": f"result {i} of run {run}",
                "started_at": f"2026-03-01T10:{r:02d}:{i:02d}Z",
                "ended_at": f"2026-03-01T10:{r:02d}:{i:02d}.5Z",
            }
            for i in range(6 if r == looping else 2)
        ]
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
