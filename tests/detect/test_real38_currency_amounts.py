"""Amounts written with a currency code glued to the number, or with a decimal comma (real38).

Before: the value checks (values.sql's det_value_tokens) read no number in "USD12.50", the number 12 in
"12.50USD" and the numbers 12 and 50 in "EUR 12,50". An answer quoting the backend's price of "USD12.50" as
"12.50 USD" had "made up" 12.50: a false critical silent failure ("reported success, but the final answer
12.50 (made up upstream)") on a run that was right. And a made-up price glued to its code ("USD99.00" for
the backend's USD12.50) went unseen. The guard's value scan (policy/_bounce.py) reads amounts alike.
"""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.detect import detect
from workbench.detect._macros import temp_statements
from workbench.policy import _bounce


def _run(run_id: str, tool_price: str, answer: str) -> list[dict]:
    """A run reported a success: a tool returns a price record, an LLM step answers with the price."""
    record = f'{{"sku": "WID-7", "price": "{tool_price}", "stock": 40}}'
    return [
        {"record": "run", "run_id": run_id, "outcome": "success", "task": "What does WID-7 cost?"},
        {
            "run_id": run_id,
            "step_id": "1",
            "agent": "clerk",
            "kind": "tool",
            "tool": "price_lookup",
            "input": '{"sku": "WID-7"}',
            "output": record,
            "started_at": "2026-03-01T10:00:01Z",
            "ended_at": "2026-03-01T10:00:02Z",
        },
        {
            "run_id": run_id,
            "step_id": "2",
            "agent": "clerk",
            "kind": "llm",
            "input": f"The tool said: {record}",
            "output": answer,
            "started_at": "2026-03-01T10:00:03Z",
            "ended_at": "2026-03-01T10:00:04Z",
        },
    ]


RIGHT = [
    ("USD12.50", "WID-7 costs 12.50 USD."),
    ("12.50USD", "WID-7 costs $12.50."),
    ("EUR 12,50", "WID-7 costs 12.50 EUR."),
    ("12,50 €", "WID-7 costs EUR 12.50."),
    ("12.50 USD", "WID-7 costs USD12.50."),
    ("€1.234,50", "WID-7 costs 1234.50 EUR."),
    ("USD 1,234.50", "WID-7 costs USD1,234.50."),
    ("EUR12,50", "WID-7 costs 12,50EUR."),
    ("12.50 USD", "WID-7 costs 1250 cents."),  # (in cents: the same amount, detect55)
    ("-12.50 USD", "WID-7 is credited at -12.50 USD."),  # (a signed amount quoted with its sign)
]
MADE_UP = [
    ("12.50", "WID-7 costs 99.00 USD.", "99.00"),
    ("USD12.50", "WID-7 costs USD99.00.", "99.00"),
    ("EUR 12,50", "WID-7 costs 12,80 EUR.", "12.80"),
    ("12.50USD", "WID-7 costs 21.50USD.", "21.50"),
    ("12.50 USD", "WID-7 costs 1520 cents.", "1520 cents"),
    # (a minus the backend never wrote: read as 12.50 until values56, no finding; quoted with its sign)
    ("12.50 USD", "WID-7 is credited at -12.50 USD.", "-12.50"),
]


@pytest.fixture(scope="module")
def silent() -> dict[tuple[str, str], list[tuple]]:
    """Each case's run in one store, detected once (the detectors read a run's own steps: a run of each case
    in a store of its own, as until suite49, found the same; twelve stores and detect calls cost ~0.5 CPU s
    each): the silent_failure findings (severity, detail) of each (tool price, answer)."""
    cases = [(price, answer) for price, answer in RIGHT] + [(price, answer) for price, answer, _ in MADE_UP]
    ws = wb.open()
    ws.ingest(
        [rec for n, (price, answer) in enumerate(cases) for rec in _run(f"r{n}", price, answer)],
        progress=False,
    )
    detect(ws)
    found = {case: [] for case in cases}
    rows = ws.sql(
        "SELECT run_id, severity, detail FROM findings WHERE detector = 'silent_failure' "
        "ORDER BY run_id, severity, detail"
    ).fetchall()
    for run_id, severity, detail in rows:
        found[cases[int(run_id[1:])]].append((severity, detail))
    ws.close()
    return found


@pytest.mark.parametrize("tool_price, answer", RIGHT)
def test_an_answer_repeating_the_backends_amount_is_no_silent_failure(
    silent: dict[tuple[str, str], list[tuple]], tool_price: str, answer: str
) -> None:
    assert silent[tool_price, answer] == []


@pytest.mark.parametrize("tool_price, answer, made_up", MADE_UP)
def test_a_made_up_amount_is_still_a_critical_silent_failure(
    silent: dict[tuple[str, str], list[tuple]], tool_price: str, answer: str, made_up: str
) -> None:
    ((severity, detail),) = silent[tool_price, answer]
    assert severity == "critical" and f"final answer {made_up} (" in detail, detail
    # the clerk that answered stated it first: made up there, not upstream of it (values56)
    assert f"{made_up} (made up); first stated by clerk" in detail, detail


TEXTS = [
    "USD12.50",
    "12.50USD",
    "EUR 12,50",
    "12,50 €",
    "€1.234,50",
    "1.234.567,89 EUR",
    "EUR 1,234.50",
    "[12,50]",
    '{"ids": [12,50]}',
    "ABC123 and INV2024",
    "USDC12",
    "XUSD12",
    "12,500 EUR",
    "$5",
    "€ 7,25.",
    "SKU-7 at EUR12,50 or 12,50EUR",
    "GBP 3 million",
    "PHP8.2",
    "v1.2,34",
    "12,34",
    "12.50 usd",
    "1250 cents, 3 Cents",
]


def test_the_guard_reads_amounts_as_the_detectors_do() -> None:
    ws = wb.open()
    for stmt in temp_statements("macros"):
        ws.con.execute(stmt)
    for text in TEXTS:
        (sql,) = ws.con.execute("SELECT det_value_tokens(?)", [text]).fetchall()[0]
        assert sql == _bounce.value_tokens(text), text
    found = {t: _bounce.value_tokens(t) for t in TEXTS}
    assert found["USD12.50"] == found["12.50USD"] == found["EUR 12,50"] == found["12,50 €"] == ["12.50"]
    assert found["€1.234,50"] == ["1234.50"] and found["1.234.567,89 EUR"] == ["1234567.89"]
    assert found["EUR 1,234.50"] == ["1,234.50"] and found["12,500 EUR"] == ["12,500"]
    # (a decimal comma with no currency beside it, a JSON list, is two numbers; three capitals and digits no number)
    assert found["[12,50]"] == ["12", "50"] and found["12,34"] == ["12", "34"]
    assert found["ABC123 and INV2024"] == [] and found["USDC12"] == [] and found["XUSD12"] == []
    assert found["SKU-7 at EUR12,50 or 12,50EUR"] == ["SKU-7", "12.50", "12.50"]
    assert found["1250 cents, 3 Cents"] == ["1250 cents", "3 Cents"]  # (an amount in cents, with its word)
