"""A log record whose time is past what a timestamp holds costs only itself (attack17). Before: its time
(year 10000, or past the platform's time_t) raised out of the reader and the whole ingest stopped with
"nothing was stored"."""

from __future__ import annotations

import json
from pathlib import Path

from test_left16_log_time_order import TURNS, _event
from test_llmetry13_otlp_logs import CHAT, _logs_line, _write, spans_line

import workbench as wb


def test_a_record_with_an_impossible_time_is_quarantined_alone(tmp_path: Path) -> None:
    spans = _write(tmp_path / "traces.jsonl", spans_line())
    recs = [_event(i) for i in range(4)]
    recs[1]["timeUnixNano"] = str(10**30)  # past the platform's time_t
    recs[2]["timeUnixNano"] = str(253402300800 * 10**9)  # the year 10000
    recs[3]["observedTimeUnixNano"] = recs[3].pop("timeUnixNano")  # no time of its own: the observed one
    logs = _write(tmp_path / "logs.jsonl", _logs_line(recs))
    ws = wb.open()
    rep = ws.ingest([spans, logs])
    assert (rep.read, rep.stored, rep.quarantined) == (7, 5, 2)
    reasons = [r for (r,) in ws.sql("SELECT reason FROM quarantine ORDER BY reason").fetchall()]
    assert all(
        r.startswith("bad log record: log record time is out of range") and "2262" in r for r in reasons
    )
    text = ws.sql("SELECT input FROM steps WHERE step_id = ?", params=[CHAT]).fetchall()[0][0]
    assert [m["content"] for m in json.loads(text)] == [TURNS[0][1], TURNS[3][1]]
