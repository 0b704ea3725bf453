"""Drift (nonstationarity): did an agent's behaviour change between model versions or time windows?

An agent is one system's agent: two systems whose agents share a name ("writer", "planner") are compared each
with itself, never with the other (a store of several systems otherwise read one system's later runs as the other's
agent drifting)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from .._plain import p_value, plain
from ._config import DetectorConfig

# Per-run behaviour of each agent. Outcome is the run's (a label's, when there is one), NOT the counting of
# store/sql/run_outcomes.sql that the views use (silent failures as failed): that reads the silent_failure
# findings, which detect() writes only after every detector ran (drift runs beside the per-run chunks), so
# this detector would read the previous pass's findings, or none on a first pass, and its result would
# depend on how often detect() was run. The drift view (plots.agent_series) shows silent failures.
# An agent's latency is its model and tool calls' time, but not a call's that runs another agent (PydanticAI's
# delegate tool, an agent called as a tool): that time is the other agent's, and counted there; a slower
# researcher read as its planner drifting too.
_AGENT_RUNS = """
WITH wrappers AS (
    SELECT DISTINCT p.run_id, p.step_id FROM steps p
    JOIN steps c ON c.run_id = p.run_id AND c.parent_id = p.step_id
    WHERE p.kind = 'tool' AND c.agent IS NOT NULL AND c.agent IS DISTINCT FROM p.agent
),
per_agent AS (
    SELECT run_id, agent,
           arg_max(model, seq) FILTER (WHERE model IS NOT NULL) AS model,
           count(*) FILTER (WHERE kind = 'tool') AS tool_calls,
           sum(latency_ms) FILTER (WHERE kind IN ('llm', 'tool') AND w.step_id IS NULL) AS latency_ms,
           avg(CASE WHEN status = 'error' THEN 1.0 ELSE 0.0 END) AS error_rate,
           avg(confidence) AS confidence,
           avg(entropy) AS entropy
    FROM steps LEFT JOIN wrappers w USING (run_id, step_id)
    WHERE agent IS NOT NULL
    GROUP BY run_id, agent
)
-- the run's time and outcome joined to the (run, agent) rows, not to every step
SELECT a.run_id, a.agent, r.system, r.started_at AS t, a.model, a.tool_calls, a.latency_ms, a.error_rate, a.confidence,
       a.entropy, CASE WHEN r.outcome = 'failure' THEN 1 WHEN r.outcome = 'success' THEN 0 END AS failed
FROM per_agent a JOIN runs r ON r.run_id = a.run_id
WHERE r.started_at IS NOT NULL
"""

CONTINUOUS = ("tool_calls", "latency_ms", "error_rate", "confidence", "entropy")


def _segments(df: pd.DataFrame, config: DetectorConfig) -> tuple[str, list[pd.DataFrame]]:
    """Cut one agent's runs into ordered segments: by model version when it changes, else by time."""
    df = df.sort_values("t")
    models = df["model"].dropna()
    if models.nunique() >= 2:
        first_seen = df.dropna(subset=["model"]).groupby("model")["t"].min().sort_values()
        order = {m: i for i, m in enumerate(first_seen.index)}
        key = df["model"].map(order).ffill().bfill()
        segs = [g for _, g in df.groupby(key, sort=True)]
        return "version", segs
    edges = np.array_split(np.arange(len(df)), config.drift_windows)
    return "window", [df.iloc[idx] for idx in edges if len(idx)]


def _tests(before: pd.DataFrame, after: pd.DataFrame) -> list[tuple[str, float, str]]:
    from scipy import stats  # here, not at import: scipy.stats takes a second or more to import

    out = []
    for metric in CONTINUOUS:
        a, b = before[metric].dropna().to_numpy(float), after[metric].dropna().to_numpy(float)
        if len(a) < 5 or len(b) < 5 or (np.ptp(np.r_[a, b]) == 0):
            continue
        p = stats.ks_2samp(a, b).pvalue
        out.append((metric, float(p), f"{metric} mean {plain(a.mean())} → {plain(b.mean())}"))
    fa, fb = before["failed"].dropna(), after["failed"].dropna()
    if len(fa) >= 5 and len(fb) >= 5:
        table = np.array([[fa.sum(), len(fa) - fa.sum()], [fb.sum(), len(fb) - fb.sum()]], dtype=float)
        if table.sum(axis=0).min() > 0:
            p = stats.fisher_exact(table).pvalue
            out.append(("failure_rate", float(p), f"failure rate {fa.mean():.1%} → {fb.mean():.1%}"))
    return out


def _none_tested(cols: list[str], pairs: int) -> pd.DataFrame:
    """No finding, ``pairs`` periods compared (``attrs["pairs_tested"]``)."""
    empty = pd.DataFrame(columns=cols)
    empty.attrs["pairs_tested"] = pairs
    return empty


def detect_drift(con, config: DetectorConfig) -> pd.DataFrame:  # noqa: ANN001
    """Findings of agents whose behaviour shifted, one per agent and change point.

    Consecutive segments (model versions in order of first use, else equal-count time windows) are
    compared metric by metric — Kolmogorov–Smirnov for continuous behaviour, Fisher's exact test for
    the failure rate — and the p-values of all tests are corrected together (Benjamini–Hochberg at
    ``config.drift_alpha``).
    """
    cols = ["run_id", "step_id", "agent", "detector", "severity", "detail", "attributes"]
    # (an agent's segments are its runs, one row each in the query below: a store of fewer timed runs than two
    # segments need has no pair to test, and the query and its frame, a fifth of a small store's detect, are spared)
    if (
        con.execute("SELECT count(*) FROM runs WHERE started_at IS NOT NULL").fetchall()[0][0]
        < 2 * config.drift_min_runs
    ):
        return _none_tested(cols, 0)
    data = con.execute(_AGENT_RUNS).df()
    several = data["system"].nunique(dropna=False) > 1  # (then a finding names its system)
    rows: list[dict] = []
    pairs = 0  # periods compared: none means too few runs to judge, not "no drift" (attrs["pairs_tested"])
    # (fewer rows than two segments need: no agent has a pair to test, and grouping them is pandas work for nothing)
    groups = (
        data.groupby(["system", "agent"], sort=True, dropna=False)
        if len(data) >= 2 * config.drift_min_runs
        else ()
    )
    for (system, agent), df in groups:
        if len(df) < 2 * config.drift_min_runs:
            continue  # no two segments of drift_min_runs each: nothing to test (and cutting it costs pandas work)
        system = None if pd.isna(system) else system
        how, segs = _segments(df, config)
        for i in range(1, len(segs)):
            before, after = segs[i - 1], segs[i]
            if len(before) < config.drift_min_runs or len(after) < config.drift_min_runs:
                continue
            pairs += 1
            tests = _tests(before, after)
            if not tests:
                continue
            # the same for every metric of the pair: worked out once
            first = after.sort_values("t").iloc[0]
            segment = {
                "system": system,
                "agent": agent,
                "how": how,
                "segment": i,
                "run_id": first["run_id"],
                "since": first["t"],
                "from_model": before["model"].mode().iat[0] if before["model"].notna().any() else None,
                "to_model": after["model"].mode().iat[0] if after["model"].notna().any() else None,
            }
            rows.extend({**segment, "metric": metric, "p": p, "text": text} for metric, p, text in tests)
    if not rows:
        return _none_tested(cols, pairs)
    from scipy import stats

    tests = pd.DataFrame(rows)
    tests["p_adj"] = stats.false_discovery_control(tests["p"].to_numpy(), method="bh")
    hits = tests[tests["p_adj"] <= config.drift_alpha]
    out = []
    for (system, agent, seg), g in hits.groupby(["system", "agent", "segment"], sort=True, dropna=False):
        system = None if pd.isna(system) else system
        g = g.sort_values("p_adj")
        top = g.iloc[0]
        change = (
            f"model {top['from_model']} → {top['to_model']}"
            if top["how"] == "version"
            else f"time window {seg + 1}"
        )
        who = f"{agent} ({system})" if several and system is not None else agent
        detail = f"{who} changed from {pd.Timestamp(top['since']):%Y-%m-%d %H:%M} ({change}): " + "; ".join(
            f"{r.text} ({p_value(r.p_adj)})" for r in g.itertuples()
        )
        cause = _downstream_of(data, hits, system, agent, top, config) if top["how"] == "window" else None
        if cause is not None:
            detail += f"; likely downstream of {cause}'s model change"
        attrs = {
            "since": str(top["since"]),
            "segmentation": top["how"],
            "segment": int(seg),
            "metrics": {r.metric: float(r.p_adj) for r in g.itertuples()},
            "downstream_of": cause,
            "system": system,
        }
        out.append(
            {
                "run_id": top["run_id"],
                "step_id": None,
                "agent": agent,
                "detector": "drift",
                "severity": "info" if cause else "warning",
                "detail": detail,
                "attributes": json.dumps(attrs),
            }
        )
    found = pd.DataFrame(out, columns=cols)
    found.attrs["pairs_tested"] = pairs
    return found


def _downstream_of(
    data: pd.DataFrame,
    hits: pd.DataFrame,
    system: str | None,
    agent: str,
    top: pd.Series,
    config: DetectorConfig,
) -> str | None:
    """The agent of the same system whose model changed within one time window of this agent's shift, if any.

    A model change is a known cause; a time-window shift of another agent close to it is most likely that change
    seen downstream (a verifier re-checking a drifted pricer more often). Another system's change is no cause."""
    same = (data["system"] == system) if system is not None else data["system"].isna()
    times = data.loc[same, "t"]
    width = (times.max() - times.min()) / config.drift_windows
    mine = (hits["system"] == system) if system is not None else hits["system"].isna()
    changes = hits[mine & (hits["how"] == "version")].groupby("agent")["since"].min()
    near = changes[(changes.index != agent) & ((changes - top["since"]).abs() <= width)]
    return near.index[0] if len(near) else None
