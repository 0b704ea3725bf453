"""fixed47: the detectors' macros are made once per DuckDB instance, not at every ``wb.detect``; the detector
config's and the Shapley settings' number checks are ``_params``' (a bool no number, NaN refused, NumPy numbers
taken as Python's).

Statement by statement, not by the clock (no timed unit tests).
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import workbench as wb
from workbench.attribution._shapley import shapley
from workbench.detect import DetectorConfig
from workbench.exceptions import InvalidParameterError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from fixed_cost import five_steps  # noqa: E402  (the benchmark's 5-step run: a failed run of 3 agents)

DETECTORS = ["gave_up", "silent_failure", "loop"]  # (macros.sql's and gave_up.sql's macros; a small call)


class _Recording:
    """The workspace's connection, keeping the text of every statement sent through it and its cursors."""

    def __init__(self, con: object, sent: list[str]) -> None:
        self._con, self._sent = con, sent

    def __getattr__(self, name: str) -> object:
        attr = getattr(self._con, name)
        if name == "cursor":
            return lambda: _Recording(attr(), self._sent)
        if name in ("execute", "sql"):

            def recorded(*a: object, **k: object) -> object:
                self._sent.append(str(a[0]))
                return attr(*a, **k)

            return recorded
        return attr


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fixed47") / "store.duckdb"
    ws = wb.open(path)
    ws.ingest(five_steps("r5"), progress=False)
    ws.close()
    return path


def test_a_second_detect_makes_no_macro_and_the_macros_live_in_the_instance(
    store: Path, tmp_path: Path
) -> None:
    ws = wb.open(store)
    try:
        first = wb.detect(ws, detectors=DETECTORS, progress=False)
        sent: list[str] = []
        con, ws._con = ws._con, _Recording(ws._con, sent)
        again = wb.detect(ws, detectors=DETECTORS, progress=False)
        ws._con = con
        # a second open of the file shares DuckDB's instance, and with it the macros' database: not refused as a
        # file defining macros of its own
        wb.open(store).close()
        ws.snapshot(tmp_path / "snap.duckdb")
    finally:
        ws.close()
    # (main made macros.sql's 33 temporary macros on the worker's connection at every call)
    assert not [s for s in sent if "MACRO" in s], "the macros were made again"
    assert any("det_gave_up_said" in s for s in sent)  # (the detectors ran: their statements were sent)
    assert again.equals(first)
    snap = wb.open(tmp_path / "snap.duckdb", read_only=True)
    try:
        macros = snap.con.execute(
            "SELECT count(*) FROM duckdb_functions() WHERE function_name LIKE 'det\\_%' ESCAPE '\\'"
        ).fetchall()[0][0]
    finally:
        snap.close()
    assert macros == 0, "a snapshot carries none of the detectors' macros"


def test_detect_in_two_threads_at_once_on_a_fresh_instance() -> None:
    # Both threads find no macros in the instance: one makes them, the other waits and uses them (two makers at
    # once are a write-write conflict to DuckDB).
    ws = wb.open()
    ws.ingest(five_steps("r5"), progress=False)
    found: list[object] = []

    def detect() -> None:
        try:
            found.append(wb.detect(ws, run_ids=["r5"], detectors=["gave_up"], progress=False))
        except Exception as exc:  # (reported below, not lost in the thread)
            found.append(exc)

    threads = [threading.Thread(target=detect) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ws.close()
    assert all(not isinstance(f, Exception) for f in found), found
    assert len(found) == 2


def test_detector_config_numbers_are_params_numbers() -> None:
    # NaN compared false with every bound: it passed them all (a NaN latency budget never tripped)
    with pytest.raises(InvalidParameterError, match=r"'max_run_latency_ms' must be a number \(got nan\)"):
        DetectorConfig(max_run_latency_ms=float("nan"))
    with pytest.raises(InvalidParameterError, match=r"'loop_min_turns' must be a number \(got True\)"):
        DetectorConfig(loop_min_turns=True)
    with pytest.raises(InvalidParameterError, match=r"'loop_min_turns' must be an integer \(got 2.5\)"):
        DetectorConfig(loop_min_turns=2.5)
    # a NumPy integer (a count read from a frame) was refused as "not a number"; taken, as Python's int
    config = DetectorConfig(loop_min_turns=np.int64(3), repeat_similarity=np.float32(0.5))
    assert config.loop_min_turns == 3 and type(config.loop_min_turns) is int
    assert type(config.repeat_similarity) is float
    json.dumps(config.to_dict())  # (a policy's and the detected marks' settings are JSON)
    assert DetectorConfig(max_run_latency_ms=1000).to_dict()["max_run_latency_ms"] == 1000


def test_shapley_settings_numbers_are_params_numbers() -> None:
    def count(s: frozenset) -> float:
        return float(len(s))

    with pytest.raises(InvalidParameterError, match=r"tol=True must be a positive number or None"):
        shapley(count, ["a", "b"], method="permutation", tol=True)  # (was a tol of 1)
    with pytest.raises(InvalidParameterError, match=r"n_samples=True must be an integer >= 2 or None"):
        shapley(count, ["a", "b"], method="permutation", n_samples=True)
    # a NumPy float32 was refused as no number
    got = shapley(
        count, ["a", "b"], method="permutation", tol=np.float32(0.1), confidence=np.float32(0.9), seed=1
    )
    assert got.values["value"].round(6).tolist() == [1.0, 1.0]


def test_gates_nest_a_section_skipped_leaves_its_tables_empty(store: Path) -> None:
    ran: list[str] = []
    ws = wb.open(store)
    try:
        ws._con = _Recording(ws._con, ran)
        found = wb.detect(ws, detectors=["loop", "ping_pong", "cascade"], progress=False)
    finally:
        ws.close()
    made = " ".join(ran)
    # the tables the gates ask about are still made ...
    for asked in ("det_loop_streaks AS", "det_pp_turns AS", "det_seeds AS"):
        assert asked in made, asked
    # ... and, empty on this run (no tool call loops, no agent bounces, nothing wrong spreads), what reads only
    # their rows is not planned: the statements main ran for nothing
    for skipped in (
        "'loop'",
        "det_pp_said AS",
        "det_pp_pairs AS",
        "'ping_pong'",
        "det_downstream AS",
        "'cascade'",
    ):
        assert skipped not in made, skipped
    assert found.empty
