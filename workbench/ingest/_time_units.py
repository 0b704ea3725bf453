"""Native timestamps written in seconds, milliseconds or microseconds where the format says nanoseconds.

The native format's numeric timestamps are nanoseconds since 1970. Written by hand from Python's
``time.time()`` (seconds) or JavaScript's ``Date.now()`` (milliseconds) they would land in January 1970,
silently. Epoch seconds, milliseconds, microseconds and nanoseconds of the years 2000 to 2100 lie orders
of magnitude apart, so the unit is told by size, value by value:

* an integer (or digit text) below 10**17 (before March 1973 as nanoseconds) that reads as 2000-2100 in
  seconds, milliseconds or microseconds is read in that unit, each on its own: one file (even one record)
  may hold ``time.time()`` seconds beside ``Date.now()`` milliseconds, and each lands where it says;
* 0 is no time (None), as OTLP reads ``startTimeUnixNano: "0"`` and the span readers read 0: an unset
  clock or a zero value, which read as 1970 beside times of today made a run 56 years long;
* the one exception, which no single value can tell: a file whose small times include ones that fit no
  unit and are not 0 (``5``, ``5e8``: counted from 1970 in nanoseconds, a test's synthetic clock), as many as
  those that fit one when its zeros are counted with them (a synthetic clock starts at 0), keeps all its small
  times as nanoseconds, 0 included, as the format says; the report names those that looked like another unit.
  So too when every time that fits a unit fits seconds (a nanosecond clock past its first second: ``1e9`` to
  ``4.1e9`` read as seconds would make its steps years long). Otherwise fewer (one odd value among a file's
  ``Date.now()`` milliseconds: ``5``, or ``4102444800``, 2100 in seconds,
  one past the window), the file's times are read in their units and each odd one is read as no time, as 0
  is, the report naming the lines that hold them: one odd value moved every time of its file to 1970;
* a number with a fraction (``time.time()`` writes one; decimal text too) is read in its unit one by one,
  as it is parsed: its fraction would be lost if it were scaled after being staged as integer
  nanoseconds. One that fits no unit is quarantined (a fraction of a nanosecond is no time; it may be a
  relative time such as ``time.perf_counter()``). A whole number written as a float (``1767268800.0``)
  is an integer.

The scaling runs on the stage, after either reader (the SQL fast path or the Python one) has staged the
file, so both store the same times. The values scaled are counted and named in the ingest report's
``notes``, file by file.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import duckdb

from ._parquet_rows import EpochNs
from ._stage_checks import check_sql
from ._values import iso_to_ns

# 2000-01-01 and 2100-01-01 in seconds since 1970.
_FROM_S, _TO_S = 946_684_800, 4_102_444_800
# Below this many nanoseconds (1973-03-03) a time read as nanoseconds is implausible for a log.
NS_PLAUSIBLE = 10**17
#: (unit, nanoseconds per unit, units per second)
UNITS = (("seconds", 10**9, 1), ("milliseconds", 10**6, 10**3), ("microseconds", 10**3, 10**6))
#: The sources whose numeric timestamps this applies to: the native format (from files or memory) and OTLP,
#: whose ``*UnixNano`` fields buggy exporters fill with seconds, milliseconds or microseconds.
SOURCES = ("native", "native-records", "otlp")
#: The parameters of stage_facts.sql's ``small_times`` test (the staged times this may scale).
SMALL_PARAMS = {"sources": list(SOURCES), "small": NS_PLAUSIBLE}
#: Of those, the sources whose staged ``latency_ms`` is derived from the times (none is written in OTLP).
DERIVED_LATENCY = ("otlp",)


def unit_of(value: float) -> tuple[str, int] | None:
    """``(unit, ns per unit)`` of an epoch number that reads as 2000-2100 in seconds, ms or µs; else None."""
    if not 0 <= value < NS_PLAUSIBLE:
        return None
    for name, ns, per_s in UNITS:
        if _FROM_S * per_s <= value < _TO_S * per_s:
            return name, ns
    return None


def number_ns(value: float | str, counts: dict[tuple[str, str], int], file: str) -> int:
    """Nanoseconds of an epoch number (a float, or decimal text such as ``"1767225600.25"``).

    A whole number is returned as nanoseconds (an integer: its file's other integers tell its unit). One
    with a fraction is scaled by the unit that puts it in 2000-2100 (counted in ``counts``); when none
    does, it is no time this can place (a fraction of a nanosecond, or a relative time such as
    ``time.perf_counter()``): ValueError, naming it.
    """
    # From the shortest decimal that gives the float (what the JSON said): the float product is off by
    # hundreds of nanoseconds (S + 0.25 seconds became ...249999744 ns).
    exact = Decimal(value if isinstance(value, str) else repr(value))
    if exact == exact.to_integral_value():
        return int(exact)
    unit = unit_of(float(exact))
    if unit is None:
        raise ValueError(f"{value} has a fraction, so it is not integer nanoseconds, and read as epoch seconds, "
                         "milliseconds or microseconds it is not in 2000-2100 (a relative time?): write ISO-8601 "
                         "or epoch time")
    counts[(file, unit[0])] = counts.get((file, unit[0]), 0) + 1
    return int((exact * unit[1]).to_integral_value())


def epoch_or_iso_ns(value: Any) -> int | None:
    """Nanoseconds of a span reader's time: ISO-8601 text, or an epoch number in s, ms, µs or ns told by
    magnitude one by one (unless a Parquet timestamp type gave its unit: :class:`EpochNs`).

    Digit text (``"1733400000123"``) is the number it writes. 0 (a number or ``"0"``) is no time, None, as OTLP reads ``startTimeUnixNano: "0"``: it is an SDK's unset
    clock or a Go/JS zero value, and read as 1970 beside times of today it made a run decades long.
    """
    if isinstance(value, (int, float, str)) and not isinstance(value, bool) and _is_zero(value):
        return None
    if isinstance(value, EpochNs):
        return int(value)
    if isinstance(value, float) and not math.isfinite(value):
        return iso_to_ns(value)  # (its error)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _scaled(Decimal(value if isinstance(value, int) else repr(value)))
    if isinstance(value, str) and _EPOCH_TEXT.fullmatch(value.strip()):
        # Digit text (a Langfuse or ClickHouse export's "1733400000123"): the number it writes, by the same rule
        return _scaled(Decimal(value.strip()))
    return iso_to_ns(value)


_EPOCH_TEXT = re.compile(r"[0-9]+(\.[0-9]+)?")


def _scaled(exact: Decimal) -> int:
    # (exactly: a float product is off by tens of nanoseconds, 1733400000123 ms read as ...123000064 ns)
    x = abs(exact)
    scale = 10**9 if x < 10**11 else 10**6 if x < 10**14 else 10**3 if x < 10**17 else 1
    return int((exact * scale).to_integral_value())


def _is_zero(value: float | str) -> bool:
    if isinstance(value, str):
        text = value.strip()
        return bool(text) and text.isdigit() and not text.strip("0")
    return value == 0


def class_sql(x: str) -> str:
    """:func:`_class` of the SQL expression ``x`` (a staged time), as SQL: the native fast path's check
    and the class of each small time counted below."""
    return f"(CASE WHEN {x} >= {NS_PLAUSIBLE} THEN 'ns' WHEN {x} = 0 THEN 'zero' {_windows(x, 'class')} ELSE '' END)"


def _windows(x: str, then: str) -> str:
    # One WHEN a unit of UNITS, its 2000-2100 window: 'class' gives the unit's name, 'value' the time in ns.
    return " ".join(f"WHEN {x} >= {_FROM_S * per_s} AND {x} < {_TO_S * per_s} THEN "
                    + (f"'{name}'" if then == "class" else f"{x} * {ns}") for name, ns, per_s in UNITS)


# The staged native times below NS_PLAUSIBLE, by file and class: the unit that puts them in 2000-2100, 'zero'
# for 0, '' for none (of the rows stage_facts.sql's small_times test finds: steps' and native run records').
_SMALL = f"""
SELECT file, {class_sql("ns")} AS unit, count(*)::BIGINT AS n
FROM (SELECT file, unnest([start_ns, end_ns]) AS ns FROM ({check_sql("small_times")}))
WHERE ns < $small
GROUP BY ALL
"""
# Each small time of the files listed read in its own unit, 0 as no time (the files on a synthetic clock,
# see the module's text, are not listed).
def _value_sql(x: str) -> str:
    # (ELSE: a time that fits no unit, in a file whose other times do: no time, as 0)
    return f"CASE WHEN {x} >= $small THEN {x} WHEN {x} = 0 THEN NULL {_windows(x, 'value')} ELSE NULL END"


_SCALE = f"""
UPDATE stage_steps
SET start_ns = {_value_sql("start_ns")}, end_ns = {_value_sql("end_ns")},
    -- a latency the reader derived from the unscaled times: derived again by the merge from the scaled ones
    latency_ms = CASE WHEN source IN (SELECT unnest($derived)) THEN NULL ELSE latency_ms END
WHERE list_contains($files, file) AND source IN (SELECT unnest($sources)) AND (start_ns < $small OR end_ns < $small)
"""
_SCALE_RUNS = f"""
UPDATE stage_runs
SET start_ns = {_value_sql("start_ns")}, end_ns = {_value_sql("end_ns")}
WHERE list_contains($files, file) AND source IN (SELECT unnest($sources)) AND (start_ns < $small OR end_ns < $small)
"""


def same_class(start: int, end: int) -> bool:
    """Whether two staged times are both nanoseconds of today, or both small and of one class (one unit, or
    none): a pair a reader may compare before scaling. Any other pair is compared after it, by the merge."""
    return _class(start) == _class(end)


def _class(ns: int) -> str:
    if ns >= NS_PLAUSIBLE:
        return "ns"
    if ns == 0:
        return "zero"
    unit = unit_of(ns)
    return unit[0] if unit else ""


def scale_integer_units(con: duckdb.DuckDBPyConnection, counts: dict[tuple[str, str], int],
                        any_small: bool | None = None) -> list[str]:
    """Read each staged small native or OTLP time in the unit its size tells (0 as no time); the notes.

    ``counts`` holds the numbers with a fraction already read in a unit (:func:`number_ns`); they are
    added to the notes. Returns one note a file and unit, for the report.
    """
    found: dict[str, dict[str, int]] = {}
    # (any_small: whether the stage holds a small time at all, when the caller knows: _stage_facts)
    rows = [] if any_small is False else con.execute(_SMALL, SMALL_PARAMS).fetchall()
    for file, unit, n in rows:
        found.setdefault(file, {})[unit] = n
    scaled = dict(counts)
    mixed: list[str] = []
    zeros: list[str] = []
    files: list[str] = []
    odd: list[str] = []
    for file, units in sorted(found.items()):
        looks = {u: n for u, n in units.items() if u and u != "zero"}
        # a synthetic clock counted from 1970 in nanoseconds (its times fitting no unit, with its zeros, as many as
        # those that do; or those that do all read as seconds: a nanosecond clock past its first second, 1e9 to
        # 4.1e9, is in the seconds' window, and read so its steps would last years): kept as the format says
        if "" in units and (units[""] + units.get("zero", 0) >= sum(looks.values()) or set(looks) == {"seconds"}):
            if looks:
                what = ", ".join(f"{n:,} {u}" for u, n in sorted(looks.items()))
                mixed.append(f"{file}: {sum(looks.values()):,} integer timestamps look like epoch {what} but "
                             f"were read as nanoseconds (1970), as the file's other small ones ({units[''] :,}) "
                             "fit no unit; write ISO-8601 or integer nanoseconds")
            continue
        if looks or "zero" in units:
            files.append(file)
        if "" in units:
            odd.append(_odd_note(con, file, units[""], looks))
        for unit, n in looks.items():
            scaled[(file, unit)] = scaled.get((file, unit), 0) + n
        if "zero" in units:
            n = units["zero"]
            zeros.append(f"{file}: {n:,} timestamp{'' if n == 1 else 's'} of 0 read as no time (an unset clock, "
                         "not 1970)")
    if files:
        con.execute(_SCALE, {**SMALL_PARAMS, "files": files, "derived": list(DERIVED_LATENCY)})
        con.execute(_SCALE_RUNS, {**SMALL_PARAMS, "files": files})
    notes = [f"{file}: {n:,} timestamp{'' if n == 1 else 's'} read as {unit} since 1970 (told by size; "
             "the format's numbers are nanoseconds)" for (file, unit), n in sorted(scaled.items())]
    return notes + zeros + mixed + odd


# The lines of a file holding a small time that fits no unit (the first three)
_ODD_LINES = f"""
SELECT DISTINCT line FROM stage_steps
WHERE file = $file AND list_contains($sources, source)
  AND ((start_ns < $small AND {class_sql("start_ns")} = '') OR (end_ns < $small AND {class_sql("end_ns")} = ''))
UNION SELECT DISTINCT line FROM stage_runs
WHERE file = $file AND list_contains($sources, source)
  AND ((start_ns < $small AND {class_sql("start_ns")} = '') OR (end_ns < $small AND {class_sql("end_ns")} = ''))
ORDER BY line NULLS LAST LIMIT 3
"""


def _odd_note(con: duckdb.DuckDBPyConnection, file: str, n: int, looks: dict[str, int]) -> str:
    """The report's note on a file's times that fit no unit beside more that do (read as no time)."""
    lines = [line for (line,) in con.execute(_ODD_LINES, {**SMALL_PARAMS, "file": file}).fetchall()]
    where = ", ".join("?" if line is None else str(line) for line in lines) + (", ..." if n > len(lines) else "")
    what = ", ".join(f"{m:,} {u}" for u, m in sorted(looks.items()))
    return (f"{file}: {n:,} integer timestamp{'' if n == 1 else 's'} fit{'s' if n == 1 else ''} no unit (not 2000-2100 in seconds, "
            f"milliseconds or microseconds) beside {what} that do: read as no time, not 1970 (line "
            f"{where}); write ISO-8601 or integer nanoseconds")
