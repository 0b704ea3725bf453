"""Who tends to be the culprit in *this* system: agent-name and role-token evidence (bench only, blame19: not shipped).

The pretrained model reads nothing that names an agent, because names do not carry from one system to
another. Within one system they do: a code executor is always called the same, a ``*_Verification_Expert``
role recurs from run to run. When a model is fitted on a user's labelled runs of their own system, these
features let it learn that, and the model uses them only on runs of a system it was fitted on (other runs are
scored as if the features were absent: see :class:`SystemRoles.known`).

Per move, for the move's agent (``m``: smoothing strength, ``p0``: the training share of culprits among the
(run, agent) pairs):

- ``sys_name_rate``: (culprit runs of this agent name + m * p0) / (runs it appears in + m).
- ``sys_token_rate``: the mean, over the name's role tokens (CamelCase / ``_`` split, lower case, generic
  words such as "expert" dropped), of the same rate per token; ``p0`` for a name with no known token.
- ``sys_tok_<token>``: 1 when the name holds the token (tokens of at least ``min_runs`` training runs).

On the training runs the rates leave the move's own run out, so a run does not teach the scorer with its
own label; a run scored later reads the rates of every training run.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from workbench.exceptions import FormatError

GENERIC_TOKENS = frozenset({"expert", "agent"})
RATE_FEATURES = ("sys_name_rate", "sys_token_rate")
TOKEN_PREFIX = "sys_tok_"
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")


def role_tokens(name: Any) -> tuple[str, ...]:
    """Lower-case role words of an agent name: ``"DataVerification_Expert"`` -> ``("data", "verification")``."""
    if not isinstance(name, str):
        return ()
    words = _SPLIT.split(_CAMEL.sub(r"\1_\2", name).lower())
    return tuple(dict.fromkeys(w for w in words if w and not w.isdigit() and w not in GENERIC_TOKENS))


def _pairs(X: pd.DataFrame, labels: pd.DataFrame | None) -> pd.DataFrame:
    """One row per (run, agent) of the moves, with ``culprit`` (the labelled agent of the run)."""
    pairs = X.loc[X["agent"].notna(), ["run_id", "agent"]].drop_duplicates().reset_index(drop=True)
    pairs["agent"] = pairs["agent"].astype(str)
    if labels is None:
        pairs["culprit"] = False
        return pairs
    lab = labels.dropna(subset=["agent"]).drop_duplicates("run_id").set_index("run_id")["agent"].astype(str)
    pairs["culprit"] = pairs["run_id"].map(lab).eq(pairs["agent"]).to_numpy()
    return pairs


class SystemRoles:
    """Agent-name and role-token culprit rates of one system's labelled runs (fit, then transform)."""

    def __init__(self, smoothing: float = 2.0, min_runs: int = 3, tokens: bool = True) -> None:
        self.smoothing = float(smoothing)
        self.min_runs = int(min_runs)
        self.tokens = bool(tokens)

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, labels: pd.DataFrame) -> SystemRoles:
        """Count each agent name's and role token's runs and culprit runs over the labelled runs of ``X``."""
        pairs = _pairs(X, labels)
        labelled = set(labels.dropna(subset=["agent"])["run_id"])
        pairs = pairs[pairs["run_id"].isin(labelled)]
        self.p0_ = float(pairs["culprit"].mean()) if len(pairs) else 0.0
        g = pairs.groupby("agent")["culprit"]
        self.names_ = {a: (int(n), int(c)) for a, n, c in zip(g.size().index, g.size(), g.sum(), strict=True)}
        toks: dict[str, list[int]] = {}
        for a, c in zip(pairs["agent"], pairs["culprit"], strict=True):
            for t in role_tokens(a):
                nc = toks.setdefault(t, [0, 0])
                nc[0] += 1
                nc[1] += int(c)
        self.token_counts_ = {t: (n, c) for t, (n, c) in sorted(toks.items())}
        self.vocabulary_ = (
            [t for t, (n, _) in self.token_counts_.items() if n >= self.min_runs] if self.tokens else []
        )
        self.systems_ = (
            sorted(X.loc[X["run_id"].isin(labelled), "system"].fillna("").astype(str).unique())
            if "system" in X.columns
            else [""]
        )
        return self

    @property
    def feature_names(self) -> list[str]:
        """Columns :meth:`transform` adds."""
        return [*RATE_FEATURES, *(TOKEN_PREFIX + t for t in self.vocabulary_)]

    # -- reading ----------------------------------------------------------------------------
    def _rate(self, n: np.ndarray, c: np.ndarray) -> np.ndarray:
        return (c + self.smoothing * self.p0_) / (n + self.smoothing)

    def transform(self, X: pd.DataFrame, labels: pd.DataFrame | None = None) -> pd.DataFrame:
        """The features of every move of ``X`` (index aligned). ``labels``: the runs' own labels, left out.

        Pass the fit's labels when transforming the training runs themselves (each run's rates then leave
        out its own label); pass None for runs to score.
        """
        own = _pairs(X, labels).set_index(["run_id", "agent"])["culprit"]
        agent = X["agent"].where(X["agent"].notna(), None)
        keys = list(zip(X["run_id"], agent.astype(object), strict=True))
        mine = np.array([bool(own.get((r, str(a)), False)) if a is not None else False for r, a in keys])
        seen = np.array([labels is not None and a is not None for _, a in keys])
        out = pd.DataFrame(index=X.index)
        n = np.array(
            [self.names_.get(str(a), (0, 0))[0] if a is not None else 0 for _, a in keys], dtype=float
        )
        c = np.array(
            [self.names_.get(str(a), (0, 0))[1] if a is not None else 0 for _, a in keys], dtype=float
        )
        # leave the move's own run out: its (run, agent) pair counted once in n, and in c if it was the culprit
        loo = seen & (n > 0)
        out["sys_name_rate"] = self._rate(n - loo, c - (loo & mine))
        rates = np.full(len(X), self.p0_)
        for i, (_, a) in enumerate(keys):
            toks = [t for t in role_tokens(a) if t in self.token_counts_]
            if toks:
                tn = np.array([self.token_counts_[t][0] for t in toks], dtype=float) - loo[i]
                tc = np.array([self.token_counts_[t][1] for t in toks], dtype=float) - (loo[i] and mine[i])
                rates[i] = float(self._rate(tn, tc).mean())
        out["sys_token_rate"] = rates
        names = agent.astype(object).to_numpy()
        for t in self.vocabulary_:
            out[TOKEN_PREFIX + t] = np.fromiter((t in role_tokens(a) for a in names), float, len(names))
        out.loc[X["agent"].isna().to_numpy(), list(out.columns)] = np.nan
        return out

    def known(self, X: pd.DataFrame) -> pd.Series:
        """Per run of ``X``: True when it is of a system fitted on and shares an agent name with the fit's runs.

        Other runs are scored without these features (a run of another system, whose names mean something else).
        """
        system = X["system"].fillna("").astype(str) if "system" in X.columns else pd.Series("", index=X.index)
        named = X["agent"].astype(object).map(lambda a: isinstance(a, str) and a in self.names_)
        per = pd.DataFrame({"run_id": X["run_id"], "ok_sys": system.isin(self.systems_), "named": named})
        g = per.groupby("run_id")
        return g["ok_sys"].all() & g["named"].any()

    # -- persistence ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (counts only: no run ids, no text)."""
        return {
            "smoothing": self.smoothing,
            "min_runs": self.min_runs,
            "tokens": self.tokens,
            "p0": self.p0_,
            "names": {a: list(v) for a, v in self.names_.items()},
            "token_counts": {t: list(v) for t, v in self.token_counts_.items()},
            "vocabulary": list(self.vocabulary_),
            "systems": list(self.systems_),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SystemRoles:
        """Inverse of :meth:`to_dict`, checking what it reads."""
        try:
            out = cls(float(d["smoothing"]), int(d["min_runs"]), bool(d["tokens"]))
            out.p0_ = float(d["p0"])
            out.names_ = {str(a): (int(v[0]), int(v[1])) for a, v in d["names"].items()}
            out.token_counts_ = {str(t): (int(v[0]), int(v[1])) for t, v in d["token_counts"].items()}
            out.vocabulary_ = [str(t) for t in d["vocabulary"]]
            out.systems_ = [str(s) for s in d["systems"]]
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise FormatError(f"not a SystemRoles table: {type(exc).__name__}: {exc}") from exc
        if not 0.0 <= out.p0_ <= 1.0 or any(
            c > n or c < 0 for n, c in [*out.names_.values(), *out.token_counts_.values()]
        ):
            raise FormatError(
                "SystemRoles counts out of range (a culprit count above its run count, or p0 outside [0, 1])"
            )
        return out
