"""Within-run contrasts of move features: each move measured against the other moves of its own run.

A feature's raw value means different things in different systems (every agent of one system states many new
numbers; in another, few do), and a scorer fitted across systems learns the training mix's scale and direction.
Against its own run a move is "the one that differs", whatever the system's level:

- ``"standardise"``: the feature replaced by its within-run z, ``(x - run mean) / run std`` over the run's moves
  (0 where the run's moves all agree), so a system whose moves all look "suspicious" on a raw feature shifts
  nothing (per-run unsupervised adaptation: no labels, nothing from other runs);
- ``"deviation"``: the raw feature kept, beside its within-run ``|z|`` (sign-agnostic: how far the move stands
  out of its run, in whichever direction), for features whose direction differs between systems.

Both declared and scored against the shipped model in bench/protocol_blame37.md, and neither ships (off by default):
"standardise" raised pooled leave-one-system-out agent accuracy (382 vs 366 of 813; MacNet +18) but, fitted on
short runs (Alg-Gen, 10 moves), it named the wrong agent with high confidence on long ones (Hand-Crafted, 32 moves:
30 -> 18 of 58): a within-run z reaches further the longer the run (``sqrt(n - 1)`` for a move alone in its run).
"deviation" lost 54 of 813 (MacNet -50): the move that stands out of its run is the culprit in some systems only.

Two contrasts whose scale does not grow with the run's length (bench/protocol_blame38.md), "standardise"'s direction
without its reach:

- ``"rank"``: the feature replaced by its within-run percentile rank, centred: ``(mid-rank - 0.5) / m - 0.5`` over
  the run's ``m`` moves that have a value (ties share their mean rank), in (-0.5, 0.5), 0 where they all agree. A
  run and the same run with every move repeated give the same ranks, so a long run's extremes are no larger than
  a short run's;
- ``"scaled"``: the within-run z divided by ``sqrt(m - 1)``, in [-1, 1] (ddof 0 bounds ``|z|`` by ``sqrt(m - 1)``):
  a move alone in its run on a 0/1 feature is at 1 in a run of any length.

Neither ships either (off by default): both raised pooled leave-one-system-out agent accuracy ("rank" 380, "scaled"
412 of 813; MacNet +21 / +40) and both fell on Alg-Gen -> Hand-Crafted as "standardise" did (30 -> 18 / 16 of 58),
on Hand-Crafted's short runs too: what carries from one system to the other is in the raw levels every within-run
contrast drops, not (only) in the z's reach.

So a fourth keeps the raw levels (bench/protocol_blame39.md): ``"rank_beside"`` adds ``"rank"``'s column beside
the raw feature, as ``"deviation"`` adds its ``|z|``. Any contrast may be limited to some features (``only``:
BlameModel's ``contrast_features``); the others stay raw. Beside the 7 features whose within-run direction agreed
over the six systems other than Hand-Crafted it does not ship either (off by default): pooled leave-one-system-out
379 of 813 (MacNet +12), Alg-Gen -> Hand-Crafted kept (30 of 58), but the decisive step in Alg-Gen CV fell by 2
runs of 126 and the held-out long-run systems (tau-bench, Hand-Crafted) lost 4 and 3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RUN_CONTRASTS = ("standardise", "deviation", "rank", "scaled", "rank_beside")
Z_SUFFIX = "@run_z"
DEV_SUFFIX = "@run_dev"
RANK_SUFFIX = "@run_rank"
SCALED_SUFFIX = "@run_zs"
# the suffix of the columns each contrast adds; "deviation" keeps the raw columns beside its own
_SUFFIX = {
    "standardise": Z_SUFFIX,
    "deviation": DEV_SUFFIX,
    "rank": RANK_SUFFIX,
    "scaled": SCALED_SUFFIX,
    "rank_beside": RANK_SUFFIX,
}
_BESIDE = ("deviation", "rank_beside")  # the contrasts that keep the raw column


def contrast_names(names: list[str], how: str | None, only: list[str] | None = None) -> list[str]:
    """The scorer's input columns for the base feature ``names`` under ``how`` (None: ``names``).

    ``only``: the features that get a contrast (None: all of ``names``); the others stay raw."""
    if how is None:
        return list(names)
    if how not in _SUFFIX:
        raise ValueError(f"run_contrast must be None or one of {RUN_CONTRASTS} (got {how!r})")
    chosen = [n for n in names if only is None or n in only]
    added = [n + _SUFFIX[how] for n in chosen]
    kept = list(names) if how in _BESIDE else [n for n in names if n not in chosen]
    return [*kept, *added]


def base_name(name: str) -> str:
    """The move feature a contrast column is computed from (``name`` itself when it is none)."""
    for suffix in _SUFFIX.values():
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def run_z(X: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Within-run z of each column of ``names``, rows of ``X`` grouped by ``run_id``.

    Mean and standard deviation (ddof 0) over the run's moves that have a value; a move with none stays NaN; a run
    whose moves all have one value (std under 1e-9) gives 0 to each of them. The index is ``X``'s."""
    if not len(X) or not names:
        return pd.DataFrame(index=X.index, columns=list(names), dtype=np.float64)
    values = X[list(names)].astype(np.float64)
    group = values.groupby(X["run_id"].to_numpy(), sort=False)
    mean, std = group.transform("mean"), group.transform("std", ddof=0)
    flat = std < 1e-9
    z = (values - mean) / std.where(~flat, 1.0)
    return z.where(~flat | values.isna(), 0.0)


def run_rank(X: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Within-run percentile rank of each column of ``names``, centred: ``(mid-rank - 0.5) / m - 0.5``.

    ``m`` counts the run's moves that have a value; tied moves share their mean rank (so a run whose moves all
    agree gives 0 to each); a move with none stays NaN. The index is ``X``'s."""
    if not len(X) or not names:
        return pd.DataFrame(index=X.index, columns=list(names), dtype=np.float64)
    values = X[list(names)].astype(np.float64)
    group = values.groupby(X["run_id"].to_numpy(), sort=False)
    return (group.rank(method="average") - 0.5) / group.transform("count") - 0.5


def run_scaled_z(X: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """:func:`run_z` divided by ``sqrt(m - 1)`` (``m``: the run's moves with a value), so it lies in [-1, 1].

    A run with one value gives 0 (its z is 0). The index is ``X``'s."""
    z = run_z(X, names)
    if not len(X) or not names:
        return z
    count = X[list(names)].groupby(X["run_id"].to_numpy(), sort=False).transform("count").astype(np.float64)
    return z / np.sqrt((count - 1).clip(lower=1))


def with_run_contrasts(X: pd.DataFrame, names: list[str], how: str | None) -> pd.DataFrame:
    """``X`` with the contrast columns of :func:`contrast_names` added (``X`` itself when ``how`` is None).

    The raw columns stay: other parts of the model read them (``value_prior``'s ``first_numbers``)."""
    if how is None:
        return X
    contrast_names(names, how)  # checks how
    if how in ("rank", "rank_beside"):
        added = run_rank(X, names)
    elif how == "scaled":
        added = run_scaled_z(X, names)
    else:
        z = run_z(X, names)
        added = z if how == "standardise" else z.abs()
    added = added.round(9).add_suffix(_SUFFIX[how])
    return pd.concat([X.drop(columns=[c for c in added.columns if c in X.columns]), added], axis=1)
