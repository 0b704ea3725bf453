"""Public labelled failure-attribution sets of other systems, as Who&When records.

The log-only model learns what a culprit looks like from labelled failed runs; Who&When alone is two
systems. These converters turn two more public sets, both MIT-licensed, into Who&When records
(``history`` turns with ``name`` and ``content``, ``mistake_agent``, ``mistake_step`` as a 0-based index
into ``history``), which ``ws.ingest(..., format="whowhen")`` reads:

- **tau-bench retail, labelled by AgentRx** (github.com/microsoft/AgentRx, ``data/tau_retail/
  tau_dataset_failed.json`` + ``data/ground_truth/tau_ground_truth.json``): failed runs of one LLM
  customer-service agent with tools, talking to an LLM-simulated customer. Each run lists its failures
  (``step_number``, 1-based over ``traj`` including the system message, ``failed_agent``) and names one
  ``root_cause``; that failure is the culprit. The simulated customer (role ``user``) can be the culprit
  (``failed_agent: "User"``), so its turns are named ``Customer``: a speaker named ``user`` would be read as
  a human, whom the model never blames. The system message is the agent's policy, not a turn: it goes to
  ``system_prompt`` and the step indices move down by one.
- **AEGIS** (Fancylalala/AEGIS on Hugging Face, github.com/kfq20/AEGIS): runs of several multi-agent
  frameworks in which one or more agents were made to err (injected faults). Only the culprit agent is
  labelled, no step. A run with more than one injected agent has no single culprit and is left out.
  A speaker named ``System`` (smolagents' system prompt) is a prompt, kept in ``system_prompt``, not a
  turn. Read in the Hugging Face row shape (``input.conversation_history``, ``ground_truth.injected_agents``,
  ``metadata.framework``) or the flattened one (``trajectory``, ``faulty_agents``).

Each converter returns the records and the problems of those it could not convert (the record's
position and why): one bad record costs only itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from ..ingest._otlp_shapes import json_type

Problem = tuple[str, str]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _tau_turn(message: Any, position: int) -> dict:
    if not isinstance(message, dict):
        raise ValueError(f"traj[{position}] is a JSON {json_type(message)}, not an object")
    role = message.get("role")
    content = message.get("content")
    parts = [content.strip()] if isinstance(content, str) and content.strip() else []
    if message.get("tool_calls"):
        # A call's arguments are what the agent decided: keep them as the turn's text.
        parts.append(json.dumps(message["tool_calls"], ensure_ascii=False, sort_keys=True))
    text = "\n\n".join(parts)
    if role == "assistant":
        return {"name": "Assistant", "role": "assistant", "content": text}
    if role == "user":
        return {"name": "Customer", "role": "user", "content": text}
    if role == "tool":
        return {"role": "tool", "content": text}
    raise ValueError(f"traj[{position}] has role {role!r}, not assistant / user / tool")


def tau_bench_records(
    trajectories: Iterable[Any], ground_truth: Iterable[Any]
) -> tuple[list[dict], list[Problem]]:
    """Who&When records of AgentRx's labelled tau-bench runs (joined on ``task_id`` = ``trajectory_id``)."""
    labels: dict[str, dict] = {}
    records: list[dict] = []
    problems: list[Problem] = []
    for k, g in enumerate(ground_truth):
        if not isinstance(g, dict) or "trajectory_id" not in g:
            problems.append((f"ground_truth[{k}]", "no trajectory_id"))
            continue
        labels[str(g["trajectory_id"])] = g
    for k, t in enumerate(trajectories):
        where = f"trajectories[{k}]"
        if not isinstance(t, dict) or "task_id" not in t or not isinstance(t.get("traj"), list):
            problems.append((where, "not an object with task_id and a traj list"))
            continue
        tid = str(t["task_id"])
        if tid not in labels:
            problems.append((where, f"task {tid} has no ground-truth entry"))
            continue
        try:
            rec = _tau_record(t, labels[tid])
        except ValueError as exc:
            problems.append((where, f"task {tid}: {exc}"))
            continue
        rec["question_ID"] = f"tau-retail-{tid}"
        records.append(rec)
    return records, problems


def _tau_record(t: dict, g: dict) -> dict:
    traj = t["traj"]
    policy = None
    if traj and isinstance(traj[0], dict) and traj[0].get("role") == "system":
        policy, traj = _text(traj[0].get("content")), traj[1:]
        offset = 2  # step_number is 1-based and counted the system message
    else:
        offset = 1
    history = [_tau_turn(m, i + offset - 1) for i, m in enumerate(traj)]
    root = (g.get("root_cause") or {}).get("failure_id")
    failure = next(
        (f for f in g.get("failures") or [] if isinstance(f, dict) and f.get("failure_id") == root), None
    )
    if failure is None:
        raise ValueError(f"root_cause failure_id {root!r} is not among its failures")
    step = failure.get("step_number")
    if not isinstance(step, int) or not 0 <= step - offset < len(history):
        raise ValueError(f"root-cause step_number {step!r} is not a turn of traj")
    agent = failure.get("failed_agent")
    if not isinstance(agent, str) or agent.strip().lower() not in ("assistant", "user"):
        raise ValueError(f"failed_agent {agent!r} is neither Assistant nor User")
    task = ((t.get("info") or {}).get("task") or {}) if isinstance(t.get("info"), dict) else {}
    first_user = next((h["content"] for h in history if h.get("name") == "Customer"), None)
    return {
        "question": first_user or _text(task.get("instruction")) or "",
        "history": history,
        "mistake_agent": "Assistant" if agent.strip().lower() == "assistant" else "Customer",
        "mistake_step": str(step - offset),
        "mistake_reason": _text(failure.get("step_reason")),
        "is_correct": False,
        "system_prompt": {"Assistant": policy} if policy else None,
    }


def _aegis_parts(item: dict) -> tuple[Any, Any, Any, Any]:
    """(question, turns, injected agents, framework) of either AEGIS shape."""
    if isinstance(item.get("input"), dict):
        inp, gt, meta = item["input"], item.get("ground_truth") or {}, item.get("metadata") or {}
        return (
            inp.get("query"),
            inp.get("conversation_history"),
            gt.get("injected_agents"),
            meta.get("framework"),
        )
    return item.get("question"), item.get("trajectory"), item.get("faulty_agents"), item.get("framework")


def aegis_records(items: Iterable[Any]) -> tuple[list[dict], list[Problem]]:
    """Who&When records of the AEGIS runs with exactly one injected agent (agent label only)."""
    records: list[dict] = []
    problems: list[Problem] = []
    for k, item in enumerate(items):
        where = f"item[{k}]"
        if not isinstance(item, dict):
            problems.append((where, f"a JSON {json_type(item)}, not an object"))
            continue
        question, turns, injected, framework = _aegis_parts(item)
        if not isinstance(turns, list) or not isinstance(injected, list):
            problems.append((where, "no conversation turns or injected-agent list"))
            continue
        names = {a.get("agent_name") for a in injected if isinstance(a, dict)}
        if len(names) != 1 or None in names:
            problems.append((where, f"{len(injected)} injected agents, not one culprit"))
            continue
        history: list[dict] | None = []
        prompts: list[str] = []
        for i, turn in enumerate(turns):
            if not isinstance(turn, dict) or not isinstance(turn.get("agent_name"), str):
                history = None
                problems.append((where, f"turn {i} has no agent_name"))
                break
            content = turn.get("content")
            text = content if isinstance(content, str) else ""
            if turn["agent_name"].strip().lower() == "system":
                # smolagents' memory holds the system prompt as a "System" turn: a prompt, not an agent.
                prompts.append(text)
            else:
                history.append({"name": turn["agent_name"], "role": "assistant", "content": text})
        if history is None:
            continue
        # The label may differ in case from the speaker (``assistant2`` for ``Assistant2``).
        speakers = {h["name"].lower(): h["name"] for h in history}
        culprit = speakers.get(str(names.pop()).lower())
        if culprit is None:
            problems.append((where, "the injected agent has no turn"))
            continue
        error = next((a.get("error_type") for a in injected if isinstance(a, dict)), None)
        rec = {
            "question": question if isinstance(question, str) else "",
            "history": history,
            "mistake_agent": culprit,
            "mistake_reason": error if isinstance(error, str) else None,
            "question_ID": f"aegis-{framework or 'unknown'}-{k}",
            "is_correct": False,
        }
        if isinstance(framework, str):
            rec["framework"] = framework
        if prompts:
            rec["system_prompt"] = {"System": "\n\n".join(prompts)}
        records.append(rec)
    return records, problems


def agent_signature(record: dict) -> str:
    """The run's speakers with their numbers dropped, sorted: AEGIS's flattened rows no longer say the
    framework, and the set of speakers tells it apart (``Node-1``..``Node-5`` are one MacNet)."""
    return "+".join(
        sorted({re.sub(r"\d+", "N", h.get("name") or h.get("role") or "") for h in record["history"]})
    )
