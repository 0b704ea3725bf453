"""The explorer's run list: filters and pages evaluated in DuckDB, parameters only."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._verdict_rank import VERDICT_RANK
from .._worst import WORST_FIRST
from ..store._connection import _configure
from ..store._outcomes import TAKEN_SQL, silent_flag, taken_from, with_run_outcomes
from ..store._own_connection import fetch, fetch_df

if TYPE_CHECKING:
    from ..workspace import Workspace

_OUTCOMES = ("success", "failure", "unknown")


def _file(name: str) -> str:
    return resources.files("workbench.widgets").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


@cache
def _sql(name: str) -> str:
    # (the verdict ranking is the store's, store/sql/verdict_rank.sql: one rule for every view of a verdict;
    # a page's hits and culprit are page_rows.sql's, one text for the offset and the keyset page)
    return _file(name).replace("__PAGE_ROWS__", _file("page_rows")).replace("__VERDICT_RANK__", VERDICT_RANK)


@cache
def _filter_sql(active: frozenset[str]) -> str:
    # The file's own clauses, switched on by name for the filters that are set: SQL text comes only
    # from the package, values only from bound parameters.
    lines = []
    for line in with_run_outcomes(_sql("run_filter")).splitlines():
        if line.startswith("--") and ":" in line and line[2 : line.index(":")] in _FIELDS:
            name = line[2 : line.index(":")]
            if name in active:
                lines.append(line[line.index(":") + 1 :])
        else:
            lines.append(line)
    return "\n".join(lines)


def _position_sql(active: frozenset[str]) -> str:
    return _sql("run_position").replace("__FILTER__", _filter_sql(active))


def _page_sql(active: frozenset[str]) -> str:
    return _sql("run_page").replace("__FILTER__", _filter_sql(active))


_FIELDS = ("outcome", "system", "since", "until", "detector", "culprit")


@dataclass(frozen=True)
class RunFilter:
    """Which runs to list; ``None`` means any.

    ``silent`` (default True): a run taken as failed (a silent failure: declared success, a critical
    silent_failure finding, no label) has outcome 'failure', as ``workbench investigate`` and
    ``ws.runs(outcome="failure", silent=True)`` count it; False: the labelled/declared outcome only.
    """

    outcome: str | None = None
    system: str | None = None
    since: datetime | date | None = None
    until: datetime | date | None = None
    detector: str | None = None
    culprit: str | None = None
    silent: bool = True

    def __post_init__(self) -> None:
        if self.outcome is not None and self.outcome not in _OUTCOMES:
            raise ValueError(f"outcome must be one of {_OUTCOMES} or None (got {self.outcome!r})")
        object.__setattr__(self, "silent", silent_flag(self.silent, "RunFilter"))
        for name in ("since", "until"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, (date, datetime)):
                raise ValueError(f"{name} must be a date or datetime (got {v!r})")

    def active(self) -> frozenset[str]:
        return frozenset(f.name for f in fields(self) if getattr(self, f.name) is not None)

    def params(self, only_active: bool = False) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if only_active:
            out = {k: v for k, v in out.items() if v is not None}
        for name in ("since", "until"):
            if name not in out:
                continue
            v = out[name]
            if isinstance(v, date) and not isinstance(v, datetime):
                out[name] = datetime(v.year, v.month, v.day)
        return out

    def with_(self, **changes: Any) -> RunFilter:
        return replace(self, **changes)


def count_runs(ws: Workspace, flt: RunFilter) -> int:
    """How many runs pass ``flt``."""
    sql = f"SELECT count(*) FROM ({_filter_sql(flt.active())})"
    return int(fetch(ws.con, sql, flt.params(only_active=True))[0][0])


def run_page(ws: Workspace, flt: RunFilter, page: int = 0, page_size: int = 50) -> pd.DataFrame:
    """Page ``page`` (from 0) of the runs passing ``flt``, newest first: run_id, system, started_at,
    outcome, reported_outcome, n_steps, task, hits, detectors, culprit, taken_why (why a run of outcome
    'failure' is taken as failed: a silent failure, counted so with ``flt.silent``; else None)."""
    if page < 0 or page_size < 1:
        raise ValueError(f"page must be >= 0 and page_size >= 1 (got {page}, {page_size})")
    return fetch_df(
        ws.con,
        _page_sql(flt.active()),
        {**flt.params(only_active=True), "limit": int(page_size), "offset": int(page) * int(page_size)},
    )


def choices(ws: Workspace) -> dict[str, list[str]]:
    """The values the filters offer: systems, detectors with hits, culprits of stored verdicts."""

    def col(q: str) -> list[str]:
        return [str(v) for (v,) in fetch(ws.con, q) if v is not None]

    return {
        "system": col("SELECT DISTINCT system FROM runs WHERE system IS NOT NULL ORDER BY 1"),
        "detector": col("SELECT DISTINCT detector FROM findings WHERE severity <> 'info' ORDER BY 1"),
        "culprit": col(
            "SELECT DISTINCT target FROM attributions WHERE unit = 'verdict' AND target <> '' ORDER BY 1"
        ),
    }


_COLUMNS = [
    "run_id",
    "system",
    "started_at",
    "outcome",
    "reported_outcome",
    "n_steps",
    "task",
    "hits",
    "detectors",
    "culprit",
    "taken_why",
]
_CLAUSES = frozenset(
    {"timed", "untimed", "after", "before", "after_id", "before_id", "lo", "hi", "forward", "backward"}
)
_Key = tuple[datetime | None, str]  # (started_at, run_id): a run's place in the list
# A time window starts as wide as this many runs at the store's average density (about a DuckDB row
# group, 122,880 rows: a narrower window skips no more of the table) and widens by up to this factor
# while it holds less than a page.
_WINDOW_RUNS, _WINDOW_GROWTH = 100_000, 16


class RunPager:
    """The runs passing one filter, newest first, fetched a page at a time by keyset ("seek") pagination.

    Creating one runs no query. A page is a top-N (``ORDER BY ... LIMIT``) over the runs past the
    previous page's last key, in a time window that widens until it holds the page, so DuckDB skips
    the row groups outside it: the first page after a filter change costs what any other page
    costs, at any store size. The keys of the pages seen are kept, so "older" and "newer" are seeks
    from a known key; a jump to a page never seen finds its key with one ``OFFSET`` over the two
    key columns (from the nearer end of the list). ``total`` is counted on first use, not before.
    ``refresh()`` after new runs, findings or attributions.
    """

    def __init__(self, ws: Workspace, flt: RunFilter) -> None:
        self.ws, self.filter = ws, flt
        self.refresh()

    def refresh(self) -> None:
        """Forget the counts and keys (call after the store changed)."""
        self.close()
        self._taken: str | None = None
        self._total: int | None = None
        self._span: tuple[datetime, datetime, int] | None = None
        self._first: dict[tuple[int, int], _Key] = {}
        self._last: dict[tuple[int, int], _Key] = {}
        self._more: dict[tuple[int, int], bool] = {}

    def close(self) -> None:
        """Let go of the runs taken as failed (a frame of every such run) and the cursor holding them; the next
        page works them out again (the explorer closes its pager when it is closed)."""
        if getattr(self, "_release", None) is not None:
            self._release()  # closes the cursor and detaches its finalizer: none left per refresh
        self._release: weakref.finalize | None = None
        self._con: Any = None
        self._taken = None

    @property
    def total(self) -> int:
        """How many runs pass the filter (one count, on first use)."""
        if self._total is None:
            sql = f"SELECT count(*) FROM ({_filter_sql(self.filter.active())})"
            self._total = int(self._run(sql, {})[0][0])
        return self._total

    def _taken_relation(self) -> str:
        # The runs taken as failed (taken_as_failed.sql), worked out once per pager and registered under
        # a name of its own: the rule joins every step, and each page would otherwise pay for it again
        # (measured on 200k runs / 5M steps: ~130 ms CPU a page against ~25 ms without it).
        # It is registered on a cursor of the pager's own, on which every query of the pager runs: registered on
        # ws.con it replaced (and, released, dropped) a user's own object of that name, and lived as long as
        # the connection when the pager did; the user's temporary tables and views (a `runs` of their own)
        # are not the pager's either.
        if self._taken is None:
            cur = self.ws.con.cursor()
            _configure(cur)
            # (closed at the next refresh or close, else when the pager is collected)
            self._release = weakref.finalize(self, _close, cur)
            frame = (
                cur.execute(TAKEN_SQL).df()
                if self.filter.silent
                else pd.DataFrame({"run_id": pd.Series(dtype=object), "why": pd.Series(dtype=object)})
            )
            cur.register(_TAKEN, frame)
            self._con, self._taken = cur, _TAKEN
        return self._taken

    def position(self, run_id: str) -> int | None:
        """Where ``run_id`` stands in the list (from 0), or None when the filter leaves it out."""
        got = self._run(_position_sql(self.filter.active()), {"target": run_id})
        return int(got[0][0]) if got else None

    def to_open(self) -> dict[str, Any] | None:
        """The run to open the list on (sql/run_to_open.sql): the most recent failed one, else the one with the most
        serious finding, else the newest; with why (``"failed"``, ``"finding"``, ``"newest"``), ``taken_why`` and
        the worst finding's detector, severity and step_id. None when the filter keeps no run."""
        sql = _sql("run_to_open").replace("__FILTER__", _filter_sql(self.filter.active()))
        got = self._run(sql.replace("__WORST_FIRST__", WORST_FIRST), {})
        keys = ("run_id", "why", "taken_why", "detector", "severity", "step_id")
        return dict(zip(keys, got[0], strict=True)) if got else None

    def has_next(self, page: int, page_size: int = 50) -> bool:
        """Whether a page follows ``page`` (known once ``page`` was fetched, else counted)."""
        known = self._more.get((page_size, page))
        return known if known is not None else (page + 1) * page_size < self.total

    def page(self, page: int, page_size: int = 50) -> pd.DataFrame:
        """Page ``page`` (from 0), with the columns of :func:`run_page`."""
        if page < 0 or page_size < 1:
            raise ValueError(f"page must be >= 0 and page_size >= 1 (got {page}, {page_size})")
        n, at = int(page_size), (int(page_size), int(page))
        if page == 0 or (n, page - 1) in self._last:
            rows = self._seek("forward", self._last.get((n, page - 1)), n + 1)
            more, rows = len(rows) > n, rows[:n]
        elif (n, page + 1) in self._first:
            rows, more = self._seek("backward", self._first[(n, page + 1)], n)[::-1], True
        else:
            before = self._key_at(page * n - 1)
            rows = self._seek("forward", before, n + 1) if before is not None else []
            more, rows = len(rows) > n, rows[:n]
        if rows:
            self._first[at], self._last[at] = (rows[0][2], rows[0][0]), (rows[-1][2], rows[-1][0])
        self._more[at] = more
        # fetchall + a small DataFrame: DuckDB's .df() costs more than the query for a dozen rows.
        return pd.DataFrame(rows, columns=_COLUMNS)

    # -- the queries ----------------------------------------------------------------------------
    def _run(self, sql: str, params: dict[str, Any]) -> list[tuple]:
        taken = self._taken_relation()
        return self._con.execute(
            taken_from(sql, taken), {**self.filter.params(only_active=True), **params}
        ).fetchall()

    def _seek(self, direction: str, key: _Key | None, limit: int) -> list[tuple]:
        """Up to ``limit`` runs strictly past ``key`` (None: from that end of the list), in that direction."""
        ts, rid = key if key is not None else (None, None)
        fwd = direction == "forward"
        rows: list[tuple] = []
        # Forward the timed runs come first and the untimed last; backward the other way round.
        for phase in ("timed", "untimed") if fwd else ("untimed", "timed"):
            need = limit - len(rows)
            if need <= 0:
                break
            if phase == "untimed":
                if key is not None and ts is not None and not fwd:
                    continue  # before a timed run there are only timed runs
                clauses = {"untimed", direction}
                if key is not None and ts is None:
                    clauses.add("after_id" if fwd else "before_id")
                rows += self._run(
                    _seek_sql(self.filter.active(), frozenset(clauses)),
                    {
                        "limit": need,
                        **({"rid": rid} if "after_id" in clauses or "before_id" in clauses else {}),
                    },
                )
            else:
                if key is not None and ts is None and fwd:
                    continue  # after an untimed run there are only untimed runs
                rows += self._seek_timed(direction, ts if key is not None else None, rid, need)
        return rows

    def _seek_timed(self, direction: str, ts: datetime | None, rid: str | None, limit: int) -> list[tuple]:
        fwd = direction == "forward"
        clauses = {"timed", direction}
        params: dict[str, Any] = {"limit": limit}
        if ts is not None:
            clauses.add("after" if fwd else "before")
            params.update(ts=ts, rid=rid)
        lo_ts, hi_ts, n_timed = self._time_span()
        if n_timed == 0:
            return []
        # A time filter narrows where the windows need to look.
        bounds = self.filter.params()
        lo_ts = max(lo_ts, bounds["since"]) if bounds["since"] is not None else lo_ts
        hi_ts = min(hi_ts, bounds["until"]) if bounds["until"] is not None else hi_ts
        if hi_ts < lo_ts:
            return []
        anchor = ts if ts is not None else (hi_ts if fwd else lo_ts)
        width = (hi_ts - lo_ts) * min(1.0, max(_WINDOW_RUNS, 64 * limit) / n_timed)
        bound = "lo" if fwd else "hi"
        while width > timedelta(0):
            edge = anchor - width if fwd else anchor + width
            if (fwd and edge <= lo_ts) or (not fwd and edge >= hi_ts):
                break  # the window covers the rest of the list: one unbounded seek
            rows = self._run(
                _seek_sql(self.filter.active(), frozenset(clauses | {bound})), {**params, bound: edge}
            )
            if len(rows) >= limit:
                return rows  # the window's top-N is the list's: every run outside it comes later
            width *= _WINDOW_GROWTH if not rows else min(_WINDOW_GROWTH, max(2, 2 * limit // len(rows)))
        return self._run(_seek_sql(self.filter.active(), frozenset(clauses)), params)

    def _time_span(self) -> tuple[datetime, datetime, int]:
        # Over all runs, not the filtered ones: min/max/count of one column, cheap at any size.
        if self._span is None:
            self._taken_relation()
            lo, hi, n = self._con.execute(
                "SELECT min(started_at), max(started_at), count(started_at) FROM runs"
            ).fetchall()[0]
            self._span = (lo, hi, int(n)) if n else (datetime.min, datetime.min, 0)
        return self._span

    def _key_at(self, position: int) -> _Key | None:
        """The key of the run at ``position`` (from 0) of the list, or None past its end."""
        if position < 0:
            return None
        total = self.total
        if position >= total:
            return None
        # From the nearer end: the OFFSET costs what it skips.
        direction, offset = (
            ("forward", position) if position < total // 2 else ("backward", total - 1 - position)
        )
        sql = _keyed_sql("run_key_at", self.filter.active(), frozenset({direction}))
        got = self._run(sql, {"offset": offset})
        return (got[0][0], got[0][1]) if got else None


_TAKEN = "_wb_explorer_taken"


def _close(con: Any) -> None:
    try:
        con.close()
    except Exception:  # noqa: BLE001  (the workspace may be closed by then, and its cursors with it)
        pass


@cache
def _keyed_sql(name: str, active: frozenset[str], clauses: frozenset[str]) -> str:
    """``name``.sql with the filter inlined and its ``--clause:`` lines switched on by name."""
    lines = []
    for line in _sql(name).replace("__FILTER__", _filter_sql(active)).splitlines():
        tag = line[2 : line.index(":")] if line.startswith("--") and ":" in line else None
        if tag in _CLAUSES:
            if tag in clauses:
                lines.append(line[line.index(":") + 1 :])
        else:
            lines.append(line)
    return "\n".join(lines)


def _seek_sql(active: frozenset[str], clauses: frozenset[str]) -> str:
    return _keyed_sql("run_seek", active, clauses)
