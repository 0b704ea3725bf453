"""HITL thresholds on signals that are never negative (policy/_model.py ``THRESHOLD_RANGE``): round 48 refused a
confidence outside [0, 1] and a negative entropy because "outside them a rule is every step or none in disguise, and
the file said nothing of it". A latency, a token count, a cost, a count of tool calls, retries or handoffs is never
negative either, and ``latency_ms >= -5`` escalates every step just as ``entropy >= -5`` does, but THRESHOLD_RANGE
names only confidence and entropy, so the file loads without a word. And a threshold written as an integer past a
float's range (400 digits) makes that range check itself fail: a bare ``OverflowError: int too large to convert to
float`` (``math.isnan`` of the int), naming neither the file nor the key. attack49's (strict xfails, mended by mend49: every
signal but confidence is bounded below by 0, and an integer past a float's range is no finite number)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.exceptions import PolicyError
from workbench.policy import Policy


@pytest.mark.parametrize("signal", ["latency_ms", "tokens_in", "cost", "retries"])
def test_a_negative_threshold_on_a_signal_never_negative_is_refused(tmp_path: Path, signal: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(f"schema: workbench.policy/v4\nhitl:\n- {{signal: {signal}, threshold: -5}}\n", "utf-8")
    with pytest.raises(PolicyError, match=r"hitl\[0\]\.threshold"):
        Policy.from_yaml(path)


@pytest.mark.parametrize("signal", ["confidence", "entropy"])
def test_a_threshold_past_a_floats_range_is_refused_naming_the_key(tmp_path: Path, signal: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        f"schema: workbench.policy/v4\nhitl:\n- {{signal: {signal}, threshold: 1{'0' * 400}}}\n", "utf-8"
    )
    with pytest.raises(PolicyError, match=r"hitl\[0\]\.threshold"):
        Policy.from_yaml(path)
