"""The Policy: breakers, budgets, loop limits and HITL rules, with a version and provenance.

Pure Python (no numpy, pandas or duckdb): the runtime guard imports it inside someone else's agent
process. Every document read from YAML or JSON is validated against ``policy.schema.json`` (shipped in
the package) by ``_schema`` (its keywords, without importing jsonschema); the first error names the
field path and what was wrong.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import sys
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal
from importlib import resources
from typing import Any

from .._atomic_write import write_text_atomic
from ..exceptions import PolicyError
from ._reader import (
    MAX_BYTES,
    MAX_DEPTH,
    TOO_LARGE,
    DuplicateKeyError,
    check_size,
    loader,
    read_source,
    unique_keys,
)
from ._schema import check_keywords, iter_errors

SCHEMA_ID = "workbench.policy/v4"
# v1 counted any alternation of two agents as ping-pong; v2 counts work bounced back unchanged (the
# ping_pong detector's rule). v1 and v2 counted every hand-off step against breakers.max_handoffs; v3
# counts hand-offs in a row that brought nothing new (the handoff_breach detector's rule). v1-v3's HITL
# signal handoffs counted hand-off steps; v4's is the breaker's count. Everything else reads the same.
OLD_SCHEMA_IDS = ("workbench.policy/v3", "workbench.policy/v2", "workbench.policy/v1")

# Signals a HITL rule can read at the end of a step. Columns of the step, or counts kept per run.
STEP_SIGNALS = ("confidence", "entropy", "latency_ms", "tokens_in", "tokens_out", "cost")
RUNNING_SIGNALS = ("tool_calls", "retries", "depth", "handoffs")
SIGNALS = STEP_SIGNALS + RUNNING_SIGNALS
# Low confidence is the warning sign; for every other signal a high value is.
LOW_IS_BAD = frozenset({"confidence"})


# The values a signal's threshold can take: a confidence is a probability; an entropy, a latency, a token count, a cost
# and the running counts are never negative. Outside them a rule is every step or none in disguise ("confidence <=
# 1.5" sends every step to a human, "latency_ms >= -5" too, "<= -0.5" none), and the file said nothing of it (a rule
# that silently never fires is a guard that is not there).
THRESHOLD_RANGE = {"confidence": (0.0, 1.0), **{s: (0.0, math.inf) for s in SIGNALS if s != "confidence"}}


def threshold_out_of_range(signal: str, value: Any, direction: str = "") -> str | None:
    """Why ``value`` cannot be a threshold on ``signal`` (outside the signal's range: ``THRESHOLD_RANGE``), or
    None. Says the range and what the rule would do: escalate every step, or none."""
    lo, hi = THRESHOLD_RANGE.get(signal, (-math.inf, math.inf))
    value = plain_number(value)  # (np.float32(-1) or Decimal("-1") is as far out of range as -1.0)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value or lo <= value <= hi:
        return None  # (the type and NaN checks say what is wrong with those)
    below = (direction or default_direction(signal)) == "below"
    every = (value > hi) == below
    span = (
        f"in [{lo:g}, {hi:g}] ({signal} is a probability)"
        if math.isfinite(hi)
        else f"{lo:g} or more ({signal} is never negative)"
    )
    return (
        f"a threshold on {signal} must be {span}, got {value!r}: {'<=' if below else '>='} {value!r} "
        f"would escalate {'every step' if every else 'no step'}"
    )


def plain_number(value: Any) -> Any:
    """A number of another type (numpy's, a Decimal, a Fraction: a frame's ``.max()``, a database's reading) as the
    ``int`` / ``float`` the range checks compare, the files write (YAML's dumper refused ``np.int64``, JSON's a
    Decimal) and the guard compares steps with; anything else as it is, for the schema to name what is wrong."""
    if value.__class__ in (int, float) or isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, (numbers.Real, Decimal)):
        try:
            return float(value)  # (a Decimal NaN as NaN: the finite check names it)
        except OverflowError:  # (a Fraction past a float's range: infinite to the finite check)
            return math.inf if value > 0 else -math.inf
    return value


def default_direction(signal: str) -> str:
    """``"below"`` for confidence (escalate when it drops), ``"above"`` for every other signal."""
    return "below" if signal in LOW_IS_BAD else "above"


@dataclass(frozen=True)
class Breakers:
    """Circuit breakers: a step past one of these limits is cut (``None`` = no limit).

    ``max_handoffs``: hand-offs in a row that brought nothing, the ``handoff_breach`` detector's rule:
    a hand-off is a turn of another agent (every turn but the run's first), and it brings something
    when the turn has a new tool result or states a new value (identifier, decimal, number from
    ``loops.min_value``) that the task (:meth:`Guard.start_run`) and earlier steps did not. A turn is
    judged when it ends: the cut comes at the first step of the turn after the one past the limit.
    """

    max_depth: int | None = None
    max_handoffs: int | None = None
    max_step_latency_ms: float | None = None
    max_run_latency_ms: float | None = None


@dataclass(frozen=True)
class Budgets:
    """Tool-call budgets per run and per agent within a run; retries of one failing call."""

    max_tool_calls_run: int | None = None
    max_tool_calls_agent: int | None = None
    max_retries: int | None = None


@dataclass(frozen=True)
class Loops:
    """Loop limits.

    ``max_repeats``: how many times a tool call (same agent, tool, whitespace- and case-normalised
    arguments, a JSON object's keys in any order) that already succeeded may be made again within the last
    ``window`` tool calls.
    ``max_pingpong``: exchanges of a stretch of work bounced back unchanged between two agents, the
    ``ping_pong`` detector's rule (A→B→A→B is 3 exchanges): a turn saying what its agent's turn
    before said (the same, or nearly: ``repeat_similarity``) with no new tool result, and no new value
    (identifier, decimal, number from ``min_value``) in the other agent's turn between. An
    orchestrator handing out new work, or a question and its answer, is no bounce.
    ``max_repeated_replies``: an agent's same (or nearly the same) reply this many times in a row, the
    ``repeated_reply`` detector's rule (replies of fewer than ``repeat_min_words`` words left out).
    The thresholds are :class:`~workbench.DetectorConfig`'s of the same names (``min_value`` is its
    ``silent_min_value``): a limit of ``pingpong_min_exchanges - 1`` cuts what the detector finds.
    """

    max_repeats: int | None = None
    window: int = 20
    max_pingpong: int | None = None
    max_repeated_replies: int | None = None
    repeat_similarity: float = 0.8
    repeat_min_words: int = 3
    min_value: float = 10.0


@dataclass(frozen=True)
class HitlRule:
    """Escalate to a human when ``signal`` crosses ``threshold`` (``direction`` ``above``: value >=
    threshold; ``below``: value <= threshold), for steps of ``agent`` (``None``: every agent)."""

    signal: str
    threshold: float
    direction: str = ""
    agent: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "threshold", plain_number(self.threshold))
        if not self.direction:
            object.__setattr__(self, "direction", default_direction(self.signal))


@dataclass(frozen=True)
class Provenance:
    """Where a policy came from: the store, the runs, the sweep or findings, and when."""

    created_at: str | None = None
    created_by: str | None = None
    store: str | None = None
    runs: int | None = None
    failures: int | None = None
    source: str | None = None
    sweep: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    """A guard policy: breakers, budgets, loop limits and HITL rules, versioned and with provenance.

    Examples
    --------
    >>> p = Policy(breakers=Breakers(max_depth=6), hitl=(HitlRule("confidence", 0.5),))
    >>> Policy.from_yaml(p.to_yaml()) == p
    True
    """

    version: str = "1"
    name: str | None = None
    breakers: Breakers = field(default_factory=Breakers)
    budgets: Budgets = field(default_factory=Budgets)
    loops: Loops = field(default_factory=Loops)
    hitl: tuple[HitlRule, ...] = ()
    provenance: Provenance = field(default_factory=Provenance)

    def __post_init__(self) -> None:
        # Validation of objects built in Python goes through the same schema as files do.
        object.__setattr__(self, "hitl", tuple(self.hitl))
        for name in ("breakers", "budgets", "loops", "provenance"):  # (numbers of other types as plain ones)
            part = getattr(self, name)
            plain = {
                f.name: p for f in fields(part) if (p := plain_number(v := getattr(part, f.name))) is not v
            }
            if plain:
                object.__setattr__(self, name, replace(part, **plain))
        validate(self.to_dict())
        # A count written 2.0 is an integer to the schema (since draft 6), but a float to the guard's
        # deque and to every comparison and message after: held as the integer it is (``window: 1.0``
        # passed validation, then Guard and backtest raised "TypeError: an integer is required").
        for name in ("breakers", "budgets", "loops", "provenance"):
            part = getattr(self, name)
            whole = {
                f.name: int(v)
                for f in fields(part)
                if f.type in ("int", "int | None") and isinstance(v := getattr(part, f.name), float)
            }
            if whole:
                object.__setattr__(self, name, replace(part, **whole))

    # -- dict form ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The document form (what YAML and JSON hold), ``schema`` key first."""
        prov = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self.provenance).items()}
        return {
            "schema": SCHEMA_ID,
            "version": self.version,
            "name": self.name,
            "breakers": asdict(self.breakers),
            "budgets": asdict(self.budgets),
            "loops": asdict(self.loops),
            "hitl": [asdict(r) for r in self.hitl],
            "provenance": prov,
        }

    @classmethod
    def from_dict(cls, doc: Any, where: str = "policy") -> Policy:
        """Build a policy from its document form, validated against the schema first."""
        check_size(doc, where)
        validate(doc, where)
        _check_old(doc, where)

        def part(kind: type, key: str) -> Any:
            return kind(**doc.get(key) or {})

        prov = dict(doc.get("provenance") or {})
        prov["notes"] = tuple(prov.get("notes") or ())
        return cls(
            version=str(doc.get("version", "1")),
            name=doc.get("name"),
            breakers=part(Breakers, "breakers"),
            budgets=part(Budgets, "budgets"),
            loops=part(Loops, "loops"),
            hitl=tuple(HitlRule(**r) for r in doc.get("hitl") or ()),
            provenance=Provenance(**prov),
        )

    # -- files -------------------------------------------------------------------------------
    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """The policy as JSON text; written to ``path`` too when given."""
        doc = self.to_dict()
        text = json.dumps(doc, indent=2, sort_keys=False) + "\n"
        if path is not None:
            _write(path, doc, text)
        return text

    def _repr_html_(self) -> str:
        """In a notebook, the policy as its YAML file reads: the dataclass repr ran on as a wall of wrapped
        ``Breakers(max_depth=None, …)`` text. Names from logs (agents in HITL rules) shown as text."""
        from .._termtext import html_text

        rules = len(self.hitl)
        return (
            f"<p><b>Policy</b> {html_text(self.name or '')} ({rules} HITL rule{'' if rules == 1 else 's'}; "
            "<code>.to_yaml(path)</code> writes this file)</p>"
            f"<pre style='white-space:pre-wrap;word-break:normal;overflow-wrap:break-word'>"
            f"{_yaml_lines(self.to_yaml())}</pre>"
        )

    def to_yaml(self, path: str | os.PathLike[str] | None = None) -> str:
        """The policy as YAML text; written to ``path`` too when given."""
        import yaml

        doc = self.to_dict()
        text = yaml.dump(doc, Dumper=_dumper(yaml), sort_keys=False, allow_unicode=True)
        if path is not None:
            _write(path, doc, text)
        return text

    @classmethod
    def from_json(cls, source: str | os.PathLike[str]) -> Policy:
        """Read a policy from a JSON file, or from JSON text."""
        text, where = read_source(source)
        try:
            doc = json.loads(text, object_pairs_hook=unique_keys)
        except json.JSONDecodeError as exc:
            raise PolicyError(
                f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
            ) from None
        except DuplicateKeyError as exc:
            raise PolicyError(f"{where}: {exc}") from None
        except RecursionError:
            raise PolicyError(f"{where}: nested more than {MAX_DEPTH} levels deep") from None
        return cls.from_dict(doc, where)

    @classmethod
    def from_yaml(cls, source: str | os.PathLike[str]) -> Policy:
        """Read a policy from a YAML file, or from YAML text."""
        import yaml

        text, where = read_source(source)
        try:
            doc = yaml.load(text, Loader=loader())  # noqa: S506 - a SafeLoader, stricter still (see _loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
            raise PolicyError(f"{where}: not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
        except RecursionError:
            raise PolicyError(f"{where}: nested more than {MAX_DEPTH} levels deep") from None
        return cls.from_dict(doc, where)

    @staticmethod
    def json_schema() -> dict[str, Any]:
        """The published JSON Schema every policy document is validated against."""
        return json.loads(schema_text())

    def replace(self, **changes: Any) -> Policy:
        """A copy with some top-level fields changed (``breakers=…``, ``hitl=…``, ``version=…``)."""
        return replace(self, **changes)

    def rules(self) -> list[tuple[str, Any]]:
        """Every active rule as ``(name, limit)``: breakers, budgets, loop limits, then HITL rules."""
        out: list[tuple[str, Any]] = []
        for group in (self.breakers, self.budgets, self.loops):
            for f in fields(group):
                value = getattr(group, f.name)
                if f.name not in _SETTINGS and value is not None:
                    out.append((f.name, value))
        out += [(hitl_name(r), r.threshold) for r in self.hitl]
        return out

    def __str__(self) -> str:
        rules = ", ".join(n if n.startswith("hitl:") else f"{n}={v:g}" for n, v in self.rules())
        return f"Policy v{self.version}{' ' + self.name if self.name else ''}: {rules or 'no rules'}"


# loop settings that are thresholds of rules, not rules
_SETTINGS = frozenset({"window", "repeat_similarity", "repeat_min_words", "min_value"})


def _check_old(doc: dict[str, Any], where: str) -> None:
    """A document of an older schema loads unless a field it holds changed meaning."""
    if doc.get("schema") not in OLD_SCHEMA_IDS:
        return
    breakers = doc.get("breakers") or {}
    hitl = doc.get("hitl") or []
    if isinstance(hitl, list) and any(isinstance(r, dict) and r.get("signal") == "handoffs" for r in hitl):
        at = next(i for i, r in enumerate(hitl) if isinstance(r, dict) and r.get("signal") == "handoffs")
        raise PolicyError(
            f"{where}: hitl[{at}].signal: handoffs in {doc['schema']} counted every hand-off step of a run; "
            f"since {SCHEMA_ID} it counts hand-offs in a row that brought no new tool result or value (what "
            f"breakers.max_handoffs limits), which a threshold set for all hand-offs would leave far too loose. "
            f"Remove the rule, or set schema: {SCHEMA_ID} to keep the threshold with the new meaning"
        )
    if (
        doc.get("schema") != "workbench.policy/v3"
        and isinstance(breakers, dict)
        and breakers.get("max_handoffs") is not None
    ):
        raise PolicyError(
            f"{where}: breakers.max_handoffs: in {doc['schema']} it limited every hand-off step of a run; "
            f"since {SCHEMA_ID} it limits hand-offs in a row that brought no new tool result or value (the "
            f"handoff_breach detector's rule), which a limit set for all hand-offs would leave far too loose. "
            f"Set it to null (or remove it), or set schema: {SCHEMA_ID} to keep the number with the new meaning"
        )
    loops = doc.get("loops") or {}
    if (
        doc.get("schema") == "workbench.policy/v1"
        and isinstance(loops, dict)
        and loops.get("max_pingpong") is not None
    ):
        raise PolicyError(
            f"{where}: loops.max_pingpong: in {doc['schema']} it limited any alternation of two agents; "
            f"since {SCHEMA_ID} it limits work bounced back unchanged (the ping_pong detector's rule), "
            f"which an alternation limit would cut far too early. Set it to null (or remove it), or set "
            f"schema: {SCHEMA_ID} to keep the number with the new meaning"
        )


def hitl_name(rule: HitlRule) -> str:
    """A HITL rule's name in reports: ``hitl:confidence<=0.5@pricer``."""
    op = "<=" if rule.direction == "below" else ">="
    return f"hitl:{rule.signal}{op}{rule.threshold:g}" + (f"@{rule.agent}" if rule.agent else "")


def _non_finite(doc: Any) -> tuple[str, Any] | None:
    """The first limit or threshold that is NaN or infinite (a NaN threshold never fires, an
    infinite one never either: both would silently turn a rule off), with its path."""
    if not isinstance(doc, dict):
        return None
    for group in ("breakers", "budgets", "loops"):
        part = doc.get(group)
        if isinstance(part, dict):
            for key, value in part.items():
                if _beyond_float(value):
                    return f"{group}.{key}", value
    rules = doc.get("hitl")
    if isinstance(rules, list):
        for i, rule in enumerate(rules):
            value = rule.get("threshold") if isinstance(rule, dict) else None
            if _beyond_float(value):
                return f"hitl[{i}].threshold", value
    return None


def _beyond_float(value: Any) -> bool:
    """NaN, infinite, or an integer past a float's range (400 digits: comparing it with a float's limit, or printing
    the policy with ``:g``, raised a bare OverflowError naming neither the file nor the key)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > sys.float_info.max


_SCHEMA_TEXT: str | None = None
_VALIDATOR: Any = None


def schema_text() -> str:
    """The schema file's text (``workbench/policy/policy.schema.json``)."""
    global _SCHEMA_TEXT
    if _SCHEMA_TEXT is None:
        _SCHEMA_TEXT = resources.files(__package__).joinpath("policy.schema.json").read_text("utf-8")
    return _SCHEMA_TEXT


def validate(doc: Any, where: str = "policy") -> None:
    """Validate a policy document; raise one :class:`PolicyError` naming the field path."""
    global _VALIDATOR
    if _VALIDATOR is None:
        schema = json.loads(schema_text())
        check_keywords(schema)
        _VALIDATOR = schema
    errors = sorted(iter_errors(doc, _VALIDATOR), key=lambda e: (list(e.absolute_path), e.validator))
    if errors:
        err = min(errors, key=lambda e: (-len(e.absolute_path), _ORDER.get(e.validator, 9)))
        raise PolicyError(f"{where}: {_path(err)}: {_explain(err)}")
    bad = _non_finite(doc)
    if bad is not None:
        hint = "remove the rule to turn it off" if bad[0].startswith("hitl") else "use null for no limit"
        got = (
            repr(bad[1])
            if isinstance(bad[1], float)
            else f"an integer of about {int(bad[1].bit_length() * math.log10(2)) + 1} digits, past a float's range"
        )
        raise PolicyError(f"{where}: {bad[0]}: must be a finite number, got {got} ({hint})")
    for i, rule in enumerate(doc.get("hitl") or ()):
        why = threshold_out_of_range(rule["signal"], rule["threshold"], rule.get("direction") or "")
        if why is not None:
            raise PolicyError(f"{where}: hitl[{i}].threshold: {why}")


_ORDER = {"type": 0, "required": 1, "additionalProperties": 2, "enum": 3, "const": 3}
_TYPES = {
    "number": "a number",
    "integer": "an integer",
    "string": "a string",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
    "boolean": "true or false",
}


def _path(err: Any) -> str:
    out = ""
    for part in err.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _shown(value: Any) -> str:
    return json.dumps(value, default=str)


def _numeric_text(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _explain(err: Any) -> str:
    kind, got = err.validator, _shown(err.instance)
    if kind == "type":
        wanted = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        names = " or ".join(_TYPES.get(w, w) for w in wanted if w != "null")
        # YAML reads 2 as a number and 2026-01-01 as a date: say how to write them as text
        quote = (
            f" (quote it: '{err.instance}')"
            if "string" in wanted and not isinstance(err.instance, (dict, list, str, type(None)))
            else ""
        )
        # YAML 1.1 reads 1e6 (no dot, no sign) as text: a user who wrote a number needs the spelling it takes
        if (
            isinstance(err.instance, str)
            and {"number", "integer"} & set(wanted)
            and _numeric_text(err.instance)
        ):
            value = float(err.instance)
            spelt = f"{value:.1e}" if "number" in wanted else (f"{int(value)}" if value.is_integer() else "")
            quote = f" (YAML reads {err.instance} as text{f': write {spelt}' if spelt else ''})"
        return f"must be {names}{' (or null)' if 'null' in wanted else ''}, got {got}{quote}"
    if kind == "required":
        missing = [k for k in err.validator_value if k not in err.instance]
        return f"missing required field {missing[0]!r}"
    if kind == "additionalProperties":
        allowed = set(err.schema.get("properties", {}))
        extra = sorted(k for k in err.instance if k not in allowed)
        return f"unknown field {extra[0]!r} (allowed: {', '.join(sorted(allowed))})"
    if kind in ("enum", "const"):
        options = err.validator_value if kind == "enum" else [err.validator_value]
        return f"must be one of {', '.join(_shown(o) for o in options)}, got {got}"
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        op = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[kind]
        return f"must be {op} {err.validator_value}, got {got}"
    return f"{err.message}"


def _yaml_lines(text: str) -> str:
    """YAML text as HTML lines that wrap under their own key: a line wider than its block goes on two characters in
    from where it starts (where YAML itself folds a long scalar), not at column 0, where a provenance note's tail read
    as a key of its own at a 1000 px window (ux41). One block per line, its text unchanged: copied, it is the file."""
    from .._termtext import html_text

    out = []
    for line in text.splitlines():
        hang = len(line) - len(line.lstrip(" ")) + 2
        out.append(
            f"<span style='display:block;padding-left:{hang}ch;text-indent:-{hang}ch'>"
            f"{html_text(line) or ' '}</span>"
        )
    return "".join(out)


_YAML_BREAKS = ("\x85", "\u2028", "\u2029")  # line breaks to YAML 1.1 (PyYAML), beyond \n and \r
_DUMPER: list[Any] = []


def _dumper(yaml: Any) -> Any:
    """PyYAML's safe dumper writing a string that holds NEL, LS or PS double-quoted (escaped there): single-quoted,
    as PyYAML chose for NEL, the reader folded it to a space, and a rule for agent "pricer\\x85v2" read back as one
    for "pricer v2", an agent that does not exist (the one it was written for unguarded)."""
    if not _DUMPER:

        class Dumper(yaml.SafeDumper):
            pass

        def text(dumper: Any, value: str) -> Any:
            style = '"' if any(c in value for c in _YAML_BREAKS) else None
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

        Dumper.add_representer(str, text)
        _DUMPER.append(Dumper)
    return _DUMPER[0]


def _write(path: str | os.PathLike[str], doc: dict[str, Any], text: str) -> None:
    """Write the policy file, refusing one its reader refuses (past the reader's caps on bytes and values: a
    sweep's per-agent rules for many agents, or for agent names of a megabyte, were written, and the guard
    started from that file failed), with the reader's words; nothing is written then."""
    where = f"cannot write policy file {os.fspath(path)}"
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise PolicyError(f"{where}: {TOO_LARGE}")
    check_size(doc, where)
    write_text_atomic(path, text)
