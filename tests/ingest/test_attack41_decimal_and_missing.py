"""Decimal values (a database driver's NUMERIC) and pandas' missing markers inside a record's dicts (attack41).

Before: a record read from a database (psycopg's rows, SQLAlchemy's ``NUMERIC`` columns, a DataFrame of them) holds
``Decimal`` values: ``Decimal('0.0042')`` as a cost, ``Decimal('12')`` as a token count or ``Decimal('14.20')`` as an
input quarantined the whole record ("field 'cost' has unsupported type", "must be an integer (got Decimal '12')").
And ``pd.NA`` / ``NaT`` inside a dict (a frame's cell of dicts built from other columns) were written as the text
``"<NA>"`` / ``"NaT"``. Now a Decimal is the number it holds (its own digits in a text field), a missing marker in a
dict is JSON's null, and such a record stores what the same record of plain values does, row for row.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from test_attack40_numpy_values import T0, _same

import workbench as wb


def _records(cost, tokens, text, inner) -> list[dict]:
    return [
        {
            "run_id": "r1",
            "step_id": "s1",
            "agent": "a",
            "kind": "agent",
            "started_at": T0,
            "ended_at": T0 + 10**9,
        },
        {
            "run_id": "r1",
            "step_id": "s2",
            "parent_id": "s1",
            "agent": "a",
            "kind": "tool",
            "started_at": T0 + 1,
            "ended_at": T0 + 10**6,
            "cost": cost,
            "tokens_in": tokens,
            "input": text,
            "output": inner,
            "attributes": {"inner": inner},
        },
    ]


def _stored(recs: list[dict]) -> wb.Workspace:
    ws = wb.open()
    report = ws.ingest(recs, progress=False)
    assert report.quarantined == 0, report.errors
    return ws


def test_decimal_values_store_what_plain_numbers_store() -> None:
    db = _stored(
        _records(
            Decimal("0.0042"),
            Decimal("12"),
            Decimal("14.20"),
            {"price": Decimal("14.5"), "units": Decimal("3"), "big": Decimal("12345678901234567890")},
        )
    )
    plain = _stored(_records(0.0042, 12, "14.20", {"price": 14.5, "units": 3, "big": 12345678901234567890}))
    _same(db, plain)
    assert db.sql("SELECT cost, tokens_in, input FROM steps WHERE step_id = 's2'").fetchall() == [
        (0.0042, 12, "14.20")
    ]


def test_a_frame_of_decimal_columns_is_read() -> None:
    frame = pd.DataFrame(
        _records(Decimal("0.0042"), Decimal("12"), Decimal("14.20"), {"units": Decimal("3")})
    )
    plain = _stored(_records(0.0042, 12, "14.20", {"units": 3}))
    _same(_stored(frame), plain)


def test_missing_markers_inside_a_dict_are_null() -> None:
    marked = _stored(_records(None, None, None, {"na": pd.NA, "nat": pd.NaT, "list": [1, pd.NA]}))
    plain = _stored(_records(None, None, None, {"na": None, "nat": None, "list": [1, None]}))
    _same(marked, plain)


_UNHELD = [
    ("tokens_in", Decimal("1.5"), "field 'tokens_in' must be an integer (got Decimal '1.5')"),
    ("cost", Decimal("1E+400"), "field 'cost' is out of range (1E+400)"),
    ("cost", Decimal("-Infinity"), "field 'cost' is infinite"),
    ("output", {"x": Decimal("Infinity")}, "field 'output' cannot be written as JSON"),
    ("output", {"x": Decimal("sNaN")}, "field 'output' cannot be written as JSON"),
]


def test_a_decimal_no_field_can_hold_is_quarantined_by_name() -> None:
    # (each case a run of its own, all in one call: each bad step costs only itself)
    recs = []
    for n, (field, value, _) in enumerate(_UNHELD):
        run = _records(None, None, None, None)
        run[1][field] = value
        recs += [dict(r, run_id=f"r{n}") for r in run]
    ws = wb.open()
    report = ws.ingest(recs, progress=False)
    assert (report.stored, report.quarantined) == (len(_UNHELD), len(_UNHELD))
    reasons = dict(ws.sql("SELECT run_id, reason FROM quarantine").fetchall())
    for n, (field, value, reason) in enumerate(_UNHELD):
        assert reason in reasons[f"r{n}"], (field, value, reasons[f"r{n}"])


def test_a_decimal_nan_is_a_missing_value_as_a_float_nan_is() -> None:
    # (a signalling NaN refuses to be compared: read without one; each NaN a run of its own)
    nans = {"quiet": Decimal("NaN"), "signalling": Decimal("sNaN")}
    ws = _stored([dict(r, run_id=run) for run, nan in nans.items() for r in _records(nan, nan, nan, None)])
    assert ws.sql(
        "SELECT run_id, cost, tokens_in, input FROM steps WHERE step_id = 's2' ORDER BY run_id"
    ).fetchall() == [("quiet", None, None, None), ("signalling", None, None, None)]


class _Unprintable:
    """A caller's object (a driver's row type, a lazy proxy) whose __str__ and __repr__ raise."""

    def __str__(self) -> str:
        raise RuntimeError("no str")

    __repr__ = __str__


def test_an_unprintable_value_costs_only_its_own_record() -> None:
    # Before: quarantining the record wrote its raw text with str() of each value, which raised: "ingest failed
    # while reading <records>: RuntimeError: no str; nothing was stored" (guard56). The record is quarantined
    # by name with a placeholder for the value; the good record beside it is stored.
    good, bad = _records(None, None, None, None), _records(None, None, None, _Unprintable())
    ws = wb.open()
    report = ws.ingest(good + [dict(r, run_id="r2") for r in bad], progress=False)
    assert (report.read, report.stored, report.quarantined) == (4, 3, 1), report.errors
    ((reason, raw),) = ws.sql("SELECT reason, raw FROM quarantine").fetchall()
    assert "'output'" in reason and "_Unprintable" in reason, reason
    assert "<unprintable " in raw and "_Unprintable>" in raw, raw
