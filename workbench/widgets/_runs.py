"""The explorer's run list: filters and pages evaluated in DuckDB, parameters only."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from ..workspace import Workspace

_OUTCOMES = ("success", "failure", "unknown")


@cache
def _sql(name: str) -> str:
    return resources.files("workbench.widgets").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


@cache
def _filter_sql(active: frozenset[str]) -> str:
    # The file's own clauses, switched on by name for the filters that are set: SQL text comes only
    # from the package, values only from bound parameters.
    lines = []
    for line in _sql("run_filter").splitlines():
        if line.startswith("--") and ":" in line and line[2:line.index(":")] in _FIELDS:
            name = line[2:line.index(":")]
            if name in active:
                lines.append(line[line.index(":") + 1:])
        else:
            lines.append(line)
    return "\n".join(lines)


def _page_sql(active: frozenset[str]) -> str:
    return _sql("run_page").replace("__FILTER__", _filter_sql(active))


_FIELDS = ("outcome", "system", "since", "until", "detector", "culprit")


@dataclass(frozen=True)
class RunFilter:
    """Which runs to list; ``None`` means any."""

    outcome: str | None = None
    system: str | None = None
    since: datetime | date | None = None
    until: datetime | date | None = None
    detector: str | None = None
    culprit: str | None = None

    def __post_init__(self) -> None:
        if self.outcome is not None and self.outcome not in _OUTCOMES:
            raise ValueError(f"outcome must be one of {_OUTCOMES} or None (got {self.outcome!r})")
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
    return int(ws.con.execute(sql, flt.params(only_active=True)).fetchall()[0][0])


def run_page(ws: Workspace, flt: RunFilter, page: int = 0, page_size: int = 50) -> pd.DataFrame:
    """Page ``page`` (from 0) of the runs passing ``flt``, newest first: run_id, system, started_at,
    outcome, reported_outcome, n_steps, task, hits, detectors, culprit."""
    if page < 0 or page_size < 1:
        raise ValueError(f"page must be >= 0 and page_size >= 1 (got {page}, {page_size})")
    return ws.con.execute(_page_sql(flt.active()), {**flt.params(only_active=True), "limit": int(page_size),
                                                    "offset": int(page) * int(page_size)}).df()


def choices(ws: Workspace) -> dict[str, list[str]]:
    """The values the filters offer: systems, detectors with hits, culprits of stored verdicts."""
    def col(q: str) -> list[str]:
        return [str(v) for (v,) in ws.con.execute(q).fetchall() if v is not None]

    return {
        "system": col("SELECT DISTINCT system FROM runs WHERE system IS NOT NULL ORDER BY 1"),
        "detector": col("SELECT DISTINCT detector FROM findings WHERE severity <> 'info' ORDER BY 1"),
        "culprit": col("SELECT DISTINCT target FROM attributions WHERE unit = 'verdict' AND target <> '' ORDER BY 1"),
    }


_COLUMNS = ["run_id", "system", "started_at", "outcome", "reported_outcome", "n_steps", "task", "hits",
            "detectors", "culprit"]
_serial = itertools.count()


class RunPager:
    """The runs passing one filter, ordered once, paged by position.

    On creation the filtered runs are sorted once, with their detector hits and stored culprit,
    into a temporary table keyed by position (the cost of a filter change); a page is then a range
    scan on that position, however deep the page and however large the store. ``refresh()`` after
    new findings or attributions; ``close()`` drops the table.
    """

    def __init__(self, ws: Workspace, flt: RunFilter) -> None:
        self.ws, self.filter = ws, flt
        # The table name is the package's own counter, never user input.
        self.table = f"_wb_runpager_{os.getpid()}_{next(_serial)}"
        self.total = 0
        self.refresh()

    def refresh(self) -> None:
        sql = _sql("run_pager").replace("__FILTER__", _filter_sql(self.filter.active()))
        self.ws.con.execute(f"CREATE OR REPLACE TEMP TABLE {self.table} AS {sql}", self.filter.params(only_active=True))
        self.total = int(self.ws.con.execute(f"SELECT count(*) FROM {self.table}").fetchall()[0][0])

    def page(self, page: int, page_size: int = 50) -> pd.DataFrame:
        """Page ``page`` (from 0), with the columns of :func:`run_page`."""
        if page < 0 or page_size < 1:
            raise ValueError(f"page must be >= 0 and page_size >= 1 (got {page}, {page_size})")
        lo = int(page) * int(page_size)
        # fetchall + a small DataFrame: DuckDB's .df() costs more than the scan for a dozen rows.
        rows = self.ws.con.execute(f"SELECT {', '.join(_COLUMNS)} FROM {self.table} WHERE pos >= ? AND pos < ? "
                                   "ORDER BY pos", [lo, lo + int(page_size)]).fetchall()
        out = pd.DataFrame(rows, columns=_COLUMNS)
        return out

    def close(self) -> None:
        self.ws.con.execute(f"DROP TABLE IF EXISTS {self.table}")
