"""The explorer's run list: filters and pages evaluated in DuckDB, parameters only."""

from __future__ import annotations

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


def _page_sql() -> str:
    # Both files are the package's own text; the filter is inlined once, never user input.
    return _sql("run_page").replace("__FILTER__", _sql("run_filter"))


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

    def params(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("since", "until"):
            v = out[name]
            if isinstance(v, date) and not isinstance(v, datetime):
                out[name] = datetime(v.year, v.month, v.day)
        return out

    def with_(self, **changes: Any) -> RunFilter:
        return replace(self, **changes)


def count_runs(ws: Workspace, flt: RunFilter) -> int:
    """How many runs pass ``flt``."""
    return int(ws.con.execute(f"SELECT count(*) FROM ({_sql('run_filter')})", flt.params()).fetchone()[0])


def run_page(ws: Workspace, flt: RunFilter, page: int = 0, page_size: int = 50) -> pd.DataFrame:
    """Page ``page`` (from 0) of the runs passing ``flt``, newest first: run_id, system, started_at,
    outcome, reported_outcome, n_steps, task, hits, detectors, culprit."""
    if page < 0 or page_size < 1:
        raise ValueError(f"page must be >= 0 and page_size >= 1 (got {page}, {page_size})")
    return ws.con.execute(_page_sql(), {**flt.params(), "limit": int(page_size),
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
