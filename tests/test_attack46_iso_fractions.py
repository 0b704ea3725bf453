"""route45 taught ``ingest/_values.py::iso_to_ns`` a decimal comma (``_FRACTION``: a dot, or a comma after ``:dd``)
and to add what ``datetime.fromisoformat`` read of a fraction the pattern left. Text that is no timestamp now reads
as another time, where bad input should be refused (the record quarantined, naming the field):

- two fractions (``10:00:00.5.5``, ``10:00:00.5,5``, ``10:00:00,5,5``): the pattern takes the first, fromisoformat
  the second, and the two are added: 1 s;
- a fraction after the zone (``10:00:00Z.5``) or the offset (``10:00:00+01:00.5``): taken as the seconds' fraction;
- a comma after the *minutes* (``10:00,5``, ISO 8601's decimal fraction of a minute: 10:00:30) is read as half a
  second, 29.5 s off.

The error of a refused text names the text the pattern left, not the text written (a Jaeger ``startTime`` of
``"1.7672688e15"`` is quarantined as "Invalid isoformat string: '1e15'").

attack46's strict xfails (the function alone, no store: each case is one call), made tests by realb46: the
fraction is cut only after a time's seconds, text with a dot or comma left is refused, named as written."""

from __future__ import annotations

import pytest

from workbench.ingest._values import iso_to_ns

_TEN = 1_767_607_200 * 10**9  # 2026-01-05T10:00:00Z in ns


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-05T10:00:00.5.5Z",
        "2026-01-05T10:00:00.5,5Z",
        "2026-01-05T10:00:00Z.5",
        "2026-01-05T10:00:00+01:00.5",
    ],
)
def test_a_timestamp_with_a_stray_fraction_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        iso_to_ns(text)


def test_a_decimal_fraction_of_a_minute_is_not_read_as_seconds() -> None:
    try:
        ns = iso_to_ns("2026-01-05T10:00,5Z")
    except ValueError:  # refused: as good as read right
        return
    assert ns == _TEN + 30 * 10**9


def test_a_refused_timestamp_is_named_as_written() -> None:
    with pytest.raises(ValueError, match=r"1\.7672688e15"):
        iso_to_ns("1.7672688e15")


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("2026-01-05T10:00:00.123456789Z", _TEN + 123_456_789),
        ("2026-01-05 10:00:00,250", _TEN + 250_000_000),  # Python logging's asctime
        ("20260105T100000,25", _TEN + 250_000_000),  # ISO 8601's basic format
        ("2026-01-05T11:00:00.5+01:00", _TEN + 500_000_000),
        ("2026-01-05T05:00:00.5-05:00", _TEN + 500_000_000),
        ("2026-01-05T10:00Z", _TEN),
    ],
)
def test_a_fraction_after_the_seconds_is_read(text: str, ns: int) -> None:
    assert iso_to_ns(text) == ns
