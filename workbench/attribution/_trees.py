"""Fitted boosted trees as plain arrays: scored with numpy, saved as JSON, explained by shap.

A :class:`~sklearn.ensemble.HistGradientBoostingClassifier` is turned into a :class:`TreeEnsemble`
right after fitting, so a model fitted here and a model loaded from its JSON file take the same
code path, and loading one needs no pickle and no matching scikit-learn version (a pickle of an
estimator warns ``InconsistentVersionWarning`` on another version, and unpickling runs code).

The conversion reads the fitted predictors (``_predictors``, ``_baseline_prediction``) exactly as
shap's ``TreeExplainer`` does for this estimator; the split rule is scikit-learn's: go left when
``x <= threshold``, and follow ``missing_go_to_left`` when x is NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..exceptions import FormatError

_KEYS = (
    "children_left",
    "children_right",
    "children_default",
    "features",
    "thresholds",
    "values",
    "node_sample_weight",
)


class TreeEnsemble:
    """Sum of regression trees plus a base offset: the log-odds of a binary boosted classifier.

    Parameters
    ----------
    trees : list of dict
        Per tree, parallel arrays over its nodes: ``children_left``, ``children_right``,
        ``children_default`` (-1 at leaves), ``features`` (-2 at leaves), ``thresholds``,
        ``values`` (the leaf value) and ``node_sample_weight``.
    base_offset : float
        The raw score before any tree.
    n_features : int
        Width of the input.
    """

    def __init__(self, trees: list[dict[str, np.ndarray]], base_offset: float, n_features: int) -> None:
        self.trees = trees
        self.base_offset = float(base_offset)
        self.n_features = int(n_features)

    @classmethod
    def from_hgb(cls, model: Any) -> TreeEnsemble:
        """Convert a fitted binary ``HistGradientBoostingClassifier`` (numeric features only)."""
        base = float(np.ravel(model._baseline_prediction)[0])
        trees = []
        for (pred,) in model._predictors:
            n = pred.nodes
            leaf = n["is_leaf"].astype(bool)
            if n["is_categorical"].any():
                raise ValueError("categorical splits are not supported")
            left = np.where(leaf, -1, n["left"].astype(np.int64))
            right = np.where(leaf, -1, n["right"].astype(np.int64))
            trees.append(
                {
                    "children_left": left,
                    "children_right": right,
                    "children_default": np.where(
                        leaf, -1, np.where(n["missing_go_to_left"].astype(bool), left, right)
                    ),
                    "features": np.where(leaf, -2, n["feature_idx"].astype(np.int64)),
                    "thresholds": n["num_threshold"].astype(np.float64),
                    "values": n["value"].astype(np.float64),
                    "node_sample_weight": n["count"].astype(np.float64),
                }
            )
        return cls(trees, base, model.n_features_in_)

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Log-odds of each row of ``X`` (n_samples, n_features)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"X has shape {X.shape}; this model takes {self.n_features} features")
        out = np.full(len(X), self.base_offset)
        rows = np.arange(len(X))
        for t in self.trees:
            node = np.zeros(len(X), dtype=np.int64)
            while True:
                active = t["features"][node] >= 0
                if not active.any():
                    break
                r, nd = rows[active], node[active]
                x = X[r, t["features"][nd]]
                go = np.where(
                    np.isnan(x),
                    t["children_default"][nd],
                    np.where(x <= t["thresholds"][nd], t["children_left"][nd], t["children_right"][nd]),
                )
                node[active] = go
            out += t["values"][node]
        return out

    def shap_model(self) -> dict[str, Any]:
        """The dictionary form ``shap.TreeExplainer`` accepts (raw log-odds output)."""
        trees = [
            {**{k: t[k] for k in _KEYS if k != "values"}, "values": t["values"][:, None]} for t in self.trees
        ]
        return {
            "trees": trees,
            "base_offset": self.base_offset,
            "tree_output": "raw_value",
            "input_dtype": np.float64,
            "internal_dtype": np.float64,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (lists of numbers)."""

        def num(a: np.ndarray) -> list:
            # JSON has no infinities: they travel as the strings "inf" / "-inf" / "nan".
            return (
                [float(v) if np.isfinite(v) else str(float(v)) for v in a]
                if a.dtype.kind == "f"
                else a.tolist()
            )

        return {
            "kind": "trees",
            "base_offset": self.base_offset,
            "n_features": self.n_features,
            "trees": [{k: num(t[k]) for k in _KEYS} for t in self.trees],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TreeEnsemble:
        """Inverse of :meth:`to_dict`, checking every array (the file may have been edited)."""
        try:
            n_features = int(d["n_features"])
            trees = []
            for i, t in enumerate(d["trees"]):
                arrays = {
                    k: np.asarray(
                        [float(v) if isinstance(v, str) else v for v in t[k]],
                        dtype=np.float64 if k in ("thresholds", "values", "node_sample_weight") else np.int64,
                    )
                    for k in _KEYS
                }
                m = len(arrays["features"])
                if any(len(a) != m for a in arrays.values()) or m == 0:
                    raise FormatError(f"tree {i}: node arrays differ in length")
                kids = np.concatenate(
                    [arrays["children_left"], arrays["children_right"], arrays["children_default"]]
                )
                internal = arrays["features"] >= 0
                if (
                    (kids >= m).any()
                    or (arrays["features"] >= n_features).any()
                    or (
                        np.minimum(arrays["children_left"], arrays["children_right"])[internal]
                        <= np.flatnonzero(internal)
                    ).any()
                ):
                    raise FormatError(f"tree {i}: a child index or feature index is out of range")
                trees.append(arrays)
            return cls(trees, float(d["base_offset"]), n_features)
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"not a tree ensemble: {exc}") from exc
