"""The one ranking of a run's verdicts, as SQL text (``store/sql/verdict_rank.sql``): a replay verdict
outranks the log-only model's, then the newest. Constant text from the package: no value reaches it."""

from __future__ import annotations

from .store._connection import sql_text

#: A DuckDB list over an attributions row's ``method``, ``params`` and ``created_at``: ``arg_max(x, VERDICT_RANK)``
#: is ``x`` of the run's verdict.
VERDICT_RANK = " ".join(
    line.strip()
    for line in sql_text("verdict_rank", "workbench.store").splitlines()
    if line.strip() and not line.lstrip().startswith("--")
)

#: The ``params`` of an attributions row stored now (its source's column ``params``, JSON text or NULL), with
#: ``created_at_utc`` true: its created_at is UTC (``timezone('UTC', current_timestamp)``), which the ranking above
#: reads. Constant text from the package.
STAMPED_PARAMS = "json_merge_patch(coalesce(params::JSON, '{}'::JSON), '{\"created_at_utc\": true}'::JSON)"
