"""available_signals on a store whose runs all have an unknown outcome (every root span unset, as most
OTel traces leave it): it says what the steps carry and why a sweep cannot use it."""

from __future__ import annotations

import workbench as wb


def _store(outcome: str | None):  # noqa: ANN202
    ws = wb.open()
    records = [
        {"record": "run", "run_id": f"r{i}", **({"outcome": outcome} if outcome else {})} for i in range(3)
    ]
    records += [
        {
            "record": "step",
            "run_id": f"r{i}",
            "step_id": f"s{j}",
            "agent": "a",
            "kind": "tool",
            "tool": "t",
            "status": "unset" if outcome is None else "ok",
            "started_at": 1_000_000_000 * j,
            "ended_at": 1_000_000_000 * j + 5e8,
        }
        for i in range(3)
        for j in range(4)
    ]
    ws.ingest(records, progress=False)
    return ws


def test_unknown_outcome_store_says_what_its_steps_carry_and_why_no_sweep() -> None:
    ws = _store(None)
    assert ws.sql("SELECT DISTINCT outcome FROM runs").fetchall() == [("unknown",)]
    avail = wb.available_signals(ws).set_index("signal")
    assert avail["steps"].eq(0).all()  # nothing a sweep can use ...
    lat = avail.loc["latency_ms"]
    assert lat["all_steps"] == 12  # ... but the steps do carry latency
    assert "unknown outcome" in lat["note"] and "12 steps" in lat["note"] and "label" in lat["note"]
    assert avail.loc["tool_calls", "all_steps"] == 12
    ent = avail.loc["entropy"]
    assert ent["all_steps"] == 0 and "log-probabilities" in ent["note"]


def test_known_outcome_store_counts_the_same_steps_and_has_no_note() -> None:
    avail = wb.available_signals(_store("success")).set_index("signal")
    assert avail.loc["latency_ms", "steps"] == avail.loc["latency_ms", "all_steps"] == 12
    assert avail.loc["latency_ms", "note"] == ""
    assert avail.loc["latency_ms", "share"] == 1.0
