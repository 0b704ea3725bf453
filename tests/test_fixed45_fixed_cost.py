"""The per-call fixed cost (fixed45): work a small call does not need is not done, and what it stores is the same.

Statement by statement, not by the clock (no timed unit tests): the detectors' statements that read only the runs
that gave up are not run when none did, drift does not cut agents too few to test into segments, and ``workbench
investigate`` runs the detectors once, not again for the log-only model.
"""

from __future__ import annotations

import importlib
import json
import sys
import warnings
from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from fixed_cost import five_steps  # noqa: E402  (the benchmark's 5-step run: a failed run of 3 agents)

_runner = importlib.import_module("workbench.detect._runner")
_drift = importlib.import_module("workbench.detect._drift")


@pytest.fixture(scope="module")
def small() -> wb.Workspace:
    ws = wb.open()
    ws.ingest(five_steps("r5"), progress=False)
    return ws


def test_statements_for_runs_that_gave_up_are_not_run_when_none_did(small, monkeypatch) -> None:
    ran: list[str] = []
    execute = _runner._execute

    def recording(con, stmt, params):  # noqa: ANN001, ANN202
        ran.append(stmt)
        return execute(con, stmt, params)

    monkeypatch.setattr(_runner, "_execute", recording)
    found = wb.detect(small, detectors=["gave_up", "ping_pong", "repeated_reply", "breach"], progress=False)
    made = " ".join(ran)
    assert "det_gave_up_said AS" in made, "the answers that gave up are still looked for"
    # nothing gave up, nothing bounced or repeated, no run over the hand-off limit: their statements were skipped
    for skipped in (
        "det_gave_up_answers AS",
        "det_gave_up_stated AS",
        "det_calls_failed AS",
        "det_ho_news AS",
        "'ping_pong'",
        "'repeated_reply'",
        "'handoff_breach'",
    ):
        assert skipped not in made, skipped
    assert "'latency_breach'" in made, "a section marked every runs whatever the hand-offs"
    assert found.empty  # (the runs that gave up still find theirs: tests/detect/test_*gave_up*.py)


def test_drift_cuts_no_segments_when_no_pair_could_be_tested(small, monkeypatch) -> None:
    def cut(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("segments cut for agents with too few runs to test")

    monkeypatch.setattr(_drift, "_segments", cut)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        found = wb.detect(small, detectors=["drift"], progress=False)
    assert found.empty
    checked = json.loads(small.sql("SELECT value FROM meta WHERE key = 'drift_checked'").fetchall()[0][0])
    assert checked["pairs_tested"] == 0


def test_investigate_runs_the_detectors_once(tmp_path, monkeypatch, capsys) -> None:
    log = tmp_path / "five.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in five_steps("r5")))
    calls: list[int] = []
    detect = _runner._detect
    monkeypatch.setattr(_runner, "_detect", lambda *a, **k: (calls.append(1), detect(*a, **k))[1])
    db = tmp_path / "s.duckdb"
    assert main(["investigate", str(log), "--db", str(db), "--quiet"]) == 0
    assert "writer" in capsys.readouterr().out.lower()
    assert len(calls) == 1, f"the detectors ran {len(calls)} times"
    with wb.open(db, read_only=True) as ws:
        (verdict,) = ws.sql(
            "SELECT target, params->>'detect' FROM attributions WHERE unit = 'verdict'"
        ).fetchall()
    assert verdict[1] == "auto", "the model's parameters are stored as they are"


def test_a_store_made_in_memory_is_not_asked_its_schema_version(monkeypatch) -> None:
    connection = importlib.import_module("workbench.store._connection")

    def asked(con):  # noqa: ANN001, ANN202
        raise AssertionError("a database just made in memory holds no schema to ask about")

    monkeypatch.setattr(connection, "schema_version", asked)
    with wb.open() as ws:
        assert ws.count("runs") == 0
        assert ws.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [
            (str(connection.SCHEMA_VERSION),)
        ]


class _Recording:
    """A connection recording the statements sent through it and its cursors."""

    def __init__(self, con, sent: list[str]) -> None:  # noqa: ANN001
        self._con, self._sent = con, sent

    def __getattr__(self, name: str):  # noqa: ANN204
        attr = getattr(self._con, name)
        if name == "cursor":
            return lambda: _Recording(attr(), self._sent)
        if name in ("execute", "sql"):
            return lambda query, *a, **k: (self._sent.append(str(query)), attr(query, *a, **k))[1]
        return attr


def test_detect_drops_no_working_table_one_by_one(small, monkeypatch) -> None:
    sent: list[str] = []
    monkeypatch.setattr(small, "_con", _Recording(small._con, sent))
    wb.detect(small, detectors=["loop", "storm"], progress=False)
    assert any("det_loop_streaks" in s for s in sent)
    # the call's cursors close, and their temporary schemas go with them
    assert not [s for s in sent if s.lstrip().upper().startswith("DROP")]
    assert small.sql("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall() == [(0,)]
