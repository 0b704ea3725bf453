"""False findings on public real logs of systems the detectors were not written for, each on a run of
that shape the test writes: Magentic-One handing off twice a round, a web surfer filling one template
with another item each time, a worker whose only news is a request id."""

from __future__ import annotations

import json
import re
from importlib.resources import files

import duckdb
from _runs import RunBuilder, _hits, _ws

from workbench.detect import DetectorConfig, detect
from workbench.detect._config import NOT_VALUE
from workbench.detect._macros import temp_statements
from workbench.policy import _bounce


def _rounds(run_id: str, answers: list[str]) -> RunBuilder:
    """Magentic-One as Who&When logs it: each round the orchestrator hands the surfer an instruction
    and the surfer reports (two hand-offs a round)."""
    run = RunBuilder(run_id, task="Find the opening hours of the bakeries on Elm Street.")
    for answer in answers:
        run.add(kind="handoff", agent="Orchestrator", output="Please open the next result.")
        run.add(kind="agent", agent="WebSurfer", output=answer)
    return run


def test_hand_offs_that_keep_bringing_results_are_no_breach_those_that_stopped_are() -> None:
    # handoff_breach fired on 29 of the 58 Who&When Hand-Crafted runs: 16 to 59 hand-offs against a
    # fixed limit of 15, though Magentic-One hands off twice a round by design.
    working = _rounds(
        "working",
        [
            f"Bakery {k} at {100 + k} Elm Street opens at {6 + k % 3}:30, phone 555-01{k:02d}."
            for k in range(20)
        ],
    )
    stuck = _rounds(
        "stuck",
        [f"Bakery {k} at {100 + k} Elm Street opens at 7:30." for k in range(3)]
        + ["The page did not load; I see the same search results as before."] * 17,
    )
    found = detect(_ws(working, stuck), detectors=["breach"])
    (hit,) = _hits(found, "handoff_breach")
    assert hit["run_id"] == "stuck"
    attrs = json.loads(hit["attributes"])
    # the surfer's third report is its last with news: from the orchestrator's fourth instruction (s07) on,
    # 34 hand-offs in a row brought nothing new
    assert attrs["handoffs"] == 34 and attrs["run_handoffs"] == 39 and attrs["limit"] == 15
    assert hit["step_id"] == attrs["first_step"] == "s07"
    assert (
        "34 hand-offs in a row between Orchestrator, WebSurfer brought no new tool result or value"
        in hit["detail"]
    )
    # a stricter limit trips earlier on the same stretch
    (hit,) = _hits(
        detect(_ws(stuck), detectors=["breach"], config=DetectorConfig(max_handoffs=4)), "handoff_breach"
    )
    assert json.loads(hit["attributes"])["tripped_at"] == "s11"


def _surfer(run_id: str, pages: list[tuple[str, str]]) -> RunBuilder:
    run = RunBuilder(run_id)
    for ask, page in pages:
        run.add(kind="handoff", agent="Orchestrator", output=ask)
        run.add(kind="agent", agent="WebSurfer", output=page)
    return run


_CHROME = (
    "Here is a screenshot of the search results. The viewport shows 31% of the webpage, and is positioned at "
    "the top of the page. Automatic OCR of the page screenshot has detected the following text: Microsoft "
    "Bing Search Copilot Images Videos Maps News More Tools Deep search Sign in Rewards Restaurants nearby "
    "Open now Rating Price Cuisine Delivery Takeout Reservations"
)


def test_a_template_filled_in_for_another_item_is_no_repeated_reply_the_same_page_again_is() -> None:
    # Who&When Hand-Crafted: a surfer clicking one restaurant after another ("I clicked 'Palma'. Here is a
    # screenshot of ...") was "nearly the same thing 5 times in a row" (word sets 82 % alike).
    places = ["Palma", "Westville Hudson", "Awash Ethiopian", "Union Square Cafe", "Sneekers Cafe"]
    browsing = _surfer(
        "browsing",
        [(f"Please open the page of {p}.", f"I clicked '{p}'.\n{_CHROME} {p} New York") for p in places],
    )
    stuck = _surfer(
        "stuck",
        [
            (
                f"Please pick June in the month selection (try {k}).",
                f"I clicked 'Month Selection'.\n{_CHROME} Weather History You visited this page "
                f"{k} seconds ago",
            )
            for k in (3, 9, 14, 20)
        ],
    )
    found = detect(_ws(browsing, stuck), detectors=["repeated_reply", "ping_pong"])
    # the surfer stuck on one page, with an orchestrator asking again, is ping-pong as well
    assert {(h["run_id"], h["detector"]) for h in found.to_dict("records")} == {
        ("stuck", "repeated_reply"),
        ("stuck", "ping_pong"),
    }
    (hit,) = _hits(found, "repeated_reply")
    assert json.loads(hit["attributes"])["replies"] == 4 and "nearly the same thing" in hit["detail"]


def test_a_request_id_is_no_progress_between_two_bounces() -> None:
    # ping_pong read the digits of a UUID ("12345678-9012-...") as new values, so a worker whose only
    # news was another request id had made progress; values.sql already read a UUID as one token, no value.
    run = RunBuilder("bounced")
    draft = (
        "Here is the draft of the supplier summary: the vendor ships batteries in packs of twenty four and "
        "delivers within a week of the order."
    )
    for k in range(4):
        run.add(kind="agent", agent="writer", output=draft)
        run.add(
            kind="agent",
            agent="reviewer",
            output=f"Please revise the draft (review {k + 1}234567{k}-1234-4abc-"
            f"8def-0123456789ab); it must cite the supplier contract.",
        )
    (hit,) = _hits(detect(_ws(run), detectors=["ping_pong"]), "ping_pong")
    assert json.loads(hit["attributes"])["repeated_by"] == ["writer"]


# Awkward texts the detectors and the guard must read the same values in (the pattern is one definition,
# workbench/_stated_values.py, compiled by RE2 in DuckDB and by Python's re: this holds the two engines alike).
AWKWARD = [
    "USD12.50 or 12.50USD, EUR 12,50 and 1.234,50 €; [12,50] is a list",
    "order 3f2b8c1e-9a4d-4e6f-b2a1-0c9d8e7f6a5b and lc_run--3f2b8c1e-9a4d-4e6f-b2a1-0c9d8e7f6a5b-0",
    "5.4 million users, 3 Million, 1420 cents, 2\tbillion, 7 thousandth",
    "SKU-7 ships 3-6 days, order_12 at 14:05, v1.2.3, 2024-01-05, ABC123",
    "It is -6 C (was -2.5), the balance -1,234.50 USD, -3 million, EUR -12,50, x=-4, t:-9",
    "- 6 items\n-7 degrees\nUTC-5, e-5, 5-",
    "--8 flag, a--9, 1e-5, +3, −6 (a Unicode minus)",
    "Ünïcödé 12 ½ 3⁄4 ٣ 12\u00a0500 −6",
    "",
]


def test_the_guard_reads_the_values_the_detectors_read() -> None:
    con = duckdb.connect()
    for stmt in temp_statements("macros"):
        con.execute(stmt)
    for text in AWKWARD:
        (sql,) = con.execute("SELECT det_value_tokens(?)", [text]).fetchall()[0]
        assert sql == _bounce.value_tokens(text), text
    assert _bounce._NOT_VALUE.pattern == NOT_VALUE
    # a leading minus is the number's sign; the hyphen of an identifier or a range, a list's dash, are not
    assert _bounce.value_tokens(AWKWARD[4]) == ["-6", "-2.5", "-1,234.50", "-3 million", "-12.50", "-4", "-9"]
    assert _bounce.value_tokens(AWKWARD[5]) == ["6", "-7", "UTC-5", "e-5", "5"]
    assert _bounce.is_value("-6", 5) and not _bounce.is_value("-4", 5)
    macros = files("workbench.detect").joinpath("sql", "macros.sql").read_text(encoding="utf-8")
    (head,) = re.findall(r"regexp_extract\(t, '([^']*)', 1\), (\d+)\)", macros)
    assert (_bounce._FIRST_LINE.pattern.lstrip("^"), _bounce._HEAD) == (head[0].lstrip("^"), int(head[1]))


def test_the_guard_reads_the_opening_words_as_the_detectors_do() -> None:
    ws = _ws(RunBuilder("r"))
    for stmt in temp_statements("macros"):
        ws.con.execute(stmt)
    texts = [
        "\n\n  I clicked 'Palma'.\r\nHere is a screenshot",
        "x" * 130 + " tail",
        "Ünïcödé Straße 12\nnext",
        "\t\f\rfirst line only",
        "e\u0301" * 70 + " end",
        "",
        "no-newline, one line of words",
    ]
    for text in texts:
        (sql,) = ws.con.execute("SELECT det_head_words(?)", [text]).fetchall()[0]
        assert frozenset(sql) == _bounce.head_words(text), text
