"""A log text quoted in a finding's detail (repeated_reply's reply, retry's error) is cut after a whole word
with "…" when it is longer than the quote allows. ux17 saw `"… the customer "` and `"… Portugal and Spai"`:
a quote cut mid-word, nothing saying it was cut."""

from __future__ import annotations

import warnings

import workbench as wb

REPLY = (
    "Please revise: the draft needs the exact revenue growth figure and the customer names for "
    "Portugal and Spain before it can go out."
)
ERROR = (
    "ConnectionError('flight API unreachable')\nTraceback (most recent call last):\n\n\n  File "
    '"/srv/app/tools.py", line 12, in search_flights'
)


def _store() -> wb.Workspace:
    recs: list[dict] = [{"record": "run", "run_id": "r1", "system": "team", "outcome": "failure"}]
    recs += [
        {
            "run_id": "r1",
            "step_id": f"s{i}",
            "agent": "reviewer",
            "kind": "llm",
            "output": REPLY,
            "started_at": f"2026-03-01T10:00:0{i}Z",
            "ended_at": f"2026-03-01T10:00:0{i}.5Z",
        }
        for i in range(4)
    ]
    recs += [
        {
            "run_id": "r1",
            "step_id": f"t{i}",
            "agent": "alice",
            "kind": "tool",
            "tool": "search_flights",
            "name": "search_flights",
            "input": '{"to": "LIS"}',
            "status": "error" if i == 0 else "ok",
            "error": ERROR if i == 0 else None,
            "output": None if i == 0 else '{"flights": 3}',
            "started_at": f"2026-03-01T10:01:0{i}Z",
            "ended_at": f"2026-03-01T10:01:0{i}.5Z",
        }
        for i in range(2)
    ]
    ws = wb.open()
    ws.ingest(recs, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, detectors=["repeated_reply", "retry"])
    return ws


def _quote(detail: str) -> str:
    return detail.split('"')[1]


def test_long_quotes_end_on_a_whole_word_with_an_ellipsis() -> None:
    ws = _store()
    found = dict(ws.sql("SELECT detector, detail FROM findings").fetchall())
    reply = _quote(found["repeated_reply"])
    assert reply.endswith("…") and len(reply) <= 81, reply
    assert REPLY.startswith(reply[:-1]), reply  # the reply's own words, in order
    assert REPLY[len(reply) - 1] == " ", reply  # cut where a word ends, not inside one
    error = found["retry"].split(' after "')[1].rsplit('"; the last', 1)[0]
    assert error.endswith("…") and "\n" not in error and "  " not in error, error
    squeezed = " ".join(ERROR.split())
    # cut after a whole word (the punctuation that closed it left out: "last):" ends "last…")
    assert squeezed.startswith(error[:-1]) and squeezed[len(error) - 1 :].lstrip(",;:-")[:1] == " ", error


def test_a_short_quote_stays_whole() -> None:
    ws = wb.open()
    with ws.con.cursor() as con:
        from workbench.detect._macros import temp_statements as _statements

        for stmt in _statements("macros"):
            con.execute(stmt)
        assert con.execute("SELECT det_quote(?, 80)", ["  short\n reply  "]).fetchone()[0] == "short reply"
        # one word longer than half the quote: cut inside it, still marked
        assert (
            con.execute("SELECT det_quote(?, 20)", ["a " + "x" * 40]).fetchone()[0] == "a " + "x" * 17 + "…"
        )
