-- The sort key (started_at, run_id) of the filtered run at one position, counted from the top of the
-- list or from its bottom: used only to jump to a page never visited (a top-N with OFFSET).
SELECT started_at, run_id
FROM (__FILTER__) f
--forward:     ORDER BY started_at DESC NULLS LAST, run_id
--backward:    ORDER BY started_at NULLS FIRST, run_id DESC
LIMIT 1 OFFSET $offset
