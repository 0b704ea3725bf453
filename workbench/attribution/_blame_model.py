"""BlameModel: log-only attribution learned from labelled failed runs (no replay).

A per-move scorer ("is this the labelled culprit step?") scores every move of a failed run; the
run's decisive step is its highest-scoring move and the culprit agent the agent whose moves score
highest. The agent's confidence is calibrated on held-out runs (Platt scaling over out-of-fold
scores, or the held-out hit rate when that does better), and a verdict under ``uncertain_below``
(default 0.5: more likely wrong than right) says it is uncertain. SHAP values explain both.

The scorer is a regularised logistic regression (default) or gradient-boosted trees; either is kept
as plain arrays (:class:`~._linear.LinearScorer`, :class:`~._trees.TreeEnsemble`), so a fitted model
and one loaded from JSON (:meth:`BlameModel.load`, :meth:`BlameModel.pretrained`) score through the
same code, with no pickle. Persistence and the pretrained model live in :mod:`._persist`; the
portable features in :mod:`._portable`; SHAP explanations in :mod:`._blame_explain`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ..exceptions import InvalidParameterError, WorkbenchError
from ..store._own_connection import fetch
from ..store._run_scope import known_run_ids, run_id_list
from ._blame_explain import explain_run
from ._blame_params import _int, _int_or_none, _real, run_weights, system_weights
from ._calibration import PlattCalibration, agent_evidence, calibration_rows
from ._coin_flip import coin_flips
from ._familiarity import Familiarity, unfamiliar
from ._features import FEATURES, feature_availability, step_features
from ._group_dropout import fit_group_dropout
from ._heuristics import (
    culprit_labels,
    ensure_findings,
    failed_runs,
    rank_agents,
    rank_steps,
    save_scores,
    sole_agent,
    steps_of_named_agent,
    verdicts,
)
from ._linear import LinearScorer
from ._listwise import fit_listwise
from ._persist import PersistMixin
from ._portable import PORTABLE_FEATURES, portable_features
from ._portable_claims import CLAIM_FEATURES
from ._portable_handoff import HANDOFF_FEATURES
from ._run_contrast import RUN_CONTRASTS, base_name, contrast_names, with_run_contrasts
from ._system_fits import SYSTEM_FITS, combine_system_fits
from ._trees import TreeEnsemble
from ._unfamiliar import UNFAMILIAR_BELOW

ALL_FEATURES: dict[str, tuple[str, str]] = {
    **FEATURES,
    **{k: ("portable", v) for k, v in PORTABLE_FEATURES.items()},
    **{k: ("claims", v) for k, v in CLAIM_FEATURES.items()},
    **{k: ("handoff", v) for k, v in HANDOFF_FEATURES.items()},
}
PORTABLE_GROUPS = ("structure", "text", "edges", "status", "findings", "portable")
# Groups only a list names: scored against the shipped model and not (yet) better (bench/protocol_blame34.md).
OPT_IN_GROUPS = ("claims", "handoff")
_GROUPS = tuple(dict.fromkeys(needs for needs, _ in ALL_FEATURES.values()))


def _features_ok(v: Any) -> bool:
    if v is None or v == "portable":
        return True
    return (
        isinstance(v, (list, tuple))
        and len(v) > 0
        and all(isinstance(x, str) and (x in ALL_FEATURES or x in _GROUPS) for x in v)
    )


class BlameModel(PersistMixin, BaseEstimator):
    """Which step and which agent caused a failed run, learned from labelled runs' logs alone.

    Parameters
    ----------
    estimator : {"linear", "trees"}
        The per-move scorer: an L2-regularised logistic regression over median-imputed,
        standardised features (``"linear"``), or gradient-boosted trees (``"trees"``,
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`, which learn interactions and
        need more labelled runs). Linear by default: on the 126 real runs of Who&When
        Algorithm-Generated it beat the trees by about 8 points of agent and step accuracy in
        5-fold CV, and a few robust directions carry over to unseen systems better.
    C : float
        Inverse L2 strength of the linear scorer (> 0).
    agent_aggregation : {"max", "sum", "mass", "noisy_or", "first_flagged"}
        How agents are ranked: by their best move's score, by the sum of their moves' scores, by
        their share of the run's softmax over its moves' log-odds (``"mass"``: the probability that
        the decisive move is one of theirs, the evidence the calibrated confidence reads), or by
        ``1 - prod(1 - p)`` over their moves' scores (``"noisy_or"``: at least one of their moves is a
        culprit step; scored against the shipped model and not better: it favours the agent with
        the most moves, bench/protocol_blame35.md), or by their earliest move among the run's moves within
        ``flag_margin`` log-odds of its best (``"first_flagged"``: a failure is decided by its first mistake, and
        the moves that build on it look almost as bad, later; scored against the shipped model with a margin of
        0.25 and not better: +7 of 813 across held-out systems, -1 of 58 on Hand-Crafted and a worse-calibrated
        confidence, bench/protocol_blame39.md).
    flag_margin : float
        With ``agent_aggregation="first_flagged"``, how far (in log-odds, >= 0) below the run's best move a
        move still counts as flagged. 0: the agent of the best move, as ``"max"`` (ties: the earlier move).
    features : None, "portable" or list of str
        Features to use: all of :data:`ALL_FEATURES` but the opt-in groups (None), those any
        multi-agent log has, text-only ones included (``"portable"``: no timing, tokens or
        log-probabilities, nothing tied to one system), or a list of feature names and/or groups
        ("structure", "text", "edges", "status", "timing", "tokens", "logprobs", "findings",
        "portable", and the opt-in "claims": values a move states that nothing before gave and no
        later tool output confirms, and "handoff": who hands a value to whom, per move and per
        agent; in neither None nor "portable").
    n_estimators : int
        Boosting iterations (trees).
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
    calibration_cv : int or None
        Folds (of whole runs) whose out-of-fold scores calibrate the agent confidence; None, or
        fewer than ``2 * calibration_cv`` runs, leaves it uncalibrated (the agent's score share).
    calibration_groups : {"auto", "run", "system"}
        How the calibration's held-out scores are made. ``"system"``: each system of the training
        runs (``runs.system``) is scored by a scorer fitted on the others, so the confidence is
        that of a model on a system it never saw (what the pretrained model faces; scores on
        familiar runs would make it overconfident there). ``"run"``: ``calibration_cv`` folds of
        runs. ``"auto"``: by system when the training runs span at least two systems.
    uncertain_below : float
        A verdict whose agent confidence is below this says ``uncertain`` (so does one on an
        unfamiliar run: ``unfamiliar_below``). The default 0.5 reads
        the calibrated confidence as it is: the verdict is more likely wrong than right. (A
        calibration that fell back to a constant at a hit rate over 0.5 then flags nothing: it
        cannot tell which verdicts are the weak ones.)
    uncertain_margin : float or None
        A verdict choosing between agents says ``uncertain`` when its agent's score (the model's agent score, before
        calibration and shrink) leads the runner-up's by less than this (:mod:`._coin_flip`): a coin flip between them,
        or no move that looks like a culprit, whatever the calibrated confidence (which on a system the model never
        saw is one base rate per agent count). Default 0.1, chosen on Who&When Algorithm-Generated and judged on
        held-out systems (bench/protocol_blame46.md, D4). ``uncertain_below`` then governs runs with one candidate
        agent (their step) and verdicts the evidence moved (``combine``: the evidence's agent over the model's; the
        model's flag lifted when agreeing evidence lifts its confidence to it); None: ``agent_confidence <
        uncertain_below`` for every verdict, as before.
    unfamiliar_below : float
        A verdict whose run has a familiarity (the share of the model's training runs at least as far
        from the training moves as the run: :mod:`._familiarity`) below this says ``uncertain`` too,
        whatever its confidence: the calibration learned on runs like the training runs says nothing
        of a run unlike them. 0 (default) turns it off: declared and scored on leave-one-system-out
        verdicts, no threshold flagged wrong verdicts better than the confidence alone
        (``UNFAMILIAR_NOTE`` of :mod:`._unfamiliar`).
    value_prior : float
        Log-odds added, not fitted, to the run's first agent move that states a number the task
        does not (``first_numbers``: who first brought in a value later moves can rest on). The
        fitted weights of such a move's features disagree between systems (correlated features
        share the credit differently in each); a fixed prior keeps the direction that holds in
        all of them. 0 (default) adds nothing; the pretrained model since v4 uses 0.5 (chosen on
        Algorithm-Generated CV and the transfer to two simulator samples,
        ``bench/attribution_variants.py``). With ``prior="pretrained"`` the pretrained model's lift
        comes in through its log-odds and is not added twice.
    run_weight : float
        Each run's moves that are not its culprit step weigh ``(mean moves per run / the run's
        moves) ** run_weight`` in the fit (culprit steps weigh 1), so a long run does not teach the
        scorer more than a short one: 0 (default) weighs every move alike, 1 weighs each move by 1 /
        its run's length. The pretrained model since v5 uses 0.5.
    talkers_only : bool
        An agent none of whose moves is its own turn (a code executor, a human) is not named
        culprit when its run has an agent that talks (the author of the code answers for it; the
        Who&When adapter knows an executor by its output). The pretrained model since v5 sets it.
    system_balance : bool
        Scale each system's rows (the frame's ``system`` column, the runs' ``system``) so every
        system of the training runs carries the same total weight in the fit, ``run_weight``
        applying within a system. Without it a system with many labelled runs (e.g. simulated
        ones) sets the weights the others must share. False (default) weighs every run alike.
    shift_scale : float
        How fast the agent confidence falls toward 0.5 on a run unlike the training runs
        (:mod:`._familiarity`): its log-odds are multiplied by ``exp(-(d / d_median - 1) /
        shift_scale)`` where ``d`` is the run's mean absolute standardised feature value and
        ``d_median`` the median training run's. A calibration learned on one system otherwise keeps
        that system's hit rate on another. 0 (default) turns it off; the pretrained model since v6
        uses 0.1 (chosen without Hand-Crafted). Rankings, and which side of 0.5 a confidence is on,
        do not change.
    listwise_weight : float
        Weight ``w`` in [0, 1] of a run-level fit in the scorer that names the culprit agent: its
        coefficients are ``(1 - w)`` times the per-move fit's plus ``w`` times those of a fit of the
        softmax over each run's moves to its labelled step (:mod:`._listwise`; the per-move fit asks of
        each move alone whether it is the culprit, the run-level fit compares a run's moves, as the
        verdict does). 0 (default) leaves it out; linear scorer only. The pretrained model since v11
        uses 0.25 (bench/protocol_blame28.md B2, bench/protocol_blame30.md).
    listwise_steps : bool
        The blended scorer of ``listwise_weight`` ranks the steps too. False (default): the steps keep
        the per-move scorer, the objective fitted for them (within one system, blending cost the
        decisive step: bench/protocol_blame28.md).
    credit_tools : bool
        When agents are ranked, a tool or retriever move also counts as a move of the agent whose turn
        came last before it (who wrote the code it ran, called the tool). False (default): only as its own
        agent's move (with ``talkers_only`` an executor then answers for nothing).
    run_contrast : None, "standardise", "deviation", "rank" or "scaled"
        Measure each move against the other moves of its own run before scoring (:mod:`._run_contrast`):
        ``"standardise"`` replaces every feature by its within-run z (per-run adaptation, no labels),
        ``"deviation"`` adds beside every feature its within-run ``|z|`` (how far the move stands out of its
        run, in either direction), ``"rank"`` replaces it by its within-run percentile rank and ``"scaled"``
        by its within-run z over ``sqrt(m - 1)`` (both bounded whatever the run's length). None (default):
        the features as they are. ``"standardise"`` and ``"deviation"`` were declared and scored against the
        shipped model and not better (bench/protocol_blame37.md): the first gained across held-out systems
        but, fitted on short runs, failed on long ones; the second lost on most systems. ``"rank"`` and
        ``"scaled"`` (bench/protocol_blame38.md) gained across held-out systems too and failed on Hand-Crafted
        as ``"standardise"`` did, on its short runs as well. ``"rank_beside"`` keeps the raw feature and adds
        ``"rank"``'s column beside it (bench/protocol_blame39.md, with ``contrast_features``: scored against the
        shipped model and not better, it lost 2 decisive steps of 126 in Alg-Gen CV and the long-run systems).
    contrast_features : None or list of str
        The features ``run_contrast`` applies to (None: every feature of the model); the others stay raw.
        Each must be one of the model's features.
    system_fits : None, "mean" or "median"
        How the training systems (the frame's ``system`` column) make the per-move scorer: one fit over
        every run (None, default), or one fit per system on the pooled fit's standardisation with the
        coefficients combined element-wise, their mean or median (:mod:`._system_fits`: a direction one
        system alone carries is averaged down or ignored, what most systems share stays). With one training
        system all three are the same model. Linear scorer only. Scored against the shipped model
        (bench/protocol_blame40.md): ``"mean"`` gained across held-out systems (+15 of 813) but lost 9 of 58 on
        Hand-Crafted held out and a behaviour of the shipped model, so it is not the default.
    group_dropout : float
        Weight (>= 0), in all, of copies of the training moves with one feature group silenced each (every group of
        ``features``: structure, text, edges, status, findings, portable, ...; :mod:`._group_dropout`), beside the
        moves themselves in the per-move fit: the scorer must also rank moves with any one group missing, as on a
        system whose logs leave that group silent. 0 (default) fits the moves alone. Linear scorer only. Scored
        against the shipped model at 0.25 and 0.5 (bench/protocol_blame41.md): a few more held-out Who&When culprits,
        fewer MacNet ones and Hand-Crafted decisive steps, 1-2 of 58 fewer trained on Algorithm-Generated alone, a
        slightly worse Brier score; not the default.
    novelty : {"earlier", "run"}
        What the text-novelty features read a move against. ``"earlier"`` (default): the texts before it, so every
        word of a run's first move is new and it has no earlier move to resemble (``max_sim_earlier`` 0) -- on a
        long single-agent trace these extremes alone rank the first model call first. ``"run"``: the task and every
        other move's output of the run, before or after (``novel_word_frac``, ``step_novel_rank``, ``role_external``),
        with NULL (median-imputed) where there is nothing to compare (``max_sim_earlier`` at the first move,
        ``step_loop_after`` without a side). Scored with ``agent_only_labels="agent"`` against the shipped model
        (bench/protocol_blame48.md, addendum H) and not better: the first-move weights fell and GAIA's annotated
        spans came first in 31 % of TRAIL traces (v11: none), but SWE-bench's stayed at none, the generated span
        trees at chance, and 2 of 126 Algorithm-Generated decisive steps were lost; not the default.
    agent_only_labels : {"first_move", "agent"}
        What a label naming a culprit agent and no step teaches. ``"first_move"`` (default): the agent's first move
        of the run is taken as its step (600 AEGIS runs of the pretrained pool then taught "the decisive step is
        the culprit's first move"). ``"agent"``: the run stays out of the per-move step scorer (it names no step),
        and in the run-level fit of ``listwise_weight`` every move of its culprit agent is a labelled move (the
        softmax mass on the agent's moves: it teaches the agent, not a step). Scored with ``novelty="run"``
        (addendum H, above) and not the default.
    step_rule : {"top", "named_agent"}
        The decisive step: the run's top-scoring move (``"top"``, default), or the best move of the
        agent named culprit (``"named_agent"``: the verdict's step is always one of its agent's moves).
    prior : None or "pretrained"
        ``"pretrained"``: :meth:`fit` refines the shipped model (:meth:`pretrained`) instead of
        starting from nothing: its log-odds become a feature of the trees fitted on your runs.
    detect : {"auto", True, False}
        Detector findings are features. ``"auto"`` runs :func:`workbench.detect` on runs that have no
        findings yet (when the store is writable); True re-runs it on every run used; False reads
        ``findings`` as it is.
    random_state : int or None
        Seed of the calibration folds and of the binning subsample on tables over 200,000 moves;
        the fit is otherwise deterministic (no early stopping, no row subsampling).
    n_jobs : int or None
        OpenMP and BLAS threads for fitting (None: as the process has them). One by default: the tables
        are small, and on a busy machine the boosting's and the logistic fits' threads cost more than they gain.

    Attributes
    ----------
    feature_names_in_ : ndarray of str
        Features the step model was fitted on.
    step_model_ : LinearScorer or TreeEnsemble
        The per-move model (log-odds that the move is the decisive step), as plain arrays.
    agent_model_ : LinearScorer or None
        The scorer that ranks agents when it is not ``step_model_`` (``listwise_weight`` > 0 and
        ``listwise_steps`` False); None otherwise.
    familiarity_ : Familiarity or None
        The training moves' feature statistics and the training runs' distances, which ``shift_scale``
        and ``unfamiliar_below`` measure a run against (None: a model file from before v6).
    calibration_ : PlattCalibration or None
        Maps an agent's share of the run's softmax mass over moves, and the number of agents, to
        the probability it is the culprit (a constant, the held-out hit rate, when these do not
        beat one in a nested check).
    prior_ : BlameModel or None
        The pretrained model refined (``prior="pretrained"``).
    unavailable_features_ : list of str
        Requested features with no value in any training move; the model is fitted without them.
    n_runs_ : int
        Labelled failed runs fitted on.

    Examples
    --------
    >>> import workbench as wb
    >>> ws = wb.open()
    >>> _ = ws.ingest(wb.sim.procurement(seed=5, fault_rate=1.0).generate(120))
    >>> model = BlameModel(n_estimators=50).fit(ws)
    >>> list(model.predict(ws).columns)
    ['run_id', 'agent', 'step_id', 'score', 'agent_confidence', 'uncertain', 'only_agent', 'step_confidence', 'familiarity', 'unfamiliar']
    """

    # (check, what it must be) per parameter, run at fit time. Not named `_parameter_constraints`:
    # that name is scikit-learn's, in its own format, read by its `_validate_params` and checks.
    _param_checks: dict[str, tuple[Callable[[Any], bool], str]] = {
        "estimator": (lambda v: v in ("linear", "trees"), "one of 'linear', 'trees'"),
        "C": (_real(0.0, closed_low=False), "a float > 0"),
        "agent_aggregation": (
            lambda v: v in ("max", "sum", "mass", "noisy_or", "first_flagged"),
            "one of 'max', 'sum', 'mass', 'noisy_or', 'first_flagged'",
        ),
        "flag_margin": (_real(0.0), "a float >= 0"),
        "features": (_features_ok, "None, 'portable', or a non-empty list of feature names or groups"),
        "n_estimators": (_int(1), "an int >= 1"),
        "learning_rate": (_real(0.0, 1.0, closed_low=False), "a float in (0, 1]"),
        "max_depth": (_int_or_none(1), "None or an int >= 1"),
        "max_leaf_nodes": (_int(2), "an int >= 2"),
        "min_samples_leaf": (_int(1), "an int >= 1"),
        "l2_regularization": (_real(0.0), "a float >= 0"),
        "calibration_cv": (_int_or_none(2), "None or an int >= 2"),
        "calibration_groups": (lambda v: v in ("auto", "run", "system"), "'auto', 'run' or 'system'"),
        "uncertain_below": (_real(0.0, 1.0), "a float in [0, 1]"),
        "uncertain_margin": (lambda v: v is None or _real(0.0, 1.0)(v), "None or a float in [0, 1]"),
        "unfamiliar_below": (_real(0.0, 1.0), "a float in [0, 1]"),
        "value_prior": (_real(0.0), "a float >= 0"),
        "run_weight": (_real(0.0), "a float >= 0"),
        "talkers_only": (lambda v: isinstance(v, bool), "True or False"),
        "system_balance": (lambda v: isinstance(v, bool), "True or False"),
        "shift_scale": (_real(0.0), "a float >= 0"),
        "listwise_weight": (_real(0.0, 1.0), "a float in [0, 1]"),
        "listwise_steps": (lambda v: isinstance(v, bool), "True or False"),
        "credit_tools": (lambda v: isinstance(v, bool), "True or False"),
        "step_rule": (lambda v: v in ("top", "named_agent"), "'top' or 'named_agent'"),
        "run_contrast": (
            lambda v: v is None or v in RUN_CONTRASTS,
            "None, 'standardise', 'deviation', 'rank', 'scaled' or 'rank_beside'",
        ),
        "contrast_features": (
            lambda v: (
                v is None
                or (isinstance(v, list | tuple) and len(v) > 0 and all(isinstance(x, str) for x in v))
            ),
            "None or a non-empty list of feature names",
        ),
        "system_fits": (lambda v: v is None or v in SYSTEM_FITS, "None, 'mean' or 'median'"),
        "group_dropout": (_real(0.0), "a float >= 0"),
        "prior": (lambda v: v is None or v == "pretrained", "None or 'pretrained'"),
        "detect": (lambda v: isinstance(v, bool) or v == "auto", "'auto', True or False"),
        "random_state": (_int_or_none(0), "None or an int >= 0"),
        "n_jobs": (_int_or_none(1), "None or an int >= 1"),
        "novelty": (lambda v: v in ("earlier", "run"), "'earlier' or 'run'"),
        "agent_only_labels": (lambda v: v in ("first_move", "agent"), "'first_move' or 'agent'"),
    }

    def __init__(
        self,
        *,
        estimator: str = "linear",
        C: float = 0.1,
        agent_aggregation: str = "max",
        features: str | list[str] | None = None,
        n_estimators: int = 100,
        learning_rate: float = 0.1,
        max_depth: int | None = None,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        calibration_cv: int | None = 5,
        calibration_groups: str = "auto",
        uncertain_below: float = 0.5,
        value_prior: float = 0.0,
        run_weight: float = 0.0,
        talkers_only: bool = False,
        system_balance: bool = False,
        shift_scale: float = 0.0,
        prior: str | None = None,
        detect: str | bool = "auto",
        random_state: int | None = 0,
        n_jobs: int | None = 1,
        listwise_weight: float = 0.0,
        listwise_steps: bool = False,
        step_rule: str = "top",
        credit_tools: bool = False,
        unfamiliar_below: float = UNFAMILIAR_BELOW,
        run_contrast: str | None = None,
        flag_margin: float = 0.25,
        contrast_features: list[str] | None = None,
        system_fits: str | None = None,
        group_dropout: float = 0.0,
        uncertain_margin: float | None = 0.1,
        novelty: str = "earlier",
        agent_only_labels: str = "first_move",
    ) -> None:
        self.estimator = estimator
        self.C = C
        self.agent_aggregation = agent_aggregation
        self.features = features
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.calibration_cv = calibration_cv
        self.calibration_groups = calibration_groups
        self.uncertain_below = uncertain_below
        self.value_prior = value_prior
        self.run_weight = run_weight
        self.talkers_only = talkers_only
        self.system_balance = system_balance
        self.shift_scale = shift_scale
        self.prior = prior
        self.detect = detect
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.listwise_weight = listwise_weight
        self.listwise_steps = listwise_steps
        self.step_rule = step_rule
        self.credit_tools = credit_tools
        self.unfamiliar_below = unfamiliar_below
        self.run_contrast = run_contrast
        self.flag_margin = flag_margin
        self.contrast_features = contrast_features
        self.system_fits = system_fits
        self.group_dropout = group_dropout
        self.uncertain_margin = uncertain_margin
        self.novelty = novelty
        self.agent_only_labels = agent_only_labels

    # -- parameters -------------------------------------------------------------------------
    def _validate(self) -> None:
        for name, (ok, what) in self._param_checks.items():
            value = getattr(self, name)
            if not ok(value):
                raise InvalidParameterError(f"{name!r} must be {what} (got {value!r})")
        if self.system_fits is not None and self.estimator != "linear":
            raise InvalidParameterError(
                f"'system_fits' needs estimator='linear' (got {self.estimator!r} "
                f"with system_fits={self.system_fits!r})"
            )
        if getattr(self, "group_dropout", 0.0) and self.estimator != "linear":
            raise InvalidParameterError(
                f"'group_dropout' needs estimator='linear' (got {self.estimator!r} "
                f"with group_dropout={self.group_dropout!r})"
            )
        if self.listwise_weight and self.estimator != "linear":
            raise InvalidParameterError(
                f"'listwise_weight' needs estimator='linear' (got {self.estimator!r} "
                f"with listwise_weight={self.listwise_weight!r})"
            )
        unknown = sorted(set(self.contrast_features or ()) - set(self._feature_list()))
        if unknown:
            raise InvalidParameterError(
                f"'contrast_features' names {unknown}, not features of this model "
                f"(features={self.features!r})"
            )

    def _feature_list(self) -> list[str]:
        if self.features is None:
            return [f for f, (needs, _) in ALL_FEATURES.items() if needs not in OPT_IN_GROUPS]
        groups = PORTABLE_GROUPS if self.features == "portable" else self.features
        return [f for f, (needs, _) in ALL_FEATURES.items() if f in groups or needs in groups]

    def _input_names(self) -> list[str]:
        """The scorer's input columns: the chosen features, or their within-run contrasts (``run_contrast``)."""
        return contrast_names(
            self._feature_list(), getattr(self, "run_contrast", None), self._contrast_only()
        )

    @staticmethod
    def _groups_of(names: Iterable[str]) -> list[str]:
        """Each input's feature group (a within-run contrast column: its feature's; another input: its own)."""
        base = {n: g for n, (g, _) in ALL_FEATURES.items()}
        return [base.get(base_name(n), n) for n in names]

    def _contrast_only(self) -> list[str] | None:
        only = getattr(self, "contrast_features", None)
        return None if only is None else list(only)

    def _contrasted(self, X: pd.DataFrame) -> pd.DataFrame:
        """``X`` with the within-run contrast columns of ``run_contrast`` (``X`` itself without one)."""
        how = getattr(self, "run_contrast", None)
        only = self._contrast_only()
        names = [f for f in self._feature_list() if f in X.columns and (only is None or f in only)]
        return with_run_contrasts(X, names, how) if how else X

    def _booster(self) -> HistGradientBoostingClassifier:
        # early_stopping off: every fit uses all the data and is reproducible for a random_state.
        return HistGradientBoostingClassifier(
            max_iter=self.n_estimators,
            learning_rate=self.learning_rate,
            max_depth=self.max_depth,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            early_stopping=False,
            random_state=self.random_state,
        )

    # -- data -------------------------------------------------------------------------------
    def frame(self, ws, run_ids: Iterable[str] | None = None) -> pd.DataFrame:  # noqa: ANN001
        """Features of every move of ``run_ids`` (default: the store's failed runs), after detection.

        Returns
        -------
        pandas.DataFrame
            run_id, step_id, agent, kind, pos, system (the run's), then every feature of
            :data:`ALL_FEATURES` (float64, NaN where the log does not say). :meth:`fit_frame` and :meth:`rank_frame` take it, so
            one table serves many fits (cross-validation).
        """
        self._validate()
        ids = failed_runs(ws) if run_ids is None else run_id_list(run_ids)
        ensure_findings(ws, ids, self.detect)
        novelty = getattr(self, "novelty", "earlier")
        X = step_features(ws, ids, novelty)
        systems = dict(fetch(ws.con, "SELECT run_id, coalesce(system, '') FROM runs"))
        X.insert(5, "system", X["run_id"].map(systems).astype(object))
        X = pd.concat([X, portable_features(ws, X, novelty)], axis=1)
        # DuckDB's parallel window sums can differ in the last bits from one call to the next:
        # rounded, the same log gives the same features and so the same scores.
        names = [c for c in X.columns if c in ALL_FEATURES]
        # (the table made again around the rounded block: assigning ~130 columns into it cost more than rounding)
        X = pd.concat([X.drop(columns=names), X[names].astype(np.float64).round(9)], axis=1)[list(X.columns)]
        return X.copy()  # one block per dtype again: later column additions stay cheap (and warning-free)

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
            raise WorkbenchError(
                "no failed run with a culprit label to fit on: label runs with ws.label(...)"
            )
        return self.fit_frame(self.frame(ws, labels["run_id"].unique().tolist()), labels)

    def fit_frame(self, X: pd.DataFrame, labels: pd.DataFrame) -> BlameModel:
        """Fit on a feature table of :meth:`frame` and culprit labels (run_id, agent, step_id).

        Returns
        -------
        BlameModel
            self, fitted.
        """
        self._validate()
        # BLAS threads too as n_jobs says (one by default): the logistic fits' products are of a few thousand
        # rows, where a second BLAS thread mostly waits; on two cores at load ~10 the demo's fit cost 8.2 CPU s
        # with two and 0.9 with one. With one, the model is the same to the last bit on every machine (a threaded
        # X.T @ r sums in an order set by the thread count), and it is the one the test suite always fitted.
        with threadpool_limits(self.n_jobs, user_api="blas"):
            return self._fit_frame(X, labels)

    def _fit_frame(self, X: pd.DataFrame, labels: pd.DataFrame) -> BlameModel:
        self.prior_ = self._load_prior() if self.prior == "pretrained" else None
        X = self._contrasted(self._with_prior(X))
        chosen = self._input_names() + (["prior_logit"] if self.prior_ is not None else [])
        # A feature these logs never give (latency of a text-only log) cannot be learned from.
        names = [n for n in chosen if X[n].notna().any()]
        if not names:
            raise WorkbenchError(f"none of the features {chosen} has a value in these runs")
        if getattr(self, "agent_only_labels", "first_move") == "agent":
            y, y_agent = self._targets(X, labels), self._agent_targets(X, labels)
        else:
            y = y_agent = self._targets(X, self._first_move_of_agent(X, labels))
        if not y.any():
            raise WorkbenchError("no labelled culprit step is a move of the runs fitted on")
        # Only runs whose labelled step (or, agent_only_labels="agent", culprit agent) is among their moves are kept.
        keep = X["run_id"].isin(X.loc[y | y_agent, "run_id"]).to_numpy()
        if y[keep].all():  # (sklearn's own error named neither the runs nor what they lack)
            raise WorkbenchError(
                f"every move of the {X.loc[keep, 'run_id'].nunique()} labelled runs fitted on is "
                "its culprit (a run of one move each): nothing to tell a culprit move from; fit on "
                "runs where the culprit is one move of several"
            )
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self.unavailable_features_ = [n for n in chosen if n not in names]
        self.n_runs_ = int(X.loc[keep, "run_id"].nunique())
        self.step_model_, self.agent_model_ = self._fit_scorers(X.loc[keep], y[keep], y_agent[keep])
        self.calibration_ = self._calibrate(X.loc[keep], y[keep], labels, y_agent[keep])
        # kept whatever shift_scale is: every verdict says how familiar its run is (shift_scale 0: no shrink)
        self.familiarity_ = Familiarity.fit(
            X.loc[keep, names].to_numpy(dtype=np.float64),
            X.loc[keep, "run_id"].to_numpy(dtype=object),
            self.shift_scale,
        )
        return self

    @staticmethod
    def _first_move_of_agent(X: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
        """Labels with a culprit agent and no step get that agent's first move of the run as their step.

        The scorer learns from culprit moves: without this a run labelled with an agent alone (AEGIS's
        injected agents, a user who knows who erred but not where) taught nothing and was left out.
        Its first move is where its part in the run begins; on AEGIS this lifted Alg-Gen -> Hand-Crafted
        from 48.3 % to 55.2 % agent (bench/attribution_public_sets.py)."""
        gap = labels["step_id"].isna() & labels["agent"].notna()
        if not gap.any() or "agent" not in X or "pos" not in X:
            return labels
        first = (
            X.loc[X["agent"].notna(), ["run_id", "agent", "step_id", "pos"]]
            .sort_values(["run_id", "pos"])
            .drop_duplicates(["run_id", "agent"])
            .drop(columns="pos")
        )
        filled = labels[gap].drop(columns="step_id").merge(first, on=["run_id", "agent"], how="left")
        out = labels.copy()
        out.loc[gap, "step_id"] = filled["step_id"].to_numpy()
        return out

    @staticmethod
    def _agent_targets(X: pd.DataFrame, labels: pd.DataFrame) -> np.ndarray:
        """Every move of the culprit agent of a run labelled with an agent and no step, and the labelled steps."""
        only = labels[labels["step_id"].isna() & labels["agent"].notna()]
        pairs = set(zip(only["run_id"], only["agent"].astype(object), strict=True))
        of_agent = np.fromiter(
            ((r, a) in pairs for r, a in zip(X["run_id"], X["agent"], strict=True)), bool, len(X)
        )
        return of_agent | BlameModel._targets(X, labels)

    @staticmethod
    def _targets(X: pd.DataFrame, labels: pd.DataFrame) -> np.ndarray:
        steps = set(zip(labels["run_id"], labels["step_id"].astype(object), strict=True))
        return np.fromiter(
            ((r, s) in steps for r, s in zip(X["run_id"], X["step_id"], strict=True)), bool, len(X)
        )

    def _fit_scorer(self, X: pd.DataFrame, y: np.ndarray) -> LinearScorer | TreeEnsemble:
        M = X[list(self.feature_names_in_)].to_numpy(dtype=np.float64)
        w = run_weights(X["run_id"], y, self.run_weight) if self.run_weight and len(X) else None
        if self.system_balance and "system" in X.columns and len(X):
            w = system_weights(X["system"], w)
        if self.estimator == "linear":
            pooled = LinearScorer.fit(M, y, self.C, sample_weight=w)
            if getattr(self, "group_dropout", 0.0):
                pooled = fit_group_dropout(
                    pooled, M, y, w, self._groups_of(self.feature_names_in_), self.C, self.group_dropout
                )
            how = getattr(self, "system_fits", None)
            if how is None or "system" not in X.columns:
                return pooled
            return combine_system_fits(pooled, M, y, X["system"], X["run_id"], self.run_weight, self.C, how)
        with threadpool_limits(self.n_jobs, user_api="openmp"):
            return TreeEnsemble.from_hgb(self._booster().fit(M, y, sample_weight=w))

    def _fit_scorers(
        self, X: pd.DataFrame, y: np.ndarray, y_agent: np.ndarray | None = None
    ) -> tuple[Any, LinearScorer | None]:
        """The step scorer and, when another one ranks the agents, that one (else None).

        ``y_agent`` (default ``y``): the moves the run-level fit labels; the step scorer learns from the runs with a
        labelled step (``y``) only."""
        y_agent = y if y_agent is None else y_agent
        named = X["run_id"].isin(X.loc[y, "run_id"]).to_numpy()
        base = self._fit_scorer(X.loc[named], y[named])
        w = getattr(self, "listwise_weight", 0.0)
        if not w or not len(X):
            return base, None
        Z = base._z(X[list(self.feature_names_in_)].to_numpy(dtype=np.float64))
        order = np.lexsort((X["pos"].to_numpy(), pd.factorize(X["run_id"])[0]))
        system = X["system"].reset_index(drop=True) if self.system_balance and "system" in X.columns else None
        beta = fit_listwise(
            Z, y_agent, self._value_offset(X), X["run_id"].reset_index(drop=True), order, system, self.C
        )
        blend = LinearScorer(
            base.median, base.mean, base.scale, (1 - w) * base.coef + w * beta, (1 - w) * base.intercept
        )
        return (blend, None) if self.listwise_steps else (base, blend)

    def _rank_both(
        self,
        X: pd.DataFrame,
        step_model: Any,
        agent_model: LinearScorer | None,
        M: np.ndarray | None = None,
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Ranked steps, ranked agents, and the scored moves the agents were ranked from (``M``: ``X``'s inputs as
        :meth:`_inputs` gives them, when the caller has them)."""
        M = self._inputs(X) if M is None and len(X) else M
        steps = self._rank_steps(X, step_model, M)
        scored = steps if agent_model is None else self._rank_steps(X, agent_model, M)
        agents = self._rank_agents(scored)
        if getattr(self, "step_rule", "top") == "named_agent":
            steps = steps_of_named_agent(steps, agents)
        return steps, agents, scored

    def _calibrate(
        self, X: pd.DataFrame, y: np.ndarray, labels: pd.DataFrame, y_agent: np.ndarray | None = None
    ) -> PlattCalibration | None:
        y_agent = y if y_agent is None else y_agent
        runs = np.array(sorted(X["run_id"].unique()))
        k = self.calibration_cv
        if k is None or len(runs) < 2 * k:
            return None
        systems = X["system"].fillna("") if "system" in X.columns else pd.Series("", index=X.index)
        if self.calibration_groups != "run" and systems.nunique() >= 2:
            held_out = [(systems == s).to_numpy() for s in sorted(systems.unique())]
        elif self.calibration_groups == "system":
            return None  # one system: nothing to hold out
        else:
            order = np.random.default_rng(self.random_state).permutation(runs)
            held_out = [X["run_id"].isin(order[i::k]).to_numpy() for i in range(k)]
        parts = []
        for test in held_out:
            trees, agent_model = self._fit_scorers(X.loc[~test], y[~test], y_agent[~test])
            _, agents, scored = self._rank_both(X.loc[test], trees, agent_model)
            agents = agent_evidence(scored, agents)
            parts.append(calibration_rows(agents, labels))
        return PlattCalibration.fit(pd.concat(parts, ignore_index=True), random_state=self.random_state)

    # -- scoring ----------------------------------------------------------------------------
    def _with_prior(self, X: pd.DataFrame) -> pd.DataFrame:
        prior = getattr(self, "prior_", None)
        if prior is None:
            return X
        return X.assign(
            prior_logit=prior.step_model_.decision_function(
                prior._contrasted(X)[list(prior.feature_names_in_)].to_numpy(dtype=np.float64)
            )
            + prior._value_offset(X)
        )

    def _value_offset(self, X: pd.DataFrame) -> np.ndarray:
        """The unfitted ``value_prior`` log-odds of each move (0 where off or not known)."""
        w = getattr(self, "value_prior", 0.0)
        # A model refining the pretrained one has the lift already, inside the prior's log-odds.
        if not w or "first_numbers" not in X.columns or getattr(self, "prior_", None) is not None:
            return np.zeros(len(X))
        return w * X["first_numbers"].fillna(0.0).to_numpy(dtype=np.float64)

    def _inputs(self, X: pd.DataFrame) -> np.ndarray:
        """The scorer's inputs of each move of ``X`` (taken once a call: ~130 columns picked out of the table)."""
        return X[list(self.feature_names_in_)].to_numpy(dtype=np.float64)

    def _rank_steps(
        self, X: pd.DataFrame, trees: LinearScorer | TreeEnsemble, M: np.ndarray | None = None
    ) -> pd.DataFrame:
        out = X[["run_id", "step_id", "agent", "kind", "pos"]].copy()
        M = self._inputs(X) if M is None and len(X) else M
        logit = trees.decision_function(M) if len(X) else np.zeros(0)
        out["logit"] = logit = logit + self._value_offset(X)
        # (a move scored far below the rest, as on a run of 20,000 moves, has a logit under -709: exp overflows to
        # inf and its score is 0.0, which is right; the warning it raised failed callers running warnings as errors)
        with np.errstate(over="ignore"):
            out["score"] = 1.0 / (1.0 + np.exp(-logit))
        return rank_steps(out)

    def _rank_agents(self, steps: pd.DataFrame) -> pd.DataFrame:
        return rank_agents(
            steps,
            how=self.agent_aggregation,
            talkers_only=getattr(self, "talkers_only", False),
            credit_tools=getattr(self, "credit_tools", False),
            flag_margin=getattr(self, "flag_margin", 0.25),
        )

    def rank_frame(self, X: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Ranked steps and agents of a feature table of :meth:`frame`.

        Returns
        -------
        (steps, agents) : tuple of pandas.DataFrame
            Steps: run_id, step_id, agent, kind, pos, logit, score, rank. Agents: run_id, agent,
            score, share, rank, ``confidence`` (calibrated probability that it is the culprit;
            the share when the model is uncalibrated) and ``familiarity`` (the run's, see :meth:`predict`).
        """
        check_is_fitted(self, "step_model_")
        X = self._contrasted(self._with_prior(X))
        M = self._inputs(X) if len(X) else None
        steps, agents, scored = self._rank_both(X, self.step_model_, getattr(self, "agent_model_", None), M)
        if self.calibration_ is None:
            agents["confidence"] = agents["share"]
        else:
            agents["confidence"] = self.calibration_.predict(agent_evidence(scored, agents))
        familiarity = getattr(self, "familiarity_", None)
        agents["familiarity"] = np.nan
        if familiarity is not None and len(X):
            # (one distance per run, read by both: the shrink's weight and the familiarity shown)
            d = familiarity.distance(M, X["run_id"].to_numpy(dtype=object))
            agents["confidence"] = Familiarity.shrink(
                agents["confidence"].to_numpy(),
                agents["run_id"].map(familiarity.weight_of(d)).fillna(1.0).to_numpy(),
            )
            agents["familiarity"] = agents["run_id"].map(familiarity.familiarity_of(d)).astype(np.float64)
        # A run with one candidate agent (a single-agent trace; one expert beside its code executor) has
        # its culprit named by elimination: the calibration, fitted on runs of several agents, said
        # 50-80 % there, "uncertain" on 5 of 126 Who&When runs whose culprit it named right every time.
        only = (
            agents["agent"].notna()
            & (agents["agent"] != "<none>")
            & (agents.groupby("run_id")["agent"].transform("size") == 1)
        )
        agents.loc[only, "confidence"] = 1.0
        return steps, agents

    def score_steps(self, ws, run_ids: Iterable[str] | None = None) -> pd.DataFrame:  # noqa: ANN001
        """Culprit probability of every move: run_id, step_id, agent, kind, pos, logit, score, rank."""
        check_is_fitted(self, "step_model_")
        return self.rank_frame(self.frame(ws, run_ids))[0]

    def score_agents(self, ws, run_ids: Iterable[str] | None = None) -> pd.DataFrame:  # noqa: ANN001
        """Culprit score of every agent of the runs: run_id, agent, score, share, rank, confidence."""
        check_is_fitted(self, "step_model_")
        return self.rank_frame(self.frame(ws, run_ids))[1]

    def predict(self, ws, run_ids: Iterable[str] | None = None) -> pd.DataFrame:  # noqa: ANN001
        """Predict the culprit agent and decisive step of each run (the store is not written).

        Returns
        -------
        pandas.DataFrame
            One row per run: run_id, agent, step_id, score (the step's), agent_confidence (the
            calibrated probability the agent is the culprit), uncertain (the agent's score leads the runner-up's by
            less than ``uncertain_margin``; with ``uncertain_margin=None``, confidence below
            ``uncertain_below``), only_agent (the run had one candidate agent: its confidence of 1.0 is no
            choice made, and ``uncertain`` then says whether ``step_confidence`` is below ``uncertain_below``),
            step_confidence (the step's share of the run's step scores), familiarity (in [0, 1]: the share of
            the model's training runs at least as far out as this run; 1 typical, 0 further out than all of
            them; NaN for a model file without the training runs' spread) and unfamiliar (familiarity below
            ``unfamiliar_below``; ``uncertain`` is then True whatever the confidence).
            ``.attrs["unavailable_features"]`` lists the features these runs' logs cannot give.
        """
        return self._predict(ws, run_ids)[0]

    def store_predictions(self, ws, run_ids: Iterable[str] | None = None) -> pd.DataFrame:  # noqa: ANN001
        """Predict, and write the scores to ``attributions`` (method ``blame_model``).

        One row per agent, one per move and a ``verdict`` row per run, replacing earlier rows of
        the same runs. Returns the table of :meth:`predict`.
        """
        out, steps, agents = self._predict(ws, run_ids)
        save_scores(
            ws, "blame_model", steps, agents.assign(share=agents["confidence"]), out, self.get_params()
        )
        return out

    def _predict(self, ws, run_ids: Iterable[str] | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:  # noqa: ANN001
        check_is_fitted(self, "step_model_")
        if run_ids is not None:
            run_ids = known_run_ids(ws, run_ids, "BlameModel.predict")
        X = self.frame(ws, run_ids)
        steps, agents = self.rank_frame(X)
        out = verdicts(steps, agents.assign(share=agents["confidence"]), self.uncertain_below)
        out = sole_agent(out, steps, agents, self.uncertain_below)
        if getattr(self, "uncertain_margin", None) is not None:
            out = coin_flips(out, agents, self.uncertain_margin)
        out = unfamiliar(out, agents, getattr(self, "unfamiliar_below", 0.0))
        avail = feature_availability(X)
        out.attrs["unavailable_features"] = avail.loc[avail["available"] == 0, "feature"].tolist()
        return out, steps, agents

    # -- explanation ------------------------------------------------------------------------
    def explain(self, ws, run_id: str) -> pd.DataFrame:  # noqa: ANN001
        """SHAP values (log-odds) of one run's moves and agents, as a tidy table.

        Rows with ``level == "step"`` hold, for every move and feature, the feature's value and
        SHAP value; per move, ``base_value + shap.sum() == output``, the step model's log-odds.
        Rows with ``level == "agent"`` explain each agent's score: with ``agent_aggregation="max"``
        (or ``"mass"``, ``"noisy_or"``) the SHAP values of the agent's best move, with ``"sum"`` their sum over
        the agent's moves.
        ``top`` marks the decisive step and the culprit agent.
        """
        return explain_run(self, ws, run_id)
