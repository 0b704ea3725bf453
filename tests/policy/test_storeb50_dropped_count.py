"""``GuardSpanProcessor.quarantined`` counted a span dropped at its start or end (``_SpanRuns._dropped``) under its
run's lock only, while every other count of it is under the processor's lock: two runs' threads could lose one
(review50). The count is now made under the processor's lock; a probe lock tells whether it is held."""

from __future__ import annotations

import threading
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from workbench.guard_spans import GuardSpanProcessor  # noqa: E402
from workbench.policy import Budgets, Policy  # noqa: E402


class _Probe:
    """The processor's lock, telling whether it is held."""

    def __init__(self) -> None:
        self.lock, self.held = threading.Lock(), False

    def __enter__(self) -> None:
        self.lock.acquire()
        self.held = True

    def __exit__(self, *exc: Any) -> None:
        self.held = False
        self.lock.release()


class _Count(int):
    """The count, noting whether the probe was held when it was added to."""

    def __new__(cls, value: int, probe: _Probe, seen: list[bool]) -> _Count:
        made = super().__new__(cls, value)
        made.probe, made.seen = probe, seen
        return made

    def __add__(self, other: object) -> _Count:
        self.seen.append(self.probe.held)
        return _Count(int(self) + int(other), self.probe, self.seen)  # type: ignore[call-overload]


def test_a_dropped_span_is_counted_under_the_processors_lock() -> None:
    guard = GuardSpanProcessor(Policy(budgets=Budgets(max_tool_calls_run=4)))
    probe, seen = _Probe(), []
    guard._lock = probe  # type: ignore[assignment]
    guard.quarantined = _Count(0, probe, seen)
    guard._dropped("0" * 32, 1, "a test's reason")
    assert guard.quarantined == 1 and seen == [True]
