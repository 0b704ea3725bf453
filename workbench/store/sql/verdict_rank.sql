-- Which of a run's verdicts (attributions with unit 'verdict') is its verdict: arg_max over this key, of a
-- row of attributions. A replay verdict (the user's wb.attribute, or investigate with a replay) outranks
-- the log-only model's guess (method blame_model), however recent: investigate stores that guess again
-- on every run without a replay. Among verdicts of one rank, the newest. One expression, not a statement:
-- workbench/_verdict_rank.py reads it into the queries that pick a run's verdict (investigate's table and
-- agreement line, the lineage note, the run list's culprit column), so they cannot disagree.
[(method <> 'blame_model')::BIGINT, epoch_us(created_at)]
