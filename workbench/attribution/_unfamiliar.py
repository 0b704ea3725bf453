"""The rule that makes a log-only verdict on a run unlike the model's training runs say "uncertain".

Kept apart from :mod:`._familiarity` (numpy, pandas) so ``workbench investigate``'s legend can state it without
importing them.
"""

# A verdict whose run has a familiarity (the share of the model's training runs at least as far out as it)
# below this is "uncertain" whatever its confidence: BlameModel's default ``unfamiliar_below``.
UNFAMILIAR_BELOW = 0.0
# How it was chosen (the protocol, the held-out figures).
UNFAMILIAR_NOTE = ""
