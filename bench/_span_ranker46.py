"""SpanRanker: which span of a long span-tree trace went wrong, from meanings any span tree has.

The shipped :class:`BlameModel` learnt on Who&When's transcripts that a culprit's first turn is often the decisive
one (``first_of_agent``); in a span tree an agent's first move is its planning call, which the annotators of real
traces never marked (TRAIL, bench/protocol_blame46.md: top-1 0 % on GAIA and SWE-bench). Its step ranking is
no help on a single agent's long trace. This ranker scores a run's moves (the rows of ``BlameModel.frame``)
from what means the same in any system: the move's kind, where it sits in the tree (depth, place among its
siblings, its parent's place and error), error status and text, text cues of its output (error, hedging,
contradiction words, questions, numbers, code, made-up values), repetition and retries. No agent feature, no
name, no detector finding: it ranks moves within a run, and the agent is not its question.

bench/protocol_blame46.md, look C: trained on one TRAIL split and scored on the other it did not beat a uniformly
random span (GAIA top-1 0.118 against 0.217, SWE-bench 0.320 against 0.403), so it is not shipped: it stays here,
beside the bench that measured it (``bench/attribution_span46.py rank``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils.validation import check_is_fitted

from workbench.attribution._features import step_features
from workbench.attribution._linear import LinearScorer
from workbench.attribution._trees import TreeEnsemble
from workbench.exceptions import InvalidParameterError
from workbench.store._own_connection import own_cursor
from workbench.store._run_scope import fill_run_scope

# (column, what it is). The step_features columns kept are those whose meaning does not depend on the system.
_FROM_STEPS = (
    "rel_pos",
    "pos_from_end",
    "is_last",
    "is_tool",
    "is_model",
    "first_model_turn",
    "out_len",
    "n_numbers",
    "hedge_words",
    "error_words",
    "contra_words",
    "has_code",
    "questions",
    "sim_prev",
    "repeat_agent",
    "novel_values",
    "novel_frac",
    "is_error",
    "status_missing",
    "has_error_text",
    "error_env",
    "error_input",
    "is_first_error",
    "since_first_error",
    "next_error",
    "is_retry",
    "same_call",
    "handled_failure",
    "latency_z_run",
)
_FROM_TREE = (
    "tree_depth",
    "sib_idx",
    "sib_n",
    "sib_rel",
    "sib_first",
    "sib_last",
    "later_sib_error",
    "parent_error",
    "parent_rel",
)
# a null is 0 with an indicator, so "the log does not say" is not read as "low"
_MISSING = (
    "sim_prev",
    "novel_frac",
    "is_error",
    "since_first_error",
    "latency_z_run",
    "parent_rel",
    "tree_depth",
)
SPAN_FEATURES: list[str] = [*_FROM_STEPS, *_FROM_TREE, *(f"{c}_missing" for c in _MISSING)]
_TREE_SQL = (Path(__file__).resolve().parent / "span_tree46.sql").read_text(encoding="utf-8")


def span_frame(ws, run_ids: Iterable[str] | None = None) -> pd.DataFrame:  # noqa: ANN001
    """The ranker's features of every move of the runs: run_id, step_id, agent, kind, pos, then
    :data:`SPAN_FEATURES` (float64, no nulls)."""
    X = step_features(ws, run_ids)
    with own_cursor(ws.con) as con:
        fill_run_scope(con, "_sr_scope", None if run_ids is None else list(run_ids))
        if run_ids is None:
            con.execute("INSERT INTO _sr_scope SELECT run_id FROM runs")
        tree = con.execute(_TREE_SQL).df()
    X = X.merge(tree, on=["run_id", "step_id"], how="left")
    X["pos_from_end"] = np.log1p(X["pos_from_end"])
    for c in _MISSING:
        X[f"{c}_missing"] = X[c].isna().astype("float64")
    for c in SPAN_FEATURES:
        X[c] = pd.to_numeric(X[c], errors="coerce").astype("float64").fillna(0.0)
    return X[["run_id", "step_id", "agent", "kind", "pos", *SPAN_FEATURES]]


def span_targets(X: pd.DataFrame, labels: pd.DataFrame) -> np.ndarray:
    """1 for a move some label names (``labels``: run_id, step_id), else 0."""
    named = set(zip(labels["run_id"], labels["step_id"], strict=True))
    return np.array([(r, s) in named for r, s in zip(X["run_id"], X["step_id"], strict=True)], dtype=np.int64)


class SpanRanker(BaseEstimator):
    """Rank the moves of each run by how likely each is an annotated error span.

    Parameters
    ----------
    estimator : {"linear", "trees"}
        A regularised logistic regression over standardised features (balanced classes), or gradient-boosted trees.
    C : float
        Inverse L2 strength of the linear model.

    """

    def __init__(self, *, estimator: str = "linear", C: float = 0.1) -> None:
        self.estimator = estimator
        self.C = C

    def fit(self, ws, run_ids: Iterable[str] | None = None) -> SpanRanker:  # noqa: ANN001
        """Fit on the labelled steps of failed runs (``culprit_labels``: a run's labelled steps are its positives)."""
        from ._heuristics import culprit_labels

        labels = culprit_labels(ws, run_ids).dropna(subset=["step_id"])
        if labels.empty:
            raise InvalidParameterError("SpanRanker.fit: no failed run in scope has a labelled step")
        return self.fit_frame(span_frame(ws, sorted(labels["run_id"].unique())), labels)

    def fit_frame(self, X: pd.DataFrame, labels: pd.DataFrame) -> SpanRanker:
        """Fit on a table of :func:`span_frame` and labels (run_id, step_id); runs with no labelled move are left out."""
        if self.estimator not in ("linear", "trees"):
            raise InvalidParameterError(
                f"SpanRanker: estimator must be 'linear' or 'trees', not {self.estimator!r}"
            )
        y = span_targets(X, labels)
        keep = X["run_id"].isin(X.loc[y == 1, "run_id"]).to_numpy()
        A, y = X.loc[keep, SPAN_FEATURES].to_numpy(np.float64), y[keep]
        if y.sum() == 0 or y.sum() == len(y):
            raise InvalidParameterError(
                "SpanRanker.fit: needs labelled and unlabelled moves of the same runs"
            )
        w = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))  # balanced: the rare class weighs as much
        if self.estimator == "linear":
            self.model_ = LinearScorer.fit(A, y, self.C, sample_weight=w)
        else:
            hgb = HistGradientBoostingClassifier(
                max_depth=3, max_iter=100, learning_rate=0.05, random_state=0
            )
            self.model_ = TreeEnsemble.from_hgb(hgb.fit(A, y, sample_weight=w))
        self.n_runs_ = int(pd.Series(X.loc[keep, "run_id"]).nunique())
        self.feature_names_in_ = np.asarray(SPAN_FEATURES, dtype=object)
        return self

    def rank_frame(self, X: pd.DataFrame) -> pd.DataFrame:
        """run_id, step_id, agent, kind, pos, logit, score, rank (1 = the most likely error span of its run)."""
        check_is_fitted(self, "model_")
        out = X[["run_id", "step_id", "agent", "kind", "pos"]].copy()
        out["logit"] = self.model_.decision_function(X[SPAN_FEATURES].to_numpy(np.float64)) if len(X) else []
        out["score"] = 1.0 / (1.0 + np.exp(-out["logit"].astype("float64")))
        # ties: the earlier move first (a failure is decided by its first mistake)
        out = out.sort_values(["run_id", "logit", "pos"], ascending=[True, False, True], ignore_index=True)
        out["rank"] = out.groupby("run_id").cumcount() + 1
        return out

    def score_steps(self, ws, run_ids: Iterable[str] | None = None) -> pd.DataFrame:  # noqa: ANN001
        """Ranked moves of the runs (see :meth:`rank_frame`)."""
        return self.rank_frame(span_frame(ws, run_ids))
