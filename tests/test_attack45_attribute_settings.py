"""``wb.attribute``'s settings past route44's checks (``attribution/_settings.py``).

A timeout meant as "as long as it takes": ``check_settings`` takes any finite positive number (infinity as none),
and the replay runner waits with ``Thread.join(timeout)``, which refuses a wait past ``threading.TIMEOUT_MAX``
(about 292 years). So ``timeout=1e10`` fails every replay with "OverflowError: timestamp out of range for platform
time_t", and the attribution raises a ReplayError blaming the user's replay, which never ran wrong.

``players=[]``: no player named, so none unknown (``check_players``), and the game has none; the verdict still
says "the log names no agent" (it names three), or by default names the pricer with "50% of the blame".

attack45's strict xfails; the run is attack44's four-step one (its game with no setting is that file's control).
"""

from __future__ import annotations

import threading

import pytest
from _attack44_logs import run_records, write_log

import workbench as wb
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


@pytest.mark.xfail(
    strict=True,
    reason="attack45: attribution/_settings.py check_settings accepts a finite timeout past threading.TIMEOUT_MAX "
    "and _runner._within hands it to Thread.join: every replay fails 'OverflowError: timestamp out of range for "
    "platform time_t', reported as a ReplayError of the user's replay instead of a refused parameter (or no limit)",
)
def test_a_timeout_past_what_a_thread_can_wait_is_no_replay_error(ws: wb.Workspace) -> None:
    try:
        res = wb.attribute(
            ws, "r1", _pricer_fixes, timeout=threading.TIMEOUT_MAX * 2, decisive=False, store=False
        )
    except wb.InvalidParameterError as exc:  # refused naming the parameter: as good as read as "no limit"
        assert "timeout" in str(exc)
        return
    assert res.verdict.culprit == "pricer"


@pytest.mark.xfail(
    strict=True,
    reason="attack45: attribution/_settings.py check_players takes players=[] (no player named, none unknown): the "
    "game has no players and no Shapley values, and the verdict says 'the log names no agent' (decisive=False: "
    "the log names three) or, by default, names the pricer with '50% of the blame' (of no values)",
)
def test_an_empty_list_of_players_is_refused_or_read_as_every_agent(ws: wb.Workspace) -> None:
    try:
        res = wb.attribute(ws, "r1", _pricer_fixes, players=[], decisive=False, store=False)
    except wb.InvalidParameterError as exc:  # refused naming the parameter
        assert "players" in str(exc)
        return
    every = wb.attribute(ws, "r1", _pricer_fixes, decisive=False, store=False)
    assert len(res.values) == len(every.values) and res.verdict.explanation == every.verdict.explanation
