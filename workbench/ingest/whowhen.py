"""Who&When failure-attribution logs (ag2ai/Agents_Failure_Attribution).

One record is one failed multi-agent run: ``question``, ``history`` (the transcript, one turn per message),
``mistake_agent`` / ``mistake_step`` / ``mistake_reason`` (the human-annotated culprit), ``ground_truth``,
``is_correct`` (spelled ``is_corrected`` in the Hand-Crafted subset), ``level`` (a string, an integer or
absent) and, in the Algorithm-Generated subset, ``system_prompt`` (agent -> prompt).

Read as one record per file, a JSON list of records, or JSONL. Each turn becomes one step ``tNNN`` (its
0-based index in ``history``, the index ``mistake_step`` refers to). The speaker is the agent:
Algorithm-Generated turns name it in ``name`` (``role`` is only user/assistant there); Hand-Crafted turns
in ``role``, as ``WebSurfer`` or ``Orchestrator (thought)`` / ``Orchestrator (-> WebSurfer)``, whose agent is
the part before the parenthesis (that is how ``mistake_agent`` names it). Code-execution turns are
``tool`` steps that keep the executor as their agent, since the labels can blame it; the ``human`` turn
is a ``human`` step. An executor is known by what it says, not only by its name, so a system whose
executor is called ``CodeExecutor``, ``code_runner`` or ``Terminal`` reads the same as one whose executor
is ``Computer_terminal``: a speaker is an executor when its name is a known executor name, when the
turn's ``role`` is ``tool`` / ``function`` / ``ipython`` (chat-API tool results), or when *every* one
of its turns in the run has the shape of code-execution output (AutoGen's ``exitcode: 0 (execution
succeeded)`` / ``Code output:``, Magentic-One's ``The script ran ... Unix exit code``, a Python
traceback, the executor's "no code to execute" replies). One such turn of an otherwise talking agent
(an agent quoting a traceback) does not make it an executor. The exit code of either shape sets the
step's status (non-zero: ``error``).

The run id is ``ww-`` plus a hash of the question id, the question and the transcript, so the same record
ingested from two paths is one run, and a corrected label does not make a new run.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import orjson

from ._base import Adapter, RecordError, Stage
from ._depth import deeper_than, depth_error
from ._documents import iter_json
from ._fields import _describe
from ._jsonio import read_bytes
from ._otlp_shapes import json_type

_SPEAKER = re.compile(r"^(?P<agent>[^()]*?)\s*\((?P<note>[^()]*)\)\s*$")
_EXIT = re.compile(
    r"^\s*exitcode:\s*(-?\d+)|^\s*the script ran.*?unix exit code(?: was)?:\s*(-?\d+)",
    re.IGNORECASE | re.DOTALL,
)
# Known executor names (lower case, letters only); any other name is judged by what its turns say.
_TERMINALS = frozenset({"computerterminal", "codeexecutor", "terminal", "executor"})
_TOOL_ROLES = frozenset({"tool", "function", "ipython"})
# How a code executor's turn starts (AutoGen, Magentic-One, a bare Python traceback, the executor's
# replies when there was nothing to run). Anchored at the start: an agent quoting one mid-text stays an agent.
_EXECUTOR_SHAPE = re.compile(
    r"^\s*(exitcode:\s*-?\d+|code output:|the script ran|traceback \(most recent call last\)"
    r"|there is no code from the last \d+ message|no code block (?:detected|found)"
    r"|execution (?:succeeded|failed)\b)",
    re.IGNORECASE,
)
_HUMANS = frozenset({"human", "user"})
_SUBSETS = {"algorithmgenerated": "Algorithm-Generated", "handcrafted": "Hand-Crafted"}


def _content_problem(turn: dict) -> str:
    """Why a turn's content is no text, in JSON's terms (it said "content is NoneType" of a turn without one)."""
    if "content" not in turn:
        return f"no content (keys: {', '.join(map(str, list(turn)[:5]))})"
    content = turn["content"]
    what = {
        dict: "an object",
        list: "an array of other than strings",
        type(None): "null",
        bool: "a boolean",
    }.get(type(content), "a number")
    return f"content is {what}, not a string or a list of strings"


def subset_of(path: Path) -> str | None:
    """``Algorithm-Generated`` or ``Hand-Crafted`` when a folder of ``path`` says so."""
    for part in reversed(path.parts[:-1]):
        key = re.sub(r"[^a-z]", "", part.lower())
        if key in _SUBSETS:
            return _SUBSETS[key]
    return None


def turn_text(content: Any) -> str | None:
    """A turn's text: a string, or a list of lines joined with newlines (MAST's AG2 trajectories); else None."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(line, str) for line in content):
        return "\n".join(content)
    return None


def run_id_of(rec: dict) -> str:
    """Stable id of a record: a hash of its question id, question and transcript (not its labels).

    A turn's text counts, not how it is held: content as a list of lines is the same run as that text.
    """
    history = rec.get("history")
    turns = (
        [
            [t.get("name"), t.get("role"), _text_or_value(t.get("content"))] if isinstance(t, dict) else t
            for t in history
        ]
        if isinstance(history, list)
        else history
    )
    if isinstance(turns, list):  # a turn nested past the limit is quarantined; it still names the run
        turns = ["<nested too deeply>" if deeper_than(t) else t for t in turns]
    # The stdlib encoder: it takes any int and escapes lone surrogates, so every record has an id.
    key = json.dumps(
        [rec.get("question_ID"), rec.get("question"), turns],
        sort_keys=True,
        ensure_ascii=True,
        separators=(",", ":"),
        default=str,
    )
    return "ww-" + hashlib.sha1(key.encode("ascii")).hexdigest()[:16]


def _text_or_value(content: Any) -> Any:
    text = turn_text(content)
    return content if text is None else text


def executor_shaped(content: Any) -> bool:
    """The turn's text starts the way a code executor's output does (exit code, traceback, ...)."""
    text = turn_text(content)
    return text is not None and _EXECUTOR_SHAPE.match(text) is not None


_Speaker = tuple[str, str, str, "str | None", "str | None"]


def _speakers(history: list) -> list[_Speaker | ValueError | None]:
    """Each turn's :func:`_speaker`, with the run's executors told as tools (see :func:`_executors`).

    A turn that is no object gets None, one without a speaker the ValueError saying why (both are
    quarantined by the caller).
    """
    speakers: list[_Speaker | ValueError | None] = []
    for turn in history:
        try:
            speakers.append(_speaker(turn) if isinstance(turn, dict) else None)
        except ValueError as exc:
            speakers.append(exc)
        except Exception as exc:  # noqa: BLE001 - one turn never costs the run's others
            speakers.append(ValueError(f"could not be read: {_describe(exc)}"))
    executors = _executors(history, speakers)
    return [
        (s[0], s[1], "tool", s[1], None)
        if isinstance(s, tuple) and s[1] in executors and s[2] != "human"
        else s
        for s in speakers
    ]


def _executors(history: list, speakers: list[_Speaker | ValueError | None]) -> set[str]:
    """Speakers of the run every one of whose turns has the shape of code-execution output."""
    shaped: dict[str, bool] = {}
    for turn, speaker in zip(history, speakers, strict=True):
        if not isinstance(speaker, tuple):
            continue  # quarantined on its own later
        _, agent, kind, _, _ = speaker
        if kind in ("agent", "handoff"):  # a speaker that hands work on is talking, not executing
            shaped[agent] = (
                shaped.get(agent, True) and kind == "agent" and executor_shaped(turn.get("content"))
            )
    return {a for a, every in shaped.items() if every}


def _speaker(turn: dict) -> _Speaker:
    """(speaker label, agent, kind, tool, hand-off target) of one turn, told by its name or role alone."""
    name, role = turn.get("name"), turn.get("role")
    from_role = not (isinstance(name, str) and name.strip())
    label = role if from_role else name
    if not isinstance(label, str) or not label.strip():
        raise ValueError("has neither a 'name' nor a 'role' string")
    label = label.strip()
    m = _SPEAKER.match(label)
    agent = m.group("agent") if m and m.group("agent") else label
    note = m.group("note").strip() if m else ""
    target = (note[2:].strip() or None) if note.startswith("->") else None
    if agent.lower() in _HUMANS:
        return label, agent, "human", None, None
    tool_role = isinstance(role, str) and role.strip().lower() in _TOOL_ROLES
    if re.sub(r"[^a-z]", "", agent.lower()) in _TERMINALS or tool_role:
        return label, agent, "tool", agent, None
    return label, agent, "handoff" if target else "agent", None, target


def _step_index(value: Any, n_turns: int) -> tuple[int | None, str | None]:
    """``mistake_step`` as an index into history, or the reason it is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        index = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():  # ('٢' is no index)
        index = int(value.strip())
    else:
        return None, f"mistake_step {value!r} is not an integer index into history"
    if not 0 <= index < n_turns:
        return None, f"mistake_step {index} is outside history (0..{n_turns - 1})"
    return index, None


def _outcome(rec: dict) -> str:
    flag = rec["is_correct"] if "is_correct" in rec else rec.get("is_corrected")
    if flag is True:
        return "success"
    if flag is False or rec.get("mistake_agent") is not None or rec.get("mistake_step") is not None:
        return "failure"  # the data set only holds failed runs; a record with a culprit failed
    return "unknown"


def stage_record(rec: Any, line: int, stage: Stage, subset: str | None = None, raw: Any = None) -> None:
    """Stage one Who&When record: its run, one step per turn, edges, and the culprit label."""
    if not isinstance(rec, dict):
        stage.reject(
            line=line,
            reason=f"record is a JSON {json_type(rec)}, not an object",
            raw=raw if raw is not None else rec,
        )
        return
    history = rec.get("history")
    if not isinstance(history, list):
        what = "missing" if history is None else f"a JSON {json_type(history)}, not a list"
        stage.reject(line=line, reason=f"'history' is {what}", raw=raw if raw is not None else rec)
        return
    run_id = run_id_of(rec)
    if depth_error({k: v for k, v in rec.items() if k != "history"}) is not None:
        # The record's own facts nest too deeply to read; its turns are judged one by one.
        stage.reject(line=line, reason=f"run facts: {depth_error(rec)}", run_id=run_id)
        rec = {
            "history": history,
            "question_ID": rec.get("question_ID") if isinstance(rec.get("question_ID"), (str, int)) else None,
        }
    attributes = {
        "question_ID": rec.get("question_ID"),
        "level": rec.get("level"),
        "ground_truth": rec.get("ground_truth"),
        "is_correct": rec["is_correct"] if "is_correct" in rec else rec.get("is_corrected"),
        "subset": subset,
        "system_prompt": rec.get("system_prompt"),
    }
    question = rec.get("question")
    try:
        stage.run(
            run_id=run_id,
            line=line,
            system=f"whowhen/{subset}" if subset else "whowhen",
            task=question if isinstance(question, str) else None,
            outcome=_outcome(rec),
            attributes={k: v for k, v in attributes.items() if v is not None},
        )
    except RecordError as exc:  # an oversized question or system prompt: the turns still stand
        stage.reject(
            line=line, reason=f"run facts: {exc}", raw=raw if raw is not None else rec, run_id=run_id
        )
    previous: tuple[str, str] | None = None
    speakers = _speakers(history)
    for i, turn in enumerate(history):
        step_id = f"t{i:03d}"
        reason = None
        if not isinstance(turn, dict):
            reason = f"turn {i} is a JSON {json_type(turn)}, not an object"
        elif depth_error(turn) is not None:
            reason = f"turn {i}: {depth_error(turn)}"
            turn = None  # its text cannot be written out either
        elif turn_text(turn.get("content")) is None:
            reason = f"turn {i}: {_content_problem(turn)}"
        elif isinstance(speakers[i], ValueError):
            reason = f"turn {i} {speakers[i]}"
        else:
            label, agent, kind, tool, target = speakers[i]  # type: ignore[misc]
        if reason is None:
            try:
                fields = _turn_fields(turn, label, agent, kind, tool, target)
            except Exception as exc:  # noqa: BLE001 - an unforeseen fault costs its turn, not the turns after
                reason = f"turn {i} could not be read: {_describe(exc)}"
        if reason is not None:
            stage.reject(line=line, reason=reason, raw=turn, run_id=run_id, step_id=step_id)
            continue
        if stage.step(line=line, run_id=run_id, step_id=step_id, raw=turn, order_hint=i, **fields):
            if previous is not None:
                # Every turn is appended to a transcript all later speakers read.
                stage.edge(run_id=run_id, src_step=previous[0], dst_step=step_id, kind="consumes")
                if previous[1] != agent:
                    stage.edge(run_id=run_id, src_step=previous[0], dst_step=step_id, kind="handoff")
            previous = (step_id, agent)
    with stage.guard(line, {k: rec.get(k) for k in ("mistake_agent", "mistake_step")}, run_id=run_id):
        _stage_label(rec, run_id, len(history), line, stage)


def _turn_fields(
    turn: dict, label: str, agent: str, kind: str, tool: str | None, target: str | None
) -> dict[str, Any]:
    """The step fields of one turn (a code execution's exit code sets its status)."""
    content = turn_text(turn["content"]) or ""  # (never None here: checked by the caller)
    exit_code = _EXIT.match(content) if kind == "tool" else None
    code: int | str | None = None
    if exit_code is not None:
        # (kept as its digits past 20 of them: int() refuses more than 4,300, and that cost the turns after)
        digits = exit_code.group(1) or exit_code.group(2)
        code = int(digits) if len(digits) <= 20 else digits
    failed = code is not None and code != 0 and (not isinstance(code, str) or code.strip("-0") != "")
    attrs = {k: turn[k] for k in ("role", "name") if turn.get(k) is not None}
    if target:
        attrs["to"] = target
    if code is not None:
        attrs["exitcode"] = code
    return {
        "agent": agent,
        "is_agent": kind == "agent",
        "kind": kind,
        "name": label,
        "tool": tool,
        "output": content,
        "status": "error" if failed else "unset",
        "error": content.split("\n", 1)[0] if failed else None,
        "attributes": attrs,
    }


def _stage_label(rec: dict, run_id: str, n_turns: int, line: int, stage: Stage) -> None:
    agent, step = rec.get("mistake_agent"), rec.get("mistake_step")
    if agent is None and step is None:
        return  # an unlabelled record is not an error
    culprit = {"mistake_agent": agent, "mistake_step": step}
    step_id = None
    if step is not None:
        index, problem = _step_index(step, n_turns)
        if problem is not None:
            # The agent part of the label stays usable; the bad step index is quarantined on its own.
            stage.reject(line=line, reason=problem, raw=culprit, run_id=run_id)
        else:
            step_id = f"t{index:03d}"
    if agent is not None and (not isinstance(agent, str) or not agent.strip()):
        stage.reject(
            line=line, reason=f"mistake_agent {agent!r} is not an agent name", raw=culprit, run_id=run_id
        )
        agent = None
    if agent is None and step_id is None:
        return
    detail = rec.get("mistake_reason")
    stage.label(
        run_id=run_id,
        agent=agent.strip() if agent else None,
        step_id=step_id,
        kind="mistake",
        source="ground_truth",
        detail=detail if isinstance(detail, str) else None,
    )


# The opening of a Who&When history: its first turn's content, role or name (a record whose closing keys are lost).
_CUT_RECORD = re.compile(rb'"history"\s*:\s*\[\s*\{\s*"(?:content|role|name)"\s*:')


def _looks_like_record(value: Any) -> bool:
    if isinstance(value, list):
        value = value[0] if value else None
    return (
        isinstance(value, dict)
        and isinstance(value.get("history"), list)
        and any(k in value for k in ("mistake_agent", "mistake_step", "question"))
    )


class WhoWhen(Adapter):
    """Who&When records: one per JSON file, a JSON list of them, or JSONL."""

    name = "whowhen"
    description = (
        "Who&When failure-attribution log: {'history': [...], 'question', 'mistake_agent', "
        "'mistake_step', ...} per file, as a JSON list, or per JSONL line"
    )

    def sniff(self, path: Path, head: bytes) -> bool:
        """A record (or a list / JSONL of records) with a ``history`` list and a question or culprit."""
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if start not in (b"{", b"[") or b'"history"' not in head:
            return False
        if b'"mistake_agent"' in head or b'"mistake_step"' in head:
            return True
        # History often comes first and is long: the telling keys may lie beyond the head.
        first = head.split(b"\n", 1)[0]
        try:
            return _looks_like_record(orjson.loads(first))
        except orjson.JSONDecodeError:
            pass
        try:
            data = read_bytes(path)  # b"" past the document limit, counted in decompressed bytes
            return bool(data) and _looks_like_record(orjson.loads(data))
        except OSError:
            return False
        except orjson.JSONDecodeError:
            # a record cut short (a copy or a download that stopped) whose history opens as Who&When's does: read,
            # it is quarantined as broken JSON, where it was skipped as "not in any known format" (uncounted, and
            # alone an error saying the file is no Who&When log)
            return _CUT_RECORD.search(head) is not None

    def stage(self, path: Path, stage: Stage) -> None:
        """Stage every record in ``path``."""
        subset = subset_of(path)
        for line, doc, raw, error in iter_json(path, stage):
            if error is not None:
                stage.reject(line=line, reason=error, raw=raw)
            elif isinstance(doc, list) and raw is None:
                # A list of records: the line is the record's position in the list.
                for k, rec in enumerate(doc, start=1):
                    with stage.guard(k, rec):
                        stage_record(rec, k, stage, subset)
            else:
                with stage.guard(line, raw if raw is not None else doc):
                    stage_record(doc, line, stage, subset, raw=raw)
