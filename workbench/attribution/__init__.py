"""Attribution: which agent and which step caused a failure, and how sure we are.

With replays: :func:`attribute` (ablation or Shapley over agents or steps, the decisive step, a
verdict) on top of :func:`shapley`, which values any coalition game. Without replays (production
logs): :class:`BlameModel`, learned from labelled runs and explained with SHAP, and simple
heuristics to compare it with. :func:`evaluate_attribution` scores any of them against labels.
"""

from ..exceptions import InvalidParameterError
from ._attribute import Attribution, attribute
from ._blame_model import BlameModel
from ._decisive import DecisiveStep, decisive_step
from ._evaluate import cv_folds, evaluate_attribution, labelled_failures
from ._features import FEATURES, feature_availability, step_features
from ._heuristics import HEURISTICS, predict_heuristic
from ._persist import attribute_logonly
from ._shapley import AUTO_EXACT_MAX_PLAYERS, ShapleyResult, shapley
from ._verdict import Verdict

__all__ = [
    "AUTO_EXACT_MAX_PLAYERS",
    "FEATURES",
    "HEURISTICS",
    "Attribution",
    "BlameModel",
    "DecisiveStep",
    "InvalidParameterError",
    "ShapleyResult",
    "Verdict",
    "attribute",
    "attribute_logonly",
    "cv_folds",
    "decisive_step",
    "evaluate_attribution",
    "feature_availability",
    "labelled_failures",
    "predict_heuristic",
    "shapley",
    "step_features",
]
