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
* a unit is wrong for a value that, read in it, lies more than a year from its run's middle time (the lower median
  of the run's times, each read in the unit its size tells, nanoseconds of today as they are): a nanosecond clock
  past its first second (``1e9`` to ``4.1e9``) is in the seconds' window, and read so its steps would last years;
  ``4000000000`` among a run's ``Date.now()`` milliseconds of today is 2096 in seconds. Such a value, and one that
  fits no unit and is not 0 (``5``, ``4102444800``: 2100 in seconds, one past the window), is read as no time, as 0
  is, the report naming the lines that hold them: one odd value moved every time of its file to 1970;
* the one exception, which no single value can tell: a file whose wrong small times (fitting no unit, or years
  from their runs' other times) are as many as its right ones when its zeros are counted with them (a synthetic
  clock starts at 0), and whose runs hold no nanoseconds of today beside them (there 1970 is decades off too), is a
  clock counted from 1970 in nanoseconds (a test's synthetic clock): all its small times are kept as nanoseconds,
  0 included, as the format says; the report names those that looked like another unit;
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
        raise ValueError(
            f"{value} has a fraction, so it is not integer nanoseconds, and read as epoch seconds, "
            "milliseconds or microseconds it is not in 2000-2100 (a relative time?): write ISO-8601 "
            "or epoch time"
        )
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


# A small time read in its unit lies this far from its run's middle time at most (a year, in ns): farther, the unit is
# wrong for it. A nanosecond clock counted from 1970 past its first second (1e9 to 4.1e9) is in the seconds' window,
# and read so its times lie decades apart; 4e9 among a run's Date.now() milliseconds of today (2096 in seconds) is no
# time of that run.
FAR_NS = 366 * 86_400 * 10**9


def _windows(x: str, then: str, center: str = "c.center") -> str:
    # One WHEN a unit of UNITS, its 2000-2100 window: 'class' gives the unit's name, 'value' the time in ns, 'near'
    # the time in ns when it lies within FAR_NS of its run's middle time (``center``), else NULL.
    def out(name: str, ns: int) -> str:
        if then == "class":
            return f"'{name}'"
        if then == "value":
            return f"{x} * {ns}"
        return f"CASE WHEN abs({x} * {ns} - {center}) <= {FAR_NS} THEN {x} * {ns} END"

    return " ".join(
        f"WHEN {x} >= {_FROM_S * per_s} AND {x} < {_TO_S * per_s} THEN {out(name, ns)}"
        for name, ns, per_s in UNITS
    )


# The rows of stage_steps and stage_runs (alias s) of the sources this applies to.
_OF_STAGE = [f"FROM {t} s WHERE list_contains($sources, s.source)" for t in ("stage_steps", "stage_runs")]
# Of those, the rows of a run holding a small time (of the query's ``small``): in any staged file, by the run's id; one
# without a run id, in its own file. Keyed by the run (file NULL) or, without an id, by its file: a run's middle time
# is taken once, not once for each of its files.
_OF_RUN = [
    f"SELECT CASE WHEN s.run_id IS NULL THEN s.file END AS file, s.run_id, unnest([s.start_ns, s.end_ns]) AS ns "
    f"FROM {t} s WHERE list_contains($sources, s.source) "
    "AND (s.run_id IN (SELECT run_id FROM small WHERE run_id IS NOT NULL) "
    "OR (s.run_id IS NULL AND s.file IN (SELECT file FROM small WHERE run_id IS NULL)))"
    for t in ("stage_steps", "stage_runs")
]
_SMALL_ROW = "(s.start_ns < $small OR s.end_ns < $small)"

# The runs holding a staged native or OTLP time below NS_PLAUSIBLE (of the rows stage_facts.sql's small_times test
# finds: steps' and native run records'), each with its middle time read in the candidate units (the lower median
# of its times, each small one in the unit its size tells, the others as they are: 0 and those fitting no unit
# left out), whether it holds a time of today in nanoseconds (big), and one that is small and not 0.
_CENTERS = f"""
CREATE OR REPLACE TEMP TABLE time_centers AS
WITH small AS (
    SELECT DISTINCT s.file, s.run_id {_OF_STAGE[0]} AND {_SMALL_ROW}
    UNION SELECT DISTINCT s.file, s.run_id {_OF_STAGE[1]} AND {_SMALL_ROW}
), times AS (
    -- the run's staged times in every file of the call: its records in two files of one call (a rotated log, a
    -- folder) find the middle time the whole file finds, not the second file's odd time alone
    {_OF_RUN[0]}
    UNION ALL
    {_OF_RUN[1]}
    UNION ALL
    -- the times the store holds for the run (as stored: read in their units already, nanoseconds of today telling
    -- it is no clock from 1970): its records ingested in two calls find the middle time and the anchor the whole
    -- file finds, not the second call's odd time alone (split = whole)
    SELECT NULL, m.run_id, unnest([epoch_ns(t.started_at), epoch_ns(t.ended_at)]) AS ns
    FROM (SELECT DISTINCT run_id FROM small) m JOIN steps t ON t.run_id = m.run_id
), centers AS (
    SELECT file, run_id, quantile_disc(CASE WHEN ns >= $small THEN ns {_windows("ns", "value")} END, 0.5) AS center,
           bool_or(ns >= $small) AS big, bool_or(ns > 0 AND ns < $small) AS small_set
    FROM times WHERE ns IS NOT NULL
    GROUP BY file, run_id
)
-- each file and run holding a small time, with its run's middle time (two joins, each on equal keys)
SELECT m.file, m.run_id, c.center, c.big, c.small_set FROM small m JOIN centers c ON c.run_id = m.run_id
UNION ALL
SELECT m.file, m.run_id, c.center, c.big, c.small_set
FROM small m JOIN centers c ON c.file = m.file AND m.run_id IS NULL AND c.run_id IS NULL
"""

# The small times by file, class (the unit that puts them in 2000-2100, 'zero' for 0, '' for none) and whether one
# fitting a unit lies far from its run's other times; and whether the file's runs holding a small time but 0 hold a
# time of today in nanoseconds beside it (anchored: such a file is no clock counted from 1970).
_SMALL = f"""
WITH v AS (
    SELECT s.file, unnest([s.start_ns, s.end_ns]) AS ns, c.center
    FROM stage_steps s JOIN time_centers c ON c.file = s.file AND c.run_id IS NOT DISTINCT FROM s.run_id
    WHERE list_contains($sources, s.source) AND {_SMALL_ROW}
    UNION ALL
    SELECT s.file, unnest([s.start_ns, s.end_ns]) AS ns, c.center
    FROM stage_runs s JOIN time_centers c ON c.file = s.file AND c.run_id IS NOT DISTINCT FROM s.run_id
    WHERE list_contains($sources, s.source) AND {_SMALL_ROW}
)
SELECT v.file, {class_sql("ns")} AS unit, (CASE {_windows("ns", "near", "center")} END) IS NULL AS far,
       count(*)::BIGINT AS n, any_value(a.anchored) AS anchored
FROM v JOIN (SELECT file, bool_or(big AND small_set) AS anchored FROM time_centers GROUP BY file) a
     ON a.file = v.file
WHERE ns < $small
GROUP BY ALL
"""


# Each small time of the files listed read in its own unit when it lies near its run's other times, 0 as no time (the
# files on a synthetic clock, see the module's text, are not listed).
def _value_sql(x: str) -> str:
    # (ELSE: a time that fits no unit, in a file whose other times do: no time, as 0; so too one far from its run's)
    return f"CASE WHEN {x} >= $small THEN {x} WHEN {x} = 0 THEN NULL {_windows(x, 'near')} ELSE NULL END"


_SCALE = f"""
UPDATE stage_steps
SET start_ns = {_value_sql("start_ns")}, end_ns = {_value_sql("end_ns")},
    -- a latency the reader derived from the unscaled times: derived again by the merge from the scaled ones
    latency_ms = CASE WHEN source IN (SELECT unnest($derived)) THEN NULL ELSE latency_ms END
FROM time_centers c
WHERE c.file = stage_steps.file AND c.run_id IS NOT DISTINCT FROM stage_steps.run_id
  AND list_contains($files, stage_steps.file) AND source IN (SELECT unnest($sources))
  AND (start_ns < $small OR end_ns < $small)
"""
_SCALE_RUNS = f"""
UPDATE stage_runs
SET start_ns = {_value_sql("start_ns")}, end_ns = {_value_sql("end_ns")}
FROM time_centers c
WHERE c.file = stage_runs.file AND c.run_id IS NOT DISTINCT FROM stage_runs.run_id
  AND list_contains($files, stage_runs.file) AND source IN (SELECT unnest($sources))
  AND (start_ns < $small OR end_ns < $small)
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


def scale_integer_units(
    con: duckdb.DuckDBPyConnection, counts: dict[tuple[str, str], int], any_small: bool | None = None
) -> list[str]:
    """Read each staged small native or OTLP time in the unit its size tells (0 as no time); the notes.

    ``counts`` holds the numbers with a fraction already read in a unit (:func:`number_ns`); they are
    added to the notes. Returns one note a file and unit, for the report.
    """
    found: dict[str, dict[tuple[str, bool], int]] = {}
    anchored: set[str] = set()
    # (any_small: whether the stage holds a small time at all, when the caller knows: _stage_facts; else its test)
    if any_small is None:
        any_small = bool(
            con.execute(f"SELECT EXISTS ({check_sql('small_times')})", SMALL_PARAMS).fetchall()[0][0]
        )
    if any_small:
        con.execute(_CENTERS, SMALL_PARAMS)
        for file, unit, far, n, held in con.execute(_SMALL, SMALL_PARAMS).fetchall():
            found.setdefault(file, {})[(unit, bool(far) and unit not in ("", "zero"))] = n
            if held:
                anchored.add(file)
    scaled = dict(counts)
    mixed: list[str] = []
    zeros: list[str] = []
    files: list[str] = []
    odd: list[str] = []
    for file, classes in sorted(found.items()):
        near = {u: n for (u, far), n in classes.items() if u not in ("", "zero") and not far}
        far = {u: n for (u, far_), n in classes.items() if far_}
        looks = {u: near.get(u, 0) + far.get(u, 0) for u in {*near, *far}}
        unfit, zero, n_far = classes.get(("", False), 0), classes.get(("zero", False), 0), sum(far.values())
        # A clock counted from 1970 in nanoseconds, as the format says (a test's synthetic clock): its small times
        # read in the units their sizes tell are wrong, fitting none or lying years from their runs' other times (a
        # nanosecond clock past its first second, 1e9 to 4.1e9, is in the seconds' window: its steps would last
        # years), as many as those that are right, counted with its zeros (such a clock starts at 0); and no run of
        # it holds a time of today in nanoseconds beside them (there 1970 is decades off as well). Kept as it is.
        if (unfit or n_far) and file not in anchored and unfit + zero + n_far >= sum(near.values()):
            if looks:
                what = ", ".join(f"{n:,} {u}" for u, n in sorted(looks.items()))
                why = " and ".join(
                    x
                    for x in (
                        f"{unfit:,} fit no unit" if unfit else "",
                        f"{n_far:,} read so would lie years from their run's other times" if n_far else "",
                    )
                    if x
                )
                mixed.append(
                    f"{file}: {sum(looks.values()):,} integer timestamps look like epoch {what} but "
                    f"were read as nanoseconds (1970), as the file's small ones are no epoch times "
                    f"({why}); write ISO-8601 or integer nanoseconds"
                )
            continue
        if near or zero or unfit or n_far:
            files.append(file)
        if unfit or n_far:
            odd.append(_odd_note(con, file, unfit, n_far, near))
        for unit, n in near.items():
            scaled[(file, unit)] = scaled.get((file, unit), 0) + n
        if zero:
            zeros.append(
                f"{file}: {zero:,} timestamp{'' if zero == 1 else 's'} of 0 read as no time (an unset "
                "clock, not 1970)"
            )
    if files:
        con.execute(_SCALE, {**SMALL_PARAMS, "files": files, "derived": list(DERIVED_LATENCY)})
        con.execute(_SCALE_RUNS, {**SMALL_PARAMS, "files": files})
    notes = [
        f"{file}: {n:,} timestamp{'' if n == 1 else 's'} read as {unit} since 1970 (told by size; "
        "the format's numbers are nanoseconds)"
        for (file, unit), n in sorted(scaled.items())
    ]
    return notes + zeros + mixed + odd


def _wrong(x: str) -> str:
    # (a small time but 0 that fits no unit, or lies far from its run's other times read in the one it fits)
    return f"({x} > 0 AND {x} < $small AND (CASE {_windows(x, 'near')} END) IS NULL)"


# The lines of a file holding a small time read as no time, fitting no unit or far from its run's (the first three)
_ODD_LINES = f"""
SELECT DISTINCT s.line FROM stage_steps s
JOIN time_centers c ON c.file = s.file AND c.run_id IS NOT DISTINCT FROM s.run_id
WHERE s.file = $file AND list_contains($sources, s.source) AND ({_wrong("s.start_ns")} OR {_wrong("s.end_ns")})
UNION SELECT DISTINCT s.line FROM stage_runs s
JOIN time_centers c ON c.file = s.file AND c.run_id IS NOT DISTINCT FROM s.run_id
WHERE s.file = $file AND list_contains($sources, s.source) AND ({_wrong("s.start_ns")} OR {_wrong("s.end_ns")})
ORDER BY line NULLS LAST LIMIT 3
"""


def _odd_note(con: duckdb.DuckDBPyConnection, file: str, unfit: int, n_far: int, near: dict[str, int]) -> str:
    """The report's note on a file's times read as no time beside more that are read in their units: fitting no
    unit, or lying years from their run's other times in the one they fit."""
    lines = [line for (line,) in con.execute(_ODD_LINES, {**SMALL_PARAMS, "file": file}).fetchall()]
    n = unfit + n_far
    where = ", ".join("?" if line is None else str(line) for line in lines) + (
        ", ..." if n > len(lines) else ""
    )
    what = (
        (", ".join(f"{m:,} {u}" for u, m in sorted(near.items())) + " that do")
        if near
        else "nanoseconds of today"
    )
    said = " and ".join(
        x
        for x in (
            f"{unfit:,} integer timestamp{'' if unfit == 1 else 's'} fit{'s' if unfit == 1 else ''} no unit (not "
            "2000-2100 in seconds, milliseconds or microseconds)"
            if unfit
            else "",
            f"{n_far:,} integer timestamp{'' if n_far == 1 else 's'} read in the unit {'its' if n_far == 1 else 'their'} "
            f"size tells would lie years from {'its' if n_far == 1 else 'their'} run's other times"
            if n_far
            else "",
        )
        if x
    )
    return (
        f"{file}: {said} beside {what}: read as no time, not 1970 (line {where}); write ISO-8601 "
        "or integer nanoseconds"
    )
