"""Attribution: which agent and which step caused a failure, and how sure we are."""

from ._attribute import Attribution, attribute
from ._decisive import DecisiveStep, decisive_step
from ._shapley import ShapleyResult, shapley
from ._verdict import Verdict

__all__ = ["Attribution", "DecisiveStep", "ShapleyResult", "Verdict", "attribute", "decisive_step", "shapley"]
