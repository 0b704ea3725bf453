"""Saving and loading a fitted BlameModel as versioned JSON, and the pretrained model that ships.

The file holds the parameters, the feature names, the trees as arrays, the calibration and a
``provenance`` note (what it was trained on, its measured accuracy). Loading parses JSON only —
no pickle, no code runs — checks the format name, the version and every array, and builds the
model without scikit-learn (so no version warning either). A file of another version is refused
with a :class:`~workbench.exceptions.FormatError` that says which versions this code reads.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .._params import model_of, user_path
from ..exceptions import FormatError

FORMAT = "workbench.BlameModel"
VERSION = 1
# v11 (v10's runs and parameters plus ``listwise_weight=0.25``: agents are named by ¾ v10's per-move coefficients +
# ¼ those of a softmax fit over each run's moves, kept as ``agent_model``; the steps stay v10's; declared in
# bench/protocol_blame30.md, C1, written by bench/attribution_blame30.py) replaces v10, which stays loadable;
# v10 (v9's features and training runs refitted on the simulator's fixed labels, where a fault a failed run
# recovered from names no culprit, with ``system_balance=True``: each training system carries the same total
# weight; bench/attribution_blame17.py, declared in bench/protocol_blame17.md) replaces v9, which stays loadable;
# v9 (v8's parameters and training runs, refitted on recovery-aware status features: a failed call that a later
# same call made without failing is a ``handled_failure``, not an error; bench/attribution_blame14.py, declared in
# bench/protocol_blame14.md) replaces v8;
# v8 (v7's parameters fitted on v7's training runs plus AgentRx's tau-bench retail runs and AEGIS's runs of
# four other frameworks, labelled by agent only: bench/attribution_public_sets.py --write-pretrained) replaces v7;
# v7 (v6's parameters refitted on the detectors of stop 15: loop and retry ignore calls without
# arguments, ping_pong is work bounced back unchanged, repeated_reply is new; the detector features v6
# was fitted on are no longer produced) replaces v6; v6 (v5 plus ``shift_scale=0.1``: the confidence falls toward 0.5 on runs unlike the training runs;
# rankings unchanged) replaces v5; v5 (v4 plus ``run_weight=0.5`` and ``talkers_only=True``) replaces v4 (v3 plus ``value_prior=0.5``:
# a fixed lift of the run's first agent move stating a new number), which replaced v3 (calibrated on
# the softmax mass of the agent's moves, or a constant), v2 and v1 (Algorithm-Generated only). The file
# format is unchanged: this code reads v1-v11 files (a parameter or an ``agent_model`` a file lacks loads with
# its default, off, as it was fitted; a v11 file is refused by code before v11, which does not know its parameters).
PRETRAINED = "blame_model_whowhen_v11.json"


def _plain(value: Any) -> Any:
    # fit accepts numpy numbers as parameters (a grid from np.arange); json writes only Python's own
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


class PersistMixin:
    """to_dict / from_dict / save / load / pretrained for :class:`BlameModel`."""

    def to_dict(self, provenance: dict[str, Any] | None = None) -> dict[str, Any]:
        """The fitted model as a JSON-able dict (see :meth:`save`)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "step_model_")
        prior = getattr(self, "prior_", None)
        familiarity = getattr(self, "familiarity_", None)
        agent_model = getattr(self, "agent_model_", None)
        return {
            "format": FORMAT,
            "version": VERSION,
            "params": {name: _plain(value) for name, value in self.get_params().items()},
            "feature_names": [str(f) for f in self.feature_names_in_],
            "unavailable_features": list(self.unavailable_features_),
            "n_runs": self.n_runs_,
            "step_model": self.step_model_.to_dict(),
            "agent_model": agent_model.to_dict() if agent_model is not None else None,
            "calibration": self.calibration_.to_dict() if self.calibration_ is not None else None,
            "familiarity": familiarity.to_dict() if familiarity is not None else None,
            "prior": prior.to_dict() if prior is not None else None,
            "provenance": provenance or getattr(self, "provenance_", {}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Any:
        """Rebuild a fitted model from :meth:`to_dict` output, checking what it reads."""
        from ._calibration import PlattCalibration
        from ._familiarity import Familiarity
        from ._linear import LinearScorer
        from ._trees import TreeEnsemble

        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise FormatError(
                f"not a {FORMAT} file (format: {d.get('format') if isinstance(d, dict) else type(d)})"
            )
        if d.get("version") != VERSION:
            raise FormatError(
                f"{FORMAT} version {d.get('version')!r}: this workbench reads version {VERSION}"
            )
        try:
            model = cls(**d["params"])
            model._validate()
            names = [str(f) for f in d["feature_names"]]
            kind = d["step_model"].get("kind")
            if kind not in ("linear", "trees"):
                raise FormatError(f"step model kind {kind!r} is not 'linear' or 'trees'")
            trees = (LinearScorer if kind == "linear" else TreeEnsemble).from_dict(d["step_model"])
            if trees.n_features != len(names):
                raise FormatError(f"the trees take {trees.n_features} features, the file names {len(names)}")
            model.prior_ = cls.from_dict(d["prior"]) if d.get("prior") is not None else None
            allowed = set(model._input_names()) | {"prior_logit"}
            unknown = [n for n in names if n not in allowed]
            if unknown:
                raise FormatError(f"features {unknown} are not features of this workbench")
            model.feature_names_in_ = np.asarray(names, dtype=object)
            model.n_features_in_ = len(names)
            model.unavailable_features_ = [str(f) for f in d.get("unavailable_features", [])]
            model.n_runs_ = int(d["n_runs"])
            model.step_model_ = trees
            # Files before v11 have no agent scorer: the step scorer ranks the agents, as when they were fitted.
            agent = d.get("agent_model")
            if agent is not None and (agent.get("kind") != "linear" if isinstance(agent, dict) else True):
                raise FormatError("agent model is not a linear model")
            model.agent_model_ = LinearScorer.from_dict(agent) if agent is not None else None
            if model.agent_model_ is not None and model.agent_model_.n_features != len(names):
                raise FormatError(
                    f"the agent model takes {model.agent_model_.n_features} features, the file names "
                    f"{len(names)}"
                )
            model.calibration_ = (
                PlattCalibration.from_dict(d["calibration"]) if d.get("calibration") else None
            )
            # Files before v6 have no familiarity: their confidence is not shrunk, as when they were fitted.
            model.familiarity_ = (
                Familiarity.from_dict(d["familiarity"], len(names)) if d.get("familiarity") else None
            )
            model.provenance_ = dict(d.get("provenance") or {})
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"{FORMAT} file: {type(exc).__name__}: {exc}") from exc
        return model

    def save(self, path: str | Path, provenance: dict[str, Any] | None = None) -> Path:
        """Write the fitted model as JSON (``provenance``: free notes, e.g. what it was trained on)."""
        path = Path(user_path(path, "save the model to"))  # ('~/m.json': the home folder's)
        path.write_text(json.dumps(self.to_dict(provenance), separators=(",", ":")), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Any:
        """Read a model written by :meth:`save`."""
        try:
            d = json.loads(Path(user_path(path, "read a model from")).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FormatError(f"{path}: cannot read a model file: {exc}") from exc
        try:
            return cls.from_dict(d)
        except FormatError as exc:
            raise FormatError(f"{path}: {exc}") from exc

    @classmethod
    def pretrained(cls) -> Any:
        """The model that ships with workbench: portable features, fitted on public labelled runs.

        Trained on public labelled failed runs of seven real systems, all MIT licence: Who&When
        Algorithm-Generated (126 runs) and Hand-Crafted (58 runs) (ag2ai/Agents_Failure_Attribution),
        AgentRx's tau-bench retail runs (29, microsoft/AgentRx) and AEGIS's runs with one injected faulty
        agent of four frameworks (150 each, labelled by agent only), plus simulated runs of
        ``wb.sim.procurement``; ``model.provenance_`` says what it was trained on
        and its measured accuracy. Its ``prior`` parameter is ``"pretrained"``, so ``fit`` on your own labelled runs
        refines it rather than starting over.

        Examples
        --------
        >>> import workbench as wb
        >>> model = wb.BlameModel.pretrained()
        >>> model.features, model.prior
        ('portable', 'pretrained')
        """
        ref = resources.files("workbench.attribution").joinpath("models", PRETRAINED)
        with resources.as_file(ref) as p:
            return cls.load(p)

    def _load_prior(self) -> Any:
        base = type(self).pretrained()
        base.prior_ = None
        return base


def attribute_logonly(ws, run_ids: Any = None, model: Any = None) -> Any:  # noqa: ANN001
    """Culprit agent and decisive step of failed runs from their logs alone (no replay, no labels).

    The model alone: the shipped pretrained :class:`BlameModel` (or ``model``, e.g. one refined on your
    labelled runs). ``workbench investigate`` and the IncidentExplorer weigh each run's own evidence in as
    well (an error that ended the run, a silent failure's source): :func:`logonly_verdicts` gives their answer.

    Parameters
    ----------
    ws : Workspace
        The store.
    run_ids : iterable of str, optional
        Runs to attribute (default: every failed run).
    model : BlameModel, optional
        A fitted model (default: :meth:`BlameModel.pretrained`).

    Returns
    -------
    pandas.DataFrame
        One row per run: run_id, agent, step_id, score, agent_confidence, uncertain (see
        :meth:`BlameModel.predict`).
    """
    if model is None:
        from ._blame_model import BlameModel

        model = BlameModel.pretrained()
    return model_of(model).predict(ws, run_ids)
