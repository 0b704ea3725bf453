"""The incident explorer's words: a run's line in the list, why it opened on a run, a step's line, a run's totals
and time per agent, the findings table, the log-only model's own pick, and JSON attributes made readable."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from .._plain import counted
from ..store._outcomes import TAKEN_OUTCOME
from ._html import WORD_CHARS, WRAP, Markup, bidi, esc, isolate, label, short_id, short_name


def _run_label(r: Any, system: bool = False) -> str:
    """One line of the run list; with ``system``, the run's system after its id (a store of many systems, no
    system filter set: a list of ids alone left the reader guessing which system each run came from)."""
    when = f"{r.started_at:%Y-%m-%d %H:%M}" if isinstance(r.started_at, pd.Timestamp) else "—"
    # a run taken as failed (RunFilter.silent): declared success, its answer detached from the data
    taken = isinstance(getattr(r, "taken_why", None), str)
    outcome = (
        TAKEN_OUTCOME
        if taken
        else f"{r.outcome} (reported success)"
        if r.outcome == "failure" and r.reported_outcome == "success"
        else r.outcome
    )
    # (the system's and the culprit's names isolated, lab56: a right-to-left system name took the date after it)
    sys_name = (
        f" · {isolate(label(short_name(r.system)))}"
        if system and isinstance(r.system, str) and r.system
        else ""
    )
    parts = [f"{label(short_id(r.run_id))}{sys_name} · {when}", label(outcome)]
    if r.hits:  # ("1 hits: loop"); the detectors' list may wrap after each comma too
        parts.append(f"{counted(int(r.hits), 'hit')}: {label(r.detectors).replace(', ', ', ' + WRAP)}")
    if isinstance(r.culprit, str) and r.culprit:
        parts.append(f"culprit {isolate(label(r.culprit))}")
    # (each part made plain text by label() before the joins: a zero-width space of the log's own is shown)
    return f"{WRAP} · ".join(parts)


def _model_alone(q: Any, uncertain_below: float) -> str:
    """What the model alone said of a run whose log holds evidence (logonly_verdicts' row ``q``): nothing when
    it named the verdict's agent; its agent and how sure when the evidence outweighed it ("the model alone: Stock
    Clerk" read as a second opinion, where the model was at 50 %, a coin toss); the evidence's agent when the model
    kept its own pick over it."""
    mine, said = _or(q.get("model_agent"), ""), _or(q.get("disagrees"), "")
    if mine == _or(q["agent"], ""):
        if said and said != mine:  # the model surer of its own agent than the evidence of another
            return f" (it names {esc(said)}; the model is surer of {esc(mine)}: look at both)"
        return ""
    conf = q.get("model_confidence")
    share = _share(conf)
    # the model's own flag (combine's model_uncertain: the margin rule), else its confidence under the bar
    flag = q.get("model_uncertain")
    doubt = bool(share) and (float(conf) < uncertain_below if flag is None or pd.isna(flag) else bool(flag))
    unsure = ", uncertain" if doubt else ""
    how = f", {share}{unsure}" if share else ""
    return f" (the model alone: {esc(_or(mine, 'no agent'))}{how}; the evidence outweighs it)"


def _opened_words(opened: dict[str, Any], timed: bool = True) -> str:
    """Why the explorer opened on a run (RunPager.to_open's row), in a line above its header. ``timed``: whether
    the run has a start time (the list orders the runs without one by id: "the most recent" of Who&When's runs,
    none of which has a time, named no time at all)."""
    if opened["why"] == "failed":
        silent = ", a silent failure (reported success)" if isinstance(opened["taken_why"], str) else ""
        which = "most recent" if timed else "first"
        why = f"the {which} failed run of those listed{silent}" + (
            "" if timed else " (by id: its log has no times)"
        )
    elif opened["why"] == "finding":
        at = f", at step {esc(opened['step_id'])}" if isinstance(opened["step_id"], str) else ""
        why = (
            f"the run with the most serious finding ({esc(opened['detector'])}, {esc(opened['severity'])}{at}): "
            "no run listed is known to have failed"
        )
    else:
        why = "the newest run: no run listed failed or has a finding"
    return f"<div class='wb-opened-note'><b>Opened on</b> {why}. Pick another run in the list above.</div>"


def _step_marks(s: Any, erred: bool) -> str:
    """A step list line's start: its number, then what marks it (the flag right after the number: at the end,
    after a long agent and span name, the closed box cut it to "⚑ repeated_rep…")."""
    marks = " ".join(m for m in ("✖ error" if erred else "", f"⚑ {s.detectors}" if s.detectors else "") if m)
    return f"{s.seq:>3} {marks} · " if marks else f"{s.seq:>3} · "


def _time_per_agent(steps: pd.DataFrame) -> Markup | None:
    """Each agent's moves' summed latency, the longest first ("writer 2.1 s (2 steps) · …"): what a trace view's
    span durations tell at a glance. None when no move carries a latency."""
    timed = steps.dropna(subset=["latency_ms"]) if "latency_ms" in steps else steps.iloc[:0]
    if timed.empty:
        return None
    per = (
        timed.assign(agent=timed["agent"].map(lambda a: _or(a, "(no agent)")))  # ("— 6.0 s" read as nothing)
        .groupby("agent")["latency_ms"]
        .agg(["sum", "size"])
        .sort_values(["sum"], ascending=False)
    )
    # each agent's part kept on one line (the row wraps between agents, not in "(2 / steps)"); each name isolated
    # (``bidi``): a right-to-left name took the figure after it to its other side
    return Markup(
        " · ".join(
            f"{bidi(agent)} {_seconds(ms)} ({counted(int(n), 'step')})".replace(" ", "\u00a0")
            for agent, (ms, n) in per.iterrows()
        )
    )


def _totals(row: pd.DataFrame) -> str | None:
    """A run's duration, tokens and cost in a line ("1.3 s · 220 tokens in, 60 out · $0.0050"), from
    ``sql/run_totals.sql``; what the run does not record is left out, None when it records none of them."""
    if row.empty:
        return None
    r = row.iloc[0]
    parts = [] if pd.isna(r["duration_ms"]) else [_seconds(float(r["duration_ms"]))]
    if pd.notna(r["tokens_in"]) or pd.notna(r["tokens_out"]):
        tin, tout = (f"{int(v):,}" if pd.notna(v) else "?" for v in (r["tokens_in"], r["tokens_out"]))
        parts.append(f"{tin} tokens in, {tout} out")
    if pd.notna(r["cost"]):
        parts.append(f"${float(r['cost']):,.4f}" if float(r["cost"]) < 1 else f"${float(r['cost']):,.2f}")
    return " · ".join(p.replace(" ", "\u00a0") for p in parts) or None


def _seconds(ms: float) -> str:
    return f"{ms:,.0f} ms" if ms < 1000 else f"{ms / 1000:,.1f} s"


def _findings_table(hits: pd.DataFrame, max_rows: int) -> str:
    """A run's findings for half the explorer's width: step, agent, detector and severity on one row, the
    detail on a row of its own beneath, as wide as the table. (As a fifth column the detail was squeezed
    to a few words a line, or, holding a span id or tool name, pushed the table past the explorer's edge.)
    Findings of one detector, severity and detail at ``_SAME_FINDINGS`` steps or more are one row naming how many
    steps, the steps a click away: a real LangGraph run's 21 cascade infos, each "built on <step> (researcher)",
    took ~1,500 px of the explorer to say one thing."""
    if hits.empty:
        return "<i>(none)</i>"
    head = "".join(f"<th style='text-align:left'>{c}</th>" for c in ("step", "agent", "detector", "severity"))
    groups: dict[tuple, list[Any]] = {}
    found = list(hits.itertuples(index=False))
    for h in found:
        groups.setdefault((h.detector, h.severity, h.detail), []).append(h)
    shown, done = [], set()
    for h in found:  # in the order given (the worst first), a large group where its first member is
        key = (h.detector, h.severity, h.detail)
        if len(groups[key]) < _SAME_FINDINGS:
            shown.append([h])
        elif key not in done:
            shown.append(groups[key])
            done.add(key)
    rows = []
    for hs in shown[:max_rows]:
        h = hs[0]
        if len(hs) == 1:
            cells = "".join(_word_cell(v) for v in (h.step_id, h.agent, h.detector, h.severity))
            detail = esc(h.detail)
        else:
            agents = list(dict.fromkeys(str(x.agent) for x in hs if pd.notna(x.agent)))
            cells = (
                f"<td class='wb-word'>{len(hs):,} steps</td>"
                + _word_cell(", ".join(agents))
                + "".join(_word_cell(v) for v in (h.detector, h.severity))
            )
            steps = ", ".join(esc(x.step_id) for x in hs)
            detail = f"{esc(h.detail)}<details><summary>the {len(hs):,} steps</summary>{steps}</details>"
        rows.append(
            f"<tr class='wb-finding'>{cells}</tr><tr class='wb-finding-detail'><td colspan='4'>{detail}</td></tr>"
        )
    more = (
        f"<div><i>the first {max_rows} of {len(shown):,} findings</i></div>" if len(shown) > max_rows else ""
    )
    return f"<table class='wb-table wb-findings-table'><thead><tr>{head}</tr></thead>{''.join(rows)}</table>{more}"


# Findings alike (detector, severity, detail) at this many steps or more: one row.
_SAME_FINDINGS = 3


def _word_cell(value: Any) -> str:
    """A findings cell that keeps its words whole ("retrieve|r", "silent_failu|re" on a narrow half), unless one
    is longer than a state table's word (a 32-hex step id breaks anywhere, so the table fits its half)."""
    text = esc(value)
    whole = (
        max((len(word) for word in str(value if value is not None else "").split()), default=0) <= WORD_CHARS
    )
    return f"<td class='wb-word'>{text}</td>" if whole else f"<td>{text}</td>"


def _share(value: Any) -> str:
    """A confidence as "62%", or "" when there is none (NaN, None, not a number)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return f"{v:.0%}" if math.isfinite(v) else ""


def _true(value: Any) -> bool:
    """A flag that is set (not False, not missing: pandas' NA has no truth value)."""
    return (
        value is not None
        and value is not pd.NA
        and not (isinstance(value, float) and math.isnan(value))
        and bool(value)
    )


def _or(value: Any, default: str) -> str:
    # A step with no agent or name reads back as NaN beside steps that have one (pandas 3): not "nan"
    return (
        default
        if value is None or (isinstance(value, float) and math.isnan(value)) or value == ""
        else str(value)
    )


def _json_or_text(value: Any) -> str:
    """A JSON attributes value indented, its strings with their line breaks as line breaks (``json.dumps`` kept
    them as ``\\n``: a stack trace or a prompt read as one line), a string's further lines one step
    deeper than its key. Anything else as it is."""
    try:
        doc = json.loads(value)
    except (TypeError, ValueError):
        return str(value)
    return _pretty(doc, 0)


def _pretty(v: Any, depth: int) -> str:
    pad, inner = " " * depth, " " * (depth + 1)
    if isinstance(v, dict) and v:
        items = [f"{inner}{_string(str(k), depth + 1)}: {_pretty(x, depth + 1)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(v, list) and v:
        return "[\n" + ",\n".join(f"{inner}{_pretty(x, depth + 1)}" for x in v) + f"\n{pad}]"
    if isinstance(v, str):
        return _string(v, depth)
    return json.dumps(v, ensure_ascii=False)


def _string(s: str, depth: int) -> str:
    # each line escaped as JSON would (quotes, tabs, other controls), joined by real line breaks
    lines = [json.dumps(line, ensure_ascii=False)[1:-1] for line in s.replace("\r\n", "\n").split("\n")]
    return '"' + ("\n" + " " * (depth + 1)).join(lines) + '"'
