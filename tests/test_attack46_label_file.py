"""A labels file's rows against store45's promises for labels by giver (``ingest/labels_file.py``,
``store/sql/finalize_rest.sql``).

- "Two givers may disagree (each label is kept, with its giver; the later row is the run's latest)": rows ana
  failure, ben success, ana failure leave the run a *success*. The merge stores a call's identical labels once, at
  the first (``GROUP BY ALL ORDER BY min(rowid)``), so ana's second word goes before ben's; the same three labels
  given by three ``ws.label`` calls leave it a failure.
- "in a labels file one giver gives a run one outcome": the check keys rows by the ``given_by`` the file wrote, a
  row with none being nobody's, but ``ws.label_file`` then gives such a row the login name: rows ``r1,failure,``
  and ``r1,success,<login>`` are one person's two outcomes, stored both (the later wins), where the same two rows
  naming the login both times are refused.

attack46's findings, fixed by storeb46 (finalize_rest.sql takes each label at its last row; the check keys a row
with no giver by the login name); one native run, no detector."""

from __future__ import annotations

from pathlib import Path

import pytest
from _attack44_logs import run_records, write_log

import workbench as wb
from workbench.ingest.labels_file import person


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("attack46_labels")
    return write_log(folder / "run.jsonl", run_records(["planner", "pricer"], outcome="unknown"))


def _store_with(log: Path, tmp_path: Path, rows: list[str]) -> wb.Workspace:
    ws = wb.open()
    ws.ingest(log, progress=False)
    labels = tmp_path / "labels.csv"
    labels.write_text("run_id,outcome,given_by\n" + "\n".join(rows) + "\n", encoding="utf-8")
    ws.label_file(labels)
    return ws


def test_the_later_row_of_a_labels_file_is_the_latest(log: Path, tmp_path: Path) -> None:
    ws = _store_with(log, tmp_path, ["r1,failure,ana", "r1,success,ben", "r1,failure,ana"])
    assert ws.sql("SELECT outcome FROM runs").fetchall() == [("failure",)]


def test_a_row_with_no_giver_is_the_login_s_in_the_one_outcome_check(log: Path, tmp_path: Path) -> None:
    with pytest.raises(wb.IngestError, match="one giver gives a run one outcome"):
        _store_with(log, tmp_path, ["r1,failure,", f"r1,success,{person()}"])
