-- One page of the filtered runs, newest first, with their detector hits and stored culprit.
-- Hits and culprits are looked up for the page's runs only, so a page costs one top-N over runs.
WITH page AS (
    SELECT * FROM (__FILTER__) ORDER BY started_at DESC NULLS LAST, run_id LIMIT $limit OFFSET $offset
),
__PAGE_ROWS__
ORDER BY p.started_at DESC NULLS LAST, p.run_id
