"""BlameModel: log-only attribution learned from labelled failed runs (no replay).

A gradient-boosted classifier scores every move of a failed run ("is this the labelled culprit
step?"); the run's decisive step is its highest-scoring move and the culprit agent the agent whose
moves score highest (or a second, per-agent model). SHAP values of the tree model explain both.

Why :class:`~sklearn.ensemble.HistGradientBoostingClassifier`: it takes the null features as they
are (missing-value branches, no imputation), fits the 26,000 moves of 1,400 runs in about two
seconds on one thread, and shap 0.51's ``TreeExplainer`` explains it exactly (checked: SHAP values
plus the expected value reproduce the log-odds to 1e-14). Agents are ranked by their best move's
score by default: on held-out simulator runs it matched the per-agent model and the sum on single
faults and was best on the first fault of multi-fault runs (``bench/attribution_logonly.py``).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ..exceptions import InvalidParameterError, WorkbenchError
from ._features import (
    FEATURE_NAMES,
    FEATURES,
    agent_features,
    feature_availability,
    step_features,
)
from ._heuristics import (
    culprit_labels,
    ensure_findings,
    failed_runs,
    finish_agents,
    rank_agents,
    rank_steps,
    save_scores,
    verdicts,
)

PORTABLE_GROUPS = ("structure", "text", "edges", "status", "findings")
_GROUPS = tuple(dict.fromkeys(needs for needs, _ in FEATURES.values()))


def _int_or_none(low: int) -> Callable[[Any], bool]:
    return lambda v: v is None or (isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= low)


def _real(low: float, high: float = np.inf, closed_low: bool = True) -> Callable[[Any], bool]:
    def ok(v: Any) -> bool:
        if not isinstance(v, numbers.Real) or isinstance(v, bool):
            return False
        return (v >= low if closed_low else v > low) and v <= high
    return ok


def _int(low: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= low


def _features_ok(v: Any) -> bool:
    if v is None or v == "portable":
        return True
    return (isinstance(v, (list, tuple)) and len(v) > 0
            and all(isinstance(x, str) and (x in FEATURES or x in _GROUPS) for x in v))


class BlameModel(BaseEstimator):
    """Which step and which agent caused a failed run, learned from labelled runs' logs alone.

    Parameters
    ----------
    agent_aggregation : {"max", "sum", "model"}
        How agents are ranked: by their best move's score, by the sum of their moves' scores, or
        by a second gradient-boosted model over per-agent aggregates of the step features.
    features : None, "portable" or list of str
        Features to use: all of :data:`FEATURES` (None), those a text-only log also has
        (``"portable"``: no timing, tokens or log-probabilities), or a list of feature names and/or
        groups ("structure", "text", "edges", "status", "timing", "tokens", "logprobs", "findings").
    n_estimators : int
        Boosting iterations (``max_iter`` of :class:`~sklearn.ensemble.HistGradientBoostingClassifier`).
    learning_rate : float
        Shrinkage, in (0, 1].
    max_depth : int or None
        Depth limit of each tree (None: limited by ``max_leaf_nodes`` only).
    max_leaf_nodes : int
        Leaves per tree, >= 2.
    min_samples_leaf : int
        Moves per leaf, >= 1.
    l2_regularization : float
        L2 penalty on leaf values, >= 0.
    detect : {"auto", True, False}
        Detector findings are features. ``"auto"`` runs :func:`workbench.detect` on runs that have no
        findings yet (when the store is writable); True re-runs it on every run used; False reads
        ``findings`` as it is.
    random_state : int or None
        Seed of the binning subsample on tables over 200,000 moves; the fit is otherwise
        deterministic (no early stopping, no row subsampling).
    n_jobs : int or None
        OpenMP threads for fitting and scoring (None: all cores). One by default: the tables
        attribution learns from are small, and on a busy machine the boosting's threads cost more
        than they gain (measured on 2 loaded cores: 3,000 moves in 0.5 s on one thread, 15 s on two).

    Attributes
    ----------
    feature_names_in_ : ndarray of str
        Features the step model was fitted on.
    step_model_ : HistGradientBoostingClassifier
        The per-move model.
    agent_model_ : HistGradientBoostingClassifier or None
        The per-agent model (``agent_aggregation="model"``).
    unavailable_features_ : list of str
        Requested features with no value in any training move (e.g. latency in text-only logs);
        the model is fitted without them.
    n_runs_ : int
        Labelled failed runs fitted on.

    Notes
    -----
    What the features can see depends on the log (see :mod:`workbench.attribution._features`). A
    text-only transcript such as Who&When has no latency (no timestamps), no tool status beyond a
    code-execution turn's exit code, no token counts and no log-probabilities (no confidence or
    entropy). Fitted on such logs, the model leaves those features out and lists them in
    ``unavailable_features_``; fitted on richer logs and applied to text-only ones, it sees them as
    missing (the trees' missing-value branches); a model meant for text-only logs is better
    trained with ``features="portable"``. ``predict(...).attrs["unavailable_features"]`` says
    what the scored runs lack.

    Examples
    --------
    >>> import workbench as wb
    >>> ws = wb.open()
    >>> _ = ws.ingest(wb.sim.procurement(seed=5, fault_rate=1.0).generate(120))
    >>> model = BlameModel(n_estimators=50).fit(ws)
    >>> list(model.predict(ws).columns)
    ['run_id', 'agent', 'step_id', 'score', 'agent_confidence']
    """

    _parameter_constraints: dict[str, tuple[Callable[[Any], bool], str]] = {
        "agent_aggregation": (lambda v: v in ("max", "sum", "model"), "one of 'max', 'sum', 'model'"),
        "features": (_features_ok, "None, 'portable', or a non-empty list of feature names or groups"),
        "n_estimators": (_int(1), "an int >= 1"),
        "learning_rate": (_real(0.0, 1.0, closed_low=False), "a float in (0, 1]"),
        "max_depth": (_int_or_none(1), "None or an int >= 1"),
        "max_leaf_nodes": (_int(2), "an int >= 2"),
        "min_samples_leaf": (_int(1), "an int >= 1"),
        "l2_regularization": (_real(0.0), "a float >= 0"),
        "detect": (lambda v: isinstance(v, bool) or v == "auto", "'auto', True or False"),
        "random_state": (_int_or_none(0), "None or an int >= 0"),
        "n_jobs": (_int_or_none(1), "None or an int >= 1"),
    }

    def __init__(self, *, agent_aggregation: str = "max", features: str | list[str] | None = None,
                 n_estimators: int = 100, learning_rate: float = 0.1, max_depth: int | None = None,
                 max_leaf_nodes: int = 15, min_samples_leaf: int = 20, l2_regularization: float = 0.0,
                 detect: str | bool = "auto", random_state: int | None = 0, n_jobs: int | None = 1) -> None:
        self.agent_aggregation = agent_aggregation
        self.features = features
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.detect = detect
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- parameters -------------------------------------------------------------------------
    def _validate(self) -> None:
        for name, (ok, what) in self._parameter_constraints.items():
            value = getattr(self, name)
            if not ok(value):
                raise InvalidParameterError(f"{name!r} must be {what} (got {value!r})")

    def _feature_list(self) -> list[str]:
        if self.features is None:
            return list(FEATURE_NAMES)
        groups = PORTABLE_GROUPS if self.features == "portable" else self.features
        chosen = {f for f in FEATURE_NAMES if f in groups or FEATURES[f][0] in groups}
        return [f for f in FEATURE_NAMES if f in chosen]

    def _booster(self) -> HistGradientBoostingClassifier:
        # early_stopping off: every fit uses all the data and is reproducible for a random_state.
        return HistGradientBoostingClassifier(
            max_iter=self.n_estimators, learning_rate=self.learning_rate, max_depth=self.max_depth,
            max_leaf_nodes=self.max_leaf_nodes, min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization, early_stopping=False, random_state=self.random_state)

    # -- data -------------------------------------------------------------------------------
    def frame(self, ws, run_ids: Iterable[str] | None = None) -> pd.DataFrame:  # noqa: ANN001
        """Step features of ``run_ids`` (default: the store's failed runs), after detection.

        Parameters
        ----------
        ws : Workspace
            The store.
        run_ids : iterable of str, optional
            The runs.

        Returns
        -------
        pandas.DataFrame
            See :func:`workbench.attribution._features.step_features`.
        """
        self._validate()
        ids = failed_runs(ws) if run_ids is None else [str(r) for r in run_ids]
        ensure_findings(ws, ids, self.detect)
        return step_features(ws, ids)

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, ws, run_ids: Iterable[str] | None = None) -> BlameModel:  # noqa: ANN001
        """Fit on labelled failed runs.

        Parameters
        ----------
        ws : Workspace
            Store with runs, steps and ``labels`` (culprit agent and step of failed runs).
        run_ids : iterable of str, optional
            Runs to fit on (default: every failed run with a culprit label); runs without a
            culprit label are left out.

        Returns
        -------
        BlameModel
            self, fitted.
        """
        self._validate()
        labels = culprit_labels(ws, run_ids)
        if labels.empty:
            raise WorkbenchError("no failed run with a culprit label to fit on: label runs with ws.label(...)")
        return self._fit_frame(self.frame(ws, labels["run_id"].unique().tolist()), labels)

    def _fit_frame(self, X: pd.DataFrame, labels: pd.DataFrame) -> BlameModel:
        self._validate()
        chosen = self._feature_list()
        # A feature these logs never give (latency of a text-only log) cannot be learned from.
        names = [n for n in chosen if X[n].notna().any()]
        if not names:
            raise WorkbenchError(f"none of the features {chosen} has a value in these runs")
        steps = set(zip(labels["run_id"], labels["step_id"].astype(object), strict=True))
        y = np.fromiter(((r, s) in steps for r, s in zip(X["run_id"], X["step_id"], strict=True)), bool, len(X))
        # Only runs whose labelled step is one of their moves teach the step model.
        keep = X["run_id"].isin(X.loc[y, "run_id"]).to_numpy()
        if not y.any():
            raise WorkbenchError("no labelled culprit step is a move of the runs fitted on")
        Xs = X.loc[keep, names].to_numpy(dtype=np.float64)
        with threadpool_limits(self.n_jobs, user_api="openmp"):
            self.step_model_ = self._booster().fit(Xs, y[keep])
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self.unavailable_features_ = [n for n in chosen if n not in names]
        self.n_runs_ = int(X.loc[keep, "run_id"].nunique())
        self.agent_model_ = None
        if self.agent_aggregation == "model":
            A = agent_features(X, names)
            agents = set(zip(labels["run_id"], labels["agent"].astype(object), strict=True))
            ya = np.fromiter(((r, a) in agents for r, a in zip(A["run_id"], A["agent"], strict=True)), bool, len(A))
            self.agent_columns_ = [c for c in A.columns if c not in ("run_id", "agent")]
            with threadpool_limits(self.n_jobs, user_api="openmp"):
                self.agent_model_ = self._booster().fit(A[self.agent_columns_].to_numpy(dtype=np.float64), ya)
        return self

    # -- scoring ----------------------------------------------------------------------------
    def _step_scores(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "step_model_")
        out = X[["run_id", "step_id", "agent", "kind", "pos"]].copy()
        if len(X):
            Xs = X[list(self.feature_names_in_)].to_numpy(dtype=np.float64)
            with threadpool_limits(self.n_jobs, user_api="openmp"):
                out["logit"] = self.step_model_.decision_function(Xs)
            out["score"] = 1.0 / (1.0 + np.exp(-out["logit"]))
        else:
            out["logit"] = out["score"] = pd.Series(dtype="float64")
        return rank_steps(out)

    def _agent_scores(self, X: pd.DataFrame, steps: pd.DataFrame) -> pd.DataFrame:
        if self.agent_aggregation != "model":
            return rank_agents(steps, how=self.agent_aggregation)
        A = agent_features(X, list(self.feature_names_in_))
        with threadpool_limits(self.n_jobs, user_api="openmp"):
            A["score"] = self.agent_model_.predict_proba(A[self.agent_columns_].to_numpy(dtype=np.float64))[:, 1]
        first = steps.groupby(["run_id", "agent"], dropna=False)["pos"].min().rename("first_pos").reset_index()
        A = A[["run_id", "agent", "score"]].merge(first.fillna({"agent": "<none>"}), on=["run_id", "agent"], how="left")
        return finish_agents(A)

    def score_steps(self, ws, run_ids: Iterable[str] | None = None) -> pd.DataFrame:  # noqa: ANN001
        """Culprit probability of every move of the runs.

        Returns
        -------
        pandas.DataFrame
            run_id, step_id, agent, kind, pos, logit, score (in [0, 1]) and rank (1 = most
            likely the decisive step of its run; ties go to the earlier move).
        """
        check_is_fitted(self, "step_model_")
        return self._step_scores(self.frame(ws, run_ids))

    def score_agents(self, ws, run_ids: Iterable[str] | None = None) -> pd.DataFrame:  # noqa: ANN001
        """Culprit score of every agent of the runs: run_id, agent, score, share, rank."""
        check_is_fitted(self, "step_model_")
        X = self.frame(ws, run_ids)
        return self._agent_scores(X, self._step_scores(X))

    def predict(self, ws, run_ids: Iterable[str] | None = None, store: bool = False) -> pd.DataFrame:  # noqa: ANN001
        """Predict the culprit agent and decisive step of each run.

        Parameters
        ----------
        ws : Workspace
            The store.
        run_ids : iterable of str, optional
            Runs to attribute (default: every failed run).
        store : bool
            Also write the scores to ``attributions`` (method ``blame_model``: one row per agent,
            one per move, and a ``verdict`` row), replacing earlier ones of the same runs.

        Returns
        -------
        pandas.DataFrame
            One row per run: run_id, agent, step_id, score (the step's), agent_confidence (the
            agent's share of all agents' scores). ``.attrs["unavailable_features"]`` lists the
            features these runs' logs cannot give.
        """
        check_is_fitted(self, "step_model_")
        X = self.frame(ws, run_ids)
        steps = self._step_scores(X)
        agents = self._agent_scores(X, steps)
        out = verdicts(steps, agents)
        avail = feature_availability(X)
        out.attrs["unavailable_features"] = avail.loc[avail["available"] == 0, "feature"].tolist()
        if store:
            save_scores(ws, "blame_model", steps, agents, out, self.get_params())
        return out

    # -- explanation ------------------------------------------------------------------------
    def explain(self, ws, run_id: str) -> pd.DataFrame:  # noqa: ANN001
        """SHAP values (log-odds) of one run's moves and agents, as a tidy table.

        Rows with ``level == "step"`` hold, for every move and feature, the feature's value and
        SHAP value; per move, ``base_value + shap.sum() == output``, the step model's log-odds.
        Rows with ``level == "agent"`` explain each agent's score: with ``agent_aggregation="max"``
        the SHAP values of the agent's best move, with ``"sum"`` their sum over the agent's moves
        (output = sum of log-odds), with ``"model"`` the per-agent model's own SHAP values.
        ``top`` marks the decisive step and the culprit agent; the top features behind the
        verdict are ``ex[(ex.level == "step") & ex.top].nlargest(10, "shap")``.
        """
        import shap

        check_is_fitted(self, "step_model_")
        X = self.frame(ws, [run_id])
        if X.empty:
            raise WorkbenchError(f"no run {run_id!r} with moves in this store")
        names = list(self.feature_names_in_)
        steps = self._step_scores(X)
        agents = self._agent_scores(X, steps)
        explainer = shap.TreeExplainer(self.step_model_)
        values = np.asarray(explainer.shap_values(X[names].to_numpy(dtype=np.float64)), dtype=float)
        base = float(np.ravel(explainer.expected_value)[0])
        logit = steps.set_index("step_id")["logit"]
        top_step = steps.loc[steps["rank"] == 1, "step_id"].iat[0]
        top_agent = agents.loc[agents["rank"] == 1, "agent"].iat[0]
        long = pd.DataFrame({
            "run_id": run_id, "level": "step", "agent": np.repeat(X["agent"].to_numpy(), len(names)),
            "step_id": np.repeat(X["step_id"].to_numpy(), len(names)), "feature": np.tile(names, len(X)),
            "value": X[names].to_numpy(dtype=float).ravel(), "shap": values.ravel(), "base_value": base})
        long["output"] = long["step_id"].map(logit).to_numpy()
        long["top"] = long["step_id"] == top_step
        agent_rows = self._explain_agents(X, long, base, names)
        agent_rows["top"] = agent_rows["agent"] == top_agent
        out = pd.concat([long, agent_rows], ignore_index=True).assign(abs_shap=lambda d: d["shap"].abs())
        out = out.sort_values(["level", "output", "agent", "step_id", "abs_shap"],
                              ascending=[False, False, True, True, False], kind="stable", ignore_index=True)
        return out.drop(columns="abs_shap")

    def _explain_agents(self, X: pd.DataFrame, long: pd.DataFrame, base: float, names: list[str]) -> pd.DataFrame:
        if self.agent_aggregation == "model":
            import shap

            A = agent_features(X, names)
            M = A[self.agent_columns_].to_numpy(dtype=np.float64)
            ex = shap.TreeExplainer(self.agent_model_)
            sv = np.asarray(ex.shap_values(M), dtype=float)
            b = float(np.ravel(ex.expected_value)[0])
            out = pd.DataFrame({"agent": np.repeat(A["agent"].to_numpy(), M.shape[1]),
                                "feature": np.tile(self.agent_columns_, len(A)), "value": M.ravel(),
                                "shap": sv.ravel(), "base_value": b})
            out["output"] = out["agent"].map(dict(zip(A["agent"], self.agent_model_.decision_function(M), strict=True)))
        elif self.agent_aggregation == "max":
            best = long.loc[long.groupby("agent", dropna=False)["output"].idxmax(), ["agent", "step_id"]]
            out = long.merge(best, on=["agent", "step_id"])[["agent", "step_id", "feature", "value", "shap",
                                                               "base_value", "output"]]
        else:
            g = long.groupby(["agent", "feature"], dropna=False, sort=False)
            out = g.agg(shap=("shap", "sum"), base_value=("base_value", "sum"), value=("value", "mean")).reset_index()
            n = long.groupby("agent", dropna=False)["step_id"].nunique()
            out["base_value"] = base * out["agent"].map(n).to_numpy()
            out["output"] = out["agent"].map(long.drop_duplicates("step_id").groupby("agent", dropna=False)["output"].sum())
        return out.assign(run_id=long["run_id"].iat[0], level="agent")
