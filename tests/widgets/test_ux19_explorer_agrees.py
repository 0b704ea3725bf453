"""The IncidentExplorer's run list and its step panel name the same run after every control change. Seen in
JupyterLab: ``ex.show_run('r00')`` left the list highlighting the newest run (r23) over r00's steps."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.widgets import IncidentExplorer


@pytest.fixture()
def ws24():  # noqa: ANN201
    records: list[dict] = []
    for r in range(24):
        run, t = f"r{r:02d}", f"2026-03-01T{10 + r // 6:02d}:{r:02d}"
        records.append(
            {
                "record": "run",
                "run_id": run,
                "system": "support",
                "outcome": "failure" if r % 3 == 0 else "success",
            }
        )
        records += [
            {
                "run_id": run,
                "step_id": f"s{i}",
                "agent": "a",
                "kind": "llm",
                "name": "n",
                "output": f"answer {i} of run {run}",
                "started_at": f"{t}:{i:02d}Z",
                "ended_at": f"{t}:{i:02d}.5Z",
            }
            for i in range(4)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    yield ws
    ws.close()


def _agree(ex: IncidentExplorer) -> None:
    shown = ex.run_id
    listed = {v for _, v in ex.runs.options}
    # the list highlights the run shown, or nothing when that run is not on this page
    assert ex.runs.value == (shown if shown in listed else None), (ex.runs.value, shown)
    assert f"of run {shown}" in ex.detail.value, (shown, ex.detail.value[-300:])


def test_list_and_step_panel_name_the_same_run_after_every_change(ws24) -> None:  # noqa: ANN001
    ex = IncidentExplorer(ws24, page_size=12, blame_model=None)
    _agree(ex)
    assert ex.run_id == "r21"  # the most recent failed run (ux45: the newest, r23, succeeded)
    ex.show_run("r20")  # on this page: highlighted
    _agree(ex)
    assert ex.runs.value == "r20"
    ex.show_run("r00")  # on page 2: the list pages to it and highlights it (left22)
    _agree(ex)
    assert (ex.page, ex.runs.value) == (1, "r00")
    ex.goto_page(1)  # r00 is there: highlighted, still shown
    _agree(ex)
    assert (ex.run_id, ex.runs.value) == ("r00", "r00")
    ex.runs.value = "r05"  # a click in the list
    _agree(ex)
    assert ex.run_id == "r05"
    ex.outcome.value = "failure"  # r05 filtered out: the first failure is shown and highlighted
    _agree(ex)
    assert ex.run_id == "r21"
    ex.show_run("r03")
    _agree(ex)
    assert ex.runs.value == "r03"
    ex.step.value = "s2"  # another step of the same run
    _agree(ex)
    assert "answer 2 of run r03" in ex.detail.value
    ex.outcome.value = ""  # r03 is on page 2 of all runs: the list shows page 1 and its first
    _agree(ex)
