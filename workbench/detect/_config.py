"""Detector thresholds: one object read by the detectors, the policy and the runtime guard."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from .._params import is_integer, is_number, plain_number
from ..exceptions import InvalidParameterError

# Ids an LLM API hands out and the agents pass along by design (OpenAI tool calls ``call_…`` and
# completions ``chatcmpl-…``, responses ``resp_…`` / ``msg_…`` / ``fc_…``, Anthropic ``toolu_…`` /
# ``msg_…``, Bedrock ``tooluse_…``): never a value an agent made up.
# ... nor is a UUID (message, run and request ids: their hex groups are no numbers).
NOT_VALUE = r"^(?:(?i:call|chatcmpl|resp|msg|fc|toolu|tooluse)[-_]|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-)"


@dataclass(frozen=True)
class DetectorConfig:
    """Thresholds of every detector, with defaults an SRE would start from.

    Parameters
    ----------
    loop_min_turns : int
        A cycle of tool calls (same agent, tool and normalised arguments) must turn at least this
        many times to be a loop. Two identical successful calls in a row are already waste; the
        finding is critical from twice this many.
    loop_max_period : int
        Longest cycle of tool calls looked for (1 = the same call repeated).
    pingpong_min_exchanges : int
        Hand-offs back and forth between the same two agents (A→B→A→B is 3 exchanges) while the
        work does not move: an agent's turn says what its turn before said (nearly, see
        ``repeat_similarity``) and the other agent's turn between brought no new tool result and
        no value (identifier, decimal, number from ``silent_min_value``) its turn before did not
        state. An orchestrator sending a worker off again and again with new requests is not
        ping-pong.
    repeat_min_replies : int
        The same agent giving the same reply (or nearly, see ``repeat_similarity``) this many times
        in a row is a repeated reply; critical from twice this many.
    repeat_min_words : int
        Replies with fewer distinct words are not looked at for repetition: "OK", "TERMINATE" and
        "Thanks!" are said again and again in healthy runs. A message that only calls tools (no
        text) is no reply either: repeated calls are loops.
    repeat_similarity : float
        Two texts are nearly the same when they open with the same words (those of their first
        line's first 120 characters: what a reply is about) and their sets of words overlap this
        much (Jaccard: shared words over all words; 1 = the same words). A template filled in for
        another item is no repeat.
    max_tool_calls_run, max_tool_calls_agent : int
        Tool-call budgets per run and per agent within a run (storms).
    max_depth : int
        Deepest nesting of spans (chain depth) before the circuit breaker would trip.
    max_handoffs : int
        Hand-offs between agents in a row that bring nothing new: the agent handed the work
        brought no new tool result and stated no value (as ping-pong counts them) that the task
        or an earlier step had not. A count of all hand-offs would be a per-system threshold (an
        orchestrator handing off twice a round makes sixty in a healthy run); hand-offs that keep
        bringing results are work.
    max_run_latency_ms, max_step_latency_ms : float
        Latency budgets for a whole run and for one step.
    max_retries : int
        A failing call retried more than this many times is a retry without end (critical);
        fewer retries are reported as warnings.
    silent_min_value : float
        Integers below this are not checked by the groundedness check (ordinals and small counts
        are too common in prose to be evidence).
    drift_windows : int
        Time windows the history is cut into when an agent's model/version does not change.
    drift_alpha : float
        False-discovery rate (Benjamini–Hochberg) across all drift tests.
    drift_min_runs : int
        Runs an agent needs in a window for that window to be tested.
    """

    loop_min_turns: int = 2
    loop_max_period: int = 3
    pingpong_min_exchanges: int = 3
    repeat_min_replies: int = 3
    repeat_min_words: int = 3
    repeat_similarity: float = 0.8
    max_tool_calls_run: int = 25
    max_tool_calls_agent: int = 10
    max_depth: int = 10
    max_handoffs: int = 15
    max_run_latency_ms: float = 120_000.0
    max_step_latency_ms: float = 30_000.0
    max_retries: int = 3
    silent_min_value: float = 10.0
    drift_windows: int = 6
    drift_alpha: float = 0.01
    drift_min_runs: int = 30

    _BOUNDS = {
        "loop_min_turns": 2,
        "loop_max_period": 1,
        "pingpong_min_exchanges": 2,
        "repeat_min_replies": 2,
        "repeat_min_words": 1,
        "repeat_similarity": 0.0,
        "max_tool_calls_run": 1,
        "max_tool_calls_agent": 1,
        "max_depth": 1,
        "max_handoffs": 1,
        "max_run_latency_ms": 0.0,
        "max_step_latency_ms": 0.0,
        "max_retries": 0,
        "silent_min_value": 0.0,
        "drift_windows": 2,
        "drift_alpha": 0.0,
        "drift_min_runs": 2,
    }

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            low = self._BOUNDS[f.name]
            # (NaN compares false with every bound: it passed them all, and a NaN budget never tripped)
            if not is_number(value) or value != value:
                raise InvalidParameterError(f"{f.name!r} must be a number (got {value!r})")
            if f.type == "int" and not is_integer(value):
                raise InvalidParameterError(f"{f.name!r} must be an integer (got {value!r})")
            if value < low:
                raise InvalidParameterError(f"{f.name!r} must be >= {low} (got {value!r})")
            # (a NumPy number read from a frame is taken, as Python's: to_dict's policy and fingerprint are JSON)
            object.__setattr__(self, f.name, plain_number(value))
        if not self.drift_alpha < 1:
            raise InvalidParameterError(f"'drift_alpha' must be < 1 (got {self.drift_alpha!r})")
        if not 0 < self.repeat_similarity <= 1:
            raise InvalidParameterError(
                f"'repeat_similarity' must be in (0, 1] (got {self.repeat_similarity!r})"
            )

    def to_dict(self) -> dict[str, Any]:
        """The thresholds as a plain dict (for YAML/JSON policies)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DetectorConfig:
        """Build from a dict, naming any unknown key."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidParameterError(f"unknown detector setting(s) {unknown}; known: {sorted(known)}")
        return cls(**data)

    def params(self) -> dict[str, Any]:
        """Named SQL parameters (``$name``) for the detector queries."""
        return {**self.to_dict(), "not_value": NOT_VALUE}
