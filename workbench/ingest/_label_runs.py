"""The runs a call's labels name that the store holds no step or run record of (a typo in a labels file, or
labels given before their logs): kept as given, and said, not counted as runs the call touched."""

from __future__ import annotations

import duckdb

# (after the merge, which counted each touched run's steps in runs.n_steps: a key lookup a label, where a scan of
# the steps table's run ids cost a call of labels in proportion to the store; a run of labels alone has no row,
# refresh_runs.sql)
_WITHOUT_STEPS = """
SELECT DISTINCT l.run_id FROM stage_labels l LEFT JOIN runs r ON r.run_id = l.run_id
WHERE coalesce(r.n_steps, 0) = 0
  AND NOT EXISTS (SELECT 1 FROM stage_runs x WHERE x.run_id = l.run_id)
ORDER BY l.run_id
"""


def labelled_runs_without_steps(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The run ids of this call's staged labels whose run has no step in the store and no run record here."""
    return [run_id for (run_id,) in con.execute(_WITHOUT_STEPS).fetchall()]


# every run the store's labels name that it holds no row of (a run of labels alone has none: refresh_runs.sql)
_WAITING = (
    "SELECT DISTINCT run_id FROM labels l WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = l.run_id) "
    "ORDER BY 1"
)


def labels_without_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The run ids the store's labels name that it holds no run of (labels given before their logs, or a typo):
    what investigate says beside its counts, which leave them out."""
    return [run_id for (run_id,) in con.execute(_WAITING).fetchall()]


def said(run_ids: list[str], shown: int = 3) -> str:
    """How a report says them: "1 names a run the store holds no step of: 'x'; ...", or ""."""
    if not run_ids:
        return ""
    n = len(run_ids)
    names = ", ".join(repr(r) for r in run_ids[:shown]) + (f" and {n - shown:,} more" if n > shown else "")
    one = n == 1
    return (
        f"{n:,} name{'s a run' if one else ' runs'} the store holds no step of: {names}; kept as given, "
        + (
            "it applies when that run's logs are ingested"
            if one
            else "they apply when those runs' logs are ingested"
        )
    )
