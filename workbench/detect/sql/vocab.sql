-- The values the backend uses for each key ("status": "shipped") in any tool output of the store. A
-- final answer's "key: value" contradicts the backend only with a value of this vocabulary, so it is
-- built once over the whole store, before the chunks: built per chunk, or over the runs the call
-- names, a run's findings would change with the runs that happen to share its chunk or its call.
SELECT DISTINCT lower(p.k) AS k, p.v AS v
FROM (SELECT unnest(regexp_extract_all(s.output, '"([A-Za-z0-9_.-]{1,40})"\s*:\s*"([^"]{1,60})"', ['k', 'v'])) AS p
      FROM steps s
      WHERE s.kind = 'tool' AND s.output LIKE '%":%"%')
