"""What agents said, read step by step: the ping-pong and repeated-reply rules of the decision core.

The same rules as the detectors (``detect/sql/replies.sql``, ``pingpong.sql``, ``repeats.sql``), read
incrementally as a guard sees steps instead of over a finished run:

- A *reply* is the text of an LLM call, hand-off, human turn or agent step: the ``"text"`` /
  ``"content"`` strings of a JSON message, nothing for a message that only calls tools, else the
  output itself. The same reply: equal but for case and whitespace. Nearly the same: both of 80
  characters or more, of about the same length, opening with the same words (those of the first
  line's first 120 characters: a templated reply naming another item is another reply), their word
  sets (of the first 2,000 characters) overlapping by ``repeat_similarity``.
- A *turn* is a stretch of one agent's steps. Ping-pong is work bounced back unchanged: a turn of A
  right after B's turn that came right after A's previous one, saying what that turn said (its
  replies and tool outputs), with no new tool result in it or in B's turn, and no value in B's turn
  that B's turn before did not state. Bounces between the same two agents, each within two turns of
  the last, make a stretch of ``last - first + 2`` exchanges.
- A *repeated reply*: an agent's reply (of ``repeat_min_words`` words or more) the same as, or nearly,
  its reply before; a chain of them counts the replies in it.

A turn is judged when it ends, at the first step of the next turn (its steps are all known then).
What the guard cannot see that the detectors do: which agent steps wrap others (the detectors leave
those out, as they repeat what the calls under them said). Here an agent step's reply that is the
same as a call's reply already in its turn, or a call's reply the same as an agent step's already in
the turn, is left out instead. Memory is bounded: tool outputs seen before are remembered for the last
``_MAX_SEEN`` distinct ones, a turn keeps its first ``_TURN_TEXT`` characters of long texts (a turn
of one agent speaking for hours reads its words from those), each agent its last reply.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict, deque
from typing import Any

from .. import _stated_values

REPLY_KINDS = frozenset({"llm", "agent", "handoff", "human"})
_MAX_SEEN = 512
_TURN_TEXT = 16_000  # characters of long texts a turn keeps for its words and values
_MAX_AGENTS = 256
_LONG = 80  # replies this long or longer may be nearly the same as another
_KEEP = 2000  # characters of a long text its words are read from
# RE2's \s, as the SQL side strips it
_SPACES = str.maketrans("", "", " \t\n\f\r")
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
_HAS_TEXT = re.compile(r'"(?:text|content)"\s*:\s*"')
# a JSON string's body written as runs of plain characters between escapes: the same matches as
# ((?:[^"\\]|\\.)*), without one alternation per character (a 10 MB reply: 0.09 s instead of 1.9 s)
_TEXT = re.compile(r'"(?:text|content)"\s*:\s*"([^"\\]*(?:\\.[^"\\]*)*)"')
_CALLS = re.compile(r'(?i)tool_?calls?|function_?call|tool_?use|"tool(?:_?name)?"\s*:|"arguments"\s*:')
_WORDS = re.compile(r"[^\W_]+")
# the first line of a text (leading blanks skipped), of which the first _HEAD characters count
_FIRST_LINE = re.compile(r"[ \t\n\f\r]*([^\n]*)")
_HEAD = 120
# The values a text states (a UUID as one token, an identifier such as SKU-7, a number with its sign and its scale
# word) and the amounts read before them: workbench/_stated_values.py's patterns, which detect/sql/macros.sql's
# det_value_tokens() reads too. The ids an LLM API hands out and UUIDs are no values (detect/_config.py's NOT_VALUE):
# a copy, as the guard imports nothing of the detectors; tests/policy holds them equal.
_VALUES = re.compile(_stated_values.VALUES, re.ASCII)
# The same matches, found cheaper (the guard scans every new output; bench/guard.py --outputs): a letter
# run or a digit run is never given back (what follows it, [-_] or , . \b, cannot follow a shorter
# one, so backtracking into it never matches: possessive), and a text with fewer than four hyphens
# holds no UUID, so the UUID branch is not tried at each of its positions.
_FAST_NUMBER = _stated_values.NUMBER.replace("[0-9]+(?:,", "[0-9]++(?:,", 1)
_FAST_REST = (
    rf"\b(?:{_stated_values.IDENT.replace('{1,12}[-_]', '{1,12}+[-_]', 1)}|{_FAST_NUMBER})"
    rf"|{_stated_values.MINUS}{_FAST_NUMBER}"
)
if _FAST_REST.count("+[-_]") != 1 or _FAST_REST.count("[0-9]++") != 2:  # the patterns changed: redo these
    raise RuntimeError("policy/_bounce.py: the fast value patterns no longer follow _stated_values.VALUES")
_VALUES_FAST = re.compile(_stated_values.UUID + "|" + _FAST_REST, re.ASCII)
_VALUES_NO_UUID = re.compile(_FAST_REST, re.ASCII)
# Amounts, as det_amounts() reads them before its values: a currency code glued to its number set apart
# ("USD12.50"), a decimal comma beside a currency written with a point ("EUR 12,50").
_AMOUNT = re.compile(_stated_values.AMOUNT, re.ASCII)
_GLUED = re.compile(_stated_values.GLUED, re.ASCII)
_COMMA_AFTER = re.compile(_stated_values.COMMA_AFTER, re.ASCII)
_COMMA_BEFORE = re.compile(_stated_values.COMMA_BEFORE, re.ASCII)


def amounts(text: str) -> str:
    """``text`` with its amounts written as the value pattern reads them (``det_amounts``)."""
    if not _AMOUNT.search(text):
        return text
    text = _GLUED.sub(_stated_values.GLUED_AS, text)
    text = _COMMA_AFTER.sub(_stated_values.COMMA_AFTER_AS, text)
    return _COMMA_BEFORE.sub(_stated_values.COMMA_BEFORE_AS, text)


# det_value_scale(): a number with a scale word ("3 million") is the number it stands for
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "cents": 1e-2}
_NOT_VALUE = re.compile(
    r"^(?:(?i:call|chatcmpl|resp|msg|fc|toolu|tooluse)[-_]|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-)"
)


def as_text(output: Any) -> str | None:
    """A step's output as the store keeps it: a string as is, anything else as compact JSON."""
    if output is None or isinstance(output, str):
        return output
    return _ENCODE(output)


def reply_text(output: str) -> str | None:
    """What a person would read of a reply (see the module docstring); ``None`` for a tool call."""
    if output.lstrip(" ")[:1] in ("{", "["):
        try:
            json.loads(output)
        except RecursionError:
            pass  # nested past Python's parser: JSON all the same, as the store's json_valid reads it
        except ValueError:
            return output
        if _HAS_TEXT.search(output):
            return " ".join(_TEXT.findall(output))
        if _CALLS.search(output):
            return None
    return output


def words(texts: list[str]) -> frozenset[str]:
    return (
        frozenset(_WORDS.findall((texts[0] if len(texts) == 1 else " ".join(texts)).lower()))
        if texts
        else frozenset()
    )


def head_words(text: str) -> frozenset[str]:
    """The words a text opens with (``det_head_words`` in detect/sql/macros.sql): what it is about."""
    match = _FIRST_LINE.match(text)
    return words([match.group(1)[:_HEAD]]) if match else frozenset()


def nearly(a: frozenset[str], b: frozenset[str], similarity: float) -> bool:
    """Word sets overlapping by ``similarity`` (Jaccard); two empty sets are not alike."""
    if not a or not b:
        return False
    shared = len(a & b)
    return shared >= similarity * (len(a) + len(b) - shared)


def is_value(token: str, min_value: float) -> bool:
    """Whether a token ``_VALUES`` found is a value (what the detectors count as one): an identifier
    or a decimal, a whole number from ``min_value``; no id an LLM API hands out, no UUID."""
    if ("-" in token or "_" in token) and _NOT_VALUE.match(token):
        return False
    if token[0] >= "A" or "." in token:
        return True
    digits, *scale = token.split()
    return abs(float(digits.replace(",", ""))) * (_SCALE[scale[0].lower()] if scale else 1.0) >= min_value


def value_tokens(text: str) -> list[str]:
    """The value-like tokens of a text (``det_value_tokens``), in order; :func:`is_value` says which count."""
    text = amounts(text)
    return (_VALUES_FAST if text.count("-") >= 4 else _VALUES_NO_UUID).findall(text)


def sized_alike(n: int, m: int, similarity: float) -> bool:
    low, high = min(n, m), max(n, m)
    return low >= _LONG and low >= similarity * high


class Turn:
    """One agent's stretch of steps: what it said (hashes in order, total length, long texts) and
    whether it brought a new tool result."""

    __slots__ = ("agent", "h", "n_chars", "texts", "kept", "progress", "replies", "wrapped", "_words")

    def __init__(self, agent: str) -> None:
        self.agent = agent
        self.h = 0  # what it said, in order: a hash chained over each reply's and output's
        self.n_chars = 0
        self.texts: list[str] = []
        self.kept = 0
        self.progress = False
        self.replies: set[int] = set()  # hashes of the replies of calls, hand-offs, human turns
        self.wrapped: set[int] = set()  # and of agent steps (which may wrap those calls)
        self._words: frozenset[str] | None = None

    def said(self, h: int, n_chars: int, text: str | None) -> None:
        self.h = hash((self.h, h))
        self.n_chars += n_chars
        if n_chars >= _LONG and text is not None and self.kept < _TURN_TEXT:
            text = text[:_KEEP]
            self.texts.append(text)
            self.kept += len(text)

    def words(self) -> frozenset[str]:
        if self._words is None:
            self._words = words(self.texts)
        return self._words

    def head(self) -> frozenset[str]:
        return frozenset().union(*(head_words(t) for t in self.texts))

    def values(self) -> set[str]:
        return {v for t in self.texts for v in value_tokens(t)}


class Talk:
    """A run's turns and replies, as far as the two rules need them (bounded memory)."""

    __slots__ = ("turn", "closed", "t", "seen", "streaks", "last_reply")

    def __init__(self) -> None:
        self.turn: Turn | None = None
        self.closed: deque[Turn] = deque(maxlen=3)  # the turns t-1, t-2, t-3 before the open one
        self.t = 0
        self.seen: OrderedDict[int, None] = OrderedDict()
        self.streaks: dict[tuple[str, str], list[int]] = {}  # agent pair -> [first bounce, last bounce]
        self.last_reply: dict[str | None, tuple[int, int, str | None, list[Any]]] = {}

    # -- turns ------------------------------------------------------------------------------
    def step_of(self, agent: str, similarity: float, min_value: float) -> int:
        """A step of ``agent`` begins; when it begins a new turn, the turn that ended is judged: the
        exchanges of its stretch of bounces, 0 when it is no bounce, -1 when no turn ended."""
        turn = self.turn
        if turn is not None and turn.agent == agent:
            return -1
        exchanges = -1
        if turn is not None:
            exchanges = self._judge(turn, similarity, min_value)
            self.closed.appendleft(turn)
        self.turn = Turn(agent)
        self.t += 1
        return exchanges

    def finish(self, similarity: float, min_value: float) -> int:
        """The run ended: judge its last turn (as :meth:`step_of` does)."""
        turn, self.turn = self.turn, None
        if turn is None:
            return -1
        exchanges = self._judge(turn, similarity, min_value)
        self.closed.appendleft(turn)
        return exchanges

    def _judge(self, turn: Turn, similarity: float, min_value: float) -> int:
        closed = self.closed
        if len(closed) < 2:
            return 0
        other, before = closed[0], closed[1]
        if before.agent != turn.agent or turn.progress or other.progress or turn.n_chars == 0:
            return 0
        if turn.h != before.h:
            if not (
                sized_alike(turn.n_chars, before.n_chars, similarity)
                and turn.head() == before.head()
                and nearly(turn.words(), before.words(), similarity)
            ):
                return 0
        # a worker that answers the same request with new figures made progress
        stated = closed[2].values() if len(closed) == 3 and closed[2].agent == other.agent else set()
        if any(is_value(v, min_value) for v in other.values() - stated):
            return 0
        t = self.t
        pair = (turn.agent, other.agent) if turn.agent < other.agent else (other.agent, turn.agent)
        streak = self.streaks.get(pair)
        if streak is not None and t - streak[1] <= 2:
            streak[1] = t
        else:
            streak = self.streaks[pair] = [t, t]
        for key in [k for k, s in self.streaks.items() if s[1] < t - 2]:
            del self.streaks[key]
        return t - streak[0] + 2

    # -- what a step said -------------------------------------------------------------------
    def tool_output(self, agent: str | None, tool: str | None, output: Any, ok: bool) -> None:
        text = as_text(output)
        key = hash((tool, text))
        first = key not in self.seen
        self.seen[key] = None
        if first:
            if len(self.seen) > _MAX_SEEN:
                self.seen.popitem(last=False)
        else:
            self.seen.move_to_end(key)
        turn = self.turn
        if turn is not None and agent == turn.agent:
            turn.said(hash(text), len(text) if text is not None else 0, text)
            if ok and first:
                turn.progress = True

    def reply(self, agent: str | None, kind: str, output: Any, similarity: float, min_words: int) -> int:
        """Record a reply; return the replies in the agent's chain of repeats it ends (0: no reply)."""
        raw = as_text(output)
        if raw is None:
            return 0
        text = reply_text(raw)
        if text is None:
            return 0
        packed = text.translate(_SPACES).lower()
        if not packed:
            return 0
        h, n = hash(packed), len(text)
        turn = self.turn if self.turn is not None and self.turn.agent == agent else None
        if turn is not None:
            # an agent step echoing a call under it (or the call echoing its agent step): said once;
            # two agent steps (or two calls) saying the same are two replies
            if h in (turn.replies if kind == "agent" else turn.wrapped):
                return 0
            seen = turn.wrapped if kind == "agent" else turn.replies
            if len(seen) < _MAX_SEEN:
                seen.add(h)
            turn.said(h, n, text)
        if n - len(packed) + 1 < min_words:
            return 0
        last = self.last_reply
        prev = last.get(agent)
        chain = 1
        kept = text[:_KEEP] if n >= _LONG else None
        cache: list[Any] = [None]
        if prev is not None:
            ph, pn, ptext, pcache = prev
            if h == ph:
                chain = prev_chain(prev) + 1
            elif (
                sized_alike(n, pn, similarity)
                and kept is not None
                and ptext is not None
                and head_words(kept) == head_words(ptext)
            ):
                if pcache[0] is None:
                    pcache[0] = words([ptext])
                cache[0] = words([kept])
                if nearly(cache[0], pcache[0], similarity):
                    chain = prev_chain(prev) + 1
        if prev is not None or len(last) < _MAX_AGENTS:
            cache.append(chain)
            last[agent] = (h, n, kept, cache)
        return chain


def prev_chain(prev: tuple[int, int, str | None, list[Any]]) -> int:
    return int(prev[3][1])
