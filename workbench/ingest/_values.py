"""Small value conversions shared by the adapters: timestamps, durations, log-probabilities."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# The fraction of the seconds (a dot, or a decimal comma as ISO 8601 allows and Python's logging writes asctime,
# "10:00:00,250"): after a time's seconds, extended "10:00:00" or basic "100000", and nowhere else. Not after an
# offset's ("+01:00:00"): fromisoformat reads "+01:00.5" and "10:00,5" (half a minute in ISO 8601) as fractions
# of a second, so text that still has a dot or comma once this is cut is refused. ASCII digits only (re.ASCII):
# Python's \d and int() take any script's ('.٥' read as half a second, where fromisoformat refuses such an hour).
_FRACTION = re.compile(r"(?<![\d:+\-])(\d\d:\d\d:\d\d|\d{6})[.,](\d+)", re.ASCII)


def iso_to_ns(value: Any) -> int | None:
    """Nanoseconds since the epoch of an ISO-8601 timestamp (``Z`` or an offset; naive = UTC; its fraction
    after a dot or a comma).

    Integers pass through (taken as nanoseconds); ``None`` and ``''`` give ``None``.
    Raises ``ValueError`` on text that is not a timestamp.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a timestamp: {value!r}")
        return int(value)
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    text = value.strip()
    # (ASCII only: str.isdigit and int take Arabic-Indic digits, which no clock writes)
    if text.isascii() and text.isdigit():
        return int(text)
    written = text
    # datetime keeps microseconds only: carry the sub-microsecond digits ourselves.
    frac_ns = 0
    m = _FRACTION.search(text)
    if m:
        frac_ns = int((m.group(2) + "000000000")[:9])
        text = text[: m.start()] + m.group(1) + text[m.end() :]
    if "." in text or "," in text:  # a second fraction, or one after the zone, an offset or the minutes
        raise ValueError(f"Invalid isoformat string: {written!r}")
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError as exc:
        # (its message names the text it was given, cut and with Z spelled out: the text as written instead)
        if str(exc).startswith("Invalid isoformat string"):
            raise ValueError(f"Invalid isoformat string: {written!r}") from None
        raise
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000 + frac_ns


class TimeRangeError(ValueError):
    """A time the store cannot hold; its message names the field (a reason as it is, no "ValueError:")."""


def checked_ns(value: int | None, what: str) -> int | None:
    """``value`` when it is a time the store can hold (1970 to 2262 in nanoseconds); else TimeRangeError."""
    if value is not None and not 0 <= value < 2**63:
        raise TimeRangeError(f"{what} is out of range ({value} ns since 1970; the range is 1970 to 2262)")
    return value


_ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$",
    re.ASCII,  # (\d takes any script's digits: 'PT٠.٩S' is no ISO-8601 duration)
)


def iso_duration_ms(value: Any) -> float | None:
    """Milliseconds of an ISO-8601 duration such as ``PT1.5S`` (numbers are taken as seconds)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) * 1000.0
    m = _ISO_DURATION.match(str(value).strip())
    if not m or not any(m.groupdict().values()):
        raise ValueError(f"not an ISO-8601 duration: {value!r}")
    parts = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    return ((parts["d"] * 24 + parts["h"]) * 60 + parts["m"]) * 60_000 + parts["s"] * 1000.0


def logprob_stats(content: Any) -> tuple[float | None, float | None]:
    """(confidence, entropy) from OpenAI-style ``logprobs.content``.

    ``content`` is a list of ``{"token", "logprob", "top_logprobs": [{"token", "logprob"}, …]}``
    (or a JSON string of it, or a dict holding it under ``content``). Entropy is in nats: for each
    token, the entropy of its top-k distribution renormalised to sum to one, averaged over tokens.
    Confidence is the geometric-mean probability of the chosen tokens, ``exp(mean logprob)``.
    Returns ``(None, None)`` when there is nothing usable; never makes a number up.
    """
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return None, None
    if isinstance(content, dict):
        content = content.get("content", content.get("logprobs"))
        if isinstance(content, dict):
            content = content.get("content")
    if not isinstance(content, list) or not content:
        return None, None
    chosen: list[float] = []
    entropies: list[float] = []
    for tok in content:
        if not isinstance(tok, dict):
            continue
        lp = tok.get("logprob")
        if isinstance(lp, (int, float)) and not isinstance(lp, bool) and math.isfinite(lp):
            chosen.append(min(float(lp), 0.0))
        top = tok.get("top_logprobs")
        if isinstance(top, list) and top:
            lps = [t.get("logprob") for t in top if isinstance(t, dict)]
            lps = [
                float(x)
                for x in lps
                if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
            ]
            if lps:
                peak = max(lps)
                ps = [math.exp(x - peak) for x in lps]
                z = sum(ps)
                entropies.append(-sum((p / z) * math.log(p / z) for p in ps if p > 0))
    confidence = math.exp(sum(chosen) / len(chosen)) if chosen else None
    entropy = sum(entropies) / len(entropies) if entropies else None
    return confidence, entropy
