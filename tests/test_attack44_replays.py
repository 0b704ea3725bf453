"""A user's replay function that misbehaves: hangs past its timeout, returns numpy's bool or a text ``success``,
or does not reproduce the failure at all. attack44 wrote each as a strict xfail naming the file and function at
fault; route44 fixed them (the marks are gone, the reasons are in git history); the run is four steps of three agents in a store built once for the module."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from _attack44_logs import run_records, write_log

import workbench as wb
from workbench.replay import Intervention

_AGENTS = ["planner", "pricer", "pricer", "writer"]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> wb.Workspace:
    path = tmp_path_factory.mktemp("attack44_replays") / "run.jsonl"
    ws = wb.open()
    ws.ingest(write_log(path, run_records(_AGENTS, tool_at=2)), progress=False)
    return ws


def _pricer_fixes(intervention: Intervention) -> bool:
    """The true game: the run succeeds exactly when the pricer (or one of its steps) is replaced."""
    return "pricer" in intervention.agents or bool({"s1", "s2"} & set(intervention.steps))


def test_the_game_these_tests_play_names_the_pricer(ws: wb.Workspace) -> None:
    # the control: with a plain bool the attribution is right, so the tests below fail only for their own reason
    res = wb.attribute(ws, "r1", lambda run_id, iv: _pricer_fixes(iv), store=False)
    assert res.verdict.culprit == "pricer"
    assert res.decisive is not None and res.decisive.step_id == "s1"


def test_a_replay_abandoned_at_its_timeout_does_not_keep_the_process_alive(ws: wb.Workspace) -> None:
    release = threading.Event()
    before = set(threading.enumerate())
    try:
        # every replay hangs: the recorded run cannot be replayed, which is a ReplayError after two timeouts
        with pytest.raises(wb.ReplayError, match="timed out"):
            wb.attribute(
                ws, "r1", lambda run_id, iv: release.wait(), timeout=0.05, decisive=False, store=False
            )
        left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        assert left, "the hung replays' threads are still running (nothing can stop them)"
        # Python exits only when no non-daemon thread is left: these must not hold it
        assert all(t.daemon for t in left), [(t.name, t.daemon) for t in left]
    finally:
        release.set()


@pytest.mark.parametrize("kind", [np.bool_, np.int64])
def test_a_replay_returning_a_numpy_bool_is_read_as_that_bool(ws: wb.Workspace, kind: type) -> None:
    res = wb.attribute(ws, "r1", lambda run_id, iv: kind(_pricer_fixes(iv)), store=False)
    assert res.verdict.culprit == "pricer"


def test_a_text_success_flag_is_read_or_refused_never_taken_as_true(ws: wb.Workspace) -> None:
    def replay(run_id: str, iv: Intervention) -> wb.ReplayResult:
        ok = _pricer_fixes(iv)
        return wb.ReplayResult(outcome="success" if ok else "failure", success="true" if ok else "false")  # type: ignore[arg-type]

    try:
        res = wb.attribute(ws, "r1", replay, store=False)
    except wb.ReplayError as exc:  # refused, naming what was wrong: as good as read right
        assert "false" in str(exc)
        return
    assert res.verdict.culprit == "pricer"


def test_a_replay_that_does_not_reproduce_the_failure_names_no_decisive_step(ws: wb.Workspace) -> None:
    try:
        res = wb.attribute(ws, "r1", lambda run_id, iv: True, store=False)
    except wb.ReplayError as exc:  # refused: the run replayed as recorded succeeded
        assert "recorded" in str(exc)
        return
    assert res.decisive is None or res.decisive.step_id is None, res.decisive
    assert res.verdict.inconclusive or "recorded" in res.verdict.explanation, res.verdict.explanation


def test_a_player_the_run_does_not_hold_is_refused_naming_it(ws: wb.Workspace) -> None:
    with pytest.raises(wb.InvalidParameterError, match="pricr"):
        wb.attribute(ws, "r1", lambda run_id, iv: _pricer_fixes(iv), players=["pricr"], store=False)


@pytest.mark.parametrize(
    "bad",
    [
        {"timeout": -1.0},
        {"timeout": float("nan")},
        {"n_jobs": 0},
        {"seed": "abc", "shapley_method": "permutation"},
    ],
    ids=["timeout=-1", "timeout=nan", "n_jobs=0", "seed=abc"],
)
def test_a_bad_replay_setting_is_refused_naming_it(ws: wb.Workspace, bad: dict) -> None:
    name = next(iter(bad))
    with pytest.raises(wb.InvalidParameterError, match=name):
        wb.attribute(ws, "r1", lambda run_id, iv: _pricer_fixes(iv), store=False, **bad)


def test_a_value_too_large_for_a_float_is_refused_naming_the_coalition() -> None:
    with pytest.raises(wb.WorkbenchError, match="returned"):
        wb.shapley(lambda s: 10**400 if "a" in s else 0, ["a", "b"], method="exact")
