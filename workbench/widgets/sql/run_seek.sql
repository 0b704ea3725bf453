-- A stretch of the filtered runs in list order (newest first, then run_id; runs without a start time
-- last) or in reverse, strictly after / before a key, with their detector hits and stored culprit:
-- keyset pagination, so a page is a top-N (ORDER BY ... LIMIT) over the runs past the key, never a
-- sort of all filtered runs nor an OFFSET, and hits and culprits are looked up for the page's runs only.
-- Runs with and without a start time are sought separately ("timed" / "untimed"), so that each
-- clause is a plain range on started_at that DuckDB can use to skip row groups; "lo" / "hi" bound a
-- time window the caller widens until it holds a page. Every value is a bound parameter.
WITH page AS (
    SELECT run_id, system, started_at, outcome, reported_outcome, n_steps, task, taken_why
    FROM (__FILTER__) f
    WHERE true
--timed:       AND started_at IS NOT NULL
--untimed:     AND started_at IS NULL
--after:       AND started_at <= $ts AND (started_at < $ts OR run_id > $rid)
--before:      AND started_at >= $ts AND (started_at > $ts OR run_id < $rid)
--after_id:    AND run_id > $rid
--before_id:   AND run_id < $rid
--lo:          AND started_at >= $lo
--hi:          AND started_at <= $hi
--forward:     ORDER BY started_at DESC, run_id
--backward:    ORDER BY started_at, run_id DESC
    LIMIT $limit
),
__PAGE_ROWS__
--forward:     ORDER BY started_at DESC, run_id
--backward:    ORDER BY started_at, run_id DESC
