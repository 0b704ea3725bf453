"""fixb44's checks beside attack44's (now plain) tests: a policy path to a device or past the size cap is refused
naming it, a labels file restating a run's outcome, a native step's negative latency in both readers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _attack44_logs import run_records, write_log

import workbench as wb
from workbench.policy import _reader


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_policy_symlink_to_dev_zero_is_refused_not_read_forever(tmp_path: Path) -> None:
    link = tmp_path / "policy.yaml"
    os.symlink("/dev/zero", link)
    with pytest.raises(wb.PolicyError, match="policy.yaml.*character device"):
        wb.Policy.from_yaml(link)


def test_a_policy_file_past_the_cap_is_refused_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("schema: workbench.policy/v4\n" + "#" * 100 + "\n", encoding="utf-8")
    monkeypatch.setattr(_reader, "MAX_BYTES", 64)  # (the cap's logic, without writing megabytes)
    with pytest.raises(wb.PolicyError, match="big.yaml.*larger than"):
        wb.Policy.from_yaml(path)


@pytest.mark.parametrize("first,later", [("success", "failure"), ("failure", "success")])
def test_two_outcome_labels_in_one_log_let_the_later_line_win(tmp_path: Path, first: str, later: str) -> None:
    # one call's labels share a created_at: the tie is broken by their order in the log, not as DuckDB likes
    records = run_records(["planner", "pricer"], outcome="unknown") + [
        {"record": "label", "run_id": "r1", "outcome": first},
        {"record": "label", "run_id": "r1", "outcome": later},
    ]
    ws = wb.open()
    ws.ingest(write_log(tmp_path / "run.jsonl", records), progress=False)
    assert ws.sql("SELECT outcome, outcome_source FROM runs").fetchall() == [(later, "label")]


# (a strict xfail until store45: a label identical to a stored one was stored once, so the third label added no
# row; now a person's outcome label is a new row unless it is the run's latest as it stands: labels.given_by)
def test_a_person_giving_an_earlier_outcome_again_makes_it_the_later(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(
        write_log(tmp_path / "run.jsonl", run_records(["planner", "pricer"], outcome="unknown")),
        progress=False,
    )
    for outcome in ("success", "failure", "success"):
        ws.label("r1", outcome=outcome)
    assert ws.sql("SELECT outcome FROM runs").fetchall() == [("success",)]
