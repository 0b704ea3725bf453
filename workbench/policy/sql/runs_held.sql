-- How many runs the store holds, and how many of them have steps (suggest_limits' "nothing to measure" message).
SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(DISTINCT run_id) FROM steps) AS with_steps
