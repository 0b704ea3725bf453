"""Fast, exact ISO-8601 formatting of integer microsecond timestamps (UTC)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DAY_US = 86_400_000_000


@lru_cache(maxsize=4096)
def _date(days: int) -> str:
    return (_EPOCH + timedelta(days=days)).strftime("%Y-%m-%d")


def iso(us: int) -> str:
    """``2026-01-01T00:00:00.000000Z`` for ``us`` microseconds since the epoch."""
    days, rem = divmod(us, _DAY_US)
    secs, micro = divmod(rem, 1_000_000)
    h, rest = divmod(secs, 3600)
    m, s = divmod(rest, 60)
    return f"{_date(days)}T{h:02d}:{m:02d}:{s:02d}.{micro:06d}Z"


def parse_us(text: str) -> int:
    """Microseconds since the epoch of an ISO-8601 timestamp (naive means UTC)."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
