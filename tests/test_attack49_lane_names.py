"""The timeline's lane names (round 48, ``plots/_lanes.py``): "whole on one line when it fits, else on two", so that
"two agents of one prefix" no longer look alike. Two ways they still do, on names logs give:

- two agents whose names differ only in the middle (``agents.research.us_east.web_searcher_v2`` and
  ``…eu_west…``) are drawn as the same two lines (``agents.research.`` / ``…t.web_searcher_v2``): the lanes read
  alike, only the tooltip tells them apart;
- an agent name holding newlines (log text, untrusted) is drawn on as many lines as it holds (``lineBreak="\\n"``),
  each 11 px, over the lanes above and below it;
- a bidi override in a name (U+202E, Trojan Source) is drawn as given, reversing what the lane reads
  (``"\u202egnp.exe"`` reads ``exe.png``), where every HTML view shows it as a stand-in (``_termtext.clean``).

attack49's (strict xfails, mended by mend49: ``drawn_names``; low: the tooltip has the whole name), on the names
the chart is handed."""

from __future__ import annotations

import altair as alt

from workbench.plots._lanes import lane_names


def _drawn(lanes: list[str]) -> list[str]:
    return list(lane_names(lanes, alt.Y("agent:N", sort=lanes)).data["lane_name"])


def test_two_agents_get_two_lane_names() -> None:
    lanes = ["agents.research.us_east.web_searcher_v2", "agents.research.eu_west.web_searcher_v2"]
    drawn = _drawn(lanes)
    assert len(set(drawn)) == 2, drawn


def test_a_lane_name_is_at_most_two_lines() -> None:
    (drawn,) = _drawn(["planner\n\n\n\n\n\nreviewer"])
    assert drawn.count("\n") <= 1, repr(drawn)


def test_a_lane_name_shows_no_bidi_override() -> None:
    (drawn,) = _drawn(["\u202egnp.exe"])
    assert "\u202e" not in drawn, repr(drawn)
