"""A Jaeger span whose ``duration`` is hugely negative (``-10**30`` µs, ``-1e300``). mend48 quarantines a duration
longer than any step the store can hold (jaeger.py ``_LONGEST_MS``, attack48's A6), but checks only ``>``: a
negative one of that size passes, reaches the step sink's int64 columns and fails the whole file (``IngestError:
... OverflowError: Python int too large to convert to C long; nothing was stored``), naming neither the span nor
its line, where ``-5000`` is quarantined alone with its line. One bad record must cost only itself. attack49's
(strict xfail, mended by mend49: the bound holds either way); a trace of two spans."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_attack48_jaeger_duration import test_a_huge_duration_costs_only_its_span as _costs_only_its_span


@pytest.mark.parametrize("duration", [-(10**30), -1e300], ids=["int", "float"])
def test_a_hugely_negative_duration_costs_only_its_span(duration: float, tmp_path: Path) -> None:
    # (attack48's check of a huge duration, on its two-span trace: one span stored, the other quarantined with its line)
    _costs_only_its_span(duration, tmp_path)
