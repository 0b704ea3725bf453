"""Plain evidence in a run's log about who failed it, read beside the log-only BlameModel.

The model weighs many weak signals learned on other systems; some runs carry direct evidence of their
own, in OpenTelemetry / OpenInference terms:

- ``error``: an exception that ended the run. The run reported failure, and an unbroken chain of
  error-status spans leads from a step below the root up to the root: the error propagated, nothing
  handled it. Its origin is the first of that chain to end (the span that raised; its callers end
  after it), and the agent of that step is named.
- ``silent_failure``: the detector of that name followed the value the final answer rests on (made up,
  or contradicting a tool's output) back to the agent that first stated it. When the log cannot tell where
  that agent got the value (its input is in no span, and agents before it acted without a word of theirs in
  the log), those agents may have said it first: the model chooses among them, and the evidence's weight is
  shared among them (:func:`combine`).
- ``gave_up``: the detector of that name saw a tool call fail, not made again with success, and the answer
  give up; the agent that made the call is named.
- ``ping_pong``: the run ended bouncing the work between two agents (the detector of that name, and no other
  agent acted after the bounce began): the agent of the first turn from the bounce's start that brought no new
  tool result is named (the one that sent the work back, not the one that had done it).

Each names one agent. :func:`combine` adds the evidence's log-odds to the model's calibrated
confidence in that agent; the verdict names whichever agent is then more likely, and the confidence
says how far model and evidence agree. A flat log (Who&When: no span tree) has no error chain to the
root, and a run reported failed has no silent_failure finding: such runs keep the model's verdict.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from ..store._connection import sql_text
from ..store._own_connection import own_cursor
from ..store._run_scope import run_scope
from ._heuristics import step_shares

# How much each kind of evidence moves the odds (log-odds added to the model's): a rate of 0.8 that the
# named agent is the culprit. Chosen, not fitted: bench/verdict_evidence.py measured 87 of 87 for
# silent_failure (78 simulator runs, 9 real traces) and 1 of 1 for an error that ended the run, too few
# systems to trust a rate near 1; at 0.8 a model sure of another agent (above 0.8 against a prior near
# 0.5 for the evidence's) still keeps its pick, and says the two part.
# gave_up: the same rate, chosen as well (3 of 3 real traces with a tool failure and a give-up, detect40);
# ping_pong too (1 of 1 real trace that ended in a bounce, real41).
EVIDENCE_LOGIT = {
    "error": math.log(0.8 / 0.2),
    "silent_failure": math.log(0.8 / 0.2),
    "gave_up": math.log(0.8 / 0.2),
    "ping_pong": math.log(0.8 / 0.2),
}

# The evidence whose step gives way to the model's when both name the same agent and the model's step is that
# agent's: a silent_failure names the agent's step that first *stated* the wrong value, which may come after the step
# that went wrong (bench/protocol_blame46.md: in notebook 01's demo the evidence's step was right in 7 of 14 such
# verdicts, the model's in 14). An error (the span that raised), a gave_up (the call that failed) and a ping_pong
# name the step itself, and real traces bear them out (TRAIL: an error's step right in 2 of 5 runs, the model's in
# 0; the MCP-down and ADK hand-off fixtures' decisive steps are the evidence's).
MODEL_STEP_EVIDENCE = ("silent_failure",)

# The queries live in sql/ beside this module; the runs in scope are in the temp table _ev_scope
# (store/_run_scope.py), the detector is a parameter: no value is formatted into the SQL.
_ERROR_SQL = sql_text("evidence_error", __package__)
_FINDING_SQL = sql_text("evidence_silent", __package__)
_PINGPONG_SQL = sql_text("evidence_pingpong", __package__)
# The detectors whose findings name a run's culprit, in the order they are believed: a wrong answer's value
# before a give-up after a tool failed (a run with both gave a wrong value first; its tool failure came later).
_FINDING_EVIDENCE = ("silent_failure", "gave_up")

# quiet: for silent_failure, the agents the wrong value may have come from as well (evidence_silent.sql),
# a list of {agent, step_id, seq}; empty otherwise.
EVIDENCE_COLUMNS = ["run_id", "evidence", "agent", "step_id", "seq", "why", "quiet"]


def _short(text: Any, width: int = 120) -> str:
    one = " ".join(str(text).split())
    return one if len(one) <= width else one[: width - 1] + "…"


def _agent_name(agent: Any) -> str:
    """An agent as a sentence names it: a name that shows nothing (``""``, only spaces: the store keeps any text)
    is quoted as written, so the reader sees that an agent is there and which."""
    shown = _short(agent, 80)
    if shown:
        return shown
    text = str(agent)  # (blank, but maybe megabytes of it)
    return f"the agent named {json.dumps(text[:10])}" + ("…" if len(text) > 10 else "")


def run_evidence(ws: Any, run_ids: list[str]) -> pd.DataFrame:
    """The evidence each run's log holds about its culprit: one row per run that has some (columns
    :data:`EVIDENCE_COLUMNS`; ``evidence`` is ``"error"`` or ``"silent_failure"``, ``why`` one sentence).
    An error that ended the run comes before a silent_failure finding (a failed run has none)."""
    if not run_ids:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    with own_cursor(ws.con) as con, run_scope(con, "_ev_scope", run_ids):
        errors = con.execute(_ERROR_SQL).fetchall()
        has_findings = con.execute(
            "SELECT count(*) FROM findings SEMI JOIN _ev_scope USING (run_id)"
        ).fetchall()[0][0]
        found = {
            d: con.execute(_FINDING_SQL, {"detector": d}).fetchall() if has_findings else []
            for d in _FINDING_EVIDENCE
        }
        # (last: a run that ended in a bounce and gave a wrong answer or gave up is read by that finding)
        found["ping_pong"] = con.execute(_PINGPONG_SQL).fetchall() if has_findings else []
    rows: dict[str, tuple] = {}
    for run, agent, step, seq, what, kind, error in errors:
        # every log value cut: a name may be megabytes (the field limit), and the sentence is printed whole
        who = _agent_name(agent)
        thing = f"{who}'s {_short(kind or 'step', 40)} {_short(what, 80)}" if what else f"{who}'s step"
        raised = f' raised "{_short(error)}"' if error else " failed"
        rows[run] = (
            run,
            "error",
            agent,
            step,
            seq,
            f"{thing}{raised} at step {_short(step, 80)}; the error reached the run's root and ended the run",
            [],
        )
    for detector in (*_FINDING_EVIDENCE, "ping_pong"):
        for run, agent, step, seq, detail, quiet in found[detector]:
            if run not in rows:
                rows[run] = (
                    run,
                    detector,
                    agent,
                    step,
                    seq,
                    f"{detector}: {_short(detail, 200)}",
                    list(quiet),
                )
    return pd.DataFrame(list(rows.values()), columns=EVIDENCE_COLUMNS)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _prior(conf: dict, n_agents: int, run: str, agent: Any) -> float:
    """The model's confidence in ``agent``; an agent the model did not score (no move of its own: a tool's agent
    by inheritance) starts at an even share of the run's agents."""
    prior = conf.get((run, agent))
    if prior is None or pd.isna(prior):
        return 1.0 / (n_agents + 1)
    return float(prior)


def _among(
    run: str, e: pd.Series, quiet: list, conf: dict, rank: dict, n_agents: int
) -> tuple[Any, Any, float, str]:
    """The agent a silent_failure finding names when the log cannot tell it from the ``quiet`` agents before it
    (evidence_silent.sql): the one of them the model is surest of (ties: its rank, then the first stater, then the
    latest to act before it), with its step; the evidence's log-odds shared among them (what backed one agent
    backs any of them: an even split of its odds, never below none); and the sentence saying so. The value no span
    shows does not outweigh the model: the model chooses, the evidence only narrows the choice."""
    cands = [(e["agent"], e["step_id"])] + [(q["agent"], q["step_id"]) for q in quiet]
    best = max(
        range(len(cands)),
        key=lambda k: (_prior(conf, n_agents, run, cands[k][0]), -rank.get((run, cands[k][0]), math.inf), -k),
    )
    weight = max(0.0, EVIDENCE_LOGIT[e["evidence"]] - math.log(len(cands)))
    others = ", ".join(_agent_name(a) for a, _ in cands[1:])
    why = (
        f"{e['why']}; but {_agent_name(e['agent'])}'s input is in no span, and {others} acted before it with no "
        "words of theirs in the log: the value may be theirs, so the model chooses among them"
    )
    return cands[best][0], cands[best][1], weight, why


def combine(
    verdicts: pd.DataFrame,
    agents: pd.DataFrame,
    evidence: pd.DataFrame,
    uncertain_below: float = 0.5,
    steps: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The model's verdicts (``BlameModel.predict``'s table) with the evidence weighed in.

    For a run whose log names an agent E (:func:`run_evidence`): E's confidence becomes
    ``sigmoid(logit(model confidence in E) + EVIDENCE_LOGIT[kind])``. When that is above the model's
    confidence in its own pick, E is the culprit and its step the decisive step. When model and evidence
    name the same agent the confidence rises, and the step is the evidence's, except that a ``silent_failure``
    (:data:`MODEL_STEP_EVIDENCE`: it names where the wrong value was first stated, maybe after the step that went
    wrong) keeps the model's step when that step is the agent's (``steps`` given). When they part, the verdict
    keeps the likelier one, and ``disagrees`` names the other. When the log cannot tell E from agents before it
    (a silent_failure's
    ``quiet`` agents: E's input is in no span, theirs said nothing the log shows), E is the one of them the
    model is surest of, and the log-odds are shared among them. Added columns: ``evidence`` (kind or None),
    ``why`` (the evidence's sentence), ``model_agent``, ``model_confidence`` and ``model_uncertain`` (the
    model's own pick and its own flag), ``disagrees`` (the agent the verdict did not name, when model and
    evidence part).

    ``uncertain`` of a run of several agents: the model's own flag (its margin rule,
    ``BlameModel(uncertain_margin=)``) where the model kept its pick over the evidence; where the evidence backs
    the model's agent, uncertain only when both are: the model's flag and a combined confidence under
    ``uncertain_below`` (agreeing evidence adds no doubt; it settles a coin flip between the top two when it lifts
    the pick to ``uncertain_below``). A verdict the evidence took from the model's pick is uncertain by its
    combined confidence (the model's margin was about its own pick).

    A run of one agent (``only_agent``) has no agent to choose: there the evidence weighs on the step, its
    share of the run's step scores (``steps``) moved by the same log-odds, and ``uncertain`` follows it (a
    silent_failure that keeps the model's step leaves its ``step_confidence`` and ``uncertain``).
    The model's one candidate in a run of several agents (the others only ran tools or held others' steps, and
    the model weighs agents that talk) has its 1.0 by elimination, not by weighing it against them: there
    evidence that is specific, one agent and one step (any kind but a silent_failure with ``quiet`` agents),
    naming another agent names the culprit, at that agent's combined confidence (an even prior moved by the
    evidence's log-odds); the verdict is then no longer ``only_agent``.
    On a run the model found ``unfamiliar`` (its ``uncertain`` is then True), a verdict the evidence backs
    is uncertain by its combined confidence only; one the evidence does not back stays uncertain.
    """
    out = verdicts.copy()
    out["model_agent"] = out["agent"]
    out["model_confidence"] = out["agent_confidence"]
    # the model's own flag, kept before the evidence is weighed: the margin rule's (coin_flips), which a
    # confidence under uncertain_below does not say (shrunk, it sits near 1 / the run's agents on a system unseen)
    out["model_uncertain"] = (
        out["uncertain"].astype(bool)
        if "uncertain" in out.columns
        else pd.to_numeric(out["agent_confidence"], errors="coerce") < uncertain_below
    )
    out["evidence"] = None
    out["why"] = None
    out["disagrees"] = None
    if evidence.empty:
        return out
    conf = {(r, a): c for r, a, c in agents[["run_id", "agent", "confidence"]].itertuples(index=False)}
    rank = (
        {(r, a): k for r, a, k in agents[["run_id", "agent", "rank"]].itertuples(index=False)}
        if "rank" in agents.columns
        else {}
    )
    n_agents = agents.groupby("run_id")["agent"].size().to_dict()
    ev = evidence.set_index("run_id")
    step_share = step_shares(steps) if steps is not None else {}
    step_agent = (
        {(r, s): a for r, s, a in steps[["run_id", "step_id", "agent"]].itertuples(index=False)}
        if steps is not None and "agent" in steps.columns
        else {}
    )
    for i, row in out.iterrows():
        if row["run_id"] not in ev.index:
            continue
        e = ev.loc[row["run_id"]]
        quiet = e["quiet"] if "quiet" in ev.columns and isinstance(e["quiet"], list) else []
        ev_agent, ev_step, weight, why = e["agent"], e["step_id"], EVIDENCE_LOGIT[e["evidence"]], e["why"]
        if quiet:
            ev_agent, ev_step, weight, why = _among(
                row["run_id"], e, quiet, conf, rank, n_agents.get(row["run_id"], 0)
            )
        model_agent, model_conf = row["agent"], row["agent_confidence"]
        prior = _prior(conf, n_agents.get(row["run_id"], 0), row["run_id"], ev_agent)
        post = 1.0 / (1.0 + math.exp(-(_logit(prior) + weight)))
        out.at[i, "evidence"] = e["evidence"]
        out.at[i, "why"] = why
        # the model's sole candidate was weighed against no other agent: specific evidence of another outranks it
        overrules = (
            bool(row.get("only_agent", False))
            and not quiet
            and isinstance(ev_agent, str)
            and ev_agent != model_agent
        )
        if overrules:
            out.at[i, "only_agent"] = False
            out.at[i, "step_confidence"] = step_share.get((row["run_id"], ev_step), float("nan"))
        # same agent: a silent_failure keeps the model's step when it is that agent's (the model's top step may be
        # another agent's, and a verdict names one agent's step)
        keeps_step = (
            model_agent == ev_agent
            and e["evidence"] in MODEL_STEP_EVIDENCE
            and step_agent.get((row["run_id"], row["step_id"])) == model_agent
        )
        if model_agent == ev_agent or pd.isna(model_conf) or post > float(model_conf) or overrules:
            if model_agent is not None and not pd.isna(model_agent) and model_agent != ev_agent:
                out.at[i, "disagrees"] = model_agent
            out.at[i, "agent"] = ev_agent
            if not keeps_step:
                out.at[i, "step_id"] = ev_step
            out.at[i, "agent_confidence"] = post
        else:
            out.at[i, "disagrees"] = ev_agent
        if bool(row.get("only_agent", False)) and keeps_step:
            pass  # the model's step, its step_confidence and its uncertain: the evidence backs no other step
        elif bool(row.get("only_agent", False)) and not overrules and out.at[i, "agent"] == ev_agent:
            share = step_share.get((row["run_id"], ev_step), 0.0)
            out.at[i, "step_confidence"] = 1.0 / (1.0 + math.exp(-(_logit(share) + weight)))
            out.at[i, "uncertain"] = bool(out.at[i, "step_confidence"] < uncertain_below)
        elif out.at[i, "agent"] == model_agent and model_agent == ev_agent:  # the evidence backs the model
            out.at[i, "uncertain"] = bool(row["model_uncertain"]) and bool(
                out.at[i, "agent_confidence"] < uncertain_below
            )
        elif out.at[i, "agent"] == model_agent:  # the model kept its pick over the evidence: its own flag
            out.at[i, "uncertain"] = bool(row["model_uncertain"])
        else:  # the evidence's agent over the model's: its combined confidence says
            out.at[i, "uncertain"] = bool(out.at[i, "agent_confidence"] < uncertain_below)
        # On a run unlike the model's training runs the model's pick is not to be trusted; the log's own
        # evidence is read, not learned: a verdict it backs keeps its word, one it does not stays uncertain.
        if out.at[i, "agent"] != ev_agent:
            out.at[i, "uncertain"] = bool(out.at[i, "uncertain"]) or bool(row.get("unfamiliar", False))
    return out


def store_log_verdicts(model: Any, ws: Any, run_ids: list[str]) -> pd.DataFrame:
    """``model.store_predictions(ws, run_ids)`` with each run's own evidence weighed into its verdict
    (:func:`combine`): what ``workbench investigate`` stores for a system it cannot replay. The agent and
    step rows stay the model's; the verdict row's params keep the model's own pick beside the evidence."""
    from ._heuristics import save_scores

    verdicts, steps, agents = _weighed(model, ws, run_ids)
    save_scores(
        ws, "blame_model", steps, agents.assign(share=agents["confidence"]), verdicts, model.get_params()
    )
    return verdicts


def predict_with_evidence(model: Any, ws: Any, run_ids: list[str]) -> pd.DataFrame:
    """``model.predict(ws, run_ids)`` with each run's own evidence weighed in (:func:`combine`; nothing is
    stored): the verdict :func:`store_log_verdicts` stores, for a view that shows one run live (public as
    ``wb.logonly_verdicts``)."""
    if not hasattr(model, "_predict"):  # an object with BlameModel's predict only: no agent scores to weigh
        return duck_predictions(model, model.predict(ws, run_ids)).assign(
            evidence=None,
            why=None,
            model_agent=None,
            model_confidence=None,
            model_uncertain=None,
            disagrees=None,
        )
    return _weighed(model, ws, run_ids)[0]


def _weighed(model: Any, ws: Any, run_ids: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The one path from a model's scores to a verdict (what investigate stores, the explorer shows and
    ``wb.logonly_verdicts`` returns): the verdicts with the evidence weighed in, the step and agent scores."""
    out, steps, agents = model._predict(ws, run_ids)
    return (
        combine(out, agents, run_evidence(ws, list(out["run_id"])), model.uncertain_below, steps),
        steps,
        agents,
    )


# What a blame model's predict(ws, run_ids) must return, and what it may (BlameModel.predict's other columns).
_MUST = ("run_id", "agent", "step_id")


def duck_predictions(model: Any, out: Any) -> pd.DataFrame:
    """A user's own model's ``predict(ws, run_ids)`` table made whole: ``uncertain`` from its ``agent_confidence``
    under the model's ``uncertain_below`` (BlameModel's 0.5 when it has none), else False (the model does not say);
    ``only_agent`` False; a confidence it does not give is NaN. A table without ``run_id``, ``agent`` or
    ``step_id`` is an error naming what the model must return (it read "KeyError: 'uncertain'")."""
    name = f"{type(model).__name__}.predict(ws, run_ids)"
    if not isinstance(out, pd.DataFrame):
        raise TypeError(
            f"blame_model: {name} returned {type(out).__name__}, not a pandas DataFrame with one row per "
            f"run and columns {', '.join(_MUST)} (optional: agent_confidence, step_confidence, uncertain)"
        )
    missing = [c for c in _MUST if c not in out.columns]
    if missing:
        raise ValueError(
            f"blame_model: {name} returned no column {', '.join(map(repr, missing))} (its columns: "
            f"{', '.join(map(str, out.columns)) or 'none'}); it must return one row per run with "
            f"{', '.join(_MUST)} (optional: agent_confidence, step_confidence, uncertain)"
        )
    out = out.copy()
    for col in ("agent_confidence", "step_confidence"):
        if col not in out.columns:
            out[col] = float("nan")
    if "uncertain" not in out.columns:
        below = float(getattr(model, "uncertain_below", 0.5))
        conf = pd.to_numeric(out["agent_confidence"], errors="coerce")
        out["uncertain"] = (
            (conf < below).fillna(False).astype(bool)
        )  # (NaN < x is False: no confidence, not unsure)
    if "only_agent" not in out.columns:
        out["only_agent"] = False
    return out
