"""An ISO-8601 time whose fraction follows a comma, as ISO 8601 allows and as Python's ``logging`` writes every
``asctime`` (``2026-01-05 10:00:00,250``): ``ingest/_values.py::iso_to_ns`` carries only a fraction after a dot
(``_FRACTION``) and adds the whole seconds of what ``datetime.fromisoformat`` read, dropping the microseconds it
read after the comma. A step logged from 10:00:00,250 to 10:00:00,750 is stored starting and ending at 10:00:00,
0 ms long (both native readers, every span reader). attack45's strict xfail, fixed by route45; one two-step log."""

from __future__ import annotations

from pathlib import Path

import pytest
from _attack44_logs import run_records, write_log

import workbench as wb
from workbench.ingest._values import iso_to_ns


def test_a_comma_fraction_is_kept(tmp_path: Path) -> None:
    records = run_records(["planner", "pricer"])
    records[1].update(started_at="2026-01-05 10:00:00,250", ended_at="2026-01-05 10:00:00,750")
    ws = wb.open()
    ws.ingest(write_log(tmp_path / "run.jsonl", records), progress=False)
    (latency,) = ws.sql("SELECT latency_ms FROM steps WHERE step_id = 's0'").fetchall()[0]
    assert latency == pytest.approx(500.0)


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("2026-01-05T10:00:00,250000001Z", 1_767_607_200_250_000_001),
        ("2026-01-05 10:00:00,5-01:00", 1_767_610_800_500_000_000),
        ("20260105T100000,25", 1_767_607_200_250_000_000),  # (the basic format: fromisoformat's fraction)
        ("2026-01-05T10:00:00.123456789+02:00", 1_767_600_000_123_456_789),
    ],
)
def test_iso_to_ns_keeps_every_fraction(text: str, ns: int) -> None:
    """route45: the comma after the seconds carries its nanoseconds as the dot does."""
    assert iso_to_ns(text) == ns


@pytest.mark.parametrize("text", ["Mon, 05 Jan 2026 10:00:00 GMT", "2026-01-05,5"])
def test_iso_to_ns_takes_no_other_comma(text: str) -> None:
    with pytest.raises(ValueError, match="isoformat"):
        iso_to_ns(text)
