"""The hand-off rule skips scanning a text said again while none of its values can have been forgotten:
the same counts as scanning every text, whatever the memory bound."""

from __future__ import annotations

import random

import pytest

from workbench.policy import _handoffs
from workbench.policy._handoffs import Handoffs

PAGES = [
    "Order ORD-17 shipped, 3 items, total 412.50",
    "no results",
    "Page 2 of 9: SKU-88 at 19.99",
    "Click, or drop your file here",
    "population 5.4 million (2024)",
    "ORD-17: status pending since 2024-03-02",
    "retrying with id 7f3c9a2e-1b4d-4c8e-9a1f-2b3c4d5e6f70",
    "SKU-88 SKU-89 SKU-90 SKU-91 SKU-92",
]


def _counts(seed: int) -> list[int]:
    rng = random.Random(seed)
    hand = Handoffs(10.0)
    hand.given("find ORD-17")
    out = []
    for i in range(600):
        out.append(hand.step_of(rng.choice(["orchestrator", "surfer", "coder"])))
        # mostly pages read again, now and then a new figure (which pushes old ones out of a small memory)
        text = rng.choice(PAGES) if rng.random() < 0.8 else f"step {i}: {rng.randint(10, 10**6)} rows"
        hand.output(rng.choice(["tool", "llm"]), "browser", text, rng.random() < 0.9)
    out.append(hand.finish())
    return out


@pytest.mark.parametrize("max_values", [4, 16, 2048])
@pytest.mark.parametrize("seed", range(6))
def test_texts_said_again_count_as_when_scanned(
    monkeypatch: pytest.MonkeyPatch, max_values: int, seed: int
) -> None:
    monkeypatch.setattr(_handoffs, "_MAX_VALUES", max_values)
    remembered = _counts(seed)
    monkeypatch.setattr(_handoffs, "_MAX_TEXTS", 0)  # no text remembered: every text scanned
    assert _counts(seed) == remembered
    assert max(remembered) > 0


def test_a_text_said_again_is_not_scanned_again(monkeypatch: pytest.MonkeyPatch) -> None:
    hand = Handoffs(10.0)
    hand.output("tool", "browser", PAGES[0], True)
    calls = []
    real = _handoffs.value_tokens
    monkeypatch.setattr(_handoffs, "value_tokens", lambda text: calls.append(text) or real(text))
    hand.output("tool", "browser", PAGES[0], True)
    assert calls == []
    hand.output("llm", None, PAGES[2], True)
    assert calls == [PAGES[2]]
