"""The Arabic letter mark (U+061C) is one of Unicode's three implicit bidi marks with U+200E / U+200F (which
clean() shows): it reorders the neutral characters around it (UAX #9; the Trojan Source list), and was printed
and shown in HTML as it came."""

from __future__ import annotations

from workbench._termtext import clean, html_text


def test_arabic_letter_mark_shown_as_a_stand_in() -> None:
    name = "planner\u061c 1 -> 2"
    assert clean(name) == "planner<U+061C> 1 -> 2"
    assert "\u061c" not in html_text(name) and "U+061C" in html_text(name)
