-- The text of lines rejected at the merge, read again from their files (ingest/_rawtext.py): which lines, then
-- their text given to the quarantine's rows. $source: the reader that staged them; $origins: the staged tables
-- the rejects came from (1 steps, 2 run records).

-- [section wanted]
SELECT DISTINCT file, line FROM stage_rejects
WHERE raw IS NULL AND list_contains($origins, origin) AND source = $source AND line IS NOT NULL;

-- [section give]
UPDATE stage_rejects SET raw = t.raw, raw_bytes = t.raw_bytes, raw_sha256 = t.raw_sha256
FROM _wb_raw_text t
WHERE stage_rejects.file = t.file AND stage_rejects.line = t.line AND stage_rejects.raw IS NULL
  AND list_contains($origins, stage_rejects.origin);
