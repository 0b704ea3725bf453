"""The rule that would make a log-only verdict on a run unlike the model's training runs say "uncertain".

Kept apart from :mod:`._familiarity` (numpy, pandas) so ``workbench investigate``'s legend can state it without
importing them.
"""

# A verdict whose run has a familiarity (the share of the model's training runs at least as far out as it)
# below this is "uncertain" whatever its confidence: BlameModel's default ``unfamiliar_below``. 0: off.
UNFAMILIAR_BELOW = 0.0
# Why it is off: the rule was declared and scored once, and no threshold passed (UNFAMILIAR_NOTE).
UNFAMILIAR_NOTE = (
    "conf33 (2026-12-03): 'uncertain also when familiarity < t', t in {0.01, 0.02, 0.05, 0.1, 0.2}, to be chosen by "
    "Youden's J of the flag (as a sign of a wrong agent verdict) on v11's leave-one-system-out verdicts of the real "
    "systems but Hand-Crafted (755 runs), with at most 10 % of Alg-Gen 5-fold CV verdicts flagged as unfamiliar. No t "
    "beat the confidence rule alone (J 0.007; t = 0.01 0.007, 0.02-0.1 0.004, 0.2 0.003): held out of a model "
    "trained on the other six real systems and the simulator, a system's runs mostly look familiar (median "
    "familiarity 0.39-0.93; Hand-Crafted 0.07), and the unfamiliar ones were right about as often as the others. "
    "So the rule is off; every verdict still carries its familiarity. bench/attribution_conf33.py"
)
