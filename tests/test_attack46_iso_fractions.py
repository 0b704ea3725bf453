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

attack46's strict xfails (the function alone, no store: each case is one call)."""

from __future__ import annotations

import pytest

from workbench.ingest._values import iso_to_ns

_TEN = 1_767_607_200 * 10**9  # 2026-01-05T10:00:00Z in ns


@pytest.mark.xfail(
    strict=True,
    reason="attack46: ingest/_values.py iso_to_ns reads text with two fractions, or a fraction after the zone or "
    "offset, as a time (the regex's fraction plus fromisoformat's), where it should raise ValueError",
)
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


@pytest.mark.xfail(
    strict=True,
    reason="attack46: ingest/_values.py _FRACTION takes a comma after the minutes as the seconds' fraction: "
    "'10:00,5' (half a minute in ISO 8601) is read as 10:00:00.5",
)
def test_a_decimal_fraction_of_a_minute_is_not_read_as_seconds() -> None:
    try:
        ns = iso_to_ns("2026-01-05T10:00,5Z")
    except ValueError:  # refused: as good as read right
        return
    assert ns == _TEN + 30 * 10**9


@pytest.mark.xfail(
    strict=True,
    reason="attack46: ingest/_values.py iso_to_ns cuts the fraction out before fromisoformat, whose error then "
    "names the cut text: a Jaeger startTime '1.7672688e15' is quarantined as \"Invalid isoformat string: '1e15'\"",
)
def test_a_refused_timestamp_is_named_as_written() -> None:
    with pytest.raises(ValueError, match=r"1\.7672688e15"):
        iso_to_ns("1.7672688e15")
