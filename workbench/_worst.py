"""Which of a run's findings explains its failure best: the order every view lists findings in.

A silent failure (the answer the user got may be wrong) and a give-up after a tool failed (``gave_up``: the
user got no answer) come first, whatever their severity: the other findings say a run cost or wandered
(``_failed.py``). Then critical before warning; a retry whose last attempt succeeded (recovered: it cost
time, the answer was not lost to it) after every other finding, however many attempts it took; within a tier, the earliest step first, then by detector, step id and
detail (one order for the same findings, whatever order they were written in).
"""

from __future__ import annotations

# A DuckDB struct to sort or arg_min by, over a findings row ``f`` and its step ``s`` (LEFT JOINed:
# ``s.seq`` NULL for a finding on no step). Constant text: no value of a log reaches it. Two findings of
# one tier on one step (two detectors, or one detector twice) are ordered by detector, step and detail:
# without that, which one arg_min picked (and the explorer listed first) followed the findings' row order,
# so the same findings written in another order showed another worst finding.
WORST_FIRST = """{'tier': CASE WHEN f.detector IN ('silent_failure', 'gave_up') THEN 0
                             WHEN f.detector = 'retry' AND f.attributes->>'recovered' = 'true' THEN 3
                             WHEN f.severity = 'critical' THEN 1
                             WHEN f.severity = 'warning' THEN 2
                             ELSE 4 END,
                  'seq': coalesce(s.seq, 9223372036854775807),
                  'detector': f.detector, 'step': coalesce(f.step_id, ''), 'detail': coalesce(f.detail, '')}"""
