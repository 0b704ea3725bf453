"""Attribution: which agent and which step caused a failure, and how sure we are.

With replays: :func:`attribute` (ablation or Shapley over agents or steps, the decisive step, a
verdict) on top of :func:`shapley`, which values any coalition game. Without replays (production
logs): :class:`BlameModel`, learned from labelled runs and explained with SHAP, and simple
heuristics to compare it with. :func:`evaluate_attribution` scores any of them against labels.
"""

import importlib
from typing import TYPE_CHECKING, Any

# name -> private module; imported on first use, so replay attribution does not load scikit-learn
_LAZY = {
    "AUTO_EXACT_MAX_PLAYERS": "._shapley",
    "FEATURES": "._features",
    "FEATURE_LABELS": "._feature_labels",
    "HEURISTICS": "._heuristics",
    "Attribution": "._attribute",
    "BlameModel": "._blame_model",
    "DecisiveStep": "._decisive",
    "InvalidParameterError": "..exceptions",
    "ShapleyResult": "._shapley",
    "Verdict": "._verdict",
    "attribute": "._attribute",
    "attribute_logonly": "._persist",
    "attribute_many": "._many",
    "cv_folds": "._evaluate",
    "decisive_step": "._decisive",
    "evaluate_attribution": "._evaluate",
    "feature_availability": "._features",
    "feature_label": "._feature_labels",
    "labelled_failures": "._evaluate",
    "logonly_verdicts": "._logonly_verdicts",
    "predict_heuristic": "._heuristics",
    "shapley": "._shapley",
    "step_features": "._features",
}

__all__ = [
    "AUTO_EXACT_MAX_PLAYERS",
    "FEATURES",
    "FEATURE_LABELS",
    "HEURISTICS",
    "Attribution",
    "BlameModel",
    "DecisiveStep",
    "InvalidParameterError",
    "ShapleyResult",
    "Verdict",
    "attribute",
    "attribute_logonly",
    "attribute_many",
    "cv_folds",
    "decisive_step",
    "evaluate_attribution",
    "feature_availability",
    "feature_label",
    "labelled_failures",
    "logonly_verdicts",
    "predict_heuristic",
    "shapley",
    "step_features",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


if TYPE_CHECKING:
    from ..exceptions import InvalidParameterError
    from ._attribute import Attribution, attribute
    from ._blame_model import BlameModel
    from ._decisive import DecisiveStep, decisive_step
    from ._evaluate import cv_folds, evaluate_attribution, labelled_failures
    from ._feature_labels import FEATURE_LABELS, feature_label
    from ._features import FEATURES, feature_availability, step_features
    from ._heuristics import HEURISTICS, predict_heuristic
    from ._logonly_verdicts import logonly_verdicts
    from ._many import attribute_many
    from ._shapley import AUTO_EXACT_MAX_PLAYERS, ShapleyResult, shapley
    from ._verdict import Verdict
