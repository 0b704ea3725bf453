"""A run detected with a user's own settings is not detected again with the defaults (fixed46: ``detect="auto"``
keeps the settings a ``detected`` mark was written with). But ``ws.label`` is an ingest call of the run
(``refresh_runs.sql``'s section detected drops the marks of every run a call touched: "extended, moved or
relabelled"), so labelling the run's culprit, with the outcome it already had, drops them, and the next view,
``BlameModel.predict`` or ``investigate`` (``ensure_findings(..., "auto")``) runs every detector on it with the
*default* settings and replaces the user's findings: here a loop the user's ``loop_min_turns=10`` did not call a
loop becomes one. Nothing a per-run detector reads changed (the steps are the same, the outcome too). attack47's
strict xfail, made a plain test by race47: a call of labels only drops the marks of the runs whose row it changed
(refresh_runs.sql's labelled_after: a label of another outcome), and only theirs."""

from __future__ import annotations

from _attack47_runs import loop_run

import workbench as wb
from workbench.attribution._heuristics import ensure_findings
from workbench.detect import DetectorConfig
from workbench.detect._runner import settings_fingerprint


def test_labelling_a_run_keeps_the_findings_of_the_users_own_settings() -> None:
    ws = wb.open()
    ws.ingest(loop_run(), progress=False)
    wb.detect(ws, config=DetectorConfig(loop_min_turns=10), detectors=["loop"], progress=False)
    assert (
        ws.sql("SELECT detector FROM findings").fetchall() == []
    )  # (five calls: no loop by the user's rule)
    ws.label("r1", agent="pricer", outcome="failure", by="ana")  # (the outcome it had; its culprit named)
    ensure_findings(ws, ["r1"], "auto")
    assert ws.sql("SELECT detector FROM findings").fetchall() == []
    mine = settings_fingerprint(DetectorConfig(loop_min_turns=10))
    assert ws.sql("SELECT settings FROM detected WHERE detector = 'loop'").fetchall() == [(mine,)]
    # a label of another outcome changes what the silent-failure and cascade checks read: the run is detected again
    ws.label("r1", outcome="success", by="ana")
    assert ws.sql("SELECT count(*) FROM detected").fetchall() == [(0,)]
