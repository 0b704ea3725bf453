"""Recall and precision of the detectors against ground-truth labels (simulator or human)."""

from __future__ import annotations

import json

import pandas as pd

from .._params import frame_of
from ..store._own_connection import fetch, fetch_df

# Detector -> the labelled fault kinds it should find.
TARGETS = {
    "loop": ("loop",),
    "ping_pong": ("ping_pong",),
    "retry": ("rate_limit", "timeout"),
    "silent_failure": ("silent_failure",),
    "cascade": ("cascade",),
}

_LABELS = """
SELECT run_id, agent, step_id, kind FROM labels
WHERE source = 'ground_truth' AND kind IS NOT NULL
"""


def evaluate_detectors(ws, findings: pd.DataFrame | None = None) -> pd.DataFrame:  # noqa: ANN001
    """One row per detector: labelled runs, flagged runs, recall, precision, and how each is counted.

    Runs are the unit. Recall is over runs labelled with the detector's fault kinds. Precision:
    for loop, ping-pong and retry, flagged runs that carry such a label; for silent failures,
    flagged runs whose true outcome is failure; for cascades, origin findings whose agent is the
    agent of a labelled fault of that run. Drift is scored by :func:`drift_delay`.

    Precision is over the flagged runs whose truth is known: a run of unknown outcome (most OTel
    traces: the root span's status is unset, and nobody labelled the run) with no ground-truth label
    is neither a hit nor a false alarm. Such runs are counted apart, in ``flagged_unknown``
    (silent_failure flags them as warnings), and ``precision_counts`` says how many were left out.
    ``flagged_runs`` counts every flagged run.
    """
    if findings is None:
        findings = fetch_df(
            ws.con, "SELECT run_id, step_id, agent, detector, severity, attributes FROM findings"
        )
    else:
        findings = frame_of(findings, "findings", ("run_id", "agent", "detector", "severity"))
    labels = fetch_df(ws.con, _LABELS)
    truth = fetch_df(ws.con, "SELECT run_id, outcome FROM runs").set_index("run_id")["outcome"]
    # runs whose truth nobody knows: outcome unknown (or missing) and no ground-truth label
    unknown = set(truth.index[~truth.isin(("success", "failure"))]) - set(labels["run_id"])
    rows = []
    for detector, kinds in TARGETS.items():
        found = findings[findings["detector"] == detector]
        if detector == "cascade":  # the origins (critical), not the steps built on them (info)
            found = found[found["severity"] == "critical"]
        flagged_unknown = set(found["run_id"]) & unknown
        hits = found[~found["run_id"].isin(unknown)]
        positives = set(labels.loc[labels["kind"].isin(kinds), "run_id"])
        if detector == "cascade":
            agents = labels.groupby("run_id")["agent"].apply(set)
            good = [r.agent in agents.get(r.run_id, set()) for r in hits.itertuples()]
            precision = sum(good) / len(good) if len(good) else float("nan")
            how = "origin agent is a labelled faulty agent of the run"
        elif detector == "silent_failure":
            flagged = set(hits["run_id"])
            precision = (
                (sum(truth.get(r) == "failure" for r in flagged) / len(flagged)) if flagged else float("nan")
            )
            how = "flagged run truly failed"
        else:
            flagged = set(hits["run_id"])
            precision = len(flagged & positives) / len(flagged) if flagged else float("nan")
            how = f"flagged run is labelled {'/'.join(kinds)}"
        flagged_runs = set(found["run_id"])
        recall = len(flagged_runs & positives) / len(positives) if positives else float("nan")
        if flagged_unknown:
            how += f"; {len(flagged_unknown)} flagged run(s) of unknown outcome, unlabelled, not scored"
        rows.append(
            {
                "detector": detector,
                "labelled_runs": len(positives),
                "flagged_runs": len(flagged_runs),
                "flagged_unknown": len(flagged_unknown),
                "recall": recall,
                "precision": precision,
                "precision_counts": how,
            }
        )
    return pd.DataFrame(rows)


def drift_delay(ws, findings: pd.DataFrame | None = None, windows: int = 6) -> pd.DataFrame:  # noqa: ANN001
    """For each agent with drift labels: when the drift began, when it was found, the delay in
    windows (the history cut into ``windows`` equal spans), and false alarms (drift warnings for
    agents with no drift label; an 'info' finding that names another agent's model change as its
    likely cause is not an alarm)."""
    if findings is None:
        findings = fetch_df(
            ws.con,
            "SELECT run_id, agent, detector, severity, attributes FROM findings WHERE detector = 'drift'",
        )
    else:
        findings = frame_of(findings, "findings", ("agent", "detector", "severity", "attributes"))
        findings = findings[findings["detector"] == "drift"]
    span = fetch(ws.con, "SELECT min(started_at), max(started_at) FROM runs")[0]
    width = (pd.Timestamp(span[1]) - pd.Timestamp(span[0])) / windows if span[0] is not None else None
    # A drift label naming no agent (the simulator's drift a failed run recovered from: no culprit, so no
    # agent) cannot say whose drift began; the agent's other drift labels do.
    began = fetch_df(
        ws.con,
        """SELECT l.agent, min(r.started_at) AS began FROM labels l JOIN runs r USING (run_id)
                      WHERE l.kind = 'drift' AND l.source = 'ground_truth' AND l.agent IS NOT NULL
                      GROUP BY l.agent""",
    )
    rows = []
    for r in began.itertuples():
        found = findings[findings["agent"] == r.agent]
        since = [pd.Timestamp(json.loads(a)["since"]) for a in found["attributes"]] if len(found) else []
        after = [s for s in since if s >= pd.Timestamp(r.began) - width] if width is not None else since
        first = min(after) if after else None
        delay = (first - pd.Timestamp(r.began)) / width if first is not None and width else None
        rows.append(
            {
                "agent": r.agent,
                "drift_began": r.began,
                "found_since": first,
                "delay_windows": delay,
                "found": first is not None,
            }
        )
    labelled = set(began["agent"])
    alarms = findings[findings["severity"] != "info"]
    for agent in sorted(set(alarms["agent"]) - labelled):
        rows.append(
            {
                "agent": agent,
                "drift_began": None,
                "found_since": None,
                "delay_windows": None,
                "found": "false alarm",
            }
        )
    return pd.DataFrame(rows, columns=["agent", "drift_began", "found_since", "delay_windows", "found"])
