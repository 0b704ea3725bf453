"""The explorer pages to a run shown from code (or says the filters leave it out), a silent failure is named by
one spelling in every view, and a RunPager holds one finalizer however often it is refreshed.

Before: ``show_run`` of a run off the listed page highlighted nothing and said nothing; "failure (silent)" was
written in the explorer and again in the findings overview's SQL; each ``refresh()`` left the previous
relation's ``weakref.finalize`` registered until the pager was collected."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from _left21_silent import BAD, silent_store

import workbench as wb
from workbench.widgets import FindingsOverview, IncidentExplorer
from workbench.widgets._runs import RunFilter, RunPager


@pytest.fixture()
def ws30():  # noqa: ANN201
    records: list[dict] = []
    for r in range(30):
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
            for i in range(2)
        ]
    # two runs of no time: listed last, by id
    for run in ("u1", "u0"):
        records.append({"record": "run", "run_id": run, "system": "support", "outcome": "success"})
        records.append(
            {"run_id": run, "step_id": "s0", "agent": "a", "kind": "llm", "output": f"of run {run}"}
        )
    ws = wb.open()
    ws.ingest(records, progress=False)
    yield ws
    ws.close()


def test_show_run_pages_to_a_run_off_the_listed_page_or_says_the_filters_leave_it_out(ws30) -> None:  # noqa: ANN001
    """Both on one explorer (merged, suite54: an explorer and a store of 32 runs each before)."""
    ex = IncidentExplorer(ws30, page_size=7, blame_model=None)
    assert (ex.page, ex.run_id) == (0, "r27")  # the most recent failed run (ux45: the newest, r29, succeeded)
    order = [*(f"r{r:02d}" for r in range(29, -1, -1)), "u0", "u1"]  # newest first, untimed last by id
    for run in ("r00", "r15", "u1", "r29", "u0", "r22"):
        ex.show_run(run)
        at = order.index(run)
        assert (ex.run_id, ex.page, ex.runs.value) == (run, at // 7, run), run
        assert run in {v for _, v in ex.runs.options}
        assert f"page {at // 7 + 1} of 5" in ex.page_label.value
        assert "in the list" not in ex.header.value
    # a run the filters leave out: said so, the list left as it is
    ex.outcome.value = "failure"
    listed = [v for _, v in ex.runs.options]
    ex.show_run("r01")  # a success: in no page of the failures
    assert ex.run_id == "r01" and ex.runs.value is None and [v for _, v in ex.runs.options] == listed
    assert "in the list" in ex.header.value and "the filters above leave it out" in ex.header.value
    assert RunPager(ws30, RunFilter(outcome="failure")).position("r01") is None
    assert RunPager(ws30, RunFilter(outcome="failure")).position("r00") == 9  # r27 … r00: the 10th failure


def test_a_silent_failure_is_spelled_once_in_every_view() -> None:
    from workbench.store._outcomes import TAKEN_OUTCOME

    ws = silent_store(silent_runs=1)
    try:
        # (the header and the list are checked: no verdict scored, suite52)
        ex = IncidentExplorer(ws, page_size=50, blame_model=None)
        ex.show_run("silent0")
        assert TAKEN_OUTCOME in ex.header.value
        assert any(
            lab.startswith("silent0 · ") and f" · {TAKEN_OUTCOME}" in lab for lab, _ in ex.runs.options
        )
        fo = FindingsOverview(ws)
        drilled = fo.drill("silent_failure")
        assert drilled.set_index("run_id").loc["silent0", "outcome"] == TAKEN_OUTCOME
        assert len(ws.runs(outcome="failure", silent=True)) == BAD + 1
    finally:
        ws.close()
    # and the words are written in one place in the package (Python and SQL)
    root = Path(wb.__file__).parent
    places = [
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.suffix in (".py", ".sql") and "failure (silent)" in p.read_text("utf-8")
    ]
    assert places == ["store/_outcomes.py"], places


def _finalizers(obj: object) -> int:
    # type(), not isinstance(): a module stand-in (shap's, without matplotlib) raises on any attribute read
    return sum(1 for f in gc.get_objects() if type(f) is weakref.finalize and f.alive and f.peek()[0] is obj)


def test_a_refreshed_pager_holds_one_finalizer() -> None:
    ws = silent_store(silent_runs=1)
    try:
        pager = RunPager(ws, RunFilter(outcome="failure"))
        for _ in range(5):
            assert pager.total == BAD + 1
            pager.refresh()
        pager.page(0, 10)
        assert _finalizers(pager) == 1
        # (on a cursor of the pager's own since attack31: tests/widgets/test_attack31_pager_own_cursor.py)
        cursor = pager._con
        names = {
            n
            for (n,) in cursor.execute(
                "SELECT view_name FROM duckdb_views() WHERE view_name LIKE '_wb_explorer_taken%'"
            ).fetchall()
        }
        assert names == {pager._taken}
        del pager
        gc.collect()
        with pytest.raises(Exception, match="(?i)closed"):
            cursor.execute("SELECT 1")
    finally:
        ws.close()
