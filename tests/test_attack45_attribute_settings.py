"""``wb.attribute``'s settings past route44's checks (``attribution/_settings.py``).

A timeout meant as "as long as it takes": ``check_settings`` takes any finite positive number (infinity as none),
and the replay runner waits with ``Thread.join(timeout)``, which refuses a wait past ``threading.TIMEOUT_MAX``
(about 292 years). So ``timeout=1e10`` fails every replay with "OverflowError: timestamp out of range for platform
time_t", and the attribution raises a ReplayError blaming the user's replay, which never ran wrong.

``players=[]``: no player named, so none unknown (``check_players``), and the game has none; the verdict still
says "the log names no agent" (it names three), or by default names the pricer with "50% of the blame".

attack45's strict xfails, fixed by route45 (the timeout read as no limit, the empty list refused); the run is
attack44's four-step one (its game with no setting is that file's control).
"""

from __future__ import annotations

import threading

import pytest
from _attack44_logs import run_records, write_log

import workbench as wb
from workbench.attribution._settings import check_players, check_settings
from workbench.replay import Intervention


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> wb.Workspace:
    path = tmp_path_factory.mktemp("attack45_timeout") / "run.jsonl"
    ws = wb.open()
    ws.ingest(
        write_log(path, run_records(["planner", "pricer", "pricer", "writer"], tool_at=2)), progress=False
    )
    return ws


def _pricer_fixes(run_id: str, intervention: Intervention) -> bool:
    return "pricer" in intervention.agents or bool({"s1", "s2"} & set(intervention.steps))


def test_a_timeout_past_what_a_thread_can_wait_is_no_replay_error(ws: wb.Workspace) -> None:
    try:
        res = wb.attribute(
            ws, "r1", _pricer_fixes, timeout=threading.TIMEOUT_MAX * 2, decisive=False, store=False
        )
    except wb.InvalidParameterError as exc:  # refused naming the parameter: as good as read as "no limit"
        assert "timeout" in str(exc)
        return
    assert res.verdict.culprit == "pricer"


def test_an_empty_list_of_players_is_refused_or_read_as_every_agent(ws: wb.Workspace) -> None:
    try:
        res = wb.attribute(ws, "r1", _pricer_fixes, players=[], decisive=False, store=False)
    except wb.InvalidParameterError as exc:  # refused naming the parameter
        assert "players" in str(exc)
        return
    every = wb.attribute(ws, "r1", _pricer_fixes, decisive=False, store=False)
    assert len(res.values) == len(every.values) and res.verdict.explanation == every.verdict.explanation


def test_the_settings_read_a_timeout_past_a_threads_wait_as_none_and_refuse_no_players() -> None:
    """route45's reading of both: no limit (as infinity is), and an empty game refused naming what to pass."""
    assert check_settings(threading.TIMEOUT_MAX * 2, 1, 0) == (None, 1, 0)
    assert check_settings(threading.TIMEOUT_MAX, 1, 0) == (threading.TIMEOUT_MAX, 1, 0)
    with pytest.raises(wb.InvalidParameterError, match=r"players is empty.*'planner'.*players=None"):
        check_players([], ["planner", "pricer", None], "agent", "r1")
