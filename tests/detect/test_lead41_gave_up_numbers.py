"""gave_up on give-ups that state numbers of their own: a delay to wait, a year, a phone number, a step count.

Give-ups name numbers the run was never given as often as made-up answers do; a rule reading such a number as a
result (tried at merge in round 41) lost these.
"""

from __future__ import annotations

import warnings

import pytest
from _runs import _ws
from test_detect40_gave_up import _run

import workbench as wb

ANSWERS = {
    "plain": "Sorry, I could not get the widget's price.",
    "minutes": "Sorry, the price service is unavailable right now; please try again in 15 minutes.",
    "year": "Sorry, I could not fetch the 2025 price list.",
    "phone": "Unfortunately I could not get the price. Call us at 555-0142.",
    "steps": "I'm sorry, I was unable to complete step 2 of 3 because the pricing tool failed.",
}


@pytest.fixture(scope="module")
def found() -> dict[str, list[str]]:
    runs = [_run(name, answer=text) for name, text in ANSWERS.items()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        findings = wb.detect(_ws(*runs), progress=False)
    return {r.run_id: sorted(findings[findings["run_id"] == r.run_id]["detector"]) for r in runs}


@pytest.mark.parametrize("run_id", list(ANSWERS))
def test_a_give_up_naming_numbers_of_its_own_still_gave_up(found: dict[str, list[str]], run_id: str) -> None:
    assert "gave_up" in found[run_id]
