-- Numbers and identifiers stated by the runs in scope: the ground the groundedness (silent
-- failure) and cascade checks stand on. Text is scanned lazily: final answers and backend
-- records first, then only the runs whose answers hold unsupported values.

-- The final answer of each run: the output of the non-tool step that ends last.
CREATE OR REPLACE TEMP TABLE det_answer AS
SELECT run_id, arg_max(step_id, [epoch_ms(coalesce(ended_at, started_at, '1970-01-01'::TIMESTAMP)), seq]) AS step_id,
       arg_max(output, [epoch_ms(coalesce(ended_at, started_at, '1970-01-01'::TIMESTAMP)), seq]) AS output
FROM steps SEMI JOIN det_scope USING (run_id)
WHERE output IS NOT NULL AND kind <> 'tool'
GROUP BY run_id;

-- Values the answers state, without small integers (ordinals and counts are not evidence).
CREATE OR REPLACE TEMP TABLE det_stated AS
SELECT DISTINCT run_id, token, num, ident FROM (
    SELECT run_id, token, try_cast(replace(token, ',', '') AS DOUBLE) AS num,
           CASE WHEN regexp_matches(token, '^[A-Za-z]') THEN upper(token) END AS ident
    FROM (SELECT run_id, unnest(regexp_extract_all(output,
                 '[A-Za-z]{1,12}[-_][0-9][A-Za-z0-9_-]*|[0-9][0-9,]*(?:\.[0-9]+)?')) AS token FROM det_answer)
)
WHERE ident IS NOT NULL OR (num IS NOT NULL AND (num >= $silent_min_value OR num <> floor(num)));

-- What the backend said: values in tool outputs, in the task and in the run's first input.
CREATE OR REPLACE TEMP TABLE det_supported AS
WITH texts AS (
    SELECT s.run_id, s.output AS txt FROM steps s SEMI JOIN det_stated d ON d.run_id = s.run_id
    WHERE s.kind = 'tool' AND s.output IS NOT NULL
    UNION ALL
    SELECT s.run_id, s.input FROM steps s SEMI JOIN det_stated d ON d.run_id = s.run_id
    WHERE s.parent_id IS NULL AND s.input IS NOT NULL
    UNION ALL
    SELECT r.run_id, r.task FROM runs r SEMI JOIN det_stated d ON d.run_id = r.run_id WHERE r.task IS NOT NULL
)
SELECT DISTINCT run_id, try_cast(replace(token, ',', '') AS DOUBLE) AS num,
       CASE WHEN regexp_matches(token, '^[A-Za-z]') THEN upper(token) END AS ident
FROM (SELECT run_id, unnest(regexp_extract_all(txt,
             '[A-Za-z]{1,12}[-_][0-9][A-Za-z0-9_-]*|[0-9][0-9,]*(?:\.[0-9]+)?')) AS token FROM texts);

-- Derived figures an agent may state honestly: a product or sum of two backend numbers
-- (a total is price × quantity). Capped per run so the pairs stay few.
CREATE OR REPLACE TEMP TABLE det_supported_num AS
WITH nums AS (
    SELECT run_id, num FROM (
        SELECT run_id, num, row_number() OVER (PARTITION BY run_id ORDER BY num) AS k
        FROM (SELECT DISTINCT run_id, num FROM det_supported WHERE num IS NOT NULL))
    WHERE k <= 60
)
SELECT run_id, num FROM nums
UNION
SELECT a.run_id, a.num * b.num FROM nums a JOIN nums b ON a.run_id = b.run_id AND a.num <= b.num
UNION
SELECT a.run_id, a.num + b.num FROM nums a JOIN nums b ON a.run_id = b.run_id AND a.num <= b.num;

CREATE OR REPLACE TEMP TABLE det_unsupported_values AS
SELECT s.* FROM det_stated s
WHERE CASE WHEN s.ident IS NOT NULL
           THEN NOT EXISTS (SELECT 1 FROM det_supported p WHERE p.run_id = s.run_id AND p.ident = s.ident)
           ELSE NOT EXISTS (SELECT 1 FROM det_supported_num p WHERE p.run_id = s.run_id
                            AND abs(p.num - s.num) <= greatest(0.005, 1e-4 * abs(p.num))) END;

-- Every value stated in the runs that have unsupported answers, in the order steps end in
-- (a value exists once its step is done; seq is the order steps start in).
CREATE OR REPLACE TEMP TABLE det_values AS
WITH scoped AS (
    SELECT run_id, step_id, agent, kind, input, output,
           row_number() OVER (PARTITION BY run_id ORDER BY coalesce(ended_at, started_at) NULLS LAST, seq) AS seq
    FROM steps SEMI JOIN (SELECT DISTINCT run_id FROM det_unsupported_values) u USING (run_id)
),
texts AS (
    SELECT run_id, step_id, seq, agent, kind, 'output' AS field, output AS txt FROM scoped WHERE output IS NOT NULL
    UNION ALL
    SELECT run_id, step_id, seq, agent, kind, 'input', input FROM scoped WHERE input IS NOT NULL
)
SELECT run_id, step_id, seq, agent, kind, field, token,
       try_cast(replace(token, ',', '') AS DOUBLE) AS num,
       CASE WHEN regexp_matches(token, '^[A-Za-z]') THEN upper(token) END AS ident
FROM (SELECT *, unnest(regexp_extract_all(txt,
             '[A-Za-z]{1,12}[-_][0-9][A-Za-z0-9_-]*|[0-9][0-9,]*(?:\.[0-9]+)?')) AS token FROM texts);

-- Each unsupported value with the step that first stated it (its origin).
CREATE OR REPLACE TEMP TABLE det_unsupported AS
SELECT run_id, token, num, ident, origin_step, origin_agent, origin_seq FROM (
    SELECT u.run_id, u.token, u.num, u.ident, v.step_id AS origin_step, v.agent AS origin_agent,
           v.seq AS origin_seq,
           row_number() OVER (PARTITION BY u.run_id, u.token ORDER BY v.seq) AS k
    FROM det_unsupported_values u
    JOIN det_values v ON v.run_id = u.run_id AND v.field = 'output' AND v.kind <> 'tool'
     AND (v.ident = u.ident OR (u.ident IS NULL AND v.ident IS NULL
                                AND abs(v.num - u.num) <= greatest(0.005, 1e-4 * abs(u.num))))
)
WHERE k = 1;
